import { createRequire } from 'node:module';
import type * as vscode from 'vscode';
import { resetFake } from './fake-vscode';
import { tempDir } from './engine';

const api = createRequire(__filename)('vscode') as { window: Record<string, unknown>; env?: unknown };

/** An extension context whose workspace and global storage are fresh temporary folders. */
export function extensionContext(): vscode.ExtensionContext {
  return { storageUri: { fsPath: tempDir('gm-ws-storage-') }, globalStorageUri: { fsPath: tempDir('gm-global-') } } as unknown as vscode.ExtensionContext;
}

/** Lets the reads a tree section starts in the background (when VS Code asks for its rows) finish. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

/**
 * Call inside a describe of Stacks tree tests: before each test the fake vscode is reset, speaks English and runs
 * progress work directly, and GEUSEMAKER_HOME is a fresh folder (put back after the test).
 */
export function freshEditorForEachTest(): void {
  let home: string | undefined;
  beforeEach(() => {
    resetFake();
    api.env = { language: 'en' };
    api.window.withProgress = (_options: unknown, work: () => Promise<unknown>) => work();
    home = process.env.GEUSEMAKER_HOME;
    process.env.GEUSEMAKER_HOME = tempDir('gm-home-');
  });
  afterEach(() => {
    if (home === undefined) delete process.env.GEUSEMAKER_HOME;
    else process.env.GEUSEMAKER_HOME = home;
  });
}
