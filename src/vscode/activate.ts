import * as vscode from 'vscode';
import { EngineHost } from './engine-host';
import { Refresher } from './refresher';
import { BudgetWatcher } from './budget-watcher';
import { StatusBar } from './status-bar';
import { StacksTreeProvider, type HealthSource, type LazySources } from './tree/provider';
import type { ModelSource } from './tree/models-cache';
import type { CommandContext } from './commands/context';
import { CommandRegistry } from './commands/registry';
import { chooseProfileCommand, chooseRegionCommand, findStacksCommand } from './commands/aws-settings';
import { copyIdCommand, copyUrlCommand, DOC_SCHEME, openDocsCommand, openInConsoleCommand, previewInstanceFilesCommand, ReadOnlyDocuments, showDetailsCommand } from './commands/inspect';
import { deployCommand, destroyCommand, pauseCommand, resumeCommand } from './commands/lifecycle';
import { registerConnectCommands } from './commands/connect';
import { registerModelCommands } from './commands/models';
import { showHistoryCommand } from './commands/history';
import { registerBackupCommands } from './commands/backups';
import { registerWorkerCommands } from './commands/workers';
import { upgradeCommand } from './commands/upgrade';
import { rotateSecretsCommand } from './commands/rotate';
import { readWorkspaceConfigs } from './workspace-configs';
import { stackHealthView } from './health-view';
import { HealthPanels } from './panels/health-panel';
import { HEALTH_VIEW_TYPE } from '../protocol/health';
import { WizardPanels } from './panels/wizard-panel';
import { openWizardFromFile } from './commands/deploy-from-file';
import { WIZARD_VIEW_TYPE } from '../protocol/wizard';
import { CostPanels } from './panels/cost-panel';
import { COST_VIEW_TYPE } from '../protocol/cost';
import { setEndpointForErrors } from './ui-errors';
import type { CoreModule, ShellParts } from './shell-parts';

