import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCommandInvocationCommand, SendCommandCommand, StartSessionCommand, TerminateSessionCommand, type StartSessionCommandInput } from '@aws-sdk/client-ssm';
import type { SsmFactory } from '../../src/engine/operate';
import type { SsmApi, SsmCommand } from '../../src/engine/ssm/api';
import { SsmCommandRunner } from '../../src/engine/ssm/run-command';
import { SsmSessionApi } from '../../src/engine/ssm/session';
import { devConfig, tempDir, testEngine } from '../harness/engine';
import { cli, type CliRunOptions, type Run } from './run-cli';

export type { Run } from './run-cli';
import { awsErrorFrom, type LocalShellRunner } from '../fixtures/ssm/local-runner';

const FIXTURES = join(__dirname, '..', 'fixtures', 'ssm');
const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
type Recorded = { error?: { name: string; message: string; status: number } } & Record<string, unknown>;

export interface ConnectRunOptions extends CliRunOptions {
  /** What has been written so far, while the command runs. */
  live?: { stdout: string; stderr: string };
}

/** The CLI in-process (run-cli.ts), with what it writes readable while it runs. */
export async function connectCli(argv: string[], options: ConnectRunOptions): Promise<Run> {
  const live = options.live ?? { stdout: '', stderr: '' };
  const run = await cli(argv, {
    ...options,
    onStdout: (chunk) => void (live.stdout += chunk),
    onStderr: (chunk) => void (live.stderr += chunk),
  });
  return run;
}

/** A dev stack named demo deployed against moto into a fresh state folder (the one the CLI is then given); its instance id. */
export async function deployDemo(): Promise<{ stateDir: string; instanceId: string }> {
  const stateDir = tempDir('gm-cli-connect-');
  const engine = testEngine({ stateDir });
  try {
    const result = await engine.deploy(devConfig());
    const instanceId = result.state.resources.instance?.id;
    if (!instanceId) throw new Error('the deployed stack has no instance');
    return { stateDir, instanceId };
  } finally {
    engine.dispose();
  }
}

