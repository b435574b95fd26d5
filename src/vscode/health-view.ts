import { type Engine, HOURS_PER_MONTH, servicesOf, type StackConfig } from '../engine';
import { knownGap, noteGap } from './endpoint-gaps';
import { plainError } from './error-words';
import { unknownNote } from './panels/health-snapshot';
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

/** The tree's short form of why every service is unknown: "health unknown: the emulator at … does not …". */
function treeNote(note: string | undefined): string | undefined {
  if (!note) return undefined;
  const why = (note.replace(/, so service health is unknown\./, '.').replace(/^Service health is unknown: /, '').split(/(?<=\.)\s/)[0] ?? '').replace(/\.$/, '');
  return `health unknown: ${why.charAt(0).toLowerCase()}${why.slice(1)}`;
}

/**
 * What the tree shows for a running stack: the instance as EC2 sees it (an AWS failure here is the stack's
 * error node), then each service's health over SSM (a failure there only marks the services unknown). When the
 * endpoint was found to lack what the check needs, it is not asked again this session.
 */
export async function stackHealthView(engine: Engine, name: string, config: StackConfig, signal: AbortSignal): Promise<StackHealthView> {
  const checkedAt = new Date().toISOString();
  const live = await engine.liveStatus(name);
  const view: StackHealthView = {
    checkedAt, services: {}, instanceState: live.instanceState, bootstrap: live.bootstrap,
    ...(live.compute ? { compute: { condition: live.compute.condition, summary: live.compute.summary } } : {}),
  };
  if (live.instanceState !== 'running') return view;
  view.hourly = await hourlyOf(engine, config).catch(() => undefined);
  const gap = knownGap('health');
  if (gap) return { ...view, ...allUnknown(config, gap) };
  try {
    // The tree's Workers section reads the pools itself (on expand and Refresh, not on every tick).
    const health = await engine.health(name, { signal, pools: false });
    noteGap('health', health.services.find((s) => s.unknownBecause)?.unknownBecause);
    for (const service of health.services) {
      view.services[service.service] = { status: service.status, latencyMs: service.latencyMs, lastError: service.lastError, severity: service.severity };
    }
    // End-to-end failures through the public URL count too: the user reaches the services that way.
    for (const check of health.publicChecks ?? []) {
      const shown = view.services[check.service];
      if (check.status === 'unhealthy' && shown?.status === 'healthy') view.services[check.service] = { ...shown, status: 'unhealthy', lastError: `through the public URL: ${check.lastError ?? 'failed'}`, severity: 'warning' };
    }
    const note = treeNote(unknownNote(health));
    if (note) view.note = note;
  } catch (error) {
    view.note = `health unknown: ${plainError(error).title}`;
  }
  return view;
}

/** Every service unknown for the endpoint's known gap, without asking the endpoint again. */
function allUnknown(config: StackConfig, gap: NonNullable<ReturnType<typeof knownGap>>): Pick<StackHealthView, 'services' | 'note'> {
  const reason = plainError(gap).title;
  const services: StackHealthView['services'] = {};
  for (const spec of servicesOf(config)) services[spec.name] = { status: 'unknown', lastError: reason, severity: 'ok' };
  return { services, note: treeNote(reason) };
}
