import type { GeuseError } from '../engine';
import { classifyForEditor, endpointNow, isEndpointGap } from './error-words';

/**
 * What the configured endpoint (an emulator) was found to lack, for this session: background checks (the tree,
 * the health panel) stop asking for it and say it once, instead of failing the same way on every refresh.
 * Keyed by endpoint, so changing the setting asks again.
 */
export type Feature = 'health';

const gaps = new Map<string, GeuseError>();

const keyOf = (feature: Feature) => `${endpointNow()?.url ?? ''} ${feature}`;

/** Records the gap when `error` is one; true the first time, so the caller logs it once. */
export function noteGap(feature: Feature, error: unknown): boolean {
  if (!isEndpointGap(error) || gaps.has(keyOf(feature))) return false;
  gaps.set(keyOf(feature), classifyForEditor(error));
  return true;
}

export function knownGap(feature: Feature): GeuseError | undefined {
  return endpointNow() ? gaps.get(keyOf(feature)) : undefined;
}

/** A user asked again on purpose (Refresh): the next check tries the endpoint once more. */
export function forgetGap(feature: Feature): void {
  gaps.delete(keyOf(feature));
}
