import type { InstanceTypeInfo } from '../../engine/discovery/instance-types';
import type { DiscoveredVpc } from '../../engine/discovery/networks';
import { ON_DEMAND_USD_PER_HOUR } from '../../engine/cost/fallback-prices';
import type { StackConfigInput, Tier } from '../../engine/stack/config';
import type { Draft, InstanceChoice, WizardVpc } from '../../protocol/wizard';

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
  return {
    name: '', tier: defaults.tier, region: defaults.region, network: { mode: 'new' },
    instanceType: defaults.instanceType, market: defaults.market, onDemandFallback: true,
    services: { n8n: true, ollama: true, qdrant: true, crawl4ai: true, postgres: true },
    ollamaModels: ['llama3.2:3b'], access: { mode: 'ssm' },
    ...(defaults.profile ? { profile: defaults.profile } : {}),
  };
}

/**
 * The draft as the engine's input. Its strings are not yet checked against the engine's enums (region):
 * everything that consumes this runs the engine's schema on it, which is the point of the wizard's checks.
 */
export function draftInput(draft: Draft): StackConfigInput {
  const { profile, ...rest } = draft;
  return { ...rest, ...(profile ? { profile } : {}) } as StackConfigInput;
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

/** The tier's types with their sizes and the bundled on-demand price (estimated: live prices come later). */
export function instanceChoices(types: readonly InstanceTypeInfo[]): InstanceChoice[] {
  return types.slice(0, 64).map((t) => {
    const price = ON_DEMAND_USD_PER_HOUR[t.type];
    return {
      type: cut(t.type), vcpus: t.vcpus, memoryGiB: t.memoryGiB, gpus: t.gpus, zones: t.zones.slice(0, 32).map((z) => cut(z)),
      ...(t.gpuName ? { gpuName: cut(t.gpuName) } : {}), ...(t.gpuMemoryGiB === undefined ? {} : { gpuMemoryGiB: t.gpuMemoryGiB }),
      ...(price === undefined ? {} : { onDemandUsdPerHour: price }),
    };
  });
}
