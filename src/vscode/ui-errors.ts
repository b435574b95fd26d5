import * as vscode from 'vscode';
import { classifyAwsError, explainEndpoint, type GeuseError, type ResolvedEndpoint } from '../engine';

/** Where AWS calls go (the setting, the variable, or AWS itself), so an unreachable endpoint is named. */
let currentEndpoint: () => ResolvedEndpoint | undefined = () => undefined;

export function setEndpointForErrors(endpoint: () => ResolvedEndpoint | undefined): void {
  currentEndpoint = endpoint;
}

/** A button on an error message and what it does. */
export interface FixAction {
  title: string;
  run: () => unknown;
}

/** The fixes worth offering for an error, beyond reading the log. */
export function fixesFor(error: GeuseError, profile: string | undefined): FixAction[] {
  switch (error.code) {
    case 'AWS_CREDENTIALS_EXPIRED':
      return [{ title: 'Sign In', run: () => {
        const terminal = vscode.window.createTerminal({ name: 'AWS sign-in' });
        terminal.show();
        terminal.sendText(`aws sso login${profile ? ` --profile ${profile}` : ''}`);
      } }];
    case 'AWS_NO_CREDENTIALS':
      return [{ title: 'Choose AWS Profile', run: () => vscode.commands.executeCommand('geusemaker.chooseProfile') }];
    case 'SSM_PLUGIN_MISSING':
      return [
        { title: 'Install Plugin', run: () => vscode.env.openExternal(vscode.Uri.parse('https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-install-plugin.html')) },
        { title: 'Set Path', run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'geusemaker.sessionManagerPluginPath') },
      ];
    case 'AWS_PERMISSION':
      return [{ title: 'Open IAM Console', run: () => vscode.env.openExternal(vscode.Uri.parse('https://console.aws.amazon.com/iam/home#/home')) }];
    case 'AWS_UNREACHABLE':
    case 'ENDPOINT_INVALID':
      return [{ title: 'Open Endpoint Setting', run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'geusemaker.endpoint') }];
    case 'SETTINGS_INVALID':
      return [{ title: 'Open Settings', run: () => vscode.commands.executeCommand('workbench.action.openSettings', 'geusemaker') }];
    default:
      return [];
  }
}

/** Shows the classified message with its next step, logs it, and offers the fix when there is one. */
export async function showError(error: unknown, log: vscode.LogOutputChannel, profile?: string, extraFixes: readonly FixAction[] = []): Promise<void> {
  const classified = explainEndpoint(classifyAwsError(error), currentEndpoint());
  if (classified.kind === 'cancelled') {
    log.warn(classified.message);
    void vscode.window.showInformationMessage(classified.message);
    return;
  }
  log.error(`${classified.code}: ${classified.message} Next: ${classified.nextStep}`);
  const fixes = [...extraFixes, ...fixesFor(classified, profile)];
  const picked = await vscode.window.showErrorMessage(`${classified.message} ${classified.nextStep}`, ...fixes.map((f) => f.title), 'Show Log');
  if (picked === 'Show Log') log.show(true);
  else await fixes.find((f) => f.title === picked)?.run();
}
