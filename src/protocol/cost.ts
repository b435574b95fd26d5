import * as z from 'zod';
import { isoTime, readySchema, rejectedSchema, requestId, responseSchema, text } from './common';
import { stackTargetSchema } from './health';

/** The cost panel's messages, both ways; the panel's view type and its persisted state. */

export { COST_VIEW_TYPE } from './view-types';
/** Share of the budget at which the projection warns (the budget watcher's first threshold). */
export const BUDGET_ALERT_PERCENT = 80;
export const MAX_STACKS = 40;

const usd = z.number().nonnegative().max(10_000_000);

export const COST_ITEMS = [
  'compute', 'ebs', 'efs', 'public-ipv4', 'alb', 'cloudfront', 'data-transfer', 'backup',
  'n8n-workers', 'ollama-workers', 'database', 'queue-cache', 'internal-alb',
] as const;
export type CostItem = (typeof COST_ITEMS)[number];
/** The items only a stack with `scale` has: shown when its estimate prices them, left out (not "not used") otherwise. */
export const SCALE_COST_ITEMS: readonly CostItem[] = ['n8n-workers', 'ollama-workers', 'database', 'queue-cache', 'internal-alb'];

/** Where a price came from, and the words the panel shows for it ("live", "cached 5 min ago", "estimated"). */
export const priceSourceSchema = z.strictObject({ kind: z.enum(['live', 'cached', 'estimated']), label: text(64) });
export type PriceSourceView = z.infer<typeof priceSourceSchema>;

export const estimateLineSchema = z.strictObject({
  item: z.enum(COST_ITEMS),
  label: text(64),
  usd,
  /** The price, quantity and assumptions behind the number. */
  basis: text(500),
  source: priceSourceSchema,
  /** False for items the stack's tier does not have (shown as not used). */
  included: z.boolean(),
  /** A worker pool's line: priced at `workers` (its size now, else its min); `atMaxUsd` is the month at `max` workers. */
  pool: z.strictObject({ workers: z.number().int().min(0).max(100), min: z.number().int().min(0).max(100), max: z.number().int().min(0).max(100), atMaxUsd: usd }).optional(),
});
export type EstimateLineView = z.infer<typeof estimateLineSchema>;

export const costPointSchema = z.strictObject({ at: isoTime, usd });
export type CostPointView = z.infer<typeof costPointSchema>;

export const spotSavingsSchema = z.strictObject({
  onDemandComputeUsd: usd,
  savedUsd: z.number().min(-10_000_000).max(10_000_000),
  percent: z.number().min(-1000).max(100),
});

export const budgetViewSchema = z.strictObject({
  budgetUsd: usd,
  monthToDateUsd: usd,
  /** Month to date plus today's hourly rate until the month ends. */
  projectedUsd: usd,
  reached: z.array(z.union([z.literal(80), z.literal(100)])).max(2),
});
export type BudgetView = z.infer<typeof budgetViewSchema>;

export const stackCostSchema = z.strictObject({
  target: stackTargetSchema,
  region: text(32),
  tier: text(32),
  status: text(32),
  instanceType: text(64),
  market: z.enum(['spot', 'on-demand']),
  /** An instance is running, so compute bills by the hour. */
  running: z.boolean(),
  /** Pause applies (the stack is deployed or its deploy failed with an instance). */
  canPause: z.boolean(),
  /** Absent when no believable price is known: the panel says unknown, never $0. */
  hourlyUsd: usd.optional(),
  hourlyBasis: text(500),
  hourlySource: priceSourceSchema,
  monthToDateUsd: usd.optional(),
  monthToDateBasis: text(500).optional(),
  /** A month of the stack while running, broken down; absent when no price is known. */
  estimate: z.strictObject({
    totalUsd: usd,
    lines: z.array(estimateLineSchema).max(COST_ITEMS.length),
    /** A scaled stack's month with every worker pool at its max (totalUsd has them at their size now, else their min). */
    totalAtMaxUsd: usd.optional(),
  }).optional(),
  spotSavings: spotSavingsSchema.optional(),
  budget: budgetViewSchema.optional(),
  /** Cumulative cost this month at each UTC midnight and now. */
  series: z.array(costPointSchema).max(33),
  /** What could not be worked out, classified, with the next step. */
  error: text(2000).optional(),
});
export type StackCost = z.infer<typeof stackCostSchema>;

export const costTotalSchema = z.strictObject({
  /** The stacks whose hourly cost is known; `unknownHourly` counts the others. */
  hourlyUsd: usd,
  unknownHourly: z.number().int().min(0).max(MAX_STACKS),
  monthToDateUsd: usd,
  /** Every stack at today's rate for a whole month (running: its estimate; paused: its kept storage). */
  monthlyAtRateUsd: usd,
  spotSavedUsd: z.number().min(-10_000_000).max(10_000_000),
  series: z.array(costPointSchema).max(33),
});
export type CostTotal = z.infer<typeof costTotalSchema>;

export const costSnapshotSchema = z.strictObject({
  stacks: z.array(stackCostSchema).max(MAX_STACKS),
  total: costTotalSchema,
  /** The stack the panel was opened for (scrolled to and focused). */
  focus: stackTargetSchema.optional(),
  checkedAt: isoTime.optional(),
  refreshing: z.boolean(),
  /** The refresh failed as a whole. */
  error: text(2000).optional(),
});
export type CostSnapshot = z.infer<typeof costSnapshotSchema>;

export const costUpdateSchema = z.strictObject({ type: z.literal('cost'), snapshot: costSnapshotSchema });

export const hostToCostSchema = z.discriminatedUnion('type', [costUpdateSchema, responseSchema]);
export type HostToCost = z.infer<typeof hostToCostSchema>;

export const costToHostSchema = z.discriminatedUnion('type', [
  readySchema,
  rejectedSchema,
  z.strictObject({ type: z.literal('refresh'), id: requestId }),
  z.strictObject({ type: z.literal('pause'), id: requestId, stack: stackTargetSchema }),
]);
export type CostToHost = z.infer<typeof costToHostSchema>;
export type CostRequest = Extract<CostToHost, { id: number }>;

/** What the webview keeps with setState, and the serializer gets back after a reload. */
export const costPanelStateSchema = z.strictObject({ version: z.literal(1), snapshot: costSnapshotSchema });
export type CostPanelState = z.infer<typeof costPanelStateSchema>;
