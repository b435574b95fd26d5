import { z } from 'zod';
import { invalidInput, refused } from '../errors';
import { servicesOf } from '../health/catalogue';
import { REDIS_SECRET, type SECRETS } from '../resources/secret-specs';
import { dataInRds } from '../scale/migrate-needed';
import { SCALE_KEYS, scaleNames } from '../scale/names';
import type { StackState } from '../state/schema';

/* Plain data and checks (no AWS SDK): what `secrets rotate` can change, and whether a stack uses each secret. */

/** Secrets `secrets rotate` can change, in the order they are applied on the instance. */
export const ROTATABLE_SECRETS = ['postgres', 'qdrant', 'crawl4ai', 'proxy', 'n8n-owner'] as const;
export type RotatableSecret = (typeof ROTATABLE_SECRETS)[number];

export type SecretName = (typeof SECRETS)[number]['name'];

export interface RotatableSpec {
  /** The parameter under /geusemaker/<stack>/. */
  parameter: SecretName;
  /** Its journal key (the secrets step's record). */
  key: string;
  /** The line of /etc/geusemaker/stack.env that carries it, when the containers read it from there. */
  envVar?: string;
  /** What is done on the instance, in words (RotationPlan.steps). */
  step: string;
}

export const ROTATABLE: Readonly<Record<RotatableSecret, RotatableSpec>> = {
  postgres: {
    parameter: 'postgres-password', key: 'secret-postgres-password', envVar: 'POSTGRES_PASSWORD',
    step: 'PostgreSQL: ALTER USER n8n sets the new password inside the postgres container; the new password must log in and the old one must be refused; then PostgreSQL and n8n are recreated with the new env file (n8n is down for about a minute)',
  },
  qdrant: {
    parameter: 'qdrant-api-key', key: 'secret-qdrant-api-key', envVar: 'QDRANT_API_KEY',
    step: 'Qdrant: recreated with the new API key; the new key must be accepted and the old one refused (401)',
  },
  crawl4ai: {
    parameter: 'crawl4ai-api-token', key: 'secret-crawl4ai-api-token', envVar: 'CRAWL4AI_API_TOKEN',
    step: 'Crawl4AI: recreated with the new API token and waited for until it answers',
  },
  proxy: {
    parameter: 'proxy-password', key: 'secret-proxy-password',
    step: 'Proxy: the basic-auth file is written from the new password and nginx recreated; the old password must get 401',
  },
  'n8n-owner': {
    parameter: 'n8n-owner-password', key: 'secret-n8n-owner-password',
    step: 'n8n owner: logged in to n8n with the old password and changed through n8n\'s own API (PATCH /rest/me/password); the old password must no longer log in',
  },
};

/** Why the n8n encryption key is never rotated (said wherever it is asked for). */
export const ENCRYPTION_KEY_REASON = 'n8n has no way to re-encrypt its stored credentials with a new key, so rotating it would make every credential saved in n8n unreadable';

const ENCRYPTION_KEY_WORDS = new Set(['n8n-encryption', 'n8n-encryption-key', 'encryption-key', 'encryption']);

/** Why the queue's token (a scaled stack's redis-auth-token) is not rotated. */
export const REDIS_TOKEN_REASON = 'it is the queue\'s AUTH token (ElastiCache\'s, or the instance\'s Valkey password), which n8n on the instance and on every worker reads when it starts; changing it in ElastiCache (ModifyReplicationGroup) and in all of them together is not automated yet';

const REDIS_TOKEN_WORDS = new Set([REDIS_SECRET.name, 'redis', 'redis-auth', 'queue', 'valkey']);

type SecretsOf = Pick<StackState, 'name' | 'config' | 'resources'>;

/**
 * Why the PostgreSQL password of a scaled stack is not rotated, when it is not: the rotation step changes it inside
 * the instance's postgres container and recreates n8n there, which is all it reaches.
 */
function postgresHeldBack(state: SecretsOf): string | undefined {
  const record = state.resources[SCALE_KEYS.database];
  const database = record?.id ?? scaleNames.database(state.name);
  if (dataInRds(state)) {
    return `it is the master password of RDS database ${database}, which holds n8n's data: changing RDS's master password (ModifyDBInstance) together with n8n's on the instance and on every worker is not automated yet`;
  }
  if (record?.status === 'created') {
    return `RDS database ${database} was made with it as its master password, and moving n8n's data into RDS logs in with it: changing RDS's master password (ModifyDBInstance) is not automated yet`;
  }
  if (state.config.scale) {
    return 'the n8n workers read it from Parameter Store when they start: a new value would lock the running workers out of the instance\'s PostgreSQL until they are replaced, which rotation does not do yet';
  }
  return undefined;
}

/** The secrets the stack uses that `secrets rotate` leaves alone on this stack, each with why (the encryption key aside). */
export function heldBack(state: SecretsOf): { secret: RotatableSecret | undefined; parameter: string; reason: string }[] {
  const postgres = state.config.services.postgres ? postgresHeldBack(state) : undefined;
  return [
    ...(postgres ? [{ secret: 'postgres' as const, parameter: ROTATABLE.postgres.parameter, reason: postgres }] : []),
    ...(state.config.scale ? [{ secret: undefined, parameter: REDIS_SECRET.name, reason: REDIS_TOKEN_REASON }] : []),
  ];
}

