import type { AwsClients } from '../aws/clients';
import type { BackupService } from '../backup/service';
import { type GeuseError, refused } from '../errors';
import type { EngineHost, HostOperationOptions } from '../host';
import { publicUrlFrom } from '../resources/public-url';
import type { StackState } from '../state/schema';
import { isGpuTier } from '../tiers';
import type { SecretAge } from './ages';
import { chooseSecrets, ENCRYPTION_KEY_REASON, guardedProxyPath, heldBack, ROTATABLE, ROTATABLE_SECRETS, type RotatableSecret } from './rotatable';

export { ROTATABLE_SECRETS, type RotatableSecret } from './rotatable';
export type { SecretAge } from './ages';

export interface RotationPlan {
  stack: string;
  secrets: RotatableSecret[];
  /** What happens on the instance, in order, in plain words. */
  steps: string[];
  /** The stack's secrets this rotation leaves alone, each with why (the n8n encryption key always). */
  notRotated: { name: string; reason: string }[];
}

export interface RotationResult {
  rotated: { secret: RotatableSecret; parameter: string; version: number }[];
  /**
   * The rotation failed (a step, or the health round after it) and the old values were put back as these versions;
   * `error` says so for a front end that reports it as a failure.
   */
  restored?: { reason: string; parameters: { secret: RotatableSecret; parameter: string; version: number }[]; error: GeuseError };
}

/** Whether nginx runs on the stack's instance, as the bootstrap decides it (compose.ts, loaded only when asked). */
async function proxyRuns(state: StackState): Promise<boolean> {
  const { needsProxy } = await import('../bootstrap/compose');
  return needsProxy({
    config: state.config, region: state.region, fileSystemId: '', os: 'al2023', architecture: 'x86_64', gpu: isGpuTier(state.config.tier),
    publicUrl: publicUrlFrom(state.config, state.resources),
  });
}

/** The rotatable secrets the stack uses (what `secrets rotate` changes by default). */
async function usedSecrets(state: StackState): Promise<RotatableSecret[]> {
  return chooseSecrets(state, undefined, await proxyRuns(state));
}

/** Secret rotation and ages. */
export class SecretsService {
  constructor(private readonly host: EngineHost, private readonly backups: BackupService) {
    void this.backups;
  }

  /** Each secret's age from Parameter Store now, and which are due under rotateAfterDays (`now` for tests and previews). */
  async ages(name: string, options: { signal?: AbortSignal; now?: Date } = {}): Promise<SecretAge[]> {
    const state = await this.host.requireState(name);
    const used = await usedSecrets(state);
    const { readSecretAges } = await import('./ages');
    return readSecretAges(this.host.clients(state.region, state.config.profile), state, used, options);
  }

  /** What a rotation would do, read-only (refuses the n8n encryption key and secrets the stack does not use). */
  async planRotation(name: string, only?: readonly string[]): Promise<RotationPlan> {
    const state = await this.host.requireState(name);
    if (state.status !== 'deployed') {
      throw refused('NO_INSTANCE', `Stack ${name} is ${state.status}: its secrets are rotated on its running instance, and PostgreSQL and n8n keep theirs in the data on EFS, so Parameter Store alone is never changed.`,
        state.status === 'paused' ? `Resume it first (\`geusemaker resume ${name}\`), then rotate.` : `Deploy it first (\`geusemaker deploy ${name}\`), then rotate.`);
    }
    const runs = await proxyRuns(state);
    const used = chooseSecrets(state, undefined, runs);
    const secrets = chooseSecrets(state, only, runs);
    if (secrets.length === 0) {
      throw refused('SERVICE_NOT_IN_STACK', `Stack ${name} uses none of the secrets \`secrets rotate\` changes (${ROTATABLE_SECRETS.join(', ')}).`, 'Nothing to do.');
    }
    for (const secret of secrets) {
      const record = state.resources[ROTATABLE[secret].key];
      if (record?.status !== 'created') {
        throw refused('SECRET_MISSING', `Stack ${name}'s journal has no record of creating its ${ROTATABLE[secret].parameter} parameter, so it is not changed.`, `Deploy the stack again (\`geusemaker deploy ${name}\`), then rotate.`);
      }
    }
    const n8n = state.config.services.n8n;
    const steps = [
      `New values for ${secrets.map((secret) => ROTATABLE[secret].parameter).join(', ')} in Parameter Store: a new version of each (the current values are kept in memory, to be put back)`,
      ...secrets.map((secret) => (secret === 'postgres' && !n8n ? ROTATABLE.postgres.step.replace(/PostgreSQL and n8n are recreated.*$/, 'PostgreSQL is recreated with the new env file') : ROTATABLE[secret].step)),
      'Health rounds until every service is healthy; if they are not, or a step fails or is cancelled, the old values are put back as new versions and applied the same way, in the same order',
    ];
    const held = heldBack(state);
    const notRotated = [
      { name: 'n8n-encryption-key', reason: ENCRYPTION_KEY_REASON },
      ...ROTATABLE_SECRETS.filter((secret) => !secrets.includes(secret)).map((secret) => ({
        name: ROTATABLE[secret].parameter,
        reason: held.find((each) => each.secret === secret)?.reason ?? (used.includes(secret) ? 'not named in --only' : 'the stack does not use it'),
      })),
      ...held.filter((each) => each.secret === undefined).map((each) => ({ name: each.parameter, reason: each.reason })),
    ];
    return { stack: name, secrets, steps, notRotated };
  }

