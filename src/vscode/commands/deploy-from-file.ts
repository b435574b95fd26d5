import * as vscode from 'vscode';
import { findConfigFile } from '../../engine';
import type { WizardPanels } from '../panels/wizard-panel';

/** "Deploy from Config File": the wizard, filled in from the file right-clicked, or the workspace's own. */
export async function openWizardFromFile(wizard: WizardPanels, arg: unknown): Promise<void> {
  const file = arg instanceof vscode.Uri && arg.scheme === 'file' ? arg.fsPath : workspaceConfigFile();
  if (!file) {
    const choice = await vscode.window.showInformationMessage('This workspace has no geusemaker.yaml to start from. The deploy wizard can write one (Save as geusemaker.yaml on its last step).', 'Open the Deploy Wizard');
    if (choice) wizard.open();
    return;
  }
  wizard.open(file);
}

function workspaceConfigFile(): string | undefined {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const file = findConfigFile(folder.uri.fsPath);
    if (file) return file;
  }
  return undefined;
}
