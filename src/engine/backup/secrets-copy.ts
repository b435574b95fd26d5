import { GetParameterCommand, ListTagsForResourceCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import type { AwsClients } from '../aws/clients';
import { awsErrorCode, classifyAwsError, isNotFound } from '../aws/classify';
import { refused } from '../errors';
import { SECRETS } from '../resources/secret-specs';
import type { Journal } from '../state/journal';
import { names, stackTags, tagValue, TAG_STACK_ID, type TagOwner } from '../stack/naming';

/**
 * The secrets the data itself was written with: PostgreSQL's password (in its data directory), n8n's encryption key
 * (its stored credentials) and the n8n owner's password (the owner row is in PostgreSQL). A stack on restored data
 * needs these values; new random ones would leave it unable to open what was restored.
 */
export const DATA_SECRETS = SECRETS.filter((secret) => ['postgres-password', 'n8n-encryption-key', 'n8n-owner-password'].includes(secret.name));

/** Which of the source's data secrets are missing from Parameter Store (read without their values). */
export async function missingDataSecrets(clients: AwsClients, source: string): Promise<string[]> {
  const missing: string[] = [];
  for (const secret of DATA_SECRETS) {
    try {
      await clients.ssm.send(new GetParameterCommand({ Name: names.parameter(source, secret.name), WithDecryption: false }));
    } catch (error) {
      if (!isNotFound(error)) throw classifyAwsError(error, { profile: clients.profile, operation: 'ssm:GetParameter' });
      missing.push(names.parameter(source, secret.name));
    }
  }
  return missing;
}

export function secretsMissing(source: string, missing: readonly string[]) {
  return refused('SECRET_MISSING',
    `Stack ${source}'s ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} no longer in Parameter Store. The restored data was written with ${missing.length > 1 ? 'those values' : 'that value'}, so a stack on it could not open it (PostgreSQL would refuse n8n, and n8n could not decrypt its credentials); nothing was restored.`,
    'If you still have the values, put them back under the same names (aws ssm put-parameter --type SecureString), then restore again.');
}

/**
 * Copies the source's data secrets into the target stack's parameters (tagged as the target's, journaled, so its
 * deploy keeps them instead of making new ones). A parameter an earlier attempt made is overwritten with the same
 * value; one that belongs to someone else is refused, never touched. Values never reach state, logs or progress.
 */
export async function copyDataSecrets(clients: AwsClients, journal: Journal, source: string, owner: TagOwner): Promise<string[]> {
  const copied: string[] = [];
  for (const secret of DATA_SECRETS) {
    const from = names.parameter(source, secret.name);
    const to = names.parameter(owner.stack, secret.name);
    try {
      const value = (await clients.ssm.send(new GetParameterCommand({ Name: from, WithDecryption: true }))).Parameter?.Value;
      if (!value) throw secretsMissing(source, [from]);
      try {
        await clients.ssm.send(new PutParameterCommand({
          Name: to, Value: value, Type: 'SecureString', Tier: 'Standard', Description: `GeuseMaker stack ${owner.stack}: ${secret.name}`, Tags: stackTags(owner, secret.key, to),
        }));
      } catch (error) {
        if (awsErrorCode(error) !== 'ParameterAlreadyExists') throw error;
        const tags = (await clients.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: to }))).TagList;
        if (tagValue(tags, TAG_STACK_ID) !== owner.stackId) {
          throw refused('NAME_TAKEN', `SSM parameter ${to} already exists and does not belong to stack ${owner.stack}, so the restored data's secrets cannot be put there.`,
            'Choose another name for the new stack (--as), or remove that parameter if it is a leftover of yours.');
        }
        await clients.ssm.send(new PutParameterCommand({ Name: to, Value: value, Type: 'SecureString', Overwrite: true }));
      }
    } catch (error) {
      if (isNotFound(error)) throw secretsMissing(source, [from]);
      throw classifyAwsError(error, { profile: clients.profile });
    }
    await journal.created(secret.key, 'ssm-parameter', to);
    copied.push(secret.name);
  }
  return copied;
}
