import * as vscode from 'vscode';
import { z } from 'zod';
import { modelSize, OLLAMA_MODEL_NAME, OLLAMA_MODELS, type StackModel } from '../../engine';
import type { StackEntry } from '../stacks-source';
import type { PickedStack } from './context';

/** A stack whose models can be managed now: it runs Ollama and is running. */
export function runsOllama(entry: StackEntry): boolean {
  return entry.state?.status === 'deployed' && entry.state.config.services.ollama;
}

const entryShape = z.looseObject({ ref: z.looseObject({ name: z.string(), stateDir: z.string() }) });
const modelsNodeShape = z.looseObject({ kind: z.enum(['model', 'models-note', 'section']), entry: entryShape });
const modelNodeShape = z.looseObject({ kind: z.literal('model'), entry: entryShape, model: z.looseObject({ name: z.string(), sizeBytes: z.number() }) });

/**
 * The stack of a Models row (the section, a model, the retry row): VS Code hands back the element objects the
 * tree gave it; anything else is not taken for one.
 */
export function modelsEntryOf(arg: unknown): StackEntry | undefined {
  return modelsNodeShape.safeParse(arg).success ? (arg as { entry: StackEntry }).entry : undefined;
}

/** The model of a model row, with its stack. */
export function modelNodeOf(arg: unknown): { entry: StackEntry; model: Pick<StackModel, 'name' | 'sizeBytes'> } | undefined {
  return modelNodeShape.safeParse(arg).success ? arg as { entry: StackEntry; model: StackModel } : undefined;
}

const OTHER = '$(edit) Another model…';

/** What to pull: a suggestion from OLLAMA_MODELS, or any name typed in (checked as the config checks it). */
export async function chooseModelToPull(stack: PickedStack, pulled: readonly StackModel[] = []): Promise<string | undefined> {
  const have = new Set(pulled.map((model) => model.name));
  const title = `Pull a model on ${stack.name}`;
  const items: (vscode.QuickPickItem & { model?: string })[] = [
    ...OLLAMA_MODELS.map((model) => ({
      label: model.name, model: model.name, description: `${model.sizeGB} GB · ${model.what}`,
      ...(have.has(model.name) || have.has(`${model.name}:latest`) ? { detail: 'Already on the instance: pulling it again updates it' } : {}),
    })),
    { label: OTHER, description: 'any model from the Ollama library (ollama.com/library)' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Choose a model to pull onto the instance', matchOnDescription: true });
  if (!picked) return undefined;
  if (picked.model) return picked.model;
  const typed = await vscode.window.showInputBox({
    title, prompt: 'A model name from the Ollama library, with an optional tag', placeHolder: 'e.g. qwen2.5:14b or nomic-embed-text',
    validateInput: (value) => (OLLAMA_MODEL_NAME.test(value.trim()) ? undefined : 'Lowercase letters, digits, ".", "_", "-" and "/", then an optional ":tag", e.g. llama3.2:3b'),
  });
  return typed?.trim() || undefined;
}

/** A model on the instance to remove, from a quick pick of what Ollama lists. */
export async function chooseModelToRemove(stack: PickedStack, models: readonly StackModel[]): Promise<StackModel | undefined> {
  if (models.length === 0) {
    void vscode.window.showInformationMessage(`Stack ${stack.name} has no models to remove.`);
    return undefined;
  }
  const picked = await vscode.window.showQuickPick(models.map((model) => ({ label: model.name, description: modelSize(model.sizeBytes), model })),
    { title: `Remove a model from ${stack.name}`, placeHolder: 'Model' });
  return picked?.model;
}