/** What the user may type for each secret: its short name, or its parameter's name. */
const ALIASES: Readonly<Record<string, RotatableSecret>> = Object.fromEntries(
  ROTATABLE_SECRETS.flatMap((secret) => [[secret, secret], [ROTATABLE[secret].parameter, secret]]),
);

const onlySchema = z.array(z.string().trim().toLowerCase().min(1, { error: 'a secret name is empty' })).min(1, { error: 'names no secret' });

/** The services whose containers read the secret; a stack that runs none of them does not use it. */
function servicesUsing(state: Pick<StackState, 'config'>, secret: RotatableSecret, proxyRuns: boolean): { uses: boolean; why: string } {
  const { services } = state.config;
  switch (secret) {
    case 'postgres':
      return { uses: services.postgres, why: 'it does not run PostgreSQL (services.postgres is off)' };
    case 'qdrant':
      return { uses: services.qdrant, why: 'it does not run Qdrant (services.qdrant is off)' };
    case 'crawl4ai':
      return { uses: services.crawl4ai, why: 'it does not run Crawl4AI (services.crawl4ai is off)' };
    case 'n8n-owner':
      return { uses: services.n8n, why: 'it does not run n8n (services.n8n is off)' };
    case 'proxy': {
      const guarded = servicesOf(state.config).filter((spec) => spec.proxyAuth);
      if (!proxyRuns) return { uses: false, why: 'it runs no proxy: it is reached over SSM only (access mode ssm), so nothing checks the proxy password' };
      return { uses: guarded.length > 0, why: 'its proxy guards no service with the password (only Ollama and ComfyUI sit behind it)' };
    }
  }
}

/** The proxy path a basic-auth check is made at (the first guarded service's own health path), when the stack has one. */
export function guardedProxyPath(state: Pick<StackState, 'config'>): string | undefined {
  const spec = servicesOf(state.config).find((each) => each.proxyAuth && each.proxyPrefix !== undefined && each.publicPath !== undefined);
  return spec ? `${spec.proxyPrefix}${spec.publicPath}` : undefined;
}

/**
 * The secrets to rotate: all rotatable ones the stack uses, or those `only` names (short names or parameter names).
 * The n8n encryption key and a secret the stack does not use are refused with the reason; checked from the state
 * alone, before any AWS call.
 */
export function chooseSecrets(state: SecretsOf, only: readonly string[] | undefined, proxyRuns: boolean): RotatableSecret[] {
  const used = (secret: RotatableSecret) => servicesUsing(state, secret, proxyRuns);
  const held = heldBack(state);
  const heldReason = (secret: RotatableSecret) => held.find((each) => each.secret === secret)?.reason;
  if (only === undefined) return ROTATABLE_SECRETS.filter((secret) => used(secret).uses && heldReason(secret) === undefined);
  const parsed = onlySchema.safeParse(only);
  if (!parsed.success) throw invalidInput('USAGE', `--only ${parsed.error.issues[0]?.message ?? 'is not a list of secrets'}.`, `Name some of ${ROTATABLE_SECRETS.join(', ')}, separated by commas.`);
  const wanted = new Set<RotatableSecret>();
  for (const word of parsed.data) {
    if (ENCRYPTION_KEY_WORDS.has(word)) {
      throw refused('SECRET_NOT_ROTATABLE', `The n8n encryption key of stack ${state.name} is not rotated: ${ENCRYPTION_KEY_REASON}.`,
        `Leave it out; the other secrets are ${ROTATABLE_SECRETS.join(', ')}.`);
    }
    if (REDIS_TOKEN_WORDS.has(word)) {
      if (!state.config.scale) {
        throw refused('SERVICE_NOT_IN_STACK', `Stack ${state.name} has no ${REDIS_SECRET.name}: it has no scale section, so no queue.`, `Leave it out; the other secrets are ${ROTATABLE_SECRETS.join(', ')}.`);
      }
      throw refused('SECRET_NOT_ROTATABLE', `The ${REDIS_SECRET.name} of stack ${state.name} is not rotated: ${REDIS_TOKEN_REASON}.`,
        `Leave it out of --only; the secrets rotated on this stack are ${ROTATABLE_SECRETS.filter((each) => used(each).uses && heldReason(each) === undefined).join(', ') || 'none'}.`);
    }
    const secret = ALIASES[word];
    if (!secret) throw invalidInput('USAGE', `--only names "${word}", which is not a secret \`secrets rotate\` changes.`, `Name some of ${ROTATABLE_SECRETS.join(', ')}, separated by commas.`);
    const use = used(secret);
    if (!use.uses) {
      throw refused('SERVICE_NOT_IN_STACK', `Stack ${state.name} does not use the ${secret} secret: ${use.why}.`, `Leave ${secret} out of --only; the stack uses ${ROTATABLE_SECRETS.filter((each) => used(each).uses).join(', ') || 'none of them'}.`);
    }
    const reason = heldReason(secret);
    if (reason) {
      throw refused('SECRET_NOT_ROTATABLE', `The ${ROTATABLE[secret].parameter} of stack ${state.name} is not rotated: ${reason}.`,
        `Leave ${secret} out of --only; the secrets rotated on this stack are ${ROTATABLE_SECRETS.filter((each) => used(each).uses && heldReason(each) === undefined).join(', ') || 'none'}.`);
    }
    wanted.add(secret);
  }
  return ROTATABLE_SECRETS.filter((secret) => wanted.has(secret));
}
