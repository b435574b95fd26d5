import type { AwsClients } from './aws/clients';
import { refused, type GeuseError } from './errors';
import { servicesOf, type CatalogueService } from './health/catalogue';
import { checkPublicUrl } from './health/end-to-end';
import { checkOnInstance, type InstanceHealth } from './health/on-instance';
import { readPoolsRound } from './health/pool-round';
import type { PoolHealth } from './health/pools';
import { HealthTracker } from './health/tracker';
import type { ServiceCheck, ServiceHealth } from './health/types';
import { SsmAgentDirectory, type AgentDirectory } from './ssm/agents';
import type { SsmApi } from './ssm/api';
import { fetchLogs, follow, type FollowOptions, type LogChunk, type LogCursor } from './ssm/logs';
import { SsmCommandRunner, type CommandRunner } from './ssm/run-command';
import { portForwardRequest, shellRequest, SsmSessionApi, type SessionApi, type SessionRequest, type StartedSession } from './ssm/session';
import type { StackState } from './state/schema';
import { publicUrlFrom } from './resources/public-url';

/** The SSM-backed pieces, swappable because moto answers none of Run Command output, sessions or agent status. */
export interface SsmServices {
  runner: CommandRunner;
  agents: AgentDirectory;
  sessions: SessionApi;
}

export type SsmFactory = (ssm: SsmApi) => Partial<SsmServices>;

export function ssmServices(clients: AwsClients, factory?: SsmFactory): SsmServices {
  const custom = factory?.(clients.ssm) ?? {};
  return {
    runner: custom.runner ?? new SsmCommandRunner(clients.ssm),
    agents: custom.agents ?? new SsmAgentDirectory(clients.ssm),
    sessions: custom.sessions ?? new SsmSessionApi(clients.ssm),
  };
}

/** The stack's live instance id, or a refusal that says why there is none. */
export function instanceIdOf(state: StackState): string {
  const record = Object.values(state.resources).find((r) => r.kind === 'instance' && r.status === 'created' && r.id);
  if (!record?.id) {
    const why = state.status === 'paused' ? 'it is paused' : state.status === 'destroyed' ? 'it is destroyed (only its data is kept)' : 'no instance is recorded';
    throw refused('NO_INSTANCE', `Stack ${state.name} has no running instance: ${why}.`,
      state.status === 'paused' ? `Resume it first (\`geusemaker resume ${state.name}\`).` : `Deploy it first (\`geusemaker deploy ${state.name}\`).`);
  }
  return record.id;
}

/** The stack's public entry point (CloudFront, the load balancer, or the proxy on port 80) when its access mode has one. */
export function publicUrlOf(state: StackState): string | undefined {
  return publicUrlFrom(state.config, state.resources);
}

export interface StackHealth extends Omit<InstanceHealth, 'checks'> {
  services: ServiceHealth[];
  /** The same services checked end to end through the public URL, when the stack has one. */
  publicChecks?: ServiceCheck[];
  /**
   * A scaled stack's worker pools as EC2 Auto Scaling says now (desired, in service, unhealthy; degraded when an
   * instance is unhealthy or fewer are in service than desired). Absent for a stack without pools, and when the
   * round was asked without them; empty when Auto Scaling could not be read (poolsUnknownBecause says why).
   */
  pools?: PoolHealth[];
  /** Why the pools are unknown this round; the services' round stands. */
  poolsUnknownBecause?: GeuseError;
}

/**
 * One health round for a stack, folded into the stack's history (1 failure warns, 3 in a row are critical).
 * On the instance over SSM always; through the public URL too when there is one. That check goes without the
 * proxy login: the URL is plain HTTP, so polling must not send the password every round; services behind the
 * login come back "unknown" there and their on-instance result stands. Given `clients`, a scaled stack's worker
 * pools are read beside them (one DescribeAutoScalingGroups); a failed read marks only the pools unknown.
 */
export async function checkStackHealth(ssm: SsmServices, tracker: HealthTracker, state: StackState, options: { signal?: AbortSignal; clients?: AwsClients } = {}): Promise<StackHealth> {
  const services = servicesOf(state.config);
  const publicUrl = publicUrlOf(state);
  const [result, publicChecks, pools] = await Promise.all([
    checkOnInstance({ runner: ssm.runner, agents: ssm.agents }, instanceIdOf(state), services, { signal: options.signal }),
    publicUrl ? checkPublicUrl(publicUrl, services, { signal: options.signal }) : Promise.resolve(undefined),
    options.clients ? readPoolsRound(options.clients, state, options.signal) : Promise.resolve(undefined),
  ]);
  return {
    agent: result.agent, bootstrap: result.bootstrap, disks: result.disks, services: tracker.update(result.checks), publicChecks,
    ...(pools ? { pools: pools.pools } : {}), ...(pools?.unknownBecause ? { poolsUnknownBecause: pools.unknownBecause } : {}),
  };
}

export function stackLogs(ssm: SsmServices, state: StackState, cursor: LogCursor, signal?: AbortSignal): Promise<LogChunk> {
  return fetchLogs(ssm.runner, instanceIdOf(state), cursor, { signal });
}

export function followStackLogs(ssm: SsmServices, state: StackState, cursor: LogCursor, options: FollowOptions): AsyncGenerator<LogChunk, void, undefined> {
  return follow(ssm.runner, instanceIdOf(state), cursor, options);
}

export type SessionKind = { kind: 'shell' } | { kind: 'port'; remotePort: number; localPort: number };

export interface OpenedSession {
  session: StartedSession;
  request: SessionRequest;
}

export async function openSession(ssm: SsmServices, state: StackState, kind: SessionKind, signal?: AbortSignal): Promise<OpenedSession> {
  const instanceId = instanceIdOf(state);
  const request = kind.kind === 'shell' ? shellRequest(instanceId) : portForwardRequest(instanceId, kind.remotePort, kind.localPort);
  return { session: await ssm.sessions.start(request, signal), request };
}

/** The compose command that restarts one service, as the bootstrap runs compose (same project, env and file). */
export function restartScript(service: CatalogueService): string[] {
  if (!/^[a-z0-9-]+$/.test(service)) throw new Error(`Not a service name: ${service}`);
  return [
    'set -eu',
    `docker compose --project-name geusemaker --env-file /etc/geusemaker/stack.env -f /etc/geusemaker/docker-compose.yml restart ${service}`,
  ];
}

/** The service named, when the stack runs it; otherwise refused with the ones it does run (checked before any AWS call). */
export function serviceOfStack(state: Pick<StackState, 'name' | 'config'>, service: string): CatalogueService {
  const runs = servicesOf(state.config).map((spec) => spec.name);
  const found = runs.find((name) => name === service);
  if (!found) {
    throw refused('SERVICE_NOT_IN_STACK', `Stack ${state.name} does not run ${JSON.stringify(service)}; it runs ${runs.join(', ')}.`, 'Pick one of the services the stack runs.');
  }
  return found;
}

export async function restartOnInstance(ssm: SsmServices, state: StackState, service: string, signal?: AbortSignal): Promise<void> {
  const known = serviceOfStack(state, service);
  await ssm.runner.run(instanceIdOf(state), restartScript(known), { timeoutSeconds: 180, signal, comment: `GeuseMaker restart ${known}` });
}
