import { randomBytes } from 'node:crypto';
import { GetParameterCommand, ListTagsForResourceCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import type { StepContext } from '../context';
import type { StepResult } from '../graph/run-graph';
import { isNotFound } from '../aws/classify';
import { refused } from '../errors';
import { names, stackTags, tagValue, TAG_STACK_ID } from '../stack/naming';
import { ensureResource } from './ensure';
import { stackSecrets, type SecretSpec } from './secret-specs';

export { ORIGIN_SECRET, SECRETS, stackSecrets, type SecretSpec } from './secret-specs';

/** A secret's value, for configuring AWS (never written to state, logs or progress). */
export async function secretValue(ctx: StepContext, secret: SecretSpec): Promise<string> {
  const value = (await ctx.clients.ssm.send(new GetParameterCommand({ Name: names.parameter(ctx.stack, secret.name), WithDecryption: true }))).Parameter?.Value;
  // Deleted or emptied by hand since the secrets step ensured it: a redeploy makes it anew.
  if (!value) throw new Error(`SSM parameter ${names.parameter(ctx.stack, secret.name)} has no value; run deploy again to recreate it.`);
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

export async function ensureSecrets(ctx: StepContext): Promise<StepResult & { parameterNames: string[] }> {
  const secrets = stackSecrets(ctx.config);
  const outcomes = await Promise.all(secrets.map((secret) => ensureSecret(ctx, secret)));
  const reused = outcomes.filter((outcome) => outcome === 'reused').length;
  return {
    outcome: reused === secrets.length ? 'reused' : 'created',
    detail: `${secrets.length} SecureStrings under ${names.parameterPath(ctx.stack)}${reused > 0 ? ` (${reused} kept from before)` : ''}`,
    parameterNames: secrets.map((secret) => names.parameter(ctx.stack, secret.name)),
  };
}
