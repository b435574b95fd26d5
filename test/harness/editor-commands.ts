import type { Engine } from '../../src/engine/engine';
import type { CommandContext } from '../../src/vscode/commands/context';
import type { CommandRegistry } from '../../src/vscode/commands/registry';
import type { StackEntry } from '../../src/vscode/stacks-source';
import { patchVscode, type Screen } from './vscode-screen';

/** The commands a registry holds, by id, as the editor runs them. */
export type CommandTable = Map<string, (arg?: unknown) => Promise<unknown>>;

/** What the Stacks tree offers the commands: its entries, plus any `reload…` members a command calls. */
export type CommandTree = { entries: StackEntry[] } & Record<string, unknown>;

function blankScreen(): Screen {
  return { picks: [], pickAnswers: [], modals: [], modalAnswers: [], infos: [], errors: [], progress: [], executed: [], logged: [], manyAnswers: [], inputs: [], inputAnswers: [] };
}

/**
 * Call inside a describe of editor-command tests (fake vscode). `screen` is emptied and patched onto the fake
 * window before each test, and unpatched after it; `load` imports the command modules once, under a patched
 * window, as activation would.
 */
export function editorCommandTests<M>(load: () => Promise<M>) {
  const screen = blankScreen();
  let Registry: typeof CommandRegistry | undefined;
  let loaded: M | undefined;
  let restore = (): void => undefined;
  before(async () => {
    const restoreNow = patchVscode(blankScreen());
    Registry = (await import('../../src/vscode/commands/registry')).CommandRegistry;
    loaded = await load();
    restoreNow();
  });
  beforeEach(() => {
    // The same object every test: tests may hold it from the describe's top.
    Object.assign(screen, blankScreen());
    restore = patchVscode(screen);
  });
  afterEach(() => restore());

  return {
    screen,
    /** What `load` imported. */
    modules(): M {
      if (loaded === undefined) throw new Error('The command modules load in the describe\'s before hook.');
      return loaded;
    },
    /** The commands `register` adds, with a context whose host hands out `engine`, whose tree is `tree` and whose log goes to screen.logged. */
    commandsFor(engine: Engine, tree: CommandTree, register: (registry: CommandRegistry) => void): CommandTable {
      if (Registry === undefined) throw new Error('The registry loads in the describe\'s before hook.');
      const log = (line: string) => void screen.logged.push(line);
      const ctx = {
        extension: { subscriptions: [] },
        host: { assertUsable: () => undefined, engineFor: () => engine, profile: undefined },
        tree: { refresh: async () => undefined, workspaceConfigOf: () => undefined, ...tree },
        log: { info: log, warn: log, error: log, show: () => undefined },
      } as unknown as CommandContext;
      const table: CommandTable = new Map();
      register(new Registry(ctx, table));
      return table;
    },
  };
}
