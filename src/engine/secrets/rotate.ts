import type { AwsClients } from '../aws/clients';
import { cancelled, GeuseError, refused } from '../errors';
import type { StackHealth } from '../operate';
import type { ProgressEvent, ProgressListener } from '../progress';
import { generateSecret } from '../resources/secrets';
import { SECRETS } from '../resources/secret-specs';
import type { CommandRunner } from '../ssm/run-command';
import { names } from '../stack/naming';
import { sleep } from '../wait';
import { currentValue, putNewVersion } from './parameters';
import { ROTATABLE, type RotatableSecret } from './rotatable';
import { ROTATE_OK, rotationScript, rotationTimeoutSeconds } from './script';

/** One secret rotated: its parameter and the version Parameter Store read back. */
export interface RotatedSecret {
  secret: RotatableSecret;
  parameter: string;
  version: number;
}

export interface RotationOutcome {
  rotated: RotatedSecret[];
  /** Something failed and the old values were put back as these new versions. */
  restored?: { reason: string; parameters: RotatedSecret[]; error: GeuseError };
}

export interface RotationRun {
  stack: string;
  region: string;
  instanceId: string;
  clients: AwsClients;
  runner: CommandRunner;
  secrets: readonly RotatableSecret[];
  /** postgres: whether n8n runs on it and is recreated. */
  n8n: boolean;
  guardedPath?: string;
  /** One health round of the stack (the engine's, over SSM). */
  health: (signal?: AbortSignal) => Promise<StackHealth>;
  pollIntervalMs: number;
  signal?: AbortSignal;
  onProgress: ProgressListener;
}

/** How many health rounds a service gets to turn healthy after the last step before the rotation is undone. */
export const HEALTH_ROUNDS = 6;

const LABELS: Record<RotatableSecret, string> = {
  postgres: 'PostgreSQL password', qdrant: 'Qdrant API key', crawl4ai: 'Crawl4AI API token', proxy: 'proxy password', 'n8n-owner': 'n8n owner password',
};

/** Whether the step proves the old value refused (Crawl4AI's server checks its token only with its JWT setting on). */
const REFUSAL_CHECKED: Record<RotatableSecret, boolean> = { postgres: true, qdrant: true, crawl4ai: false, proxy: true, 'n8n-owner': true };

interface Changed {
  secret: RotatableSecret;
  parameter: string;
  /** Held in memory only, to be put back. */
  oldValue: string;
  oldVersion: number;
  newVersion: number;
}

function bytesOf(secret: RotatableSecret): { bytes: number; allClasses: boolean } {
  const spec = SECRETS.find((each) => each.name === ROTATABLE[secret].parameter);
  if (!spec) throw new Error(`No secret spec for ${secret}`);
  return { bytes: spec.bytes, allClasses: 'allClasses' in spec && spec.allClasses === true };
}

function asGeuseError(error: unknown): GeuseError {
  if (error instanceof GeuseError) return error;
  return new GeuseError({ code: 'UNKNOWN', kind: 'unknown', message: error instanceof Error ? error.message : String(error), nextStep: 'Run it again; if it fails the same way, report it with this message.', cause: error });
}

/** Step events with their elapsed times. */
class Steps {
  constructor(private readonly emit: ProgressListener) {}

  async run<T>(step: string, title: string, work: () => Promise<T>, detail?: (value: T) => string): Promise<T> {
    const started = Date.now();
    this.emit({ type: 'step-started', step, title });
    try {
      const value = await work();
      this.emit({ type: 'step-done', step, title, outcome: 'done', detail: detail?.(value), elapsedMs: Date.now() - started });
      return value;
    } catch (error) {
      this.emit({ type: 'step-failed', step, title, error: asGeuseError(error), elapsedMs: Date.now() - started });
      throw error;
    }
  }

  note(message: string): void {
    this.emit({ type: 'note', message } satisfies ProgressEvent);
  }
}

