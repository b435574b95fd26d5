import { createRequire } from 'node:module';
import '../harness/fake-vscode';

/** What a command shows and what the test answers, on top of the shared fake vscode module (fake-vscode.ts). */
export interface Screen {
  picks: { title?: string; labels: string[]; descriptions: string[]; separators?: string[]; picked?: string[] }[];
  /** Answers to successive quick picks, by label (a codicon prefix ignored); none left = Escape. */
  pickAnswers: string[];
  modals: { message: string; detail: string; buttons: string[] }[];
  modalAnswers: (string | undefined)[];
  infos: string[];
  errors: string[];
  progress: { title: string; cancellable?: boolean }[];
  executed: { command: string; arg: unknown }[];
  logged: string[];
  /** Answers to successive multi-select quick picks (canPickMany), by label; none left = Escape. Separators are never picked. */
  manyAnswers?: string[][];
  /** Input boxes shown: what they offered, and what validateInput said to each typed answer it refused. */
  inputs?: { title?: string; prompt?: string; value?: string; refused: { typed: string; message: string }[] }[];
  /** What the user types into successive input boxes: an answer validateInput refuses is retyped with the next one; none left = Escape. */
  inputAnswers?: string[];
}

const api = createRequire(__filename)('vscode') as Record<string, unknown> & { window: Record<string, unknown> };

export function patchVscode(screen: Screen): () => void {
  const window = api.window;
  const saved = { ...window };
  const savedTop = { ProgressLocation: api.ProgressLocation, env: api.env, commands: api.commands, QuickPickItemKind: api.QuickPickItemKind };
  api.ProgressLocation = { Notification: 15 };
  api.QuickPickItemKind = { Separator: -1, Default: 0 };
  api.env = { language: 'en' };
  api.commands = { executeCommand: async (command: string, arg: unknown) => void screen.executed.push({ command, arg }) };
  window.withProgress = (options: { title: string; cancellable?: boolean }, work: (progress: unknown, token: unknown) => Promise<unknown>) => {
    screen.progress.push({ title: options.title, cancellable: options.cancellable });
    return work({ report: () => undefined }, { onCancellationRequested: () => ({ dispose: () => undefined }) });
  };
  window.showQuickPick = async (items: { label: string; description?: string; kind?: number; picked?: boolean }[], options: { title?: string; canPickMany?: boolean } = {}) => {
    if (options.canPickMany) {
      // Separators are rows VS Code never lets anyone pick.
      const choosable = items.filter((item) => item.kind !== -1);
      screen.picks.push({
        title: options.title, labels: choosable.map((i) => i.label), descriptions: choosable.map((i) => i.description ?? ''),
        separators: items.filter((item) => item.kind === -1).map((i) => i.label), picked: choosable.filter((i) => i.picked).map((i) => i.label),
      });
      const answer = screen.manyAnswers?.shift();
      return answer ? choosable.filter((item) => answer.includes(item.label)) : undefined;
    }
    screen.picks.push({ title: options.title, labels: items.map((i) => i.label), descriptions: items.map((i) => i.description ?? '') });
    const answer = screen.pickAnswers.shift();
    return items.find((item) => item.label.replace(/^\$\([a-z-]+\) /, '') === answer);
  };
  window.showInformationMessage = async (message: string, ...rest: unknown[]) => {
    const [first] = rest;
    if (typeof first === 'object' && first !== null && 'modal' in first) {
      screen.modals.push({ message, detail: String((first as { detail?: string }).detail ?? ''), buttons: rest.slice(1) as string[] });
      return screen.modalAnswers.shift();
    }
    screen.infos.push(message);
    return undefined;
  };
  window.showWarningMessage = window.showInformationMessage;
  window.showErrorMessage = async (message: string) => void screen.errors.push(message);
  window.showInputBox = async (options: { title?: string; prompt?: string; value?: string; validateInput?: (value: string) => string | undefined | Promise<string | undefined> } = {}) => {
    const shown = { title: options.title, prompt: options.prompt, value: options.value, refused: [] as { typed: string; message: string }[] };
    (screen.inputs ??= []).push(shown);
    for (let typed = screen.inputAnswers?.shift(); typed !== undefined; typed = screen.inputAnswers?.shift()) {
      const message = await options.validateInput?.(typed);
      if (!message) return typed;
      // VS Code keeps the box open with the message: the user types again.
      shown.refused.push({ typed, message });
    }
    return undefined;
  };
  return () => {
    Object.assign(window, saved);
    Object.assign(api, savedTop);
  };
}

