import { randomBytes } from 'node:crypto';
import { GetParameterCommand, ListTagsForResourceCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import type { StepContext } from '../context';
import type { StepResult } from '../graph/run-graph';
import { isNotFound } from '../aws/classify';
import { refused } from '../errors';
import { usesCloudFront, type StackConfig } from '../stack/config';
import { names, stackTags, tagValue, TAG_STACK_ID } from '../stack/naming';
import { ensureResource } from './ensure';

/** The stack's generated secrets. They protect or open the data on EFS, so they are kept with it. */
export const SECRETS = [
  { key: 'secret-postgres-password', name: 'postgres-password', bytes: 24 },
  { key: 'secret-n8n-encryption-key', name: 'n8n-encryption-key', bytes: 32 },
  // n8n requires a digit, an uppercase and a lowercase letter in the owner password.
  { key: 'secret-n8n-owner-password', name: 'n8n-owner-password', bytes: 18, allClasses: true },
  { key: 'secret-qdrant-api-key', name: 'qdrant-api-key', bytes: 32 },
  { key: 'secret-crawl4ai-api-token', name: 'crawl4ai-api-token', bytes: 32 },
  // Basic-auth password for services with no login of their own (Ollama, ComfyUI) behind the proxy.
  { key: 'secret-proxy-password', name: 'proxy-password', bytes: 18 },
] as const;

type SecretSpec = { key: string; name: string; bytes: number; allClasses?: boolean };

/** CloudFront sends it as a header; the load balancer forwards only requests that carry it (no bypass of CloudFront). */
export const ORIGIN_SECRET = { key: 'secret-origin-header', name: 'origin-header', bytes: 32 } as const;

/** The secrets a stack needs: the origin header only when CloudFront fronts it. */
export function stackSecrets(config: StackConfig): readonly SecretSpec[] {
  return usesCloudFront(config) ? [...SECRETS, ORIGIN_SECRET] : SECRETS;
}

/** A secret's value, for configuring AWS (never written to state, logs or progress). */
export async function secretValue(ctx: StepContext, secret: SecretSpec): Promise<string> {
  const value = (await ctx.clients.ssm.send(new GetParameterCommand({ Name: names.parameter(ctx.stack, secret.name), WithDecryption: true }))).Parameter?.Value;
  if (!value) throw new Error(`Step order bug: secret ${secret.name} has no value yet`);
  return value;
}

/** CSPRNG-generated, URL-safe so it survives shells, env files and connection strings unquoted. */
export function generateSecret(bytes: number, allClasses = false): string {
  for (;;) {
    const secret = randomBytes(bytes).toString('base64url');
    if (!allClasses || (/[0-9]/.test(secret) && /[A-Z]/.test(secret) && /[a-z]/.test(secret))) return secret;
  }
}

async function ownedParameter(ctx: StepContext, parameterName: string): Promise<boolean> {
  try {
    await ctx.clients.ssm.send(new GetParameterCommand({ Name: parameterName, WithDecryption: false }));
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
  const tags = (await ctx.clients.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: parameterName }))).TagList;
  if (tagValue(tags, TAG_STACK_ID) !== ctx.stackId) {
    throw refused('NAME_TAKEN', `SSM parameter ${parameterName} already exists and does not belong to this stack.`,
      `Choose another stack name; if it belongs to a stack of yours deployed from elsewhere, take that stack over with \`geusemaker deploy ${ctx.stack} --adopt\`.`);
  }
  return true;
}

async function ensureSecret(ctx: StepContext, secret: SecretSpec): Promise<'created' | 'reused'> {
  const parameterName = names.parameter(ctx.stack, secret.name);
  const existing = async () => ((await ownedParameter(ctx, parameterName)) ? { id: parameterName } : undefined);
  const { outcome } = await ensureResource(ctx, {
    key: secret.key, kind: 'ssm-parameter',
    describe: existing,
    findOrphan: existing,
    // Overwrite is never set: a secret that exists protects data and must not change. "Already exists"
    // (our earlier attempt, its answer lost) is adopted by ensureResource through findOrphan.
    create: async () => {
      await ctx.clients.ssm.send(new PutParameterCommand({
        Name: parameterName, Value: generateSecret(secret.bytes, secret.allClasses === true), Type: 'SecureString', Tier: 'Standard',
        Description: `GeuseMaker stack ${ctx.stack}: ${secret.name}`, Tags: stackTags(ctx, secret.key, parameterName),
      }));
      return { id: parameterName };
    },
  });
  return outcome;
}

export async function ensureSecrets(ctx: StepContext): Promise<StepResult> {
  const secrets = stackSecrets(ctx.config);
  const outcomes = await Promise.all(secrets.map((secret) => ensureSecret(ctx, secret)));
  const reused = outcomes.filter((outcome) => outcome === 'reused').length;
  return {
    outcome: reused === secrets.length ? 'reused' : 'created',
    detail: `${secrets.length} SecureStrings under ${names.parameterPath(ctx.stack)}${reused > 0 ? ` (${reused} kept from before)` : ''}`,
  };
}
