import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import {
  AWS_REGIONS, classifyAwsError, CONFIG_FILE_NAMES, DEFAULT_INSTANCE_TYPE, DEFAULT_TIER, type DiscoveredVpc, findConfigFile, invalidInput, listAwsProfiles, OLLAMA_MODELS, parseConfigFile, renderDestroyPlan, servicesOf, type StackConfig, type StackConfigInput,
} from '../../engine';
import { draftSchema, hostToWizardSchema, wizardPanelStateSchema, wizardToHostSchema, WIZARD_VIEW_TYPE, type Draft, type HostToWizard, type WizardProgress, type WizardRequest, type WizardToHost } from '../../protocol/wizard';
import type { CommandContext } from '../commands/context';
import type { TreeNode } from '../tree/nodes';
import { listen, post } from '../webview/channel';
import { loadPanel, panelOptions } from '../webview/panel';
import { isFinal, type BootstrapView } from '../wizard/bootstrap-model';
import { defaultDraft, draftFromFile, draftInput, placementChoices, vpcChoices } from '../wizard/draft';
import { tierEstimates } from '../wizard/estimates';
import { configYaml, draftToConfig, stepErrors, tierChoices, type StepContext } from '../wizard/model';
import { reviewOf } from '../wizard/review';
import { BootstrapTail } from './bootstrap-tail';
import { WizardAccount } from './wizard-account';
import { WizardRun } from './wizard-run';

type Outcome = { error?: string; cancelled?: true };

/** The buttons of "Delete What Was Created…": the deploy made an EFS file system and secrets that can be kept. */
const DELETE_KEEP_DATA = 'Delete, Keep Data';
const DELETE_EVERYTHING = 'Delete Everything';
const DELETE = 'Delete';

const words = (error: unknown) => {
  const classified = classifyAwsError(error);
  return [classified.message, classified.nextStep].filter(Boolean).join(' ').slice(0, 2000);
};

/**
 * The deploy wizard's controller. The webview only collects input: every step is checked here with the
 * engine's schema (`validateStep`), and deploy takes nothing the checks have not passed.
 */
class WizardPanel {
  private run?: WizardRun;
  /** The progress saved before a window reload, until a new run replaces it. */
  private restored?: WizardProgress;
  /** Networks discovered per region, for the network step's checks. */
  private readonly networks = new Map<string, DiscoveredVpc[]>();
  private disposed = false;
  private readonly subscriptions: vscode.Disposable[];
  /** Settings from the config file the draft started from that no step edits: deployed as written. */
  private extras: Record<string, unknown> = {};
  /** A file to load once the webview is ready (Deploy from geusemaker.yaml). */
  private pendingFile?: string;
  private tail?: BootstrapTail;
  private readonly account: WizardAccount;

