import type { AwsClients } from '../aws/clients';
import type { PlanFacts, WorkerImage } from '../context';
import { SCALE_KEYS } from '../scale/names';
import { architectureOf, type StackConfig } from '../stack/config';
import { workerPools } from '../stack/scale-config';
import type { StackState } from '../state/schema';
import { describePinnedAmi, resolveAmi } from './ami';
import { familyOf, isAcceleratedFamily } from './gpu-families';

/**
 * Each pool's image. A pool whose types need what the instance's AMI lacks (an NVIDIA GPU for Ollama workers on a
 * CPU stack, another architecture) gets its own: the Deep Learning AMI or the OS image for that architecture. It is
 * pinned like the instance's (the worker template records it), so a redeploy never changes it by surprise.
 */
export async function workerImages(clients: AwsClients, config: StackConfig, state: StackState | undefined, facts: Pick<PlanFacts, 'amiId' | 'architecture' | 'os' | 'rootDeviceName'>, gpuStack: boolean): Promise<PlanFacts['workerImages']> {
  const images: NonNullable<PlanFacts['workerImages']> = {};
  for (const { pool, settings } of workerPools(config.scale)) {
    const first = settings.instanceTypes[0]!;
    const architecture = architectureOf(first);
    const gpu = isAcceleratedFamily(familyOf(first));
    if (architecture === facts.architecture && gpu === gpuStack) continue;
    const pinned = state?.resources[SCALE_KEYS.workerTemplate(pool)]?.attrs.amiId;
    const os = config.os ?? 'al2023';
    const kept = pinned ? await describePinnedAmi(clients, pinned, os, undefined, config.profile) : undefined;
    const ami = kept ?? await resolveAmi(clients, { ...config, tier: gpu ? 'gpu' : 'dev', amiId: undefined, amiType: gpu ? 'base' : undefined }, architecture);
    const image: WorkerImage = { amiId: ami.amiId, rootDeviceName: ami.rootDeviceName, os: ami.os, architecture, gpu, ...(ami.rootSnapshotGb ? { rootSnapshotGb: ami.rootSnapshotGb } : {}) };
    images[pool] = image;
  }
  return Object.keys(images).length > 0 ? images : undefined;
}