/** Wires the engine to the editor: the Stacks view, the commands, the status bar (the core bundle; src/extension.ts is the shell). */
export const activateExtension: CoreModule['activateExtension'] = (context: vscode.ExtensionContext, shell: ShellParts) => {
  const log = vscode.window.createOutputChannel('GeuseMaker', { log: true });
  const host = new EngineHost(context);
  setEndpointForErrors(() => host.endpointInfo);
  // Only running stacks get here, so the entry's state (just read by the refresh) is there.
  const liveHealth: HealthSource = (entry, signal) => stackHealthView(host.engineFor(entry.ref.stateDir), entry.ref.name, entry.state!.config, signal);
  // The workspace folders' geusemaker.yaml, read on each refresh: the tree marks stacks whose file says otherwise.
  const workspaceConfigs = () => readWorkspaceConfigs((vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.fsPath));
  // A stack's models, read over SSM only when its Models section is expanded.
  const liveModels: ModelSource = async (entry, signal) => {
    host.assertUsable();
    return host.engineFor(entry.ref.stateDir).listModels(entry.ref.name, { signal });
  };
  // Read only when asked: a stack's recovery points (its Backups section expanded) and its secrets' ages (the
  // stack expanded, or Refresh), never on the refresher's ticks.
  const lazy: LazySources = {
    backups: async (entry, signal) => {
      host.assertUsable();
      return host.engineFor(entry.ref.stateDir).backups.list(entry.ref.name, { signal });
    },
    secretAges: async (entry, signal) => {
      host.assertUsable();
      return host.engineFor(entry.ref.stateDir).secrets.ages(entry.ref.name, { signal });
    },
  };
  const tree = new StacksTreeProvider(host, liveHealth, workspaceConfigs, liveModels, lazy);
  const view = shell.view;
  shell.setTree(tree as vscode.TreeDataProvider<unknown>);
  const ctx: CommandContext = { extension: context, host, tree, log };
  const statusBar = new StatusBar(host, tree);
  const budgets = new BudgetWatcher(host, tree, context.globalState, log);
  const refresher = new Refresher({
    intervalSeconds: () => host.settings.refreshIntervalSeconds,
    fast: () => tree.anyTransitional,
    failing: () => tree.lastRoundFailed,
    refresh: () => tree.refresh(),
  });
  const docs = new ReadOnlyDocuments();
  for (const problem of host.problems) log.warn(problem.message);

  // Every command goes through the registry: errors, progress and refresh are handled there, once.
  const commands = new CommandRegistry(ctx, shell.commands);
  const changesStacks = { refreshOnFailure: true };
  const wizard = new WizardPanels(ctx);
  context.subscriptions.push(wizard);
  shell.serializers.set(WIZARD_VIEW_TYPE, wizard.serializer);
  commands.register('geusemaker.deploy', (run, arg) => deployCommand(run, arg, () => wizard.open()), changesStacks);
  commands.register('geusemaker.deployFromFile', (_run, arg) => openWizardFromFile(wizard, arg));
  commands.register('geusemaker.destroy', destroyCommand, changesStacks);
  commands.register('geusemaker.pause', pauseCommand, changesStacks);
  commands.register('geusemaker.resume', resumeCommand, changesStacks);
  commands.register('geusemaker.refresh', async () => {
    void statusBar.checkIdentity();
    await tree.refresh({ force: true });
    refresher.restart();
  });
  commands.register('geusemaker.showDetails', (run, arg) => showDetailsCommand(run, docs, arg));
  commands.register('geusemaker.showHistory', (run, arg) => showHistoryCommand(run, docs, arg));
  commands.register('geusemaker.previewInstanceFiles', (run, arg) => previewInstanceFilesCommand(run, docs, arg));
  commands.register('geusemaker.copyId', copyIdCommand);
  commands.register('geusemaker.copyUrl', copyUrlCommand);
  commands.register('geusemaker.openInConsole', openInConsoleCommand);
  commands.register('geusemaker.openDocs', openDocsCommand);
  commands.register('geusemaker.chooseProfile', chooseProfileCommand);
  commands.register('geusemaker.chooseRegion', chooseRegionCommand);
  commands.register('geusemaker.findStacks', findStacksCommand);
  const costPanels = new CostPanels(ctx);
  commands.register('geusemaker.showCost', (_run, arg) => costPanels.showCommand(arg));
  context.subscriptions.push(costPanels);
  shell.serializers.set(COST_VIEW_TYPE, costPanels.serializer);
  const connections = registerConnectCommands(ctx, commands);
  registerModelCommands(commands);
  registerBackupCommands(commands);
  registerWorkerCommands(commands);
  commands.register('geusemaker.upgrade', upgradeCommand, changesStacks);
  commands.register('geusemaker.rotateSecrets', rotateSecretsCommand, changesStacks);
  const healthPanels = new HealthPanels(ctx);
  commands.register('geusemaker.showHealth', (_run, arg) => healthPanels.showCommand(arg));
  context.subscriptions.push(healthPanels);
  shell.serializers.set(HEALTH_VIEW_TYPE, healthPanels.serializer);

  // A config file saved, created or deleted (or a folder added): the marker follows, from disk only (no health round).
  const configFiles = vscode.workspace.createFileSystemWatcher('**/geusemaker.{yaml,yml,json}');
  const configChanged = () => void tree.refresh({ health: false });
  context.subscriptions.push(
    configFiles, configFiles.onDidChange(configChanged), configFiles.onDidCreate(configChanged), configFiles.onDidDelete(configChanged),
    vscode.workspace.onDidChangeWorkspaceFolders(configChanged),
  );
  context.subscriptions.push(
    log, host, tree, statusBar, budgets, refresher, connections,
    vscode.workspace.registerTextDocumentContentProvider(DOC_SCHEME, docs),
    view.onDidChangeVisibility((event) => refresher.setVisible(event.visible)),
    tree.onDidChangeTreeData(() => {
      statusBar.treeChanged();
      view.badge = tree.badge;
    }),
    host.onDidChange(() => {
      void statusBar.checkIdentity();
      for (const problem of host.problems) log.warn(problem.message);
      void tree.refresh({ health: view.visible, force: true });
      refresher.restart();
    }),
  );
  // Visible: the refresher's first tick loads everything. Hidden: one cheap read of the state files, so the
  // status bar counts running stacks.
  void statusBar.checkIdentity();
  if (view.visible) refresher.setVisible(true);
  else void tree.refresh({ health: false });
  // VS Code awaits deactivate: open SSM sessions are ended on the AWS side before the window goes.
  return { deactivate: () => connections.shutdown() };
};
