import { GeuseError } from '../errors';
import { isOnline, type AgentDirectory, type AgentStatus } from '../ssm/agents';
import type { CommandRunner } from '../ssm/run-command';
import type { ServiceSpec } from './catalogue';
import { disksOf, type DiskSpace } from './disks';
import { interpretService, parseHealthOutput, type HealthReport } from './report';
import { healthScriptTimeoutSeconds, renderHealthScript } from './script';
import type { ServiceCheck } from './types';

export const AGENT_NOT_ONLINE = 'SSM agent not online yet';

export interface InstanceHealth {
  checks: ServiceCheck[];
  agent: AgentStatus;
  /** What the script saw of the bootstrap, when it ran. */
  bootstrap?: Pick<HealthReport, 'bootstrap' | 'step'>;
  /** Free space on the root volume and EFS, when the script could measure it. */
  disks?: DiskSpace[];
}

export interface InstanceCheckDeps {
  runner: CommandRunner;
  agents: AgentDirectory;
  now?: () => Date;
}

function allUnknown(services: readonly ServiceSpec[], reason: string, checkedAt: string, because?: GeuseError): ServiceCheck[] {
  return services.map((spec) => ({ service: spec.name, status: 'unknown', lastError: reason, checkedAt, via: 'instance', ...(because ? { unknownBecause: because } : {}) }));
}

/** The agent's status is unknown when the endpoint cannot say it (an emulator without DescribeInstanceInformation). */
const UNKNOWN_AGENT = (instanceId: string): AgentStatus => ({ instanceId, pingStatus: 'NotRegistered' });

/** Our script always prints its report, so "success" with no output at all means nothing ran (an emulator). */
function notRun(instanceId: string): GeuseError {
  return new GeuseError({
    code: 'SSM_COMMAND_NOT_RUN', kind: 'unknown', operation: 'ssm:SendCommand',
    message: `SSM reported the health check on ${instanceId} as done, but it printed nothing: it did not run on the instance.`,
    nextStep: 'Check that the instance is running and its SSM agent is online. An emulator accepts commands without running them: check health against real AWS.',
  });
}

function offlineReason(agent: AgentStatus): string {
  if (agent.pingStatus === 'ConnectionLost') {
    return `SSM agent not online (connection lost${agent.lastPingAt ? ` since ${agent.lastPingAt.toISOString()}` : ''}); is the instance running?`;
  }
  return AGENT_NOT_ONLINE;
}

/**
 * Checks every service on the instance with one SSM Run Command. Works in every access mode. Until the SSM
 * agent is online, or when the check cannot run, every service is "unknown" with the reason, rather than a
 * failure: a booting stack is not a broken one. Only cancellation throws.
 */
export async function checkOnInstance(
  deps: InstanceCheckDeps,
  instanceId: string,
  services: readonly ServiceSpec[],
  options: { signal?: AbortSignal } = {},
): Promise<InstanceHealth> {
  const checkedAt = (deps.now ?? (() => new Date()))().toISOString();
  let agent: AgentStatus;
  try {
    agent = await deps.agents.status(instanceId, options.signal);
  } catch (error) {
    // Asking again next round gives the same answer: say it once as the reason, not as a failed round.
    if (error instanceof GeuseError && error.code === 'ENDPOINT_API_MISSING') {
      return { agent: UNKNOWN_AGENT(instanceId), checks: allUnknown(services, `The health check could not run: ${error.message}`, checkedAt, error) };
    }
    throw error;
  }
  if (!isOnline(agent)) return { agent, checks: allUnknown(services, offlineReason(agent), checkedAt) };
  let stdout: string;
  try {
    ({ stdout } = await deps.runner.run(instanceId, renderHealthScript(services), {
      timeoutSeconds: healthScriptTimeoutSeconds(services), signal: options.signal, comment: 'GeuseMaker health check',
    }));
  } catch (error) {
    if (error instanceof GeuseError && error.kind !== 'cancelled') {
      const reason = error.code === 'SSM_AGENT_OFFLINE' ? AGENT_NOT_ONLINE : `The health check could not run: ${error.message}`;
      return { agent, checks: allUnknown(services, reason, checkedAt, error.code === 'SSM_AGENT_OFFLINE' ? undefined : error) };
    }
    throw error;
  }
  if (stdout.trim() === '') {
    const error = notRun(instanceId);
    return { agent, checks: allUnknown(services, `The health check could not run: ${error.message}`, checkedAt, error) };
  }
  const parsed = parseHealthOutput(stdout);
  if ('problem' in parsed) return { agent, checks: allUnknown(services, `No result: ${parsed.problem}`, checkedAt) };
  const { report } = parsed;
  return {
    agent,
    bootstrap: { bootstrap: report.bootstrap, step: report.step },
    ...(report.disks ? { disks: disksOf(report.disks) } : {}),
    checks: services.map((spec) => interpretService(spec, report, checkedAt)),
  };
}