export async function waitFor(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Run Command as real SSM answers it, with the instance played by `sh` on this machine (LocalShellRunner: a stand-in
 * docker serving a recorded container log, SSM's 24,000-character limit applied): SendCommand gets the recorded
 * send-command.json answer, GetCommandInvocation first InvocationDoesNotExist, then the recorded Success answer
 * carrying the script's real output. The engine's own SsmCommandRunner runs over it.
 */
export class InstanceSsm implements SsmApi {
  readonly scripts: string[][] = [];
  readonly outputs: string[] = [];
  private invocations: Recorded[] = [];

  constructor(private readonly instance: LocalShellRunner) {}

  async send(command: SsmCommand): Promise<unknown> {
    if (command instanceof SendCommandCommand) {
      const lines = command.input.Parameters?.commands ?? [];
      const instanceId = command.input.InstanceIds?.[0] ?? '';
      this.scripts.push(lines);
      const result = await this.instance.run(instanceId, lines);
      this.outputs.push(result.stdout);
      const round = fixture<Recorded[]>('health-invocation-sequence.json');
      const done = round.at(-1) ?? {};
      this.invocations = [round[0] ?? {}, { ...done, Comment: command.input.Comment, StandardOutputContent: result.stdout, StandardErrorContent: result.stderr }];
      const answer = fixture<{ Command: Record<string, unknown> }>('send-command.json');
      return { ...answer, Command: { ...answer.Command, Comment: command.input.Comment, InstanceIds: [instanceId] } };
    }
    if (command instanceof GetCommandInvocationCommand) {
      const next = this.invocations.length > 1 ? this.invocations.shift() : this.invocations[0];
      if (!next) throw new Error('GetCommandInvocation before any SendCommand');
      if (next.error) throw awsErrorFrom(next.error);
      return { ...next, InstanceId: command.input.InstanceId };
    }
    throw new Error(`no recorded answer for ${command.constructor.name}`);
  }

  readonly factory: SsmFactory = () => ({ runner: new SsmCommandRunner(this, { pollIntervalMs: 1, maxPollIntervalMs: 5, graceMs: 1_000 }) });
}

export const RECORDED_SESSION = fixture<{ SessionId: string; TokenValue: string; StreamUrl: string }>('start-session.json');

/** StartSession answered from the recording (each later session's id numbered), TerminateSession recorded. */
export class RecordedSessions implements SsmApi {
  readonly started: StartSessionCommandInput[] = [];
  readonly terminated: string[] = [];

  async send(command: SsmCommand): Promise<unknown> {
    if (command instanceof StartSessionCommand) {
      this.started.push(command.input);
      const n = this.started.length;
      return { ...RECORDED_SESSION, SessionId: n === 1 ? RECORDED_SESSION.SessionId : `${RECORDED_SESSION.SessionId}-${n}`, $metadata: { httpStatusCode: 200 } };
    }
    if (command instanceof TerminateSessionCommand) {
      this.terminated.push(command.input.SessionId ?? '');
      return { SessionId: command.input.SessionId, $metadata: { httpStatusCode: 200 } };
    }
    throw new Error(`no recorded answer for ${command.constructor.name}`);
  }

  readonly factory: SsmFactory = () => ({ sessions: new SsmSessionApi(this) });
}

/**
 * Stand-in for session-manager-plugin: records its argv and environment as a JSON line in $GM_FAKE_PLUGIN_LOG, then
 * by GM_FAKE_PLUGIN_MODE exits at once (`exit`: the user typed exit), or waits until killed (`wait`), serving the
 * forwarded local port; `drop-first` makes the first one exit 300 ms after its port opened (a dropped session).
 */
const FAKE_PLUGIN = `
const fs = require('node:fs');
const net = require('node:net');
const log = process.env.GM_FAKE_PLUGIN_LOG;
const read = () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const record = (entry) => fs.appendFileSync(log, JSON.stringify({ ...entry, pid: process.pid }) + '\\n');
const argv = process.argv.slice(2);
const earlier = read().filter((e) => e.event === 'started').length;
record({ event: 'started', argv, env: process.env });
const mode = process.env.GM_FAKE_PLUGIN_MODE || 'wait';
if (mode === 'exit') process.exit(0);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => { record({ event: 'stopped', signal }); process.exit(0); });
let request = {};
try { request = JSON.parse(argv[4] || '{}'); } catch {}
const port = Number(((request.Parameters || {}).localPortNumber || [])[0]);
if (port > 0) {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 200 OK\\r\\nContent-Length: 12\\r\\nConnection: close\\r\\n\\r\\nfake-forward');
  });
  server.listen(port, '127.0.0.1', () => {
    if (mode === 'drop-first' && earlier === 0) setTimeout(() => { record({ event: 'dropped' }); process.exit(0); }, 300);
  });
}
setInterval(() => undefined, 1 << 30);
`;

/** A stand-in for xdg-open that records the URL it was given in $GM_FAKE_OPEN_LOG. */
const FAKE_OPENER = `require('node:fs').appendFileSync(process.env.GM_FAKE_OPEN_LOG, process.argv.slice(2).join(' ') + '\\n');\n`;

export interface PluginRecord {
  event: 'started' | 'stopped' | 'dropped';
  argv?: string[];
  env?: Record<string, string>;
  signal?: string;
  pid: number;
}

/** A folder to put first on PATH with the stand-in plugin (and xdg-open), and the files they record to. */
export function standIns(): { bin: string; pluginLog: string; openLog: string; records: () => PluginRecord[] } {
  const bin = tempDir('gm-fake-plugin-');
  const pluginLog = join(bin, 'plugin.jsonl');
  const openLog = join(bin, 'open.log');
  for (const [name, body] of [['session-manager-plugin', FAKE_PLUGIN], ['xdg-open', FAKE_OPENER]] as const) {
    writeFileSync(join(bin, name), `#!${process.execPath}\n${body}`);
    chmodSync(join(bin, name), 0o755);
  }
  const records = (): PluginRecord[] => (existsSync(pluginLog) ? readFileSync(pluginLog, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as PluginRecord) : []);
  return { bin, pluginLog, openLog, records };
}