/** Runs one secret's step on the instance and checks it said it finished. */
async function applyOnInstance(run: RotationRun, secret: RotatableSecret, parameter: string, from: number, to: number, verb: 'rotate' | 'restore', signal?: AbortSignal): Promise<void> {
  const lines = rotationScript({
    // The owner's login is the one the bootstrap's n8n-owner step sets up.
    secret, stack: run.stack, region: run.region, parameter, from, to, n8n: run.n8n, guardedPath: run.guardedPath, ownerEmail: `admin@${run.stack}.local`,
  });
  const result = await run.runner.run(run.instanceId, lines, { timeoutSeconds: rotationTimeoutSeconds(secret), signal, comment: `GeuseMaker ${verb} ${secret} of ${run.stack}` });
  if (!result.stdout.includes(`${ROTATE_OK} ${secret}`)) {
    throw new GeuseError({
      code: 'SSM_OUTPUT_MISSING', kind: 'unknown', operation: 'ssm:GetCommandInvocation',
      message: `The ${LABELS[secret]} step ran on ${run.instanceId} but did not say it finished (no ${ROTATE_OK} in its output).`,
      nextStep: 'Look at /var/log/geusemaker/rotation.log on the instance (GeuseMaker: Open Terminal).',
    });
  }
}

/** Health rounds until every service is healthy (at most HEALTH_ROUNDS); the reason when they never all are. */
async function healthFails(run: RotationRun, signal?: AbortSignal, rounds = HEALTH_ROUNDS): Promise<string | undefined> {
  let last = '';
  for (let round = 1; round <= rounds; round++) {
    const health = await run.health(signal);
    const notHealthy = health.services.filter((service) => service.status !== 'healthy');
    if (notHealthy.length === 0) return undefined;
    last = notHealthy.map((service) => `${service.service} ${service.status}${service.lastError ? ` (${service.lastError})` : ''}`).join('; ');
    if (round < rounds) await sleep(run.pollIntervalMs * 2, signal);
  }
  return rounds === 1 ? last : `the health round after it failed ${rounds} times: ${last}`;
}

/** Health rounds that must end with every service healthy; otherwise an error with what was not. */
async function healthy(run: RotationRun, signal?: AbortSignal): Promise<void> {
  const why = await healthFails(run, signal);
  if (why) throw new GeuseError({ code: 'STACK_NOT_HEALTHY', kind: 'unknown', message: why, nextStep: `See \`geusemaker status ${run.stack}\`.` });
}

/**
 * Rotates the chosen secrets: each current value is kept in memory and overwritten with a new one (a new version,
 * read back); then each step runs on the instance in order; then health rounds. Any failure, cancellation included,
 * puts the old values back as new versions and re-applies them in the same order, so the instance never runs a
 * value Parameter Store does not hold as its newest. Putting back is not cancellable.
 */
