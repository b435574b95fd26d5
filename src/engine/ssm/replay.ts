import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { invalidInput } from '../errors';
import type { SsmFactory } from '../operate';
import { parseInstanceInformation } from './agents';
import { parseStartSession } from './session';

/**
 * Recorded SSM answers for the calls the emulator (moto) cannot make: StartSession, TerminateSession and
 * DescribeInstanceInformation. Only used when GEUSEMAKER_SSM_REPLAY names such a file — the end-to-end
 * tests of the editor run against moto with it — and never against real AWS.
 */
const replaySchema = z.object({
  startSession: z.unknown(),
  describeInstanceInformation: z.unknown().optional(),
});

export function replayFromFile(path: string): SsmFactory {
  let recorded: z.infer<typeof replaySchema>;
  try {
    recorded = replaySchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    throw invalidInput('SSM_REPLAY_INVALID', `The recorded SSM answers in ${path} could not be read: ${(error as Error).message}`, 'Unset GEUSEMAKER_SSM_REPLAY, or point it at a valid file.');
  }
  const session = parseStartSession(recorded.startSession);
  return () => ({
    sessions: { start: async () => session, terminate: async () => undefined },
    ...(recorded.describeInstanceInformation === undefined ? {} : {
      agents: { status: async (instanceId: string) => parseInstanceInformation(instanceId, recorded.describeInstanceInformation) },
    }),
  });
}
