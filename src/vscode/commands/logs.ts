import * as vscode from 'vscode';
import { bootstrapCursor, classifyAwsError, containerCursor, type LogCursor } from '../../engine';
import { keyOf } from '../tree/nodes';
import { pickStack, type CommandContext, type PickedStack } from './context';
import { pickService } from './pick-service';

const running = (entry: { state?: { status: string } }) => entry.state?.status === 'deployed' || entry.state?.status === 'deploy_failed';

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

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
      const stop = await vscode.window.showInformationMessage(`Already following ${label} of ${target.name}.`, 'Stop Following');
      if (stop) existing.controller.abort();
      return;
    }
    const controller = new AbortController();
    this.follows.set(key, { label, stack: target.name, controller });
    channel.info(`[${label}] following; run "GeuseMaker: Stop Following Logs" to stop`);
    void this.run(target, label, cursor, channel, controller.signal).finally(() => {
      this.follows.delete(key);
      channel.info(`[${label}] stopped following`);
    });
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

  private async run(target: PickedStack, label: string, cursor: LogCursor, channel: vscode.LogOutputChannel, signal: AbortSignal): Promise<void> {
    let current = cursor;
    let failures = 0;
    while (!signal.aborted) {
      try {
        for await (const chunk of await target.engine.followLogs(target.name, current, { signal, intervalMs: 5_000 })) {
          failures = 0;
          current = chunk.cursor;
          if (chunk.note) channel.warn(`[${label}] ${chunk.note}`);
          for (const line of chunk.lines) channel.info(`[${label}] ${line.text}${line.cut ? ' …(line cut)' : ''}`);
        }
        return;
      } catch (error) {
        const classified = classifyAwsError(error);
        failures += 1;
        channel.error(`[${label}] ${classified.message} ${classified.nextStep}`);
        // Refusals (no instance) and repeated failures stop; transient ones retry from the same cursor.
        if (classified.kind === 'refused' || classified.kind === 'cancelled' || failures >= 3) return;
        await abortableSleep(5_000 * failures, signal);
      }
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
