import { classifyAwsError } from '../engine/aws/classify';
import type { Engine } from '../engine/engine';
import type { StackHealthView } from './tree/nodes';

/**
 * What the tree shows for a running stack: the instance as EC2 sees it (an AWS failure here is the stack's
 * error node), then each service's health over SSM (a failure there only marks the services unknown).
 */
export async function stackHealthView(engine: Engine, name: string, signal: AbortSignal): Promise<StackHealthView> {
  const checkedAt = new Date().toISOString();
  const live = await engine.liveStatus(name);
  const view: StackHealthView = { checkedAt, services: {}, instanceState: live.instanceState, bootstrap: live.bootstrap };
  if (live.instanceState !== 'running') return view;
  try {
    const health = await engine.health(name, { signal });
    for (const service of health.services) {
      view.services[service.service] = { status: service.status, latencyMs: service.latencyMs, lastError: service.lastError, severity: service.severity };
    }
    // End-to-end failures through the public URL count too: the user reaches the services that way.
    for (const check of health.publicChecks ?? []) {
      const shown = view.services[check.service];
      if (check.status === 'unhealthy' && shown?.status === 'healthy') view.services[check.service] = { ...shown, status: 'unhealthy', lastError: `through the public URL: ${check.lastError ?? 'failed'}`, severity: 'warning' };
    }
    const reasons = new Set(health.services.filter((s) => s.status === 'unknown' && s.lastError).map((s) => s.lastError));
    if (reasons.size === 1 && health.services.every((s) => s.status === 'unknown')) view.note = [...reasons][0];
  } catch (error) {
    view.note = `health unknown: ${classifyAwsError(error).message}`;
  }
  return view;
}
