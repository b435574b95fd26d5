import { DescribeParametersCommand } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import type { AwsClients } from '../aws/clients';
import { classifyAwsError } from '../aws/classify';
import { stackSecrets } from '../resources/secret-specs';
import { unexpectedAnswer } from '../ssm/run-command';
import { names } from '../stack/naming';
import type { StackState } from '../state/schema';
import { ENCRYPTION_KEY_REASON, heldBack, ROTATABLE, ROTATABLE_SECRETS, type RotatableSecret } from './rotatable';

/** How old one secret is, from Parameter Store's LastModifiedDate (and whether rotateAfterDays says it is due). */
export interface SecretAge {
  /** The parameter's short name, e.g. postgres-password. */
  name: string;
  /** Its `secrets rotate --only` name, when `secrets rotate` can change it for this stack (never the encryption key). */
  rotatable: RotatableSecret | undefined;
  /** Why `secrets rotate` leaves it alone, when it does. */
  notRotatedBecause?: string;
  lastChangedAt: string;
  ageDays: number;
  /** rotateAfterDays is set, the secret is rotatable and its age reached it. */
  due: boolean;
  version: number;
}

const DAY_MS = 86_400_000;

// Metadata only: DescribeParameters never returns a value.
const describedSchema = z.object({
  Parameters: z.array(z.object({ Name: z.string(), LastModifiedDate: z.date(), Version: z.number().int() })).optional(),
});

/**
 * What Parameter Store says now about each of the stack's secrets: its version and when it last changed. A secret
 * missing from Parameter Store is left out. `usedRotatable` lists the secrets `secrets rotate` would change.
 */
export async function readSecretAges(
  clients: AwsClients, state: Pick<StackState, 'name' | 'config' | 'resources'>, usedRotatable: readonly RotatableSecret[],
  options: { signal?: AbortSignal; now?: Date; rotateAfterDays?: number } = {},
): Promise<SecretAge[]> {
  const specs = stackSecrets(state.config);
  const byParameter = new Map(specs.map((spec) => [names.parameter(state.name, spec.name), spec.name]));
  let described: z.infer<typeof describedSchema>;
  try {
    described = describedSchema.parse(await clients.ssm.send(new DescribeParametersCommand({
      ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [...byParameter.keys()] }], MaxResults: 50,
    }), { abortSignal: options.signal }));
  } catch (error) {
    if (error instanceof z.ZodError) throw unexpectedAnswer('DescribeParameters', error);
    throw classifyAwsError(error, { operation: 'ssm:DescribeParameters', profile: clients.profile });
  }
  const now = (options.now ?? new Date()).getTime();
  const rotateAfterDays = options.rotateAfterDays ?? state.config.rotateAfterDays;
  const held = heldBack(state);
  const ages = (described.Parameters ?? []).flatMap((parameter) => {
    const name = byParameter.get(parameter.Name);
    if (name === undefined) return [];
    const rotatable = ROTATABLE_SECRETS.find((secret) => ROTATABLE[secret].parameter === name && usedRotatable.includes(secret));
    const ageDays = Math.max(0, Math.floor((now - parameter.LastModifiedDate.getTime()) / DAY_MS));
    const notRotatedBecause = rotatable !== undefined ? undefined
      : name === 'n8n-encryption-key' ? ENCRYPTION_KEY_REASON
        : held.find((each) => each.parameter === name)?.reason ?? (ROTATABLE_SECRETS.some((secret) => ROTATABLE[secret].parameter === name) ? 'the stack does not use it' : 'secrets rotate does not change it');
    return [{
      name, rotatable, ...(notRotatedBecause ? { notRotatedBecause } : {}), lastChangedAt: parameter.LastModifiedDate.toISOString(), ageDays, version: parameter.Version,
      due: rotateAfterDays !== undefined && rotatable !== undefined && ageDays >= rotateAfterDays,
    }];
  });
  // In the order the stack's secrets are listed, whatever order AWS answers in.
  const order = specs.map((spec) => spec.name as string);
  return ages.sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name));
}

/** One line per due secret, for a plan or a status: its age, and the command that rotates it. */
export function dueWords(stack: string, age: SecretAge, rotateAfterDays: number): string {
  return `Secret ${age.name} of stack ${stack} is ${age.ageDays} days old (last changed ${age.lastChangedAt.slice(0, 10)}; rotateAfterDays is ${rotateAfterDays}): rotate it with \`geusemaker secrets ${stack} rotate --only ${age.rotatable ?? age.name}\`.`;
}
