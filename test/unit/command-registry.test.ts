import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import '../harness/fake-vscode';
import { GeuseError } from '../../src/engine/errors';
import type { CommandRegistry, CommandRun } from '../../src/vscode/commands/registry';
import type { CommandContext } from '../../src/vscode/commands/context';

const root = join(__dirname, '..', '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** What the registry touches beyond the shared fake: its command table, progress and error messages. */
interface Recorded {
  handlers: Map<string, (arg?: unknown) => Promise<unknown>>;
  errors: { message: string; buttons: string[] }[];
  infos: string[];
  progress: { title: string; cancellable?: boolean }[];
  refreshes: number;
  /** The buttons the user picks on successive error messages; none left = dismissed. */
  errorAnswers: string[];
}

/** The shared fake itself (an `import *` gets a copy): keys added here are seen by modules loaded afterwards. */
const api = createRequire(__filename)('vscode') as Record<string, unknown> & { window: Record<string, unknown> };

function patchVscode(recorded: Recorded): () => void {
  const window = api.window;
  const saved = { ProgressLocation: api.ProgressLocation, withProgress: window.withProgress, showErrorMessage: window.showErrorMessage, showInformationMessage: window.showInformationMessage };
  api.ProgressLocation = { Notification: 15 };
  window.withProgress = (options: { title: string; cancellable?: boolean }, work: (progress: unknown, token: unknown) => Promise<unknown>) => {
    recorded.progress.push({ title: options.title, cancellable: options.cancellable });
    return work({ report: () => undefined }, { onCancellationRequested: () => ({ dispose: () => undefined }) });
  };
  window.showErrorMessage = async (message: string, ...buttons: string[]) => {
    recorded.errors.push({ message, buttons });
    return recorded.errorAnswers.shift();
  };
  window.showInformationMessage = async (message: string) => {
    recorded.infos.push(message);
    return undefined;
  };
  return () => {
    api.ProgressLocation = saved.ProgressLocation;
    window.withProgress = saved.withProgress;
    window.showErrorMessage = saved.showErrorMessage;
    window.showInformationMessage = saved.showInformationMessage;
  };
}

const lockExpired = () => new GeuseError({ code: 'STACK_LOCK_EXPIRED', kind: 'refused', message: 'The lock of demo was not renewed.', nextStep: 'Take it over.' });

describe('the command registry: every command registered once, errors, progress and refresh handled in one place', () => {
  let recorded: Recorded;
  let restore: () => void;
  let commands: CommandRegistry;
  let Registry: typeof CommandRegistry;

  before(async () => {
    // Loaded once the fake has `commands`, so the registry's import of vscode sees it.
    const restoreNow = patchVscode({ handlers: new Map(), errors: [], infos: [], progress: [], refreshes: 0, errorAnswers: [] });
    Registry = (await import('../../src/vscode/commands/registry')).CommandRegistry;
    restoreNow();
  });

  beforeEach(() => {
    recorded = { handlers: new Map(), errors: [], infos: [], progress: [], refreshes: 0, errorAnswers: [] };
    restore = patchVscode(recorded);
    const quiet = () => undefined;
    const ctx = {
      extension: { subscriptions: [] },
      host: { profile: undefined },
      tree: { refresh: async () => void (recorded.refreshes += 1) },
      log: { info: quiet, warn: quiet, error: quiet, show: quiet },
    } as unknown as CommandContext;
    commands = new Registry(ctx, recorded.handlers);
  });
  afterEach(() => restore());

  const run = (id: string, arg?: unknown) => recorded.handlers.get(id)!(arg);

  it('package.json contributes exactly the commands the extension registers, and only the start-up shell calls registerCommand (a proxy per contributed command)', () => {
    const files = sourceFiles(join(root, 'src', 'vscode'));
    const registered = files.flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/commands\.register\('(geusemaker\.[A-Za-z]+)'/g)].map((m) => m[1]!));
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { contributes: { commands: { command: string }[] } };
    const contributed = pkg.contributes.commands.map((c) => c.command);
    assert.deepEqual([...registered].sort(), [...contributed].sort());
    assert.equal(new Set(registered).size, registered.length, 'no command is registered twice');
    const callers = sourceFiles(join(root, 'src')).filter((file) => readFileSync(file, 'utf8').includes('vscode.commands.registerCommand('));
    assert.deepEqual(callers.map((file) => file.slice(root.length + 1)), [join('src', 'extension.ts')]);
  });

  it('a failure shows once with its next step and Show Log; only a command that declares it refreshes the tree', async () => {
    const failure = new GeuseError({ code: 'AWS_PERMISSION', kind: 'permission', message: 'Access denied.', nextStep: 'Grant ec2:Describe*.' });
    commands.register('test.plain', () => {
      throw failure;
    });
    commands.register('test.changes', async () => {
      throw failure;
    }, { refreshOnFailure: true });
    await run('test.plain');
    // Editor words, not the engine's CLI text, with the fixes for a permission error.
    assert.deepEqual(recorded.errors, [{
      message: 'AWS denied the request: these credentials may not do it. Allow the action for your IAM user or role, or choose another AWS profile, then try again.',
      buttons: ['Open IAM Console', 'Choose AWS Profile', 'Show Log'],
    }]);
    assert.equal(recorded.refreshes, 0);
    await run('test.changes');
    assert.equal(recorded.errors.length, 2);
    assert.equal(recorded.refreshes, 1);
  });

  it('a cancelled operation is information, not an error', async () => {
    commands.register('test.cancel', () => {
      throw new GeuseError({ code: 'CANCELLED', kind: 'cancelled', message: 'The operation was cancelled.', nextStep: 'Run it again.' });
    });
    await run('test.cancel');
    assert.deepEqual(recorded.errors, []);
    assert.deepEqual(recorded.infos, ['The operation was cancelled.']);
  });

  it('backing out refreshes nothing; an engine operation runs under a cancellable notification and refreshes after', async () => {
    let passed: unknown;
    commands.register('test.backOut', (_run, arg) => {
      passed = arg;
    }, { refreshOnFailure: true });
    commands.register('test.operation', async (ctx) => {
      const planned = await ctx.progress('Finding everything…', async () => 'plan');
      const result = await ctx.operation('Destroying stack demo', async (options) => `${planned} ran with a signal: ${options.signal instanceof AbortSignal}`);
      assert.equal(result, 'plan ran with a signal: true');
      assert.equal(recorded.refreshes, 0, 'the refresh comes after the handler');
    });
    await run('test.backOut', 'demo');
    assert.equal(passed, 'demo', 'the handler gets the command argument');
    assert.equal(recorded.refreshes, 0);
    await run('test.operation');
    assert.deepEqual(recorded.progress, [{ title: 'Finding everything…', cancellable: false }, { title: 'Destroying stack demo', cancellable: true }]);
    assert.equal(recorded.refreshes, 1);
    assert.deepEqual(recorded.errors, []);
  });

  it('a fix offered by the command is a button on its error, and its retry runs through the same handling', async () => {
    const attempts: boolean[] = [];
    const attempt = async (ctx: CommandRun, takeOver: boolean): Promise<void> => {
      attempts.push(takeOver);
      ctx.offerOnFailure((error) => error instanceof GeuseError && error.code === 'STACK_LOCK_EXPIRED' ? [{ title: 'Take Over Lock', run: () => ctx.again((retry) => attempt(retry, true)) }] : []);
      throw lockExpired();
    };
    commands.register('test.locked', (ctx) => attempt(ctx, false), { refreshOnFailure: true });
    // The retry fails the same way and offers the button again; Show Log the second time ends it.
    recorded.errorAnswers = ['Take Over Lock', 'Show Log'];
    await run('test.locked');
    assert.deepEqual(attempts, [false, true]);
    assert.deepEqual(recorded.errors.map((e) => e.buttons), [['Take Over Lock', 'Show Log'], ['Take Over Lock', 'Show Log']]);
    assert.equal(recorded.refreshes, 2, 'each failed run refreshes the tree');
  });
});
