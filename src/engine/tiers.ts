/**
 * The tiers, as one table of plain data. Every tier rule lives here: the engine, src/protocol, the webviews and
 * the CLI read it (it imports nothing, so a browser bundle can take it without zod or the SDK).
 * To add a tier: add its name to TIERS and its row to TIER_TABLE; the compiler lists what else must answer.
 */

export const TIERS = ['dev', 'automation', 'gpu'] as const;
export type Tier = (typeof TIERS)[number];

/** The parts a stack can have, in deploy order; a tier takes a subset (scale: any tier, when the config has a scale section). Each resource kind (src/engine/kinds) names its part. */
export const STACK_PARTS = ['network', 'security-groups', 'iam', 'secrets', 'efs', 'load-balancer', 'instance', 'cloudfront', 'scale'] as const;
export type StackPart = (typeof STACK_PARTS)[number];

/** CloudFront in front of the load balancer: always there, the user's choice, or never. */
export type CloudFrontRule = 'always' | 'optional' | 'never';
export type AccessMode = 'ssm' | 'cidr' | 'load-balancer';

export interface TierSpec {
  readonly tier: Tier;
  /** What the tier adds, in a sentence for the wizard and help. */
  readonly adds: string;
  /** Parts the tier deploys (cloudfront only where the rule or the user turns it on). */
  readonly parts: readonly StackPart[];
  /** An Application Load Balancer with a public URL is the way in. */
  readonly loadBalancer: boolean;
  readonly cloudFront: CloudFrontRule;
  /** NVIDIA GPU instance, Deep Learning AMI, ComfyUI. */
  readonly gpu: boolean;
  /** Access modes the tier accepts; the first is its default. */
  readonly accessModes: readonly AccessMode[];
  /** The instance type a new stack of this tier gets. */
  readonly defaultInstanceType: string;
  /** The type the tier's indicative monthly price is quoted at. */
  readonly typicalInstanceType: string;
  /** The types the wizard offers. */
  readonly candidateTypes: readonly string[];
  /** Families taken without asking (gpu: a few $/hour at most); empty means any non-accelerated family. */
  readonly allowedFamilies: readonly string[];
}

// Written out in full (no spreads or calls), so a bundle that reads none of it can drop it.
export const TIER_TABLE: { readonly [T in Tier]: TierSpec & { readonly tier: T } } = {
  dev: {
    tier: 'dev',
    adds: 'One instance and an EFS file system; services through SSM tunnels.',
    parts: ['network', 'security-groups', 'iam', 'secrets', 'efs', 'instance'],
    loadBalancer: false,
    cloudFront: 'never',
    gpu: false,
    accessModes: ['ssm', 'cidr'],
    defaultInstanceType: 't3.xlarge',
    typicalInstanceType: 't3.xlarge',
    candidateTypes: ['t3.large', 't3.xlarge', 't3.2xlarge', 't3a.xlarge', 't4g.xlarge', 'm7i.large', 'm7i.xlarge', 'm7g.xlarge', 'm6i.xlarge', 'r6i.large', 'r6i.xlarge'],
    allowedFamilies: [],
  },
  automation: {
    tier: 'automation',
    adds: 'Adds an Application Load Balancer with a public URL.',
    parts: ['network', 'security-groups', 'iam', 'secrets', 'efs', 'load-balancer', 'instance', 'cloudfront'],
    loadBalancer: true,
    cloudFront: 'optional',
    gpu: false,
    accessModes: ['load-balancer'],
    defaultInstanceType: 't3.xlarge',
    typicalInstanceType: 'm7i.xlarge',
    candidateTypes: ['t3.xlarge', 't3.2xlarge', 'm7i.large', 'm7i.xlarge', 'm7i.2xlarge', 'm7g.xlarge', 'm6i.xlarge', 'm6i.2xlarge', 'r6i.xlarge'],
    allowedFamilies: [],
  },
  gpu: {
    tier: 'gpu',
    adds: 'A GPU instance, load balancer and CloudFront, plus ComfyUI with LTX-2 video.',
    parts: ['network', 'security-groups', 'iam', 'secrets', 'efs', 'load-balancer', 'instance', 'cloudfront'],
    loadBalancer: true,
    cloudFront: 'always',
    gpu: true,
    accessModes: ['load-balancer'],
    defaultInstanceType: 'g4dn.xlarge',
    typicalInstanceType: 'g5.xlarge',
    candidateTypes: ['g4dn.xlarge', 'g4dn.2xlarge', 'g5.xlarge', 'g5.2xlarge', 'g6.xlarge', 'g6.2xlarge', 'g6e.xlarge'],
    allowedFamilies: ['g4dn', 'g5', 'g6', 'g6e'],
  },
};

/** The default tier of a new stack. */
export const DEFAULT_TIER: Tier = 'dev';
// The pure marks on computed constants let a bundle that reads no tier (health, cost webviews) drop the table.
/** The instance type a config without one gets (the default tier's). */
export const DEFAULT_INSTANCE_TYPE: string = /* @__PURE__ */ defaultInstanceTypeOf(DEFAULT_TIER);

function defaultInstanceTypeOf(tier: Tier): string {
  return TIER_TABLE[tier].defaultInstanceType;
}

/** Tiers served through an Application Load Balancer. */
export const LOAD_BALANCED_TIERS: readonly Tier[] = /* @__PURE__ */ TIERS.filter((tier) => TIER_TABLE[tier].loadBalancer);

export function isLoadBalanced(tier: Tier): boolean {
  return TIER_TABLE[tier].loadBalancer;
}

export function isGpuTier(tier: Tier): boolean {
  return TIER_TABLE[tier].gpu;
}

/** Whether a stack of this tier, with this choice, has CloudFront in front of its load balancer. */
export function hasCloudFront(tier: Tier, choice: boolean | undefined): boolean {
  const rule = TIER_TABLE[tier].cloudFront;
  return rule === 'always' || (rule === 'optional' && choice === true);
}

/** The parts a stack of this tier deploys, given the user's CloudFront choice. */
export function tierParts(tier: Tier, cloudFrontChoice: boolean | undefined): readonly StackPart[] {
  const withCloudFront = hasCloudFront(tier, cloudFrontChoice);
  return TIER_TABLE[tier].parts.filter((part) => part !== 'cloudfront' || withCloudFront);
}

/** CloudFront is the user's choice on this tier (the config's `cloudFront` field applies). */
export function cloudFrontIsChoice(tier: Tier): boolean {
  return TIER_TABLE[tier].cloudFront === 'optional';
}

/** This tier always has CloudFront in front of its load balancer. */
export function cloudFrontIsAlways(tier: Tier): boolean {
  return TIER_TABLE[tier].cloudFront === 'always';
}

/** The first tier with these traits (e.g. what a load balancer and a GPU type found in the account mean). */
export function tierWith(traits: Partial<Pick<TierSpec, 'loadBalancer' | 'gpu'>>): Tier {
  const tier = TIERS.find((name) => Object.entries(traits).every(([key, value]) => TIER_TABLE[name][key as keyof typeof traits] === value));
  if (!tier) throw new Error(`No tier has ${JSON.stringify(traits)}`);
  return tier;
}

/** The names of the tiers where a rule holds, e.g. "automation or gpu". */
export function tierNames(test: (spec: TierSpec) => boolean): string {
  const names = TIERS.filter((tier) => test(TIER_TABLE[tier]));
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}` : names[0] ?? 'none';
}

/** Words for where a tier rule holds, e.g. "tier automation or gpu". */
export function tiersWhere(test: (spec: TierSpec) => boolean): string {
  return `tier ${tierNames(test)}`;
}
