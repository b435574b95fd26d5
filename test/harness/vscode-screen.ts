import { createRequire } from 'node:module';
import '../harness/fake-vscode';

/** What a command shows and what the test answers, on top of the shared fake vscode module (fake-vscode.ts). */
export interface Screen {
  picks: { title?: string; labels: string[]; descriptions: string[] }[];
  /** Answers to successive quick picks, by label (a codicon prefix ignored); none left = Escape. */
  pickAnswers: string[];
  modals: { message: string; detail: string; buttons: string[] }[];
  modalAnswers: (string | undefined)[];
  infos: string[];
  errors: string[];
  progress: { title: string; cancellable?: boolean }[];
  executed: { command: string; arg: unknown }[];
  logged: string[];
}

const api = createRequire(__filename)('vscode') as Record<string, unknown> & { window: Record<string, unknown> };

export function patchVscode(screen: Screen): () => void {
  const window = api.window;
  const saved = { ...window };
  const savedTop = { ProgressLocation: api.ProgressLocation, env: api.env, commands: api.commands };
  api.ProgressLocation = { Notification: 15 };
  api.env = { language: 'en' };
  api.commands = { executeCommand: async (command: string, arg: unknown) => void screen.executed.push({ command, arg }) };
  window.withProgress = (options: { title: string; cancellable?: boolean }, work: (progress: unknown, token: unknown) => Promise<unknown>) => {
    screen.progress.push({ title: options.title, cancellable: options.cancellable });
    return work({ report: () => undefined }, { onCancellationRequested: () => ({ dispose: () => undefined }) });
  };
  window.showQuickPick = async (items: { label: string; description?: string }[], options: { title?: string } = {}) => {
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
  return () => {
    Object.assign(window, saved);
    Object.assign(api, savedTop);
  };
}

