import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeInstanceInformationCommand, GetCommandInvocationCommand, GetParameterCommand, SendCommandCommand } from '@aws-sdk/client-ssm';
import type { AwsClients } from '../../src/engine/aws/clients';
import { servicesOf, type CatalogueService } from '../../src/engine/health/catalogue';
import { HEALTH_MARKER } from '../../src/engine/health/script';
import type { SsmFactory } from '../../src/engine/operate';
import { ROTATABLE, ROTATABLE_SECRETS, type RotatableSecret } from '../../src/engine/secrets/rotatable';
import { ROTATE_FAILED, ROTATE_OK } from '../../src/engine/secrets/script';
import { SsmAgentDirectory } from '../../src/engine/ssm/agents';
import type { SsmApi, SsmCommand } from '../../src/engine/ssm/api';
import { operationOf } from '../../src/engine/ssm/recorded-commands';
import { SsmCommandRunner } from '../../src/engine/ssm/run-command';
import type { StackConfig } from '../../src/engine/stack/config';
import { names } from '../../src/engine/stack/naming';

const FIXTURES = join(__dirname, '..', 'fixtures', 'ssm');
const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
type Invocation = Record<string, unknown>;

/** One SendCommand as SSM received it. */
export interface SentCommand {
  instanceId: string;
  commands: string[];
  comment: string;
}

/** A rotation step the instance ran: which secret, the versions its script named, and the script. */
export interface RotationStep {
  secret: RotatableSecret;
  verb: 'rotate' | 'restore';
  from: number;
  to: number;
  commands: string[];
}

/** Which service a secret's container is (the one a broken value shows in). */
const SERVICE_OF: Record<RotatableSecret, CatalogueService> = { postgres: 'postgres', qdrant: 'qdrant', crawl4ai: 'crawl4ai', proxy: 'ollama', 'n8n-owner': 'n8n' };

/**
 * SSM Run Command as the agent on a stack's instance answers it (moto runs nothing and has no agent status),
 * through the engine's own SsmCommandRunner and SsmAgentDirectory. The instance is modelled by the value of each
 * rotatable secret it runs: a rotation step reads the versions its script names from moto's Parameter Store, as
 * the script does on the instance, and answers with the output the script prints (its last line the marker) or,
 * when told to fail, SSM's Failed invocation with the script's words on stderr. A health script gets a report in
 * the recorded shape (test/fixtures/ssm), every service healthy unless `breaks` says one breaks on a new value.
 */
export class RotationSsm implements SsmApi {
  readonly sent: SentCommand[] = [];
  readonly steps: RotationStep[] = [];
  /** What the instance runs now, per secret (set by boot()). */
  readonly instance = new Map<RotatableSecret, string>();
  /** The service of this secret reports unhealthy while the instance runs another value than it booted with. */
  breaks?: RotatableSecret;
  /** This secret's step fails on the instance (once each time it is set). */
  failStep?: RotatableSecret;
  /** Called as each step reaches the instance (a test presses Ctrl-C here). */
  onStep?: (step: RotationStep) => void;
  private readonly booted = new Map<RotatableSecret, string>();
  private invocation: Invocation = {};

  constructor(private readonly aws: AwsClients, private readonly config: StackConfig) {}

  /** The values the instance booted with: what Parameter Store holds now. */
  async boot(): Promise<void> {
    for (const secret of ROTATABLE_SECRETS) {
      const value = await this.valueAt(names.parameter(this.config.name, ROTATABLE[secret].parameter));
      this.instance.set(secret, value);
      this.booted.set(secret, value);
    }
  }

  get healthRounds(): number {
    return this.sent.filter((each) => each.comment === 'GeuseMaker health check').length;
  }

  async send(command: SsmCommand): Promise<unknown> {
    if (command instanceof SendCommandCommand) {
      const sent = { instanceId: command.input.InstanceIds?.[0] ?? '', commands: command.input.Parameters?.commands ?? [], comment: command.input.Comment ?? '' };
      this.sent.push(sent);
      const op = operationOf(sent.commands);
      this.invocation = op?.startsWith('rotate-') ? await this.rotationStep(sent) : sent.comment === 'GeuseMaker health check' ? this.healthRound() : this.done('');
      const answer = fixture<{ Command: Record<string, unknown> }>('send-command.json');
      return { ...answer, Command: { ...answer.Command, Comment: sent.comment, InstanceIds: [sent.instanceId] } };
    }
    if (command instanceof GetCommandInvocationCommand) return { ...this.invocation, InstanceId: command.input.InstanceId };
    if (command instanceof DescribeInstanceInformationCommand) {
      const instanceId = command.input.Filters?.[0]?.Values?.[0] ?? '';
      const online = fixture<{ InstanceInformationList: Record<string, unknown>[] }>('describe-instance-information-online.json');
      return { InstanceInformationList: online.InstanceInformationList.map((entry) => ({ ...entry, InstanceId: instanceId, SourceId: instanceId })) };
    }
    throw new Error(`no recorded answer for ${command.constructor.name}`);
  }

