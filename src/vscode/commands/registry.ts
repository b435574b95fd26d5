import * as vscode from 'vscode';
import { type OperationOptions } from '../../engine';
import { withEngineProgress } from '../progress';
import { showError, type FixAction } from '../ui-errors';
import type { CommandContext } from './context';
import type { CommandEntry } from '../shell-parts';

/** What a command declares about itself beyond its handler. */
export interface CommandOptions {
  /** A failure can leave a stack half changed: refresh the tree (and so the status bar) before the error shows. */
  refreshOnFailure?: boolean;
}

/** The context, plus what the wrapper does for one run of one command. */
export interface CommandRun extends CommandContext {
  /** A notification while `work` runs, for waits the engine cannot cancel. */
  progress<T>(title: string, work: () => Thenable<T>): Thenable<T>;
  /** An engine operation under a cancellable notification (Cancel aborts its signal); the tree refreshes when the command ends. */
  operation<T>(title: string, work: (options: OperationOptions) => Promise<T>): Promise<T>;
  /** Stacks changed outside an operation (e.g. imported): the tree refreshes when the command ends. */
  stacksChanged(): void;
  /** Buttons the error message offers if the command fails from here on, beyond the standard fixes. */
  offerOnFailure(fixes: (error: unknown) => readonly FixAction[]): void;
  /** Runs `handler` as this command again, with the same error and refresh handling (a retry from an error button). */
  again(handler: (run: CommandRun) => unknown): Promise<void>;
}

/** Commands take at most one argument: the tree node they ran on, a stack name, or a file Uri. */
export type CommandHandler = (run: CommandRun, arg?: unknown) => unknown;

/**
 * The one place command handlers are registered (after rust-analyzer's `ctx.registerCommand`): each handler runs with
 * its errors shown once through showError (fix buttons, cancellation as information), progress notifications,
 * and the tree refreshed after it changed stacks.
 */
export class CommandRegistry {
  /** `table`: the start-up shell's, whose proxy for each contributed command (src/extension.ts) calls into it. */
  constructor(private readonly ctx: CommandContext, private readonly table: Map<string, CommandEntry>) {}

  register(id: string, handler: CommandHandler, options: CommandOptions = {}): void {
    if (this.table.has(id)) throw new Error(`Command ${id} is registered twice.`);
    // Only the first argument: VS Code may pass more (e.g. a selection), and no handler expects them.
    this.table.set(id, (arg?: unknown) => this.execute(options, (run) => handler(run, arg)));
  }

  private async execute(options: CommandOptions, handler: (run: CommandRun) => unknown): Promise<void> {
    const { ctx } = this;
    let changed = false;
    let fixes: (error: unknown) => readonly FixAction[] = () => [];
    const run: CommandRun = {
      ...ctx,
      progress: (title, work) => vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: false }, work),
      operation: (title, work) => {
        changed = true;
        return Promise.resolve(withEngineProgress(title, ctx.log, work));
      },
      stacksChanged: () => {
        changed = true;
      },
      offerOnFailure: (offer) => {
        fixes = offer;
      },
      again: (next) => this.execute(options, next),
    };
    try {
      await handler(run);
      if (changed) await ctx.tree.refresh();
    } catch (error) {
      if (options.refreshOnFailure) void ctx.tree.refresh();
      await showError(error, ctx.log, ctx.host.profile, fixes(error));
    }
  }
}
