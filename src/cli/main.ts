// The pinned AWS SDK warns on every client under Node 20; the CLI supports Node 20, so the warning is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { version } from '../../package.json';
import {
  architectureOf, bundledPlacements, checkStateDir, classifyIfAws, type ClientInstrument, defaultStateDir, type DeployPlan, type DestroyPlan, Engine, type EngineTiming, exitCodeFor, explainEndpoint, FALLBACK_REGION, findConfigFile, GeuseError, geusemakerHome, instanceFiles, invalidInput, listingJson, loadStackConfig, MachineIndex, previewOs, refused, renderDeploySummary, renderDestroyPlan, renderDestroySummary, renderError, renderList, renderPlan, renderShow, type ResolvedEndpoint, resolveEndpoint, sampleConfigYaml, shellQuote, stackNameSchema, stackNotFound, stateDirError, type StateDirOrigin,
} from '../engine';
import { HELP_TEXT, parseCliArgs, type CliArgs } from './args';
import { askYesNo, readStdinLine } from './prompt';
import { renderCost, renderPlacements } from './render-cost';
import { ProgressPrinter } from './progress-printer';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  isTTY: boolean;
  readLine?: () => Promise<string>;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface CliOverrides {
  instrument?: ClientInstrument;
  timing?: Partial<EngineTiming>;
}

/** The real terminal. */
export function processIo(): CliIo {
  return {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    isTTY: Boolean(process.stdin.isTTY),
    readLine: readStdinLine,
    env: process.env,
    cwd: process.cwd(),
  };
}

/** Commands that read stack state, and those that also write it (so the folder must exist and be writable). */
const READS_STATE: ReadonlySet<CliArgs['command']> = new Set(['plan', 'deploy', 'destroy', 'pause', 'resume', 'cost', 'list', 'show', 'render', 'state restore']);
const WRITES_STATE: ReadonlySet<CliArgs['command']> = new Set(['deploy', 'destroy', 'pause', 'resume', 'state restore']);

/** What every command needs; the engine is made on first use so init and --help never touch state or AWS. */
class Session {
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
    if (READS_STATE.has(this.args.command)) await checkStateDir(this.stateDir, this.stateDirOrigin, { create: WRITES_STATE.has(this.args.command) });
  }

  get engine(): Engine {
    this.engineInstance ??= new Engine({
      stateDir: this.stateDir,
      endpoint: this.endpoint?.url,
      maxAttempts: this.args.maxAttempts,
      timing: this.overrides.timing,
      instrument: this.overrides.instrument,
      spotMinSaving: this.args.spotMinSavingPercent !== undefined ? this.args.spotMinSavingPercent / 100 : undefined,
      // The index follows the GEUSEMAKER_HOME this CLI was given, not necessarily the process's.
      index: new MachineIndex(geusemakerHome(this.io.env)),
    });
    return this.engineInstance;
  }

  dispose(): void {
    this.engineInstance?.dispose();
  }

  out(lines: readonly string[]): void {
    if (lines.length > 0) this.io.stdout(`${lines.join('\n')}\n`);
  }

  err(lines: readonly string[]): void {
    if (lines.length > 0) this.io.stderr(`${lines.join('\n')}\n`);
  }

  /** The one JSON document a --json run prints. */
  json(document: unknown): void {
    this.io.stdout(`${JSON.stringify(document, null, 2)}\n`);
  }

  loadConfig() {
    return loadStackConfig({ cwd: this.io.cwd, configPath: this.args.configPath, flags: this.args.flags, env: this.io.env });
  }

  /** The stack name from the argument, else from the config file or GEUSEMAKER_NAME. */
  async stackName(): Promise<string> {
    if (this.args.name !== undefined) return this.args.name;
    const hasSource = this.args.configPath !== undefined || findConfigFile(this.io.cwd) !== undefined || Boolean(this.io.env.GEUSEMAKER_NAME?.trim());
    if (!hasSource) {
      throw invalidInput('USAGE', `\`geusemaker ${this.args.command}\` needs a stack name, and there is no geusemaker.yaml here to take it from.`,
        `Pass it: \`geusemaker ${this.args.command} <name>\` (\`geusemaker list\` shows the stacks).`);
    }
    return (await this.loadConfig()).config.name;
  }

  /** The same command line with the flags that locate the stack, for "to destroy it, run …" hints. */
  command(words: readonly string[]): string {
    const parts = ['geusemaker', ...words];
    if (this.args.stateDir !== undefined) parts.push('--state-dir', this.stateDir);
    if (this.args.endpoint !== undefined) parts.push('--endpoint', this.args.endpoint);
    return parts.map(shellQuote).join(' ');
  }
}

