import { CancelCommandCommand, GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import { z } from 'zod';
import type { SsmApi, SsmCommand } from './api';

/**
 * A script's first line may say what it does (`# geusemaker-op: models-list`), so recorded answers can stand in
 * for the output the emulator's Run Command never prints (replay.ts). The shell ignores it as a comment.
 */
const OPERATION_LINE = /^# geusemaker-op: ([a-z0-9-]+)$/;

export function operationLine(key: string): string {
  if (!/^[a-z0-9-]+$/.test(key)) throw new Error(`Not an operation key: ${key}`);
  return `# geusemaker-op: ${key}`;
}

export function operationOf(lines: readonly string[]): string | undefined {
  for (const line of lines) {
    const match = OPERATION_LINE.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

/** One GetCommandInvocation answer as AWS gives it, recorded for an operation. */
const recordedInvocationSchema = z.looseObject({
  Status: z.string().min(1),
  StatusDetails: z.string().optional(),
  ResponseCode: z.number().int().optional(),
  StandardOutputContent: z.string().optional(),
  StandardErrorContent: z.string().optional(),
});

/** Answers per operation key, in the order the calls get them; the last one repeats. */
export const recordedRunCommandSchema = z.record(z.string().regex(/^[a-z0-9-]+$/), z.array(recordedInvocationSchema).min(1));
export type RecordedRunCommand = z.infer<typeof recordedRunCommandSchema>;

/** How far each operation's answers were used, and the replayed command ids; shared by everything made from one replay file. */
export interface ReplayCursor {
  used: Map<string, number>;
  commands: Map<string, z.infer<typeof recordedInvocationSchema>>;
}

export function newReplayCursor(): ReplayCursor {
  return { used: new Map(), commands: new Map() };
}

/**
 * SSM with recorded Run Command answers: a SendCommand whose script names a recorded operation gets a command id
 * of its own, and GetCommandInvocation for it the operation's next recorded answer; every other call goes to
 * `ssm`. The engine's own SsmCommandRunner runs over it, so the answers go through the same parsing as AWS's.
 */
export class RecordedCommands implements SsmApi {
  constructor(private readonly answers: RecordedRunCommand, private readonly cursor: ReplayCursor, private readonly ssm: SsmApi) {}

  send(command: SsmCommand, options?: { abortSignal?: AbortSignal }): Promise<unknown> {
    if (command instanceof SendCommandCommand) {
      const key = operationOf(command.input.Parameters?.commands ?? []);
      const answers = key === undefined ? undefined : this.answers[key];
      if (key === undefined || !answers) return this.ssm.send(command, options);
      const index = this.cursor.used.get(key) ?? 0;
      this.cursor.used.set(key, index + 1);
      const commandId = `gm-replay-${key}-${index + 1}-${this.cursor.commands.size + 1}`;
      this.cursor.commands.set(commandId, answers[Math.min(index, answers.length - 1)]!);
      return Promise.resolve({ Command: { CommandId: commandId, Status: 'Pending', Comment: command.input.Comment, InstanceIds: command.input.InstanceIds } });
    }
    const id = command instanceof GetCommandInvocationCommand || command instanceof CancelCommandCommand ? command.input.CommandId : undefined;
    const recorded = id === undefined ? undefined : this.cursor.commands.get(id);
    if (!recorded) return this.ssm.send(command, options);
    if (command instanceof CancelCommandCommand) return Promise.resolve({});
    return Promise.resolve({ ...recorded, CommandId: id, InstanceId: (command as GetCommandInvocationCommand).input.InstanceId });
  }
}
