import * as vscode from 'vscode';
import { bootstrapCursor, containerCursor, type LogCursor } from '../../engine';
import { editorError, fixAction, logError } from '../ui-errors';
import { keyOf } from '../tree/nodes';
import { pickStack, type CommandContext, type PickedStack } from './context';
import { followWithRetries, gaveUpMessage, type FollowEnd } from './log-follow';
import { pickService } from './pick-service';

const running = (entry: { state?: { status: string } }) => entry.state?.status === 'deployed' || entry.state?.status === 'deploy_failed';

/** "the bootstrap log", "the n8n logs". */
const logWords = (label: string) => (label === 'bootstrap' ? 'the bootstrap log' : `the ${label} logs`);

/** One log channel per stack; each followed log runs until stopped (Stop Following Logs, or the same command again). */
export class LogFollowers implements vscode.Disposable {
  private readonly channels = new Map<string, vscode.LogOutputChannel>();
  private readonly follows = new Map<string, { label: string; stack: string; controller: AbortController }>();

  channel(stack: string, stackKey: string): vscode.LogOutputChannel {
    let channel = this.channels.get(stackKey);
    if (!channel) {
      channel = vscode.window.createOutputChannel(`GeuseMaker: ${stack} logs`, { log: true });
      this.channels.set(stackKey, channel);
    }
    return channel;
  }

  async toggle(ctx: CommandContext, target: PickedStack, label: string, cursor: LogCursor): Promise<void> {
    const key = `${keyOf(target.entry)}::${label}`;
    const channel = this.channel(target.name, keyOf(target.entry));
    const existing = this.follows.get(key);
    channel.show(true);
    if (existing) {
      const stop = await vscode.window.showInformationMessage(`Already following ${logWords(label)} of ${target.name}.`, 'Stop Following');
      if (stop) existing.controller.abort();
      return;
    }
    const controller = new AbortController();
    this.follows.set(key, { label, stack: target.name, controller });
    channel.info(`[${label}] following; run "GeuseMaker: Stop Following Logs" to stop`);
    const open = (from: LogCursor) => target.engine.followLogs(target.name, from, { signal: controller.signal, intervalMs: 5_000 });
    void followWithRetries(open, cursor, label, channel, controller.signal).then(async (end) => {
      this.follows.delete(key);
      channel.info(`[${label}] stopped following`);
      if (end.kind === 'gave-up') await this.offerAgain(ctx, target, label, end);
    });
  }

  /** Following stopped by itself: say so and why, with Follow Again (from where it stopped) and the error's fixes. */
  private async offerAgain(ctx: CommandContext, target: PickedStack, label: string, end: Extract<FollowEnd, { kind: 'gave-up' }>): Promise<void> {
    logError(ctx.log, end.error, `Following ${logWords(label)} of ${target.name}: `);
    const fixes = editorError(end.error).fixes.map((id) => fixAction(id, ctx.host.profile));
    const again = end.why === 'refused' ? [] : ['Follow Again'];
    const picked = await vscode.window.showWarningMessage(gaveUpMessage(end, logWords(label), target.name), ...again, ...fixes.map((f) => f.title));
    if (picked === 'Follow Again') await this.toggle(ctx, target, label, end.cursor);
    else await fixes.find((f) => f.title === picked)?.run();
  }

  /** Offers the running follows to stop; stops every follow of a stack that is no longer running. */
  async stopCommand(): Promise<void> {
    const items = [...this.follows.values()].map((f) => ({ label: `${f.stack}: ${f.label}`, follow: f }));
    if (items.length === 0) {
      void vscode.window.showInformationMessage('No logs are being followed.');
      return;
    }
    const picked = await vscode.window.showQuickPick(items, { title: 'Stop following which logs?', canPickMany: true });
    for (const item of picked ?? []) item.follow.controller.abort();
  }

  stopStacksNotIn(runningKeys: ReadonlySet<string>): void {
    for (const [key, follow] of this.follows) {
      if (![...runningKeys].some((stackKey) => key.startsWith(`${stackKey}::`))) follow.controller.abort();
    }
  }

  dispose(): void {
    for (const follow of this.follows.values()) follow.controller.abort();
    for (const channel of this.channels.values()) channel.dispose();
  }
}

export async function showLogsCommand(ctx: CommandContext, logs: LogFollowers, arg?: unknown): Promise<void> {
  const target = await pickStack(ctx, arg, 'show the logs of', running);
  if (!target) return;
  const spec = await pickService(target, arg, 'Logs of which service?');
  if (spec) await logs.toggle(ctx, target, spec.name, containerCursor(spec.name));
}

export async function showBootstrapLogCommand(ctx: CommandContext, logs: LogFollowers, arg?: unknown): Promise<void> {
  const target = await pickStack(ctx, arg, 'show the bootstrap log of', running);
  if (target) await logs.toggle(ctx, target, 'bootstrap', bootstrapCursor());
}
