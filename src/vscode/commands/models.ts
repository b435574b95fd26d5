import * as vscode from 'vscode';
import { modelSize, withTag, type StackModel } from '../../engine';
import { pickStack, type CommandContext, type PickedStack } from './context';
import { chooseModelToPull, chooseModelToRemove, modelNodeOf, modelsEntryOf, runsOllama } from './model-pick';
import type { CommandRegistry, CommandRun } from './registry';

/** The stack of a Models row, or one picked from those that run Ollama now. */
async function stackFor(ctx: CommandContext, arg: unknown, purpose: string): Promise<PickedStack | undefined> {
  const entry = modelsEntryOf(arg);
  if (!entry) return pickStack(ctx, arg, purpose, runsOllama);
  ctx.host.assertUsable();
  return { entry, name: entry.ref.name, engine: ctx.host.engineFor(entry.ref.stateDir) };
}

/** Pull Model…: a pick (or a typed name), then the pull under a notification whose Cancel stops it on the instance. */
async function pullModelCommand(run: CommandRun, arg: unknown): Promise<void> {
  const stack = await stackFor(run, arg, 'pull a model on');
  if (!stack) return;
  const model = await chooseModelToPull(stack, run.tree.modelsOf(stack.entry));
  if (!model) return;
  const title = `Pulling ${model} on ${stack.name}`;
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const controller = new AbortController();
    const cancel = token.onCancellationRequested(() => {
      run.log.warn(`${title}: cancel requested; stopping the pull on the instance`);
      controller.abort();
    });
    let shown = 0;
    run.log.info(`${title}: started`);
    try {
      return await stack.engine.pullModel(stack.name, model, {
        signal: controller.signal,
        onProgress: (step) => {
          run.log.info(`${title}: ${step.text}`);
          // The bar moves by what the percent gained since the last report.
          const increment = step.percent !== undefined && step.percent > shown ? step.percent - shown : undefined;
          if (increment !== undefined) shown += increment;
          progress.report({ message: step.text, ...(increment !== undefined ? { increment } : {}) });
        },
      });
    } finally {
      cancel.dispose();
    }
  });
  const size = result.totalBytes !== undefined ? ` (${modelSize(result.totalBytes)})` : '';
  run.log.info(`Pulled ${model}${size} on stack ${stack.name} in ${(result.elapsedMs / 1000).toFixed(1)} s`);
  await run.tree.reloadModels(stack.entry);
  const declared = stack.entry.state?.config.ollamaModels.map(withTag) ?? [];
  void vscode.window.showInformationMessage(`Pulled ${model}${size} on ${stack.name}.${declared.includes(withTag(model)) ? '' : ' It is not in the stack\'s ollamaModels; add it to geusemaker.yaml to keep the config the full list.'}`);
}

/** Remove: from a model row (or a pick), after a modal confirmation. */
async function removeModelCommand(run: CommandRun, arg: unknown): Promise<void> {
  const node = modelNodeOf(arg);
  const stack = await stackFor(run, arg, 'remove a model from');
  if (!stack) return;
  let model: Pick<StackModel, 'name' | 'sizeBytes'> | undefined = node?.model;
  if (!model) {
    const models = await run.progress(`Reading the models of ${stack.name}…`, () => stack.engine.listModels(stack.name));
    model = await chooseModelToRemove(stack, models);
  }
  if (!model) return;
  const answer = await vscode.window.showWarningMessage(`Remove ${model.name} from stack ${stack.name}?`, {
    modal: true,
    detail: `Ollama deletes its files (${modelSize(model.sizeBytes)}) from the stack's EFS file system. Pulling it again downloads it again.`,
  }, 'Remove');
  if (answer !== 'Remove') return;
  const name = model.name;
  await run.progress(`Removing ${name} from ${stack.name}…`, () => stack.engine.removeModel(stack.name, name));
  run.log.info(`Removed ${name} from stack ${stack.name}`);
  await run.tree.reloadModels(stack.entry);
}

async function refreshModelsCommand(run: CommandRun, arg: unknown): Promise<void> {
  const stack = await stackFor(run, arg, 'list the models of');
  if (stack) await run.tree.reloadModels(stack.entry);
}

export function registerModelCommands(commands: CommandRegistry): void {
  commands.register('geusemaker.pullModel', pullModelCommand);
  commands.register('geusemaker.removeModel', removeModelCommand);
  commands.register('geusemaker.refreshModels', refreshModelsCommand);
}
