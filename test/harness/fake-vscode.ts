import Module from 'node:module';

/**
 * A minimal, honest stand-in for the `vscode` module, for unit tests of the extension's glue: only what the
 * tree provider, the engine host and the stack picker touch. Quick picks and messages are answered by the test
 * through `answers`; configuration comes from `settings`. Anything not here throws when used.
 */
export const fake = {
  settings: {} as Record<string, unknown>,
  /** The next showQuickPick returns the item whose label equals this; undefined = the user pressed Escape. */
  quickPickAnswer: undefined as string | undefined,
  quickPicks: [] as string[][],
  messages: [] as string[],
};

class EventEmitter<T> {
  private listeners: ((value: T) => void)[] = [];
  readonly event = (listener: (value: T) => void) => {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  };
  fire(value: T): void {
    for (const listener of this.listeners) listener(value);
  }
  dispose(): void {
    this.listeners = [];
  }
}

class TreeItem {
  id?: string;
  description?: string;
  tooltip?: unknown;
  iconPath?: unknown;
  contextValue?: string;
  command?: { command: string; title: string; arguments?: unknown[] };
  constructor(public label: string, public collapsibleState: number) {}
}

const api = {
  EventEmitter,
  TreeItem,
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  ThemeIcon: class { constructor(public id: string, public color?: unknown) {} },
  ThemeColor: class { constructor(public id: string) {} },
  MarkdownString: class { constructor(public value: string) {} },
  Uri: { file: (fsPath: string) => ({ fsPath }) },
  workspace: {
    getConfiguration: () => ({ get: (key: string) => fake.settings[key] }),
    onDidChangeConfiguration: () => ({ dispose: () => undefined }),
  },
  window: {
    showQuickPick: async <T extends { label: string }>(items: T[]) => {
      fake.quickPicks.push(items.map((item) => item.label));
      return items.find((item) => item.label === fake.quickPickAnswer);
    },
    showInformationMessage: async (message: string) => {
      fake.messages.push(message);
      return undefined;
    },
  },
};

type Resolver = (request: string, ...rest: unknown[]) => string;
const moduleWithResolver = Module as unknown as { _resolveFilename: Resolver; _cache: Record<string, unknown> };
const FAKE_ID = '\0fake-vscode';
const original = moduleWithResolver._resolveFilename;
moduleWithResolver._resolveFilename = function (request: string, ...rest: unknown[]) {
  return request === 'vscode' ? FAKE_ID : original.call(this, request, ...rest);
};
moduleWithResolver._cache[FAKE_ID] = { id: FAKE_ID, filename: FAKE_ID, loaded: true, exports: api };

export function resetFake(): void {
  fake.settings = {};
  fake.quickPickAnswer = undefined;
  fake.quickPicks = [];
  fake.messages = [];
}
