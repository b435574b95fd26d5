import { composeServices, imageTag, type ComposeServiceName } from '../bootstrap/compose';
import { publicUrlFrom } from '../resources/public-url';
import { scaleWiringFrom } from '../resources/scale-wiring-from';
import { architectureOf, type StackConfig } from '../stack/config';
import type { StackState } from '../state/schema';
import { isGpuTier } from '../tiers';

/** One container image that changes, old → new. */
export interface ImageChange {
  service: string;
  from: string;
  to: string;
}

/** The containers the stack's compose file holds (its services, ComfyUI on gpu, the proxy when something reaches it). */
export function renderedServices(config: StackConfig, resources: StackState['resources']): ComposeServiceName[] {
  return composeServices({
    config, region: config.region, fileSystemId: '', os: config.os ?? 'al2023', architecture: architectureOf(config.instanceType),
    gpu: isGpuTier(config.tier), publicUrl: publicUrlFrom(config, resources),
    // Queue mode changes which containers run on the instance (Valkey for queue: instance; PostgreSQL leaves after the switch).
    ...withScale(config, resources),
  });
}

/** The images of `services` that differ between two sets; a service missing from `from` is not a change (it is new). */
export function imageChanges(from: Readonly<Record<string, string>>, to: Readonly<Record<string, string>>, services: readonly string[]): ImageChange[] {
  return services.flatMap((service) => {
    const before = from[service];
    const after = to[service];
    return before && after && before !== after ? [{ service, from: before, to: after }] : [];
  });
}

/** "n8n 1.80.3 → 1.81.0" (the whole image when the repository changes too). */
export function describeImageChange(change: ImageChange): string {
  const sameRepo = change.from.slice(0, change.from.lastIndexOf(':')) === change.to.slice(0, change.to.lastIndexOf(':'));
  return sameRepo ? `${change.service} ${imageTag(change.from)} → ${imageTag(change.to)}` : `${change.service} ${change.from} → ${change.to}`;
}

function withScale(config: StackConfig, resources: StackState['resources']) {
  const scale = scaleWiringFrom(config, { config, resources });
  return scale ? { scale } : {};
}
