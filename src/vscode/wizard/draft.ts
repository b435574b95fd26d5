import {
  cloudFrontIsChoice, DEFAULT_TIER, describeSource, type DiscoveredVpc, type InstanceTypeInfo, type Placement, type PriceSource, type StackConfigInput, type Tier,
} from '../../engine';
import {
  defaultOllamaWorkersDraft, defaultScaleDraft, retier, type Draft, type InstanceChoice, type WizardPriceSource, type WizardVpc,
} from '../../protocol/wizard';

/** Conversions between the protocol's shapes and the engine's (pure, no vscode). */

export interface DraftDefaults {
  tier: Tier;
  region: string;
  instanceType: string;
  market: 'spot' | 'on-demand';
  profile?: string;
}

/** A new stack's starting point: the settings' defaults and the engine's own defaults for everything else. */
export function defaultDraft(defaults: DraftDefaults): Draft {
  const draft: Draft = {
    name: '', tier: DEFAULT_TIER, region: defaults.region, network: { mode: 'new' },
    instanceType: defaults.instanceType, market: defaults.market, onDemandFallback: true,
    services: { n8n: true, ollama: true, qdrant: true, crawl4ai: true, postgres: true },
    ollamaModels: ['llama3.2:3b'], access: { mode: 'ssm' },
    ...(defaults.profile ? { profile: defaults.profile } : {}),
  };
  // The default tier's access and instance type, exactly as choosing that tier in the wizard gives them.
  return defaults.tier === DEFAULT_TIER ? draft : retier(draft, defaults.tier, defaults.instanceType);
}

/**
 * The draft as the engine's input. Its strings are not yet checked against the engine's enums (region):
 * everything that consumes this runs the engine's schema on it, which is the point of the wizard's checks.
 */
export function draftInput(draft: Draft): StackConfigInput {
  const { profile, cloudFront, notifyEmail, ...rest } = draft;
  // cloudFront is an option only where the tier leaves it to the user (the engine refuses it elsewhere): a tier change drops it.
  return {
    ...rest, ...(profile ? { profile } : {}), ...(cloudFront && cloudFrontIsChoice(draft.tier) ? { cloudFront } : {}),
    ...(notifyEmail?.trim() ? { notifyEmail: notifyEmail.trim() } : {}),
  } as StackConfigInput;
}

const cut = (value: string, max = 64) => value.slice(0, max);

/** Discovered networks in protocol form (bounded, so a huge account cannot make the message too large). */
export function vpcChoices(vpcs: readonly DiscoveredVpc[]): WizardVpc[] {
  return vpcs.slice(0, 100).map((vpc) => ({
    id: cut(vpc.id), cidr: cut(vpc.cidr), isDefault: vpc.isDefault,
    ...(vpc.name ? { name: cut(vpc.name, 256) } : {}), ...(vpc.stack ? { stack: cut(vpc.stack) } : {}),
    subnets: vpc.subnets.slice(0, 200).map((s) => ({ id: cut(s.id), zone: cut(s.zone), cidr: cut(s.cidr), public: s.public })),
    publicZones: vpc.publicZones.slice(0, 32).map((z) => cut(z)),
  }));
}

/** A price's source as the UI labels it. */
export function sourceLabel(source: PriceSource): WizardPriceSource {
  const label = source.kind === 'estimated' ? `estimated: ${source.reason}` : describeSource(source);
  return { kind: source.kind, label: cut(label, 200) };
}

/** The tier's types with their sizes, without prices (when the cost engine could not be asked at all). */
export function instanceChoices(types: readonly InstanceTypeInfo[]): InstanceChoice[] {
  return types.slice(0, 64).map((t) => ({
    type: cut(t.type), vcpus: t.vcpus, memoryGiB: t.memoryGiB, gpus: t.gpus, zones: t.zones.slice(0, 32).map((z) => cut(z)),
    ...(t.gpuName ? { gpuName: cut(t.gpuName) } : {}), ...(t.gpuMemoryGiB === undefined ? {} : { gpuMemoryGiB: t.gpuMemoryGiB }),
  }));
}

