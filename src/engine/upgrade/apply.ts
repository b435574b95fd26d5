import { applyDeploy, type DeployResult } from '../deploy';
import type { EngineHost } from '../host';
import { planDeploy, type DeployPlan } from '../plan/plan';
import type { PinOverride } from '../plan/pins';
import { silentProgress, type ProgressListener } from '../progress';

/**
 * Applies the stack's applied config with other pins, through the update path every deploy takes: new images are
 * pushed to the running instance over SSM (compose pulls, then recreates the changed services), a new AMI is a new
 * launch template version and an instance refresh. The caller holds the stack's lock (an upgrade) and records the
 * pins itself once health passed, so the deploy leaves them as they are.
 */
export async function applyPins(host: EngineHost, name: string, pins: PinOverride, options: { signal?: AbortSignal; onProgress?: ProgressListener }): Promise<DeployResult & { plan: DeployPlan }> {
  const existing = await host.requireState(name);
  const config = existing.config;
  const clients = host.clients(config.region, config.profile);
  const plan = await planDeploy(clients, config, existing, { pins, skipGpuQuota: true });
  const result = await applyDeploy({
    clients, store: host.store, plan, existing, timing: host.timing, signal: options.signal, onProgress: options.onProgress ?? silentProgress,
    runner: host.ssmOf(existing).runner, pins: 'keep',
  });
  return { ...result, plan };
}
