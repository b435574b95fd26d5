import * as vscode from 'vscode';
import { explainEndpoint, type GeuseError } from '../engine';
import { FIX_TITLES } from '../protocol/fixes';
import { classifyForEditor, editorError, endpointNow, type FixId } from './error-words';

export { apiWords, editorError, editorWords, isEndpointGap, plainError, setEndpointForErrors, type EditorError, type FixId } from './error-words';

/** A button on an error message and what it does. */
export interface FixAction {
  title: string;
  run: () => unknown;
}

const openSetting = (id: string) => () => vscode.commands.executeCommand('workbench.action.openSettings', id);

/** What each fix button says and does. */
export function fixAction(id: FixId, profile: string | undefined): FixAction {
  switch (id) {
    case 'signIn':
      return { title: FIX_TITLES[id], run: () => {
        const terminal = vscode.window.createTerminal({ name: 'AWS sign-in' });
        terminal.show();
        terminal.sendText(`aws sso login${profile ? ` --profile ${profile}` : ''}`);
      } };
    case 'chooseProfile':
      return { title: FIX_TITLES[id], run: () => vscode.commands.executeCommand('geusemaker.chooseProfile') };
    case 'openEndpointSetting':
      return { title: FIX_TITLES[id], run: openSetting('geusemaker.endpoint') };
    case 'openSettings':
      return { title: FIX_TITLES[id], run: openSetting('geusemaker') };
    case 'installPlugin':
      return { title: FIX_TITLES[id], run: () => vscode.env.openExternal(vscode.Uri.parse('https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html')) };
    case 'setPluginPath':
      return { title: FIX_TITLES[id], run: openSetting('geusemaker.sessionManagerPluginPath') };
    case 'openIamConsole':
      return { title: FIX_TITLES[id], run: () => vscode.env.openExternal(vscode.Uri.parse('https://console.aws.amazon.com/iam/home#/home')) };
  }
}

/** The fixes worth offering for an error, beyond reading the log. */
export function fixesFor(error: GeuseError, profile: string | undefined): FixAction[] {
  return editorError(error).fixes.map((id) => fixAction(id, profile));
}

/** The log keeps the engine's full words (code, AWS's message, the endpoint and where it came from). */
export function logError(log: vscode.LogOutputChannel, error: unknown, prefix = ''): GeuseError {
  const classified = explainEndpoint(classifyForEditor(error), endpointNow());
  log.error(`${prefix}${classified.code}: ${classified.message} Next: ${classified.nextStep}`);
  return classified;
}

/**
 * Shows what happened and what to do in editor words, logs the engine's full words, and offers the fixes:
 * the caller's (Retry, Take Over Lock) first, then the error's own, then Show Log.
 */
export async function showError(error: unknown, log: vscode.LogOutputChannel, profile?: string, extraFixes: readonly FixAction[] = []): Promise<void> {
  const classified = classifyForEditor(error);
  if (classified.kind === 'cancelled') {
    log.warn(classified.message);
    void vscode.window.showInformationMessage(editorError(classified).title);
    return;
  }
  logError(log, classified);
  const words = editorError(classified);
  const fixes = [...extraFixes, ...words.fixes.map((id) => fixAction(id, profile))];
  const picked = await vscode.window.showErrorMessage(`${words.title} ${words.detail}`, ...fixes.map((f) => f.title), 'Show Log');
  if (picked === 'Show Log') log.show(true);
  else await fixes.find((f) => f.title === picked)?.run();
}
