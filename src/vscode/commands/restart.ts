import * as vscode from 'vscode';
import type { Engine, ServiceSpec } from '../../engine';
import { pickStack, type CommandContext } from './context';
import { pickService } from './pick-service';

const running = (entry: { state?: { status: string } }) => entry.state?.status === 'deployed' || entry.state?.status === 'deploy_failed';

/**
 * Asks, then restarts one service of a stack on its instance (the engine's restartService, as the CLI's `restart`):
 * shared by the palette, the service's tree entry and the health panel. False when the user said no.
 */
export async function confirmAndRestart(engine: Engine, stack: string, spec: ServiceSpec, log: (line: string) => void): Promise<boolean> {
  const answer = await vscode.window.showWarningMessage(`Restart ${spec.displayName} on stack ${stack}?`, {
    modal: true,
    detail: `Runs "docker compose restart ${spec.name}" on the instance over SSM. The service is unavailable for a few seconds to a few minutes.`,
  }, 'Restart');
  if (answer !== 'Restart') return false;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Restarting ${spec.displayName} on ${stack}…` },
    () => engine.restartService(stack, spec.name));
  log(`Restarted ${spec.name} on stack ${stack}`);
  return true;
}

/** GeuseMaker: Restart Service — from the palette (stack, then service) or a service's entry in the tree. */
export async function restartServiceCommand(ctx: CommandContext, arg?: unknown): Promise<void> {
  const target = await pickStack(ctx, arg, 'restart a service of', running);
  if (!target?.entry.state) return;
  const spec = await pickService(target, arg, 'Restart which service?');
  if (!spec) return;
  if (await confirmAndRestart(target.engine, target.name, spec, (line) => ctx.log.info(line))) {
    void vscode.window.showInformationMessage(`${spec.displayName} on ${target.name} was restarted.`);
  }
}
