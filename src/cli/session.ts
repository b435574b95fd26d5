import { resolve } from 'node:path';
import {
  checkStateDir, type ClientInstrument, defaultStateDir, Engine, type EngineTiming, findConfigFile, type GeuseError, geusemakerHome, invalidInput, loadStackConfig, MachineIndex,
  type ResolvedEndpoint, resolveEndpoint, shellQuote, type SsmFactory, stackNotFound, type StateDirOrigin,
} from '../engine';
import type { CliArgs } from './args';
import { renderDocument } from './document';
import { readStdinLine } from './prompt';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
  /** stdout is a terminal (status --watch redraws in place there, and appends otherwise). */
  stdoutIsTTY?: boolean;
  readLine?: () => Promise<string>;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface CliOverrides {
  instrument?: ClientInstrument;
  timing?: Partial<EngineTiming>;
  /** Replaces the SSM pieces moto cannot answer (Run Command output, agent status, sessions): tests pass recorded answers. */
  ssm?: SsmFactory;
  /** Aborting it acts as Ctrl-C does (tests stop `status --watch` this way). */
  interrupt?: AbortSignal;
  /** Replaces AWS Backup's jobs and recovery points (moto has none): tests pass recorded answers. */
  backup?: ConstructorParameters<typeof Engine>[0]['backup'];
}

/** The real terminal. */
export function processIo(): CliIo {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    isTTY: Boolean(process.stdin.isTTY),
    stdoutIsTTY: Boolean(process.stdout.isTTY),
    readLine: readStdinLine,
    env: process.env,
    cwd: process.cwd(),
  };
}

/** What every command needs; the engine is made on first use so init and --help never touch state or AWS. */
export class Session {
  private engineInstance?: Engine;
  readonly stateDir: string;
  readonly stateDirOrigin: StateDirOrigin;

  constructor(readonly io: CliIo, readonly args: CliArgs, private readonly overrides: CliOverrides) {
    this.stateDir = args.stateDir !== undefined ? resolve(io.cwd, args.stateDir) : defaultStateDir(io.env);
    this.stateDirOrigin = args.stateDir !== undefined ? { from: '--state-dir', change: 'pass --state-dir a folder you can write to' }
      : io.env.GEUSEMAKER_STATE_DIR ? { from: 'GEUSEMAKER_STATE_DIR', change: 'set GEUSEMAKER_STATE_DIR (or pass --state-dir) to a folder you can write to' }
        : { from: io.env.GEUSEMAKER_HOME ? 'GEUSEMAKER_HOME' : 'the default, ~/.geusemaker/stacks', change: 'pass --state-dir (or set GEUSEMAKER_STATE_DIR) to a folder you can write to' };
  }

  /** The endpoint override (flag, else GEUSEMAKER_AWS_ENDPOINT); an invalid one is refused before any AWS call. */
  get endpoint(): ResolvedEndpoint | undefined {
    return resolveEndpoint({ flag: this.args.endpoint, env: this.io.env.GEUSEMAKER_AWS_ENDPOINT });
  }

  /** The same, for error messages: never throws. */
  endpointForMessages(): ResolvedEndpoint | undefined {
    try {
      return this.endpoint;
    } catch {
      return undefined;
    }
  }

  /** The state folder checked before a command uses it: a file, or a folder that cannot be made, is named as such. */
  async checkState(): Promise<void> {
    const { state } = this.args.command;
    if (state !== 'none') await checkStateDir(this.stateDir, this.stateDirOrigin, { create: state === 'writes' });
  }

  get engine(): Engine {
    this.engineInstance ??= new Engine({
      stateDir: this.stateDir,
      endpoint: this.endpoint?.url,
      maxAttempts: this.args.maxAttempts,
      timing: this.overrides.timing,
      instrument: this.overrides.instrument,
      ssm: this.overrides.ssm,
      backup: this.overrides.backup,
      spotMinSaving: this.args.spotMinSavingPercent !== undefined ? this.args.spotMinSavingPercent / 100 : undefined,
      // The index follows the GEUSEMAKER_HOME this CLI was given, not necessarily the process's.
      index: new MachineIndex(geusemakerHome(this.io.env)),
    });
    return this.engineInstance;
  }

  dispose(): void {
    this.engineInstance?.dispose();
  }

  /** Acts as Ctrl-C when aborted (see CliOverrides). */
  get interrupt(): AbortSignal | undefined {
    return this.overrides.interrupt;
  }

  out(lines: readonly string[]): void {
    if (lines.length > 0) this.io.stdout(`${lines.join('\n')}\n`);
  }

  err(lines: readonly string[]): void {
    if (lines.length > 0) this.io.stderr(`${lines.join('\n')}\n`);
  }

  /**
   * What a command prints when it is done (a summary, "Restarted …"): nothing with --quiet, except its warning
   * lines ("! …"), which then go to stderr. Data a command exists to print (list, show, status) uses `out`.
   */
  summary(lines: readonly string[]): void {
    if (this.args.quiet) this.err(lines.filter((line) => /^\s*! /.test(line)));
    else this.out(lines);
  }

  /** The one document a --json (or --output json|yaml) run prints. */
  json(document: unknown): void {
    this.io.stdout(renderDocument(document, this.args.output === 'yaml' ? 'yaml' : 'json'));
  }

  loadConfig() {
    return loadStackConfig({ cwd: this.io.cwd, configPath: this.args.configPath, flags: this.args.flags, env: this.io.env });
  }

  /** The stack name from the argument, else from the config file or GEUSEMAKER_NAME. */
  async stackName(): Promise<string> {
    if (this.args.name !== undefined) return this.args.name;
    const command = this.args.command.name;
    const hasSource = this.args.configPath !== undefined || findConfigFile(this.io.cwd) !== undefined || Boolean(this.io.env.GEUSEMAKER_NAME?.trim());
    if (!hasSource) {
      throw invalidInput('USAGE', `\`geusemaker ${command}\` needs a stack name, and there is no geusemaker.yaml here to take it from.`,
        `Pass it: \`geusemaker ${command} <name>\` (\`geusemaker list\` shows the stacks).`);
    }
    return (await this.loadConfig()).config.name;
  }

  /** No stack of this name in the state folder, with the CLI's next step. */
  stackNotFound(name: string): GeuseError {
    return stackNotFound(name, this.stateDir, 'Run `geusemaker list` to see the stacks there, or pass --state-dir if the stack lives in another state folder.');
  }

  /** The same command line with the flags that locate the stack, for "to destroy it, run …" hints. */
  command(words: readonly string[]): string {
    const parts = ['geusemaker', ...words];
    if (this.args.stateDir !== undefined) parts.push('--state-dir', this.stateDir);
    if (this.args.endpoint !== undefined) parts.push('--endpoint', this.args.endpoint);
    return parts.map(shellQuote).join(' ');
  }
}