/** Runs one CLI invocation and returns its exit code; never throws. */
export async function runCli(argv: string[], io: CliIo, overrides: CliOverrides = {}): Promise<number> {
  let session: Session | undefined;
  const json = argv.includes('--json');
  try {
    const args = parseCliArgs(argv);
    session = new Session(io, args, overrides);
    await session.checkState();
    await dispatch(session);
    return 0;
  } catch (error) {
    return report(io, json, explain(error, session));
  } finally {
    session?.dispose();
  }
}

async function dispatch(s: Session): Promise<void> {
  switch (s.args.command) {
    case 'help':
      s.io.stdout(HELP_TEXT);
      return;
    case 'version':
      if (s.args.json) s.json({ version });
      else s.out([`geusemaker ${version}`]);
      return;
    case 'init':
      return init(s);
    case 'plan':
      return plan(s);
    case 'deploy':
      return deploy(s);
    case 'destroy':
      return destroy(s);
    case 'pause':
      return pause(s);
    case 'resume':
      return resume(s);
    case 'prices':
      return prices(s);
    case 'cost':
      return cost(s);
    case 'list':
      return list(s);
    case 'show':
      return show(s);
    case 'render':
      return render(s);
    case 'state restore':
      return restore(s);
  }
}

/**
 * The one place every failure passes: an AWS, credential or network error that escaped classification gets its
 * plain words (never "a bug"), a file-system error about the state folder names the folder, and an unreachable
 * endpoint says which endpoint it was and where it came from.
 */
function explain(error: unknown, session: Session | undefined): unknown {
  const profile = session?.args.flags.profile ?? (session?.io.env.GEUSEMAKER_PROFILE || session?.io.env.AWS_PROFILE || undefined);
  const known = error instanceof GeuseError ? error
    : (session ? stateDirError(error, session.stateDir, session.stateDirOrigin) : undefined) ?? classifyIfAws(error, { profile });
  if (!known) return error;
  return explainEndpoint(known, session?.endpointForMessages());
}

function report(io: CliIo, json: boolean, error: unknown): number {
  if (error instanceof GeuseError) {
    if (json) io.stdout(`${JSON.stringify({ error: { code: error.code, kind: error.kind, message: error.message, nextStep: error.nextStep } }, null, 2)}\n`);
    else io.stderr(`${renderError(error).join('\n')}\n`);
    return exitCodeFor(error);
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  const message = `This is a bug in GeuseMaker: ${error instanceof Error ? error.message : String(error)}`;
  const nextStep = 'Please report it with the command you ran and this output; the stack state is kept, so running the command again is safe.';
  if (json) io.stdout(`${JSON.stringify({ error: { code: 'INTERNAL', kind: 'unknown', message, nextStep } }, null, 2)}\n`);
  else io.stderr(`Error [INTERNAL]: ${message}\n${detail}\nNext: ${nextStep}\n`);
  return 1;
}

// ---------------------------------------------------------------------------
// Commands

async function init(s: Session): Promise<void> {
  const name = s.args.initName ?? 'demo';
  const checked = stackNameSchema.safeParse(name);
  if (!checked.success) {
    throw invalidInput('CONFIG_INVALID', `name: ${checked.error.issues[0]?.message ?? 'is not valid'} (got ${JSON.stringify(name)}; from --name)`,
      'Use 3 to 24 lowercase letters, digits and single dashes, like "demo".');
  }
  const path = resolve(s.io.cwd, s.args.configPath ?? 'geusemaker.yaml');
  try {
    // 'wx' refuses atomically if the file appeared meanwhile.
    await writeFile(path, sampleConfigYaml(name), { flag: s.args.force ? 'w' : 'wx' });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      throw refused('CONFIG_EXISTS', `${path} already exists, and init does not overwrite it.`, 'Edit it, or pass --force to replace it with a fresh sample.');
    }
    throw invalidInput('CONFIG_UNWRITABLE', `Could not write ${path}: ${code ?? (error as Error).message}.`, 'Check that the folder exists and is writable by you.');
  }
  if (s.args.json) {
    s.json({ path, name });
    return;
  }
  const other = findConfigFile(s.io.cwd);
  s.out([
    `Wrote ${path} for stack ${name}; every setting is at its default and commented.`,
    ...(other !== undefined && other !== path ? [`! ${other} is read first in this folder; pass --config ${shellQuote(path)} to use the new file.`] : []),
    'Next: review it, then run `geusemaker plan` to see what deploy would create, and `geusemaker deploy`.',
  ]);
}

