import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import type { AwsClients } from '../aws/clients';
import { classifyAwsError } from '../aws/classify';
import { cancelled, GeuseError, refused } from '../errors';
import { unexpectedAnswer } from '../ssm/run-command';

/* A stack secret's value and version in Parameter Store: read, and overwritten as a new version (read back). */

const parameterSchema = z.object({ Parameter: z.object({ Value: z.string().optional(), Version: z.number().int().min(1) }) });

function awsFailure(error: unknown, operation: string, clients: AwsClients, signal: AbortSignal | undefined): Error {
  if (signal?.aborted) return cancelled();
  if (error instanceof z.ZodError) return unexpectedAnswer(operation, error);
  return classifyAwsError(error, { operation: `ssm:${operation}`, profile: clients.profile });
}

/** The value the parameter holds now and its version (the value stays in memory only, to be put back). */
export async function currentValue(clients: AwsClients, parameter: string, signal?: AbortSignal): Promise<{ value: string; version: number }> {
  let out: z.infer<typeof parameterSchema>;
  try {
    out = parameterSchema.parse(await clients.ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }), { abortSignal: signal }));
  } catch (error) {
    throw awsFailure(error, 'GetParameter', clients, signal);
  }
  const value = out.Parameter.Value;
  if (!value) throw refused('SECRET_MISSING', `SSM parameter ${parameter} has no value, so it is not rotated.`, 'Run deploy again to recreate it.');
  return { value, version: out.Parameter.Version };
}

/** The version Parameter Store holds now, as it says (metadata only). */
export async function currentVersion(clients: AwsClients, parameter: string, signal?: AbortSignal): Promise<number> {
  try {
    return parameterSchema.parse(await clients.ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: false }), { abortSignal: signal })).Parameter.Version;
  } catch (error) {
    throw awsFailure(error, 'GetParameter', clients, signal);
  }
}

/**
 * Overwrites the parameter with `value` (a new version; its tags and type stay) and returns the version Parameter
 * Store reads back. An answer lost on the way back is found by reading: a version past `after` is the write.
 */
export async function putNewVersion(clients: AwsClients, parameter: string, value: string, after: number, signal?: AbortSignal): Promise<number> {
  try {
    await clients.ssm.send(new PutParameterCommand({ Name: parameter, Value: value, Type: 'SecureString', Overwrite: true }), { abortSignal: signal });
  } catch (error) {
    const failure = awsFailure(error, 'PutParameter', clients, signal);
    // Whether it took: read without the signal, so a cancelled write is still known.
    const version = await currentVersion(clients, parameter).catch(() => after);
    if (version > after) return version;
    throw failure;
  }
  const version = await currentVersion(clients, parameter);
  if (version <= after) {
    throw new GeuseError({
      code: 'AWS_TRANSIENT', kind: 'transient', operation: 'ssm:GetParameter',
      message: `Parameter Store still says version ${version} of ${parameter} after a new value was written.`, nextStep: 'Run it again in a minute.',
    });
  }
  return version;
}
