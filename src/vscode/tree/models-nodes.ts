import { modelSize, type GeuseError, type StackModel } from '../../engine';
import { plainError } from '../error-words';
import type { StackEntry } from '../stacks-source';
import { ago, localDate, type ViewFormat } from './format';
import { keyOf, type NodeView } from './nodes';

/**
 * A stack's Models section: Ollama's models on the instance. They cost a Run Command to read, so they are read
 * only when the section is expanded (and on Refresh Models, or after a pull or removal), never on a tree refresh.
 */
export type ModelsView =
  | { state: 'loading' }
  | { state: 'loaded'; models: StackModel[]; at: string }
  | { state: 'failed'; error: GeuseError; at: string };

export type ModelsTreeNode =
  | { kind: 'model'; entry: StackEntry; model: StackModel }
  | { kind: 'models-note'; entry: StackEntry; note: 'loading' | 'none' | 'idle' | 'failed'; error?: GeuseError };

/** Only stacks that run Ollama have the section. */
export function hasModels(entry: StackEntry): boolean {
  return entry.state?.config.services.ollama === true;
}

/** The models can be asked for: the stack runs. */
export function modelsLive(entry: StackEntry): boolean {
  return entry.state?.status === 'deployed';
}

export function modelsChildren(entry: StackEntry, view: ModelsView | undefined): ModelsTreeNode[] {
  if (!modelsLive(entry)) return [{ kind: 'models-note', entry, note: 'idle' }];
  if (!view || view.state === 'loading') return [{ kind: 'models-note', entry, note: 'loading' }];
  if (view.state === 'failed') return [{ kind: 'models-note', entry, note: 'failed', error: view.error }];
  if (view.models.length === 0) return [{ kind: 'models-note', entry, note: 'none' }];
  return view.models.map((model) => ({ kind: 'model', entry, model }));
}

export function modelsSectionView(entry: StackEntry, view: ModelsView | undefined, format: ViewFormat): NodeView {
  const live = modelsLive(entry);
  const read = view?.state === 'loaded' ? ` Read ${ago(view.at, format)} (${localDate(view.at, format)}).` : '';
  return {
    id: `${keyOf(entry)}::models`, label: 'Models', icon: { id: 'hubot' },
    description: view?.state === 'loaded' ? String(view.models.length) : undefined,
    tooltip: live
      ? `Ollama's models on the instance, read over Systems Manager when this row is expanded.${read} Right-click to pull a model; right-click a model to remove it.`
      : 'Ollama\'s models live on the stack\'s EFS file system; they are listed while the stack runs.',
    contextValue: `section.models.${live ? 'live' : 'idle'}`, collapsible: 'collapsed',
  };
}

const NOTES = {
  loading: { label: 'Reading models…', icon: 'loading~spin', tooltip: 'Asking Ollama on the instance for its models.' },
  none: { label: 'No models pulled yet', icon: 'info', tooltip: 'Right-click Models → Pull Model… to pull one.' },
  idle: { label: 'Listed while the stack runs', icon: 'info', tooltip: 'The models stay on EFS while the stack is paused; resume it to list them.' },
} as const;

export function modelsNodeView(node: ModelsTreeNode, format: ViewFormat): NodeView {
  const base = keyOf(node.entry);
  if (node.kind === 'model') {
    const { model } = node;
    const details = [model.parameterSize, model.quantization].filter(Boolean).join(', ');
    const tooltip = [
      `**${model.name}** — ${modelSize(model.sizeBytes)}${details ? ` (${details})` : ''}`,
      `Pulled or changed ${ago(model.modifiedAt, format)} (${localDate(model.modifiedAt, format)}).`,
      model.declared ? 'Listed in the stack\'s ollamaModels: every boot pulls it if missing.' : 'Not in the stack\'s ollamaModels: it stays on EFS, but the config does not list it.',
    ];
    return {
      id: `${base}::model::${model.name}`, label: model.name, description: `${modelSize(model.sizeBytes)}${model.declared ? '' : ' · not in config'}`,
      tooltip: tooltip.join('\n\n'), icon: { id: 'package' }, contextValue: 'model', collapsible: 'none',
    };
  }
  if (node.note === 'failed') {
    const words = plainError(node.error);
    return {
      id: `${base}::models::note`, label: `Models not read: ${words.title}`, description: 'click to retry',
      tooltip: `${words.title}\n\n${words.detail}\n\nClick to try again.`, icon: { id: 'error', color: 'errorForeground' },
      contextValue: 'models-note', collapsible: 'none', command: { command: 'geusemaker.refreshModels', title: 'Retry', withNode: true },
    };
  }
  const look = NOTES[node.note];
  return { id: `${base}::models::note`, label: look.label, tooltip: look.tooltip, icon: { id: look.icon }, contextValue: 'models-note', collapsible: 'none' };
}