async function plan(s: Session): Promise<void> {
  const { config } = await s.loadConfig();
  const result = await s.engine.plan(config, { adopt: s.args.adopt });
  if (s.args.json) {
    s.json(result);
    return;
  }
  s.out([...renderPlan(result), '', `Nothing was changed. To apply it: ${s.command(['deploy', config.name])}`]);
}

/**
 * Answers the engine's question: --yes proceeds, a terminal asks, anything else declines (the engine then
 * refuses with nothing changed). Records why it declined so the error can say "pass --yes".
 */
function confirmer<P>(s: Session, question: string, printer: ProgressPrinter, show: (plan: P) => string[], needsAsking: (plan: P) => boolean) {
  const outcome = { noTerminal: false };
  const confirm = async (plan: P): Promise<boolean> => {
    if (!s.args.json) s.out(show(plan));
    if (s.args.yes || !needsAsking(plan)) {
      printer.restart();
      return true;
    }
    if (!s.io.isTTY || !s.io.readLine) {
      outcome.noTerminal = true;
      return false;
    }
    // In --json mode stdout is for the result, so the plan goes to the terminal on stderr.
    if (s.args.json) s.err(show(plan));
    const yes = await askYesNo(s.io, question);
    if (yes) printer.restart();
    return yes;
  };
  const explain = (error: unknown, operation: string, name: string): unknown => {
    if (!outcome.noTerminal || !(error instanceof GeuseError) || error.code !== 'DECLINED') return error;
    return refused('CONFIRMATION_REQUIRED',
      `The ${operation} of stack ${name} needs confirmation, but there is no terminal to ask on (stdin is not a TTY), so nothing was changed.`,
      `Pass --yes to ${operation} without the question: ${s.command([operation, name, '--yes'])}`);
  };
  return { confirm, explain };
}

/** Ctrl-C (or SIGTERM) once: the engine stops safely and records its state. Twice: exit at once. */
async function interruptible<T>(s: Session, printer: ProgressPrinter, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      s.io.stderr('\nStopping immediately. Run the same command again to continue from the recorded state.\n');
      process.exit(signal === 'SIGINT' ? 130 : 143);
    }
    controller.abort();
    printer.listener({ type: 'note', message: 'Stopping safely: running steps finish and are recorded (Ctrl-C again to quit at once).' });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function progressPrinter(s: Session): ProgressPrinter {
  return new ProgressPrinter((line) => s.io.stderr(`${line}\n`), s.args.json);
}

async function deploy(s: Session): Promise<void> {
  const { config } = await s.loadConfig();
  const printer = progressPrinter(s);
  const { confirm, explain } = confirmer<DeployPlan>(s, `Deploy stack ${config.name}?`, printer, renderPlan, () => true);
  let result;
  try {
    result = await interruptible(s, printer, (signal) =>
      s.engine.deploy(config, { adopt: s.args.adopt, allowOverBudget: s.args.allowOverBudget, takeOverLock: s.args.takeOverLock, confirm, signal, onProgress: printer.listener }));
  } catch (error) {
    throw explain(error, 'deploy', config.name);
  }
  if (s.args.json) {
    s.json(result);
    return;
  }
  s.out(renderDeploySummary(result, printer.elapsedMs(), s.command(['destroy', config.name])));
}

