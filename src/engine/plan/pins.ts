import { version as RELEASE } from '../../../package.json';
import type { AwsClients } from '../aws/clients';
import type { PlanFacts } from '../context';
import { stackImages, type ComposeServiceName } from '../bootstrap/compose';
import type { StackConfig } from '../stack/config';
import type { StackState } from '../state/schema';
import { describePinnedAmi, launchedImage, resolveAmi, type Architecture, type ResolvedAmi } from './ami';

/** This GeuseMaker release: its templates/versions.json is the tested set new pins come from. */
export const GEUSEMAKER_RELEASE: string = RELEASE;

export type RecordedPins = NonNullable<StackState['pins']>;

/** What a plan renders instead of the stack's pins: an upgrade's target, or its rollback to the previous pins. */
export interface PinOverride {
  images: Record<string, string>;
  amiId?: string;
  amiName?: string;
}

/** The AMI and images a plan uses, and what is newer. */
export interface PinResolution {
  /** What the instance boots. */
  ami: ResolvedAmi;
  /** Where the AMI comes from: the config's amiId, the pins, what a stack from before pins runs, or (new stack) the newest. */
  amiFrom: 'config' | 'pins' | 'running' | 'newest';
  /** The newest AMI of the stack's family (advice only); absent with the config's amiId, or when it could not be read. */
  newest?: ResolvedAmi;
  /** The pinned AMI no longer exists (deregistered): a new instance cannot boot from it. */
  gone?: { amiId: string; amiName?: string };
  /** A stack with no instance to keep (destroyed with its data kept) whose pinned AMI is gone: it launches from the newest. */
  replacedGone?: { amiId: string; amiName?: string };
  /** Every image the compose file may render: the pins over the tested set. */
  images: Record<ComposeServiceName, string>;
}

/**
 * The AMI and images a plan uses, so a redeploy never upgrades by surprise: the config's amiId when it names one
 * (the config wins); else the override (an upgrade), the stack's pins, or for a stack deployed before pins what its
 * launch template boots now; else (a new stack) the newest of its family. The newest is read either way, for advice.
 */
export async function resolvePins(
  clients: AwsClients, config: StackConfig, state: StackState | undefined, architecture: Architecture, override?: PinOverride,
  options: { newestWhenGone?: boolean } = {},
): Promise<PinResolution> {
  const images = stackImages(override?.images ?? state?.pins?.images);
  if (config.amiId) return { ami: await resolveAmi(clients, config, architecture), amiFrom: 'config', images };
  const family = { ...config, amiId: undefined };
  const launched = !override?.amiId && !state?.pins?.amiId && state ? await launchedImage(clients, state) : undefined;
  const pinnedId = override?.amiId ?? state?.pins?.amiId ?? launched?.amiId;
  if (!pinnedId) {
    const newest = await resolveAmi(clients, family, architecture);
    return { ami: newest, amiFrom: 'newest', newest, images };
  }
  const amiFrom = override?.amiId || state?.pins?.amiId ? 'pins' : 'running';
  // Advice only: the family's parameter failing must never fail a plan of a pinned stack.
  const newest = await resolveAmi(clients, family, architecture).catch(() => undefined);
  const since = override?.amiId ? undefined : state?.pins?.at;
  const via = since ? `since ${since}` : 'what the stack runs';
  // The family's parameter names it: it is published now, whether or not DescribeImages can describe it.
  if (newest?.amiId === pinnedId) return { ami: { ...newest, source: 'pinned', via }, amiFrom, newest, images };
  const described = await describePinnedAmi(clients, pinnedId, config.os ?? newest?.os ?? 'al2023', since, config.profile);
  if (described) return { ami: described, amiFrom, newest, images };
  const amiName = override?.amiName ?? state?.pins?.amiName;
  const gone = { amiId: pinnedId, ...(amiName ? { amiName } : {}) };
  if (options.newestWhenGone && newest) return { ami: newest, amiFrom: 'newest', newest, replacedGone: gone, images };
  const root = launched ?? (state ? await launchedImage(clients, state) : undefined);
  return {
    ami: {
      amiId: pinnedId, ...(amiName ? { name: amiName } : {}), rootDeviceName: (root?.amiId === pinnedId ? root.rootDeviceName : undefined) ?? '/dev/xvda',
      os: config.os ?? 'al2023', source: 'pinned', via,
    },
    amiFrom, newest, gone, images,
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** What a deploy of this plan runs: the pins it records. */
export function pinsOf(facts: PlanFacts): PinOverride {
  return { images: stackImages(facts.images), amiId: facts.amiId, ...(facts.amiName ? { amiName: facts.amiName } : {}) };
}

/**
 * Records what the stack runs after a deploy (its first, or the first since pins exist, or a changed amiId in the
 * config); unchanged pins keep their time and release.
 */
export function recordPins(state: StackState, pins: PinOverride, at = new Date().toISOString()): void {
  const images = stackImages(pins.images);
  const previous = state.pins;
  if (previous && same(stackImages(previous.images), images) && previous.amiId === pins.amiId) {
    // The name, for the words when the AMI is gone one day (pins recorded without it).
    if (!previous.amiName && pins.amiName) previous.amiName = pins.amiName;
    return;
  }
  state.pins = {
    images, ...(pins.amiId ? { amiId: pins.amiId } : {}), ...(pins.amiName ? { amiName: pins.amiName } : {}),
    // The release names where the images came from: an AMI-only change keeps it.
    release: previous && same(stackImages(previous.images), images) ? previous.release : GEUSEMAKER_RELEASE, at,
  };
}
