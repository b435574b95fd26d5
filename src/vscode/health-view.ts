import { classifyAwsError, type Engine, HOURS_PER_MONTH, type StackConfig } from '../engine';
import type { StackHealthView } from './tree/nodes';

/** The running stack's price per hour from the cost engine (prices are cached, so this is cheap on refresh). */
async function hourlyOf(engine: Engine, config: StackConfig): Promise<StackHealthView['hourly']> {
  const estimate = await engine.estimate(config);
  const compute = estimate.lines.find((line) => line.item === 'compute');
  return {
    usd: estimate.totalUsd / HOURS_PER_MONTH,
    source: compute?.source ?? 'estimated',
    basis: `${compute?.basis ?? ''}; plus storage, IPv4 and assumptions — about $${estimate.totalUsd.toFixed(2)}/month`,
  };
}

/**
 * What the tree shows for a running stack: the instance as EC2 sees it (an AWS failure here is the stack's
 * error node), then each service's health over SSM (a failure there only marks the services unknown).
 */
export async function stackHealthView(engine: Engine, name: string, config: StackConfig, signal: AbortSignal): Promise<StackHealthView> {
  const checkedAt = new Date().toISOString();
  const live = await engine.liveStatus(name);
  const view: StackHealthView = { checkedAt, services: {}, instanceState: live.instanceState, bootstrap: live.bootstrap };
  if (live.instanceState !== 'running') return view;
  view.hourly = await hourlyOf(engine, config).catch(() => undefined);
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