async function destroy(s: Session): Promise<void> {
  const { config, explicit } = await s.loadConfig();
  const name = config.name;
  const printer = progressPrinter(s);
  // With nothing to delete there is nothing to confirm (kept data stays kept either way).
  const { confirm, explain } = confirmer<DestroyPlan>(s, `Destroy stack ${name}?`, printer, renderDestroyPlan, (p) => p.toDelete.length > 0);
  let result;
  try {
    result = await interruptible(s, printer, (signal) =>
      s.engine.destroy(name, {
        deleteData: s.args.deleteData, region: config.region, regionExplicit: explicit.has('region'), adopt: s.args.adopt, takeOverLock: s.args.takeOverLock, profile: config.profile, signal, onProgress: printer.listener,
        confirm: (plan) => {
          // With nothing to delete, the steps' "deleted" lines would only mislead.
          if (plan.toDelete.length === 0) printer.mute();
          return confirm(plan);
        },
      }));
  } catch (error) {
    throw explain(error, 'destroy', name);
  }
  if (s.args.json) {
    s.json(result);
    return;
  }
  s.out(renderDestroySummary(result, printer.elapsedMs(), s.command(['destroy', name, '--delete-data'])));
}

async function pause(s: Session): Promise<void> {
  const name = await s.stackName();
  const printer = progressPrinter(s);
  const result = await interruptible(s, printer, (signal) => s.engine.pause(name, { takeOverLock: s.args.takeOverLock, signal, onProgress: printer.listener }));
  if (s.args.json) {
    s.json(result);
    return;
  }
  s.out([
    `Stack ${name} is paused: ${result.terminated.length > 0 ? `instance ${result.terminated.join(', ')} terminated` : 'no instance was running'}; compute no longer bills.`,
    `Kept: ${result.kept.join(', ') || 'nothing'} (EFS storage keeps billing).`,
    `To run it again: ${s.command(['resume', name])}`,
  ]);
}

async function resume(s: Session): Promise<void> {
  const name = await s.stackName();
  const printer = progressPrinter(s);
  const result = await interruptible(s, printer, (signal) => s.engine.resume(name, { takeOverLock: s.args.takeOverLock, signal, onProgress: printer.listener }));
  if (s.args.json) {
    s.json(result);
    return;
  }
  s.out(renderDeploySummary(result, printer.elapsedMs(), s.command(['destroy', name])));
}

async function prices(s: Session): Promise<void> {
  // No stack is involved: region, tier and profile come from flags, GEUSEMAKER_* or the config file; the name is a stand-in.
  // Access does not matter to prices, but the automation and gpu tiers require theirs: the stand-in gets it.
  const balanced = s.args.flags.tier === 'automation' || s.args.flags.tier === 'gpu';
  const standIn = { name: 'prices', ...(balanced && !s.args.flags.access ? { access: { mode: 'load-balancer' as const } } : {}), ...s.args.flags };
  const { config } = await loadStackConfig({ cwd: s.io.cwd, configPath: s.args.configPath, flags: standIn, env: s.io.env });
  const only = s.args.onlyInstanceType ? [config.instanceType] : undefined;
  let placements;
  let warning: string | undefined;
  try {
    placements = await s.engine.placements(config.region, config.tier, config.profile, only);
  } catch (error) {
    // AWS could not be asked (unreachable, no credentials, denied): the bundled table still answers, marked estimated.
    const known = explain(error, s);
    if (!(known instanceof GeuseError) || !LIVE_PRICES_UNAVAILABLE.has(known.kind)) throw known;
    placements = bundledPlacements(config.tier, config.region, known.code, only);
    if (placements.length === 0) throw known;
    warning = `Live prices are not available: ${known.message} Listed instead: GeuseMaker's bundled ${FALLBACK_REGION} on-demand list prices, all estimated, without spot prices or AZs. For live prices: ${known.nextStep}`;
  }
  if (s.args.json) {
    // stderr carries JSON lines in --json mode: the warning goes as a note event, and in the document.
    if (warning) progressPrinter(s).listener({ type: 'note', message: warning });
    s.json({ region: config.region, tier: config.tier, placements, ...(warning ? { warning } : {}) });
    return;
  }
  if (warning) s.err([`! ${warning}`]);
  s.out(renderPlacements(config.region, config.tier, placements));
}

/** Why prices may fall back to the bundled table: AWS was not asked successfully, through no fault in the input. */
const LIVE_PRICES_UNAVAILABLE: ReadonlySet<GeuseError['kind']> = new Set(['transient', 'throttling', 'permission', 'unknown']);