  constructor(private readonly panel: vscode.WebviewPanel, private readonly ctx: CommandContext, restored: { progress?: WizardProgress; fromFile?: string } | undefined, onClosed: () => void) {
    // A run the window reload cut short: the engine's journal has it; the panel offers to resume it or delete what it created.
    let progress = restored?.progress;
    if (progress && (progress.phase === 'running' || progress.phase === 'cancelling')) progress = { ...progress, phase: 'interrupted' };
    this.restored = progress;
    // The file's other settings are not in the webview's state: read them again.
    if (restored?.fromFile) void this.readExtras(restored.fromFile);
    panel.title = 'Deploy a Stack';
    panel.iconPath = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'geusemaker.svg');
    loadPanel(panel.webview, ctx.extension.extensionUri, 'wizard', 'Deploy a GeuseMaker stack');
    this.account = new WizardAccount({ engine: () => ctx.host.engine, assertUsable: () => ctx.host.assertUsable(), endpoint: () => ctx.host.endpointInfo });
    this.subscriptions = [
      // A profile chosen or an endpoint fixed elsewhere: the account step checks the credentials again.
      ctx.host.onDidChange(() => void this.sendAccount(false)),
      listen(panel.webview, wizardToHostSchema, (message) => void this.handle(message), (line) => ctx.log.warn(`Deploy wizard: ${line}`)),
      panel.onDidDispose(() => {
        this.disposed = true;
        this.tail?.stop();
        // Closing the panel does not stop a deploy: the engine finishes it and the tree shows it.
        for (const subscription of this.subscriptions) subscription.dispose();
        onClosed();
      }),
    ];
  }

  reveal(): void {
    this.panel.reveal();
  }

  /** The deploy (or deletion of what it created) this panel shows has finished: the page is a record, and Deploy Stack starts afresh. */
  get finished(): boolean {
    return !this.run?.running && (this.run?.progress ?? this.restored)?.phase === 'done';
  }

  /** Fills the wizard from a config file (now, or once the webview has said it is ready). */
  startFrom(file: string): void {
    if (this.initialized) void this.loadFile(file).then((outcome) => outcome.error && void vscode.window.showErrorMessage(outcome.error));
    else this.pendingFile = file;
  }

  private initialized = false;

  close(): void {
    this.panel.dispose();
  }

  private send(message: HostToWizard): void {
    // Checked before sending too: a bug here must not put an invalid message in front of the webview.
    if (this.disposed) return;
    const checked = hostToWizardSchema.safeParse(message);
    if (!checked.success) {
      this.ctx.log.error(`Deploy wizard: not sending an invalid ${message.type} message (${checked.error.issues[0]?.path.join('.') ?? ''})`);
      return;
    }
    void post<HostToWizard>(this.panel.webview, checked.data);
  }

  private respond(id: number, outcome: Outcome): void {
    this.send({ type: 'response', id, ...outcome });
  }

  private async handle(message: WizardToHost): Promise<void> {
    switch (message.type) {
      case 'ready':
        return this.init();
      case 'rejected':
        this.ctx.log.warn(`Deploy wizard: the panel rejected a message: ${message.reason}`);
        return;
      default: {
        let outcome: Outcome;
        try {
          outcome = await this.act(message);
        } catch (error) {
          this.ctx.log.warn(`Deploy wizard: ${message.type}: ${classifyAwsError(error).message}`);
          outcome = { error: words(error) };
        }
        return this.respond(message.id, outcome);
      }
    }
  }

  private async init(): Promise<void> {
    const { settings, profile } = this.ctx.host;
    const profiles = await listAwsProfiles().catch(() => []);
    this.send({
      type: 'init',
      draft: defaultDraft({ tier: settings.defaultTier, region: settings.region, instanceType: settings.defaultInstanceType, market: settings.defaultMarket, profile }),
      tiers: tierChoices(),
      profiles: profiles.slice(0, 100).map((p) => p.name.slice(0, 64)),
      regions: [...AWS_REGIONS],
      models: OLLAMA_MODELS.map((m) => ({ ...m })),
      canSave: Boolean(vscode.workspace.workspaceFolders?.length),
      ...(this.workspaceConfigFile() ? { configFile: basename(this.workspaceConfigFile()!) } : {}),
    });
    this.initialized = true;
    const progress = this.run?.progress ?? this.restored;
    if (progress) this.send({ type: 'progress', progress });
    // A reload cut a bootstrap tail short: the instance may still be booting.
    if (!this.run && progress?.operation === 'deploy' && progress.phase === 'done' && progress.bootstrap && !isFinal(progress.bootstrap)) this.tailBootstrap(progress.stack);
    if (this.pendingFile) {
      const file = this.pendingFile;
      this.pendingFile = undefined;
      const outcome = await this.loadFile(file);
      if (outcome.error) void vscode.window.showErrorMessage(outcome.error);
    }
  }

  private workspaceConfigFile(): string | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return folder ? findConfigFile(folder.uri.fsPath) : undefined;
  }

  /** Reads a config file into a draft; the settings no step edits are kept here and merged into the config. */
  private async loadFile(file: string | undefined = this.workspaceConfigFile()): Promise<Outcome> {
    if (!file) return { error: 'This workspace has no geusemaker.yaml, geusemaker.yml or geusemaker.json in its first folder.' };
    if (this.run?.running) return { error: 'A deploy is running in this panel; start from the file once it has finished.' };
    const { settings, profile } = this.ctx.host;
    const defaults = defaultDraft({ tier: settings.defaultTier, region: settings.region, instanceType: settings.defaultInstanceType, market: settings.defaultMarket, profile });
    const raw = parseConfigFile(file, await readFile(file, 'utf8'));
    const loaded = draftFromFile(raw, defaults, (candidate) => draftSchema.safeParse(candidate));
    this.extras = loaded.extras;
    this.ctx.log.info(`Deploy wizard: started from ${file}`);
    this.send({ type: 'draft', draft: loaded.draft, source: basename(file), extras: loaded.notes });
    return {};
  }

  private async readExtras(source: string): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder || !(CONFIG_FILE_NAMES as readonly string[]).includes(source)) return;
    try {
      const file = join(folder.uri.fsPath, source);
      this.extras = draftFromFile(parseConfigFile(file, await readFile(file, 'utf8')), defaultDraft({ tier: DEFAULT_TIER, region: 'us-east-1', instanceType: DEFAULT_INSTANCE_TYPE, market: 'spot' }), (c) => draftSchema.safeParse(c)).extras;
    } catch (error) {
      this.ctx.log.warn(`Deploy wizard: could not read ${source} again after the reload: ${classifyAwsError(error).message}`);
    }
  }

  /** The engine's input: the draft over the file's other settings. */
  private input(draft: Draft): StackConfigInput {
    return { ...this.extras, ...draftInput(draft) } as StackConfigInput;
  }

  private updateBootstrap(view: BootstrapView): void {
    if (this.run) this.run.setBootstrap(view);
    else if (this.restored) {
      this.restored = { ...this.restored, bootstrap: view };
      this.send({ type: 'progress', progress: this.restored });
    }
  }

  /** Follows the new instance's bootstrap log into the progress view (reads only). */
  private tailBootstrap(stack: string): void {
    this.tail?.stop();
    const tail = new BootstrapTail(this.ctx.host.engine, stack, (view) => this.updateBootstrap(view));
    this.tail = tail;
    void tail.start().catch((error: unknown) => this.ctx.log.warn(`Deploy wizard: bootstrap log of ${stack}: ${classifyAwsError(error).message}`));
  }

  /** Names in use here; the stack this panel is deploying is not "taken" by its own earlier attempt. */
  private async context(region: string): Promise<StepContext> {
    const listed = await this.ctx.host.engine.list().catch(() => []);
    const names = new Set([...this.ctx.tree.entries.map((e) => e.ref.name), ...listed.map((l) => l.name)]);
    const own = this.run?.progress.stack ?? this.restored?.stack;
    if (own) names.delete(own);
    return { existingNames: names, networks: this.networks.get(region) };
  }

  private async config(draft: Draft): Promise<StackConfig> {
    const result = draftToConfig(this.input(draft), await this.context(draft.region));
    if ('errors' in result) throw invalidInput('CONFIG_INVALID', result.errors.map((e) => `${e.field} ${e.message}`).join('; ').slice(0, 1500), 'Go back to the step with that setting and correct it.');
    return result.config;
  }

  private async act(request: WizardRequest): Promise<Outcome> {
    const engine = this.ctx.host.engine;
    switch (request.type) {
      case 'check': {
        const errors = stepErrors(request.step, this.input(request.draft), await this.context(request.draft.region));
        this.send({ type: 'checked', id: request.id, errors: errors.slice(0, 40).map((e) => ({ field: e.field.slice(0, 80), message: e.message.slice(0, 500) })) });
        return {};
      }
      case 'discover': {
        this.ctx.host.assertUsable();
        const vpcs = await engine.discoverNetworks(request.region, request.profile);
        this.networks.set(request.region, vpcs);
        this.send({ type: 'networks', region: request.region, vpcs: vpcChoices(vpcs) });
        return {};
      }
      case 'instanceTypes': {
        this.ctx.host.assertUsable();
        // Ranked by the cost engine; a price it cannot get live comes cached or from the bundled table, labelled so.
        const placements = await engine.placements(request.region, request.tier, request.profile);
        this.send({ type: 'instanceTypes', region: request.region, tier: request.tier, types: placementChoices(placements) });
        return {};
      }
      case 'plan': {
        this.ctx.host.assertUsable();
        const config = await this.config(request.draft);
        // Live prices where AWS gives them; without them the bundled estimate still lets the user review.
        const [plan, estimate] = await Promise.all([engine.plan(config), engine.estimate(config).catch(() => undefined)]);
        this.send({ type: 'plan', review: reviewOf(plan, estimate) });
        return {};
      }
      case 'save':
        return this.save(await this.config(request.draft));
      case 'deploy':
        return this.deploy(await this.config(request.draft));
      case 'cancel':
        this.run?.cancel();
        return {};
      case 'deleteCreated':
        return this.deleteCreated();
      case 'open':
        return this.open(request.service);
      case 'loadFile':
        return this.loadFile();
      case 'identity':
        this.send(await this.account.identify(request.region, request.profile));
        return {};
      case 'fix':
        if (!(await this.account.fix(request.fix))) return { error: 'That fix no longer applies: the account was checked again since.' };
        // A chosen profile becomes the wizard's too; any other fix is followed by the settings change it makes.
        if (request.fix === 'Choose AWS Profile') await this.sendAccount(true);
        return {};
      case 'estimates': {
        const usable = (() => { try { this.ctx.host.assertUsable(); return true; } catch { return false; } })();
        const fallback = this.ctx.host.settings.defaultInstanceType;
        // Settings that would send calls somewhere unintended: no prices, rather than prices from the wrong place.
        const estimate = (config: StackConfig) => (usable ? engine.estimate(config) : Promise.reject(new Error('settings not usable')));
        this.send(await tierEstimates(request.id, request.draft, this.extras, fallback, estimate));
        return {};
      }
      case 'showInStacks':
        return this.showInStacks();
      case 'another':
        return this.another();
      case 'close':
        this.panel.dispose();
        return {};
    }
  }

  private async sendAccount(chosen: boolean): Promise<void> {
    const profiles = await listAwsProfiles().catch(() => []);
    const profile = this.ctx.host.profile;
    this.send({ type: 'account', profiles: profiles.slice(0, 100).map((p) => p.name.slice(0, 64)), ...(profile ? { profile: profile.slice(0, 64) } : {}), chosen });
  }

  /** The deployed stack in the Stacks view, as it is now (the page is a record of the deploy). */
  private async showInStacks(): Promise<Outcome> {
    await this.ctx.tree.refresh({ health: false });
    await vscode.commands.executeCommand('geusemaker.stacks.focus');
    return {};
  }

  /** Deploy Another: this panel becomes a fresh wizard; the stack it deployed stays in the Stacks view. */
  private async another(): Promise<Outcome> {
    if (this.run?.running) return { error: 'A deploy or deletion is still running in this panel.' };
    this.run = undefined;
    this.restored = undefined;
    this.tail?.stop();
    this.tail = undefined;
    this.extras = {};
    this.networks.clear();
    await this.init();
    return {};
  }

  private async save(config: StackConfig): Promise<Outcome> {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) return { error: 'Open a folder first: geusemaker.yaml is saved in the workspace folder.' };
    const file = vscode.Uri.file(join(folder.uri.fsPath, 'geusemaker.yaml'));
    const exists = await vscode.workspace.fs.stat(file).then(() => true, () => false);
    if (exists) {
      const answer = await vscode.window.showWarningMessage(`Replace geusemaker.yaml in ${folder.name}?`, { modal: true, detail: 'The file exists; the wizard\'s settings replace its content.' }, 'Replace');
      if (answer !== 'Replace') return { cancelled: true };
    }
    await vscode.workspace.fs.writeFile(file, new TextEncoder().encode(configYaml(config)));
    this.ctx.log.info(`Deploy wizard: saved ${file.fsPath}`);
    return {};
  }

  private startRun(operation: WizardProgress['operation'], stack: string): WizardRun | undefined {
    if (this.run?.running) return undefined;
    this.restored = undefined;
    this.tail?.stop();
    this.tail = undefined;
    this.run = new WizardRun(operation, stack, this.ctx.log, (progress) => this.send({ type: 'progress', progress }));
    return this.run;
  }

  private async deploy(config: StackConfig): Promise<Outcome> {
    this.ctx.host.assertUsable();
    const run = this.startRun('deploy', config.name);
    if (!run) return { error: 'A deploy or deletion is already running in this panel.' };
    const error = await run.run(async (options) => {
      await this.ctx.host.engine.deploy(config, {
        ...options,
        onProgress: (event) => {
          options.onProgress?.(event);
          // From here the instance exists and writes its bootstrap log.
          if (event.type === 'step-done' && event.step === 'instance') this.tailBootstrap(config.name);
        },
      });
      return { services: servicesOf(config) };
    });
    void this.ctx.tree.refresh();
    return error ? { error } : {};
  }

  /**
   * "Delete What Was Created…" after a failed or cancelled first deploy: destroys the new stack (asks first), so
   * nothing of it is left or bills. Not a return to an earlier configuration: a stack applied before is refused
   * here (Show History rolls those back).
   */
  private async deleteCreated(): Promise<Outcome> {
    const stack = this.run?.progress.stack ?? this.restored?.stack;
    if (!stack || this.run?.running) return { error: 'There is no stopped deploy whose resources could be deleted.' };
    const engine = this.ctx.host.engine;
    const state = await engine.show(stack);
    if (state && state.history.length > 0) {
      return { error: `Stack ${stack} was deployed in full before (version ${state.history.at(-1)?.version ?? '?'}): deleting what was created would destroy all of it. Use Show History on the stack to roll it back, or Destroy Stack to delete it.` };
    }
    const { plan } = await engine.planDestroy(stack);
    const buttons = plan.toKeep.length > 0 ? [DELETE_KEEP_DATA, DELETE_EVERYTHING] : [DELETE];
    const choice = await vscode.window.showWarningMessage(`Delete what the deploy of stack ${stack} created?`, { modal: true, detail: renderDestroyPlan(plan).join('\n') }, ...buttons);
    if (!choice) return { cancelled: true };
    const run = this.startRun('delete-created', stack);
    if (!run) return { error: 'A deploy or deletion is already running in this panel.' };
    const error = await run.run(async (options) => {
      await engine.destroy(stack, { ...options, deleteData: choice === DELETE_EVERYTHING, confirm: async () => true });
      return {};
    });
    void this.ctx.tree.refresh();
    return error ? { error } : {};
  }

  private async open(service: string): Promise<Outcome> {
    const stack = this.run?.progress.stack;
    if (!stack || this.run?.progress.phase !== 'done') return { error: 'Services open once the deploy has finished.' };
    await this.ctx.tree.refresh({ health: false });
    const entry = this.ctx.tree.entries.find((e) => e.ref.name === stack && e.ref.stateDir === this.ctx.host.stateDir && e.state);
    const spec = entry?.state ? servicesOf(entry.state.config).find((s) => s.name === service) : undefined;
    if (!entry || !spec || spec.proxyPrefix === undefined) return { error: `Stack ${stack} has no ${service} to open.` };
    // The node the tree would pass, so Open Service skips its pickers.
    const node: TreeNode = { kind: 'service', entry, service: { name: spec.name, displayName: spec.displayName, port: spec.port, proxyPath: spec.proxyPrefix } };
    await vscode.commands.executeCommand('geusemaker.openService', node);
    return {};
  }
}