  /** Rotates under the stack's lock; a failing health round afterwards puts the old values back. */
  async rotate(name: string, options: HostOperationOptions & { only?: readonly string[]; confirm?: (plan: RotationPlan) => Promise<boolean> }): Promise<RotationResult> {
    return this.host.locked(name, 'rotate', options, async () => {
      const plan = await this.planRotation(name, options.only);
      if (options.confirm && !(await options.confirm(plan))) {
        throw refused('DECLINED', `The rotation of stack ${name}'s secrets was not confirmed, so nothing was changed.`, 'Run it again and answer yes, or pass --yes to skip the question.');
      }
      const state = await this.host.currentState(name, options.signal);
      const [{ instanceIdOf }, { rotateSecrets }] = await Promise.all([import('../operate'), import('./rotate')]);
      const outcome = await rotateSecrets({
        stack: name, region: state.region, instanceId: instanceIdOf(state), clients: this.host.clients(state.region, state.config.profile),
        runner: this.host.ssmOf(state).runner, secrets: plan.secrets, n8n: state.config.services.n8n, guardedPath: guardedProxyPath(state),
        health: (signal) => this.host.health(name, { signal }), pollIntervalMs: this.host.timing.pollIntervalMs,
        signal: options.signal, onProgress: options.onProgress ?? (() => undefined),
      });
      if (outcome.rotated.length > 0) await this.record(name, outcome.rotated.map((each) => ROTATABLE[each.secret].parameter));
      return outcome;
    });
  }

  /** state.secretRotations: when `secrets rotate` last changed each secret (the state read again, under the lock). */
  private async record(name: string, parameters: readonly string[]): Promise<void> {
    const state = await this.host.requireState(name);
    const at = new Date().toISOString();
    await this.host.store.write({ ...state, secretRotations: { ...state.secretRotations, ...Object.fromEntries(parameters.map((parameter) => [parameter, at])) } });
  }
}

/** How long a plan waits for Parameter Store's answer before it goes on without the secrets' ages. */
const DUE_READ_TIMEOUT_MS = 10_000;

/**
 * One plan warning per secret due under rotateAfterDays: the planned config's when `options` has the key (undefined
 * there means the config has none), else the applied one's. Bounded by a timeout and never failing the plan: when
 * Parameter Store cannot be read, one warning says the ages were not read. Engine.plan: `secretsDueWarnings(clients,
 * existing, { rotateAfterDays: config.rotateAfterDays })`.
 */
export async function secretsDueWarnings(clients: AwsClients, state: StackState | undefined, options: { rotateAfterDays?: number; signal?: AbortSignal; now?: Date } = {}): Promise<string[]> {
  const rotateAfterDays = 'rotateAfterDays' in options ? options.rotateAfterDays : state?.config.rotateAfterDays;
  if (!state || rotateAfterDays === undefined || state.status === 'new') return [];
  try {
    const { readSecretAges, dueWords } = await import('./ages');
    const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(DUE_READ_TIMEOUT_MS)]) : AbortSignal.timeout(DUE_READ_TIMEOUT_MS);
    const ages = await readSecretAges(clients, state, await usedSecrets(state), { signal, rotateAfterDays, now: options.now });
    return ages.filter((age) => age.due).map((age) => dueWords(state.name, age, rotateAfterDays));
  } catch (error) {
    if (options.signal?.aborted) throw error;
    return [`The secrets' ages were not read (${error instanceof Error ? error.message : String(error)}), so none is said to be due for rotation.`];
  }
}
