import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeInstanceInformationCommand, GetCommandInvocationCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import type { SsmFactory } from '../../src/engine/operate';
import { SsmAgentDirectory } from '../../src/engine/ssm/agents';
import type { SsmApi, SsmCommand } from '../../src/engine/ssm/api';
import { SsmCommandRunner } from '../../src/engine/ssm/run-command';
import { awsErrorFrom } from '../fixtures/ssm/local-runner';

const FIXTURES = join(__dirname, '..', 'fixtures', 'ssm');
type Recorded = { error?: { name: string; message: string; status: number } } & Record<string, unknown>;
const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;

/** The comment the engine's health script is sent with: its answers are the recorded health round. */
const HEALTH_COMMENT = 'GeuseMaker health check';

/** One SendCommand as the recorded SSM saw it. */
export interface SentCommand {
  instanceId: string;
  commands: string[];
  comment: string;
}

/**
 * SSM as real AWS answers it, from the recorded answers in test/fixtures/ssm (moto runs no command and has no agent
 * status): the engine's own SsmCommandRunner and SsmAgentDirectory run over them. A health script gets the recorded
 * health round (InvocationDoesNotExist twice, InProgress, then the GM_HEALTH_V1 report); any other script gets that
 * round's final Success answer with no output. Every SendCommand is kept, so tests can say what reached an instance.
 */
export class RecordedSsm implements SsmApi {
  readonly sent: SentCommand[] = [];
  private invocations: Recorded[] = [];

  async send(command: SsmCommand): Promise<unknown> {
    if (command instanceof SendCommandCommand) {
      const { InstanceIds, Parameters, Comment } = command.input;
      const sent = { instanceId: InstanceIds?.[0] ?? '', commands: Parameters?.commands ?? [], comment: Comment ?? '' };
      this.sent.push(sent);
      const round = fixture<Recorded[]>('health-invocation-sequence.json');
      const done = round.at(-1)!;
      this.invocations = sent.comment === HEALTH_COMMENT ? round : [{ ...done, Comment: sent.comment, StandardOutputContent: '' }];
      const answer = fixture<{ Command: Record<string, unknown> }>('send-command.json');
      return { ...answer, Command: { ...answer.Command, Comment: sent.comment, InstanceIds: [sent.instanceId] } };
    }
    if (command instanceof GetCommandInvocationCommand) {
      const next = this.invocations.length > 1 ? this.invocations.shift() : this.invocations[0];
      if (!next) throw new Error('GetCommandInvocation before any SendCommand');
      if (next.error) throw awsErrorFrom(next.error);
      return { ...next, InstanceId: command.input.InstanceId };
    }
    if (command instanceof DescribeInstanceInformationCommand) {
      const instanceId = command.input.Filters?.[0]?.Values?.[0] ?? '';
      const online = fixture<{ InstanceInformationList: Record<string, unknown>[] }>('describe-instance-information-online.json');
      return { InstanceInformationList: online.InstanceInformationList.map((entry) => ({ ...entry, InstanceId: instanceId, SourceId: instanceId })) };
    }
    throw new Error(`no recorded answer for ${command.constructor.name}`);
  }

  /** How many health rounds reached the instance. */
  get healthRounds(): number {
    return this.sent.filter((each) => each.comment === HEALTH_COMMENT).length;
  }

  readonly factory: SsmFactory = () => ({
    runner: new SsmCommandRunner(this, { pollIntervalMs: 1, maxPollIntervalMs: 5, graceMs: 1_000 }),
    agents: new SsmAgentDirectory(this),
  });
}