/** Deploy Stack's wizard (one at a time) and the serializer that brings it back after a window reload. */
export class WizardPanels implements vscode.Disposable {
  private current?: WizardPanel;
  /** Finished wizards still open as records of their deploy; Deploy Stack no longer brings them back. */
  private readonly records = new Set<WizardPanel>();

  constructor(private readonly ctx: CommandContext) {}

  /** Opens (or shows) the wizard; with a config file, the wizard starts from it. */
  open(file?: string): void {
    if (this.current?.finished) {
      this.records.add(this.current);
      this.current = undefined;
    }
    if (!this.current) {
      const panel = vscode.window.createWebviewPanel(WIZARD_VIEW_TYPE, 'Deploy a Stack', vscode.ViewColumn.Active, panelOptions(this.ctx.extension.extensionUri));
      this.adopt(panel);
    } else this.current.reveal();
    if (file) this.current?.startFrom(file);
  }

  /** The saved state is checked like any message; the webview restores its own draft from it. */
  readonly serializer: vscode.WebviewPanelSerializer = {
    deserializeWebviewPanel: async (panel, state) => {
      const parsed = wizardPanelStateSchema.safeParse(state);
      // A finished deploy comes back as its record beside any other wizard.
      if (parsed.success && parsed.data.progress?.phase === 'done') {
        this.adopt(panel, parsed.data, true);
        return;
      }
      if (this.current) {
        panel.dispose();
        return;
      }
      if (!parsed.success) this.ctx.log.warn('Deploy wizard: its saved state is not valid; it starts over');
      this.adopt(panel, parsed.success ? parsed.data : undefined);
    },
  };

  dispose(): void {
    this.current?.close();
    for (const record of [...this.records]) record.close();
  }

  private adopt(panel: vscode.WebviewPanel, restored?: { progress?: WizardProgress; fromFile?: string }, asRecord = false): void {
    const wizard = new WizardPanel(panel, this.ctx, restored, () => {
      if (this.current === wizard) this.current = undefined;
      this.records.delete(wizard);
    });
    if (asRecord) this.records.add(wizard);
    else this.current = wizard;
  }
}
