import type { IpPermission } from '@aws-sdk/client-ec2';
import type { StepContext } from '../context';
import { CACHE_PORT, DATABASE_PORT, OLLAMA_PORT, SCALE_KEYS } from '../scale/names';
import type { WithId } from './network';
import { ensureGroup, reconcileIngress } from './security-groups';

/** One port from each of these groups, each rule described so drift and later deploys know it is ours. */
function fromGroups(port: number, sources: readonly { id: string; what: string }[]): IpPermission[] {
  return sources.map((source) => ({ IpProtocol: 'tcp', FromPort: port, ToPort: port, UserIdGroupPairs: [{ GroupId: source.id, Description: `GeuseMaker ${port} from ${source.what}` }] }));
}

/** The worker pools' group: n8n workers take nothing in; Ollama workers take 11434 from the internal load balancer only. */
export async function ensureWorkersSecurityGroup(ctx: StepContext, vpcId: string, internalAlbGroupId: string | undefined): Promise<WithId> {
  const { found, outcome } = await ensureGroup(ctx, vpcId, SCALE_KEYS.workerGroup, 'GeuseMaker worker pools: Ollama port from the internal load balancer only');
  const wanted = internalAlbGroupId ? fromGroups(OLLAMA_PORT, [{ id: internalAlbGroupId, what: 'the internal load balancer' }]) : [];
  await reconcileIngress(ctx, found.id, wanted);
  return { outcome, detail: `${found.id} (${internalAlbGroupId ? `port ${OLLAMA_PORT} from ${internalAlbGroupId} only` : 'no inbound rules'})`, id: found.id };
}

/** The internal load balancer in front of the Ollama workers: 11434 from the instance and the n8n workers only. */
export async function ensureInternalAlbSecurityGroup(ctx: StepContext, vpcId: string, instanceGroupId: string): Promise<WithId> {
  const { found, outcome } = await ensureGroup(ctx, vpcId, SCALE_KEYS.internalAlbGroup, 'GeuseMaker internal load balancer: Ollama from the stack only');
  // The workers' group is made after this one (it admits this one); once it exists, a redeploy keeps its rule.
  const workers = ctx.journal.record(SCALE_KEYS.workerGroup);
  const sources = [{ id: instanceGroupId, what: 'the stack instance' }, ...(workers?.status === 'created' && workers.id ? [{ id: workers.id, what: 'the worker pools' }] : [])];
  await reconcileIngress(ctx, found.id, fromGroups(OLLAMA_PORT, sources));
  return { outcome, detail: `${found.id} (port ${OLLAMA_PORT} from ${instanceGroupId} only)`, id: found.id };
}

/** Adds the workers' group to the internal load balancer's sources once both exist (they refer to each other). */
export async function admitWorkersToInternalAlb(ctx: StepContext, albGroupId: string, instanceGroupId: string, workersGroupId: string): Promise<void> {
  await reconcileIngress(ctx, albGroupId, fromGroups(OLLAMA_PORT, [{ id: instanceGroupId, what: 'the stack instance' }, { id: workersGroupId, what: 'the worker pools' }]));
}

async function dataServiceGroup(ctx: StepContext, vpcId: string, key: string, port: number, what: string, instanceGroupId: string, workersGroupId: string): Promise<WithId> {
  const { found, outcome } = await ensureGroup(ctx, vpcId, key, `GeuseMaker ${what}: ${port} from the stack instance and worker pools only`);
  await reconcileIngress(ctx, found.id, fromGroups(port, [{ id: instanceGroupId, what: 'the stack instance' }, { id: workersGroupId, what: 'the worker pools' }]));
  return { outcome, detail: `${found.id} (port ${port} from ${instanceGroupId} and ${workersGroupId} only)`, id: found.id };
}

export function ensureDatabaseSecurityGroup(ctx: StepContext, vpcId: string, instanceGroupId: string, workersGroupId: string): Promise<WithId> {
  return dataServiceGroup(ctx, vpcId, SCALE_KEYS.databaseGroup, DATABASE_PORT, 'RDS PostgreSQL', instanceGroupId, workersGroupId);
}

export function ensureQueueSecurityGroup(ctx: StepContext, vpcId: string, instanceGroupId: string, workersGroupId: string): Promise<WithId> {
  return dataServiceGroup(ctx, vpcId, SCALE_KEYS.queueGroup, CACHE_PORT, 'ElastiCache queue', instanceGroupId, workersGroupId);
}
