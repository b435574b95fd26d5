import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { z } from 'zod';
import type { AwsClients } from '../aws/clients';
import { classifyAwsError } from '../aws/classify';

/** Who AWS says is calling: the account and identity every stack of this profile lands in. */
export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

const callerIdentitySchema = z.object({
  Account: z.string().regex(/^\d{12}$/),
  Arn: z.string().min(1),
  UserId: z.string().min(1),
});

/** Reads sts:GetCallerIdentity (needs no permission); a failure is the classified error (no credentials, expired, unreachable). */
export async function readCallerIdentity(clients: AwsClients, profile?: string): Promise<CallerIdentity> {
  let answer: unknown;
  try {
    answer = await clients.sts.send(new GetCallerIdentityCommand({}));
  } catch (error) {
    throw classifyAwsError(error, { profile });
  }
  const parsed = callerIdentitySchema.safeParse(answer);
  if (!parsed.success) throw classifyAwsError(new Error(`GetCallerIdentity answered without an account id: ${parsed.error.issues[0]?.message ?? 'unreadable'}`), { profile });
  return { account: parsed.data.Account, arn: parsed.data.Arn, userId: parsed.data.UserId };
}