/** The cost engine's ranking (cheapest first): on-demand, cheapest spot and its AZ, savings, the recommended market. */
export function placementChoices(placements: readonly Placement[]): InstanceChoice[] {
  return placements.slice(0, 64).map((p) => {
    const [choice] = instanceChoices([p.type]);
    return {
      ...choice!,
      ...(p.onDemand ? { onDemand: { usd: p.onDemand.usd, source: sourceLabel(p.onDemand.source) } } : {}),
      ...(p.spot ? { spot: { usd: p.spot.usd, zone: cut(p.spot.zone), source: sourceLabel(p.spot.source) } } : {}),
      ...(p.savings === undefined || !Number.isFinite(p.savings) ? {} : { savingsPercent: Math.max(-1000, Math.min(100, Math.round(p.savings * 100))) }),
      recommended: { market: p.recommended.market, why: cut(p.recommended.why, 300) },
    };
  });
}

/** The config keys the wizard's steps edit; anything else in a file is carried through untouched. */
const DRAFT_KEYS = ['name', 'tier', 'profile', 'region', 'network', 'instanceType', 'market', 'onDemandFallback', 'services', 'ollamaModels', 'access', 'cloudFront', 'notifyEmail', 'scale'] as const;

export interface DraftFromFile {
  draft: Draft;
  /** Settings the wizard has no step for (rootVolumeGb, monthlyBudgetUsd, …): kept and deployed as written. */
  extras: Record<string, unknown>;
  /** Each extra as "key: value", and each setting the wizard could not take, for the user to see. */
  notes: string[];
}

/**
 * A parsed config file as the wizard's starting point. Values are not judged here: the wizard's steps check
 * them with the engine's schema and show each problem on its step. Only a value the draft cannot even hold
 * (a wrong type) falls back to the default, and says so.
 */
export function draftFromFile(raw: Record<string, unknown>, defaults: Draft, parse: (candidate: unknown) => { success: true; data: Draft } | { success: false }): DraftFromFile {
  const notes: string[] = [];
  let draft: Draft = defaults;
  for (const key of DRAFT_KEYS) {
    if (!(key in raw)) continue;
    const withValue = parse({ ...draft, [key]: key === 'services' && isObject(raw[key]) ? { ...defaults.services, ...raw[key] } : key === 'scale' ? withScaleDefaults(raw[key]) : raw[key] });
    if (withValue.success) draft = withValue.data;
    else notes.push(`${key}: the wizard cannot show ${cut(JSON.stringify(raw[key]) ?? String(raw[key]), 80)}; using ${cut(JSON.stringify(draft[key]) ?? 'the default', 80)} instead`);
  }
  const extras = Object.fromEntries(Object.entries(raw).filter(([key]) => !(DRAFT_KEYS as readonly string[]).includes(key)));
  for (const [key, value] of Object.entries(extras)) notes.push(cut(`${key}: ${JSON.stringify(value)} (kept from the file)`, 300));
  return { draft, extras, notes: notes.slice(0, 20) };
}

/**
 * A file's scale section over the defaults the engine would give it (a file may say only `scale: {}`), so the step
 * shows every value deploy will use. Anything that is not a mapping is left for the draft's parse to refuse.
 */
function withScaleDefaults(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (!isObject(value)) return value;
  const defaults = defaultScaleDraft();
  const { n8nWorkers, ollamaWorkers, ...rest } = value;
  return {
    ...defaults, ...rest,
    n8nWorkers: isObject(n8nWorkers) ? { ...defaults.n8nWorkers, ...n8nWorkers } : n8nWorkers ?? defaults.n8nWorkers,
    ...(ollamaWorkers === undefined || ollamaWorkers === null ? {} : { ollamaWorkers: isObject(ollamaWorkers) ? { ...defaultOllamaWorkersDraft(), ...ollamaWorkers } : ollamaWorkers }),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
