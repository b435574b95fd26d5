import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { invalidInput } from '../errors';
import type { SsmFactory } from '../operate';
import { parseInstanceInformation } from './agents';
import { newReplayCursor, RecordedCommands, recordedRunCommandSchema } from './recorded-commands';
import { SsmCommandRunner } from './run-command';
import { parseStartSession } from './session';

/**
 * Recorded SSM answers for the calls the emulator (moto) cannot make: StartSession, TerminateSession,
 * DescribeInstanceInformation, and the output of Run Command scripts that name their operation (`runCommand`,
 * keyed by recorded-commands.ts's operation line; other scripts still go to SSM). Every part is optional. Only
 * used when GEUSEMAKER_SSM_REPLAY names such a file — the end-to-end tests of the editor run against moto with
 * it — and never against real AWS.
 */
const replaySchema = z.object({
  startSession: z.unknown().optional(),
  describeInstanceInformation: z.unknown().optional(),
  runCommand: recordedRunCommandSchema.optional(),
});

export function replayFromFile(path: string): SsmFactory {
  let recorded: z.infer<typeof replaySchema>;
  try {
    recorded = replaySchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    throw invalidInput('SSM_REPLAY_INVALID', `The recorded SSM answers in ${path} could not be read: ${(error as Error).message}`, 'Unset GEUSEMAKER_SSM_REPLAY, or point it at a valid file.');
  }
  const session = recorded.startSession === undefined ? undefined : parseStartSession(recorded.startSession);
  const { runCommand } = recorded;
  // One cursor for the file: the engine makes its SSM services anew for every call.
  const cursor = newReplayCursor();
  return (ssm) => ({
    ...(session === undefined ? {} : { sessions: { start: async () => session, terminate: async () => undefined } }),
    // Recorded answers are there at once: the first poll need not wait SSM's usual half second.
    ...(runCommand === undefined ? {} : { runner: new SsmCommandRunner(new RecordedCommands(runCommand, cursor, ssm), { pollIntervalMs: 50 }) }),
    ...(recorded.describeInstanceInformation === undefined ? {} : {
      agents: { status: async (instanceId: string) => parseInstanceInformation(instanceId, recorded.describeInstanceInformation) },
    }),
  });
}