async function cost(s: Session): Promise<void> {
  const listings = await s.engine.list();
  const wanted = s.args.name ?? (findConfigFile(s.io.cwd) ? (await s.loadConfig()).config.name : undefined);
  const states = listings.flatMap((l) => (l.state && (wanted === undefined || l.name === wanted) ? [l.state] : []));
  if (wanted !== undefined && states.length === 0) throw cliStackNotFound(s, wanted);
  const estimates = await Promise.all(states.map(async (state) => ({
    name: state.name, status: state.status, estimate: await s.engine.stackEstimate(state), toDate: await s.engine.costToDate(state.name),
    budget: await s.engine.budget(state.name),
  })));
  if (s.args.json) {
    s.json({ stacks: estimates, totalUsd: Math.round(estimates.reduce((sum, e) => sum + e.estimate.totalUsd, 0) * 100) / 100 });
    return;
  }
  s.out(renderCost(estimates));
}

function cliStackNotFound(s: Session, name: string): GeuseError {
  return stackNotFound(name, s.stateDir, 'Run `geusemaker list` to see the stacks there, or pass --state-dir if the stack lives in another state folder.');
}

async function list(s: Session): Promise<void> {
  const listings = await s.engine.list({ live: true });
  if (s.args.json) s.json({ stateDir: s.stateDir, stacks: listings.map(listingJson) });
  else s.out(renderList(listings, s.stateDir));
}

async function show(s: Session): Promise<void> {
  const name = await s.stackName();
  const state = await s.engine.show(name, { live: true });
  if (!state) throw cliStackNotFound(s, name);
  if (s.args.json) s.json(state);
  else s.out(renderShow(state));
}

/** Writes the instance files for review; secret values never appear, only the parameters they come from. */
async function render(s: Session): Promise<void> {
  if (!s.args.out) throw invalidInput('USAGE', '`geusemaker render` needs --out <folder> to write the files to.', 'Run e.g. `geusemaker render demo --out ./instance-files`.');
  const { config } = await s.loadConfig();
  const state = await s.engine.show(config.name);
  const fileSystemId = state?.resources.efs?.status === 'created' ? state.resources.efs.id : undefined;
  const files = instanceFiles({
    config, region: config.region,
    // Before the first deploy the file system id is not known yet; a placeholder keeps the files reviewable.
    fileSystemId: fileSystemId ?? 'fs-00000000',
    os: s.args.os,
    architecture: s.args.arch ?? architectureOf(config.instanceType),
    gpu: config.tier === 'gpu',
  });
  const out = resolve(s.io.cwd, s.args.out);
  await mkdir(out, { recursive: true });
  for (const file of files) await writeFile(join(out, file.name), file.content, { mode: 0o600 });
  if (s.args.json) {
    s.json({ out, fileSystemId: fileSystemId ?? null, files: files.map((f) => ({ name: f.name, description: f.description })) });
    return;
  }
  s.out([
    `Instance files for stack ${config.name} (${config.tier}, ${previewOs({ os: s.args.os, config })}) in ${out}:`,
    ...files.map((f) => `  ${f.name.padEnd(20)} ${f.description}`),
    ...(fileSystemId ? [] : ['  (not deployed yet: the EFS id is a placeholder, fs-00000000)']),
  ]);
}

async function restore(s: Session): Promise<void> {
  const name = await s.stackName();
  const engine = s.engine;
  // Neither a state file nor a backup: the stack never existed here (a corrupt file or old backups do count).
  if (!existsSync(engine.store.filePath(name)) && !existsSync(engine.store.backupDir(name))) throw cliStackNotFound(s, name);
  // Restoring while a deploy writes the same file would lose one of the two: take the stack's lock.
  const lock = await engine.store.lock(name, 'restore');
  const hadFile = existsSync(engine.store.filePath(name));
  let restored;
  try {
    restored = await engine.restore(name);
  } finally {
    await lock.release();
  }
  if (s.args.json) {
    s.json({ name, restoredFrom: restored.restoredFrom, stateFile: engine.store.filePath(name) });
    return;
  }
  s.out([
    `Restored stack ${name} from ${restored.restoredFrom}.`,
    ...(hadFile ? [`The corrupt file is kept in ${engine.store.backupDir(name)} with a -corrupt suffix.`] : []),
    `Check it with ${s.command(['show', name])}; a deploy then brings AWS and the state back in line.`,
  ]);
}

if (require.main === module) {
  runCli(process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
  });
}