  readonly factory: SsmFactory = () => ({
    runner: new SsmCommandRunner(this, { pollIntervalMs: 1, maxPollIntervalMs: 5, graceMs: 1_000 }),
    agents: new SsmAgentDirectory(this),
  });

  /** A version's value, read as the instance reads it (GetParameter of name:version, decrypted). */
  private async valueAt(parameter: string, version?: number): Promise<string> {
    const out = await this.aws.ssm.send(new GetParameterCommand({ Name: version === undefined ? parameter : `${parameter}:${version}`, WithDecryption: true }));
    return out.Parameter?.Value ?? '';
  }

  private async rotationStep(sent: SentCommand): Promise<Invocation> {
    const secret = ROTATABLE_SECRETS.find((each) => operationOf(sent.commands) === `rotate-${each}`)!;
    const header = sent.commands.find((line) => line.startsWith('SECRET='));
    const match = /PARAM='([^']+)'; FROM=(\d+); TO=(\d+)$/.exec(header ?? '');
    if (!match) return this.failed(`${ROTATE_FAILED} ${secret}: no PARAM/FROM/TO line`);
    const [, parameter, from, to] = match;
    const step: RotationStep = { secret, verb: sent.comment.startsWith('GeuseMaker restore') ? 'restore' : 'rotate', from: Number(from), to: Number(to), commands: sent.commands };
    this.steps.push(step);
    this.onStep?.(step);
    const [fromValue, toValue] = [await this.valueAt(parameter!, Number(from)), await this.valueAt(parameter!, Number(to))];
    if (this.failStep === secret) {
      this.failStep = undefined;
      // Failed part-way: the step changed the value, then a check after it failed.
      this.instance.set(secret, toValue);
      return this.failed(`${ROTATE_FAILED} ${secret}: ${secret} did not answer after it was recreated`);
    }
    // The owner's password is changed through n8n's login, so n8n must know one of the two; the others are set as they are.
    const running = this.instance.get(secret);
    if (secret === 'n8n-owner' && running !== fromValue && running !== toValue) return this.failed(`${ROTATE_FAILED} ${secret}: n8n refused the owner password of version ${from} (HTTP 401)`);
    this.instance.set(secret, toValue);
    const at = '2025-05-01T12:00:02Z';
    return this.done(`${at} rotate ${secret}: applying version ${to} (the instance ran version ${from})\n${at} rotate ${secret}: done\n${ROTATE_OK} ${secret}\n`);
  }

  private healthRound(): Invocation {
    const broken = this.breaks !== undefined && this.instance.get(this.breaks) !== this.booted.get(this.breaks) ? SERVICE_OF[this.breaks] : undefined;
    const services = servicesOf(this.config).map((spec) => {
      const down = spec.name === broken;
      const container = { name: spec.name, state: down ? 'restarting' : 'running', health: down ? 'unhealthy' : 'healthy', restarts: down ? 4 : 0 };
      return spec.probe.kind === 'pg_isready'
        ? { ...container, probe: 'pg_isready', exit: down ? 2 : 0, ms: 41 }
        : { ...container, probe: 'http', exit: down ? 7 : 0, code: down ? 0 : 200, ms: down ? 0 : 12, bodyOk: !down };
    });
    return this.done(`${HEALTH_MARKER}${JSON.stringify({ docker: true, bootstrap: 'done', step: 'finish', services })}\n`);
  }

  /** The recorded Success invocation with this output. */
  private done(stdout: string): Invocation {
    const round = fixture<Invocation[]>('health-invocation-sequence.json');
    return { ...round.at(-1)!, StandardOutputContent: stdout };
  }

  /** The recorded Failed invocation (exit 1), the script's words on stderr. */
  private failed(stderr: string): Invocation {
    return { ...fixture<Invocation>('invocation-failed.json'), ResponseCode: 1, StandardErrorContent: `${stderr}\nfailed to run commands: exit status 1` };
  }
}