export async function rotateSecrets(run: RotationRun): Promise<RotationOutcome> {
  const steps = new Steps(run.onProgress);
  const changed: Changed[] = [];
  const attempted = new Set<RotatableSecret>();
  // A stack already unhealthy could never pass the round after, and its rotation would always be undone.
  await steps.run('health-before', 'Health round before the rotation', async () => {
    const before = await healthFails(run, run.signal, 1);
    if (before) {
      throw refused('STACK_NOT_HEALTHY', `Stack ${run.stack} is not healthy now (${before}), so its secrets are not rotated: the health round after a rotation decides whether it worked.`,
        `Bring the stack back to health first (\`geusemaker status ${run.stack}\` shows what fails), then rotate.`);
    }
  }, () => 'every service healthy');
  try {
    await steps.run('secrets-new', 'New values in Parameter Store', async () => {
      for (const secret of run.secrets) {
        const parameter = names.parameter(run.stack, ROTATABLE[secret].parameter);
        const old = await currentValue(run.clients, parameter, run.signal);
        const { bytes, allClasses } = bytesOf(secret);
        const newVersion = await putNewVersion(run.clients, parameter, generateSecret(bytes, allClasses), old.version, run.signal);
        changed.push({ secret, parameter, oldValue: old.value, oldVersion: old.version, newVersion });
      }
    }, () => changed.map((each) => `${ROTATABLE[each.secret].parameter} version ${each.newVersion}`).join(', '));
    for (const each of changed) {
      attempted.add(each.secret);
      await steps.run(`rotate-${each.secret}`, `${LABELS[each.secret]} on ${run.instanceId}`,
        () => applyOnInstance(run, each.secret, each.parameter, each.oldVersion, each.newVersion, 'rotate', run.signal),
        () => `version ${each.newVersion} in use${REFUSAL_CHECKED[each.secret] ? `; version ${each.oldVersion} refused` : ''}`);
    }
    await steps.run('health', 'Health round after the rotation', () => healthy(run, run.signal), () => 'every service healthy');
    return { rotated: changed.map((each) => ({ secret: each.secret, parameter: each.parameter, version: each.newVersion })) };
  } catch (error) {
    if (changed.length === 0) throw error;
    const failure = asGeuseError(error);
    const wasCancelled = failure.kind === 'cancelled' || run.signal?.aborted === true;
    const reason = wasCancelled ? 'the rotation was cancelled' : failure.message;
    steps.note(`Putting the old values back (${reason}); this is not interrupted.`);
    const parameters = await restore(run, steps, changed, attempted, reason);
    if (wasCancelled) {
      const back = cancelled();
      throw new GeuseError({
        code: back.code, kind: back.kind,
        message: `The rotation of stack ${run.stack} was cancelled; the old values are back in Parameter Store (${parameters.map((each) => `${ROTATABLE[each.secret].parameter} version ${each.version}`).join(', ')}) and on the instance.`,
        nextStep: `Run \`geusemaker secrets ${run.stack} rotate\` again when ready.`,
      });
    }
    const versions = parameters.map((each) => `${ROTATABLE[each.secret].parameter} version ${each.version}`).join(', ');
    const undone = new GeuseError({
      code: 'ROTATION_UNDONE', kind: 'unknown', cause: failure,
      message: `The rotation of stack ${run.stack} was undone: ${reason}. Parameter Store holds the old values again (${versions})${attempted.size > 0 ? ', the instance runs them, and the health round after that passed' : '; the instance never left them'}.`,
      nextStep: `See what failed (\`geusemaker status ${run.stack}\`, and /var/log/geusemaker/rotation.log on the instance), then rotate again.`,
    });
    return { rotated: [], restored: { reason, parameters, error: undone } };
  }
}

/** Old values as new versions, re-applied in the same order, then health; a failure here is an error naming what to do. */
async function restore(run: RotationRun, steps: Steps, changed: readonly Changed[], attempted: ReadonlySet<RotatableSecret>, reason: string): Promise<RotatedSecret[]> {
  const parameters: RotatedSecret[] = [];
  try {
    await steps.run('restore-values', 'Old values back in Parameter Store', async () => {
      for (const each of changed) {
        const after = Math.max(each.newVersion, each.oldVersion);
        parameters.push({ secret: each.secret, parameter: each.parameter, version: await putNewVersion(run.clients, each.parameter, each.oldValue, after) });
      }
    }, () => parameters.map((each) => `${ROTATABLE[each.secret].parameter} version ${each.version}`).join(', '));
    // Only what reached the instance is re-applied; the rest never left the old value there.
    for (const each of changed.filter((one) => attempted.has(one.secret))) {
      const back = parameters.find((one) => one.secret === each.secret)!;
      await steps.run(`restore-${each.secret}`, `${LABELS[each.secret]} back on ${run.instanceId}`,
        () => applyOnInstance(run, each.secret, each.parameter, each.newVersion, back.version, 'restore'));
    }
    if (attempted.size > 0) {
      await steps.run('restore-health', 'Health round after putting the old values back', () => healthy(run), () => 'every service healthy');
    }
    return parameters;
  } catch (error) {
    const failure = asGeuseError(error);
    const held = parameters.length === changed.length
      ? 'Parameter Store holds the old values again'
      : `Parameter Store still holds the new values of ${changed.slice(parameters.length).map((each) => ROTATABLE[each.secret].parameter).join(', ')}`;
    throw new GeuseError({
      code: 'ROTATION_NOT_UNDONE', kind: 'unknown', cause: error,
      message: `The rotation of stack ${run.stack} failed (${reason}), and putting the old values back failed too: ${failure.message} ${held}.`,
      nextStep: `Run \`geusemaker secrets ${run.stack} rotate\` again: it starts from what Parameter Store holds and sets it on the instance. If that fails, look at /var/log/geusemaker/rotation.log on the instance (GeuseMaker: Open Terminal) and check \`geusemaker status ${run.stack}\`.`,
    });
  }
}
