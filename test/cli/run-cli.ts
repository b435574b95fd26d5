import type { ClientInstrument } from '../../src/engine/aws/clients';
import type { SsmFactory } from '../../src/engine/operate';
import type { BackupApiFactory } from '../../src/engine/backup/api';
import { runCli, type CliIo } from '../../src/cli/main';
import { FAST_TIMING, tempDir } from '../harness/engine';
import { launchRealism } from '../harness/launch-realism';
import { testEmulator } from '../harness/root-hooks';

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  stateDir: string;
  /** Recorded SSM answers (moto runs no command). */
  ssm?: SsmFactory;
  /** Acts as Ctrl-C when aborted. */
  interrupt?: AbortSignal;
  stdoutIsTTY?: boolean;
  /** Called with each piece written to stdout, as it is written. */
  onStdout?: (chunk: string) => void;
  /** Called with each piece written to stderr, as it is written. */
  onStderr?: (chunk: string) => void;
  env?: Record<string, string | undefined>;
  /** Every AWS call made, as "service:Command". */
  calls?: string[];
  /** Recorded AWS Backup answers (moto has no backup jobs or recovery points). */
  backup?: BackupApiFactory;
}

/** The CLI in-process against moto (GEUSEMAKER_AWS_ENDPOINT), with fast polling, no retries and the developer's GEUSEMAKER_* left out. */
export async function cli(argv: string[], options: CliRunOptions): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('GEUSEMAKER_') && key !== 'GEUSEMAKER_HOME' && key !== 'GEUSEMAKER_AWS_ENDPOINT') delete env[key];
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const io: CliIo = {
    stdout: (s) => {
      out.push(s);
      options.onStdout?.(s);
    },
    stderr: (s) => {
      err.push(s);
      options.onStderr?.(s);
    },
    isTTY: false,
    stdoutIsTTY: options.stdoutIsTTY ?? false,
    readLine: async () => '',
    env,
    cwd: tempDir('gm-cli-cwd-'),
  };
  const realism = launchRealism(testEmulator().endpoint);
  const calls = options.calls;
  const instrument: ClientInstrument = (client, service) => {
    realism(client, service);
    if (calls) {
      client.middlewareStack.add((next, context) => async (args) => {
        calls.push(`${service}:${String((context as { commandName?: string }).commandName ?? '').replace(/Command$/, '')}`);
        return next(args);
      }, { step: 'initialize', name: 'gmCountCalls' });
    }
  };
  const code = await runCli([...argv, '--state-dir', options.stateDir, '--max-attempts', '1'], io, {
    timing: FAST_TIMING, instrument, ssm: options.ssm, interrupt: options.interrupt, backup: options.backup,
  });
  return { code, stdout: out.join(''), stderr: err.join('') };
}
