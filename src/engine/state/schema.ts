import { z } from 'zod';
import { JOURNAL_KINDS, type JournalKind } from '../kinds';
import { stackConfigSchema } from '../stack/config';

export const CURRENT_SCHEMA_VERSION = 2;

/** Derived from the kinds (src/engine/kinds): adding one keeps old state files valid, no version bump. */
export const RESOURCE_KINDS = JOURNAL_KINDS;
export type ResourceKind = JournalKind;

/**
 * One journal entry. "intent" is written before the AWS call (with the idempotency token),
 * "created" the moment AWS returns the id, "deleted" once AWS confirms it is gone.
 */
export const resourceRecordSchema = z.strictObject({
  key: z.string().min(1),
  kind: z.enum(RESOURCE_KINDS),
  status: z.enum(['intent', 'created', 'deleted']),
  id: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  /** Non-secret facts other steps or the UI need (AZ, ARN, DNS name…). */
  attrs: z.record(z.string(), z.string()).default({}),
  /** True when the resource was not created by us (an existing VPC or subnet): never deleted. */
  external: z.boolean().default(false),
  updatedAt: z.string(),
});
export type ResourceRecord = z.output<typeof resourceRecordSchema>;

export const STACK_STATUSES = [
  'new', 'deploying', 'deployed', 'deploy_failed', 'pausing', 'paused', 'destroying', 'destroy_failed', 'destroyed',
] as const;
export type StackStatus = (typeof STACK_STATUSES)[number];

/**
 * One stretch of time an instance of the stack ran (from launch to termination), for cost to date.
 * `endedAt` is absent while it runs; recorded by deploy (launch, and an instance found gone: at the time EC2
 * says), pause and destroy (termination).
 */
export const computeIntervalSchema = z.strictObject({
  instanceId: z.string().min(1),
  instanceType: z.string().min(1),
  market: z.enum(['spot', 'on-demand']),
  zone: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  /** When a deploy last found the instance alive: where the run ends if EC2 later forgets the instance. */
  lastSeenAt: z.string().optional(),
});
export type ComputeInterval = z.output<typeof computeIntervalSchema>;

/** An instance the Auto Scaling group replaced (a spot interruption, a failed health check), and why. */
export const replacementSchema = z.strictObject({
  at: z.string(),
  oldInstanceId: z.string().min(1),
  newInstanceId: z.string().min(1),
  zone: z.string(),
  instanceType: z.string(),
  market: z.enum(['spot', 'on-demand']),
  reason: z.string(),
});
export type Replacement = z.output<typeof replacementSchema>;

/** One applied configuration: a deploy that finished records the config it applied as the next version. */
export const appliedVersionSchema = z.strictObject({
  version: z.number().int().positive(),
  at: z.string(),
  /** The host that applied it. */
  machine: z.string(),
  /** The diff that made it, in words ("instanceType t3.xlarge → t3.2xlarge"); "first deploy" for version 1. */
  summary: z.array(z.string()),
  config: stackConfigSchema,
});
export type AppliedVersion = z.output<typeof appliedVersionSchema>;

export const stackStateSchema = z.strictObject({
  schemaVersion: z.literal(CURRENT_SCHEMA_VERSION),
  name: z.string().min(1),
  /** Random id for this stack's lifetime, also tagged on every resource. */
  stackId: z.string().min(1),
  status: z.enum(STACK_STATUSES),
  region: z.string().min(1),
  /** The host that first deployed the stack (tagged as geusemaker:created-on); absent in older files. */
  createdOn: z.string().optional(),
  config: stackConfigSchema,
  resources: z.record(z.string(), resourceRecordSchema),
  /** What the last deploy actually did about capacity (e.g. "spot in us-east-1b"). */
  notes: z.array(z.string()).default([]),
  /** Every instance's running time (schema version 2). */
  compute: z.array(computeIntervalSchema).default([]),
  /** Instances the group replaced, oldest first (the last 50). */
  replacements: z.array(replacementSchema).default([]),
  /** Every configuration a deploy applied, oldest first (the last 100); `config` is the newest one's. */
  history: z.array(appliedVersionSchema).default([]),
  /**
   * A change being applied (or that failed part-way): the config asked for, while `config` stays the last one
   * applied in full. The journal's records say which resources already have the new form.
   */
  pending: z.strictObject({ config: stackConfigSchema, startedAt: z.string(), summary: z.array(z.string()) }).optional(),
  /**
   * What the stack runs, pinned at its first deploy so a redeploy never upgrades by surprise: the container images
   * and the AMI. `geusemaker upgrade` moves them to the release's tested set and the newest AMI of the family.
   */
  pins: z.strictObject({
    images: z.record(z.string(), z.string()),
    amiId: z.string().optional(),
    amiName: z.string().optional(),
    /** The GeuseMaker release whose tested set the images came from. */
    release: z.string(),
    at: z.string(),
  }).optional(),
  /** When each secret (by name, e.g. postgres-password) was last rotated by `secrets rotate`. */
  secretRotations: z.record(z.string(), z.string()).default({}),
  /** File systems a restore switched the stack away from: kept until the user deletes them (never by destroy without --delete-data). */
  retiredFileSystems: z.array(z.strictObject({ id: z.string().min(1), retiredAt: z.string(), reason: z.string() })).default([]),
  lastError: z
    .strictObject({ code: z.string(), message: z.string(), nextStep: z.string(), at: z.string() })
    .optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type StackState = z.output<typeof stackStateSchema>;
