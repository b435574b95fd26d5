import { join } from 'node:path';
import * as vscode from 'vscode';
import { renderDestroyPlan } from '../../cli/render';
import { listAwsProfiles } from '../../engine/aws/profiles';
import { classifyAwsError } from '../../engine/aws/classify';
import { invalidInput } from '../../engine/errors';
import type { DiscoveredVpc } from '../../engine/discovery/networks';
import { servicesOf } from '../../engine/health/catalogue';
import { AWS_REGIONS } from '../../engine/stack/regions';
import { OLLAMA_MODELS } from '../../engine/stack/models';
import type { StackConfig } from '../../engine/stack/config';
import { hostToWizardSchema, wizardPanelStateSchema, wizardToHostSchema, WIZARD_VIEW_TYPE, type Draft, type HostToWizard, type WizardProgress, type WizardRequest, type WizardToHost } from '../../protocol/wizard';
import type { CommandContext } from '../commands/context';
import type { TreeNode } from '../tree/nodes';
import { listen, post } from '../webview/channel';
import { loadPanel, panelOptions } from '../webview/panel';
import { defaultDraft, draftInput, instanceChoices, vpcChoices } from '../wizard/draft';
import { configYaml, draftToConfig, tierChoices, validateStep, type StepContext } from '../wizard/model';
import { reviewOf } from '../wizard/review';
import { WizardRun } from './wizard-run';

type Outcome = { error?: string; cancelled?: true };

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

  constructor(private readonly panel: vscode.WebviewPanel, private readonly ctx: CommandContext, restored: WizardProgress | undefined, onClosed: () => void) {
    // A run the window reload cut short: the engine's journal has it; the panel offers resume or rollback.
    if (restored && (restored.phase === 'running' || restored.phase === 'cancelling')) restored = { ...restored, phase: 'interrupted' };
    this.restored = restored;
    panel.title = 'Deploy a Stack';
    panel.iconPath = vscode.Uri.joinPath(ctx.extension.extensionUri, 'media', 'geusemaker.svg');
    loadPanel(panel.webview, ctx.extension.extensionUri, 'wizard', 'Deploy a GeuseMaker stack');
    this.subscriptions = [
      listen(panel.webview, wizardToHostSchema, (message) => void this.handle(message), (line) => ctx.log.warn(`Deploy wizard: ${line}`)),
      panel.onDidDispose(() => {
        this.disposed = true;
        // Closing the panel does not stop a deploy: the engine finishes it and the tree shows it.
        for (const subscription of this.subscriptions) subscription.dispose();
        onClosed();
      }),
    ];
  }

  reveal(): void {
    this.panel.reveal();
  }

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
      tiers: tierChoices(settings.defaultMarket),
      profiles: profiles.slice(0, 100).map((p) => p.name.slice(0, 64)),
      regions: [...AWS_REGIONS],
      models: OLLAMA_MODELS.map((m) => ({ ...m })),
      canSave: Boolean(vscode.workspace.workspaceFolders?.length),
    });
    const progress = this.run?.progress ?? this.restored;
    if (progress) this.send({ type: 'progress', progress });
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
    const result = draftToConfig(draftInput(draft), await this.context(draft.region));
    if ('errors' in result) throw invalidInput('CONFIG_INVALID', result.errors.map((e) => `${e.field} ${e.message}`).join('; ').slice(0, 1500), 'Go back to the step with that setting and correct it.');
    return result.config;
  }

  private async act(request: WizardRequest): Promise<Outcome> {
    const engine = this.ctx.host.engine;
    switch (request.type) {
      case 'check': {
        const errors = validateStep(request.step, draftInput(request.draft), await this.context(request.draft.region));
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
        const types = await engine.instanceTypes(request.region, request.tier, request.profile);
        this.send({ type: 'instanceTypes', region: request.region, tier: request.tier, types: instanceChoices(types) });
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
      case 'rollback':
        return this.rollback();
      case 'open':
        return this.open(request.service);
    }
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
    this.run = new WizardRun(operation, stack, this.ctx.log, (progress) => this.send({ type: 'progress', progress }));
    return this.run;
  }

  private async deploy(config: StackConfig): Promise<Outcome> {
    this.ctx.host.assertUsable();
    const run = this.startRun('deploy', config.name);
    if (!run) return { error: 'A deploy or rollback is already running in this panel.' };
    const error = await run.run(async (options) => {
      await this.ctx.host.engine.deploy(config, options);
      return { services: servicesOf(config) };
    });
    void this.ctx.tree.refresh();
    return error ? { error } : {};
  }

  private async rollback(): Promise<Outcome> {
    const stack = this.run?.progress.stack ?? this.restored?.stack;
    if (!stack || this.run?.running) return { error: 'There is no stopped deploy to roll back.' };
    const engine = this.ctx.host.engine;
    const { plan } = await engine.planDestroy(stack);
    const buttons = plan.toKeep.length > 0 ? ['Roll Back, Keep Data', 'Roll Back Everything'] : ['Roll Back'];
    const choice = await vscode.window.showWarningMessage(`Roll back stack ${stack}?`, { modal: true, detail: renderDestroyPlan(plan).join('\n') }, ...buttons);
    if (!choice) return { cancelled: true };
    const run = this.startRun('rollback', stack);
    if (!run) return { error: 'A deploy or rollback is already running in this panel.' };
    const error = await run.run(async (options) => {
      await engine.destroy(stack, { ...options, deleteData: choice === 'Roll Back Everything', confirm: async () => true });
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
    const node: TreeNode = { kind: 'service', entry, service: { name: spec.name, port: spec.port, proxyPath: spec.proxyPrefix } };
    await vscode.commands.executeCommand('geusemaker.openService', node);
    return {};
  }
}

/** Deploy Stack's wizard (one at a time) and the serializer that brings it back after a window reload. */
export class WizardPanels implements vscode.Disposable {
  private current?: WizardPanel;

  constructor(private readonly ctx: CommandContext) {}

  open(): void {
    if (this.current) return this.current.reveal();
    const panel = vscode.window.createWebviewPanel(WIZARD_VIEW_TYPE, 'Deploy a Stack', vscode.ViewColumn.Active, panelOptions(this.ctx.extension.extensionUri));
    this.adopt(panel);
  }

  /** The saved state is checked like any message; the webview restores its own draft from it. */
  readonly serializer: vscode.WebviewPanelSerializer = {
    deserializeWebviewPanel: async (panel, state) => {
      if (this.current) {
        panel.dispose();
        return;
      }
      const parsed = wizardPanelStateSchema.safeParse(state);
      if (!parsed.success) this.ctx.log.warn('Deploy wizard: its saved state is not valid; it starts over');
      this.adopt(panel, parsed.success ? parsed.data.progress : undefined);
    },
  };

  dispose(): void {
    this.current?.close();
  }

  private adopt(panel: vscode.WebviewPanel, restored?: WizardProgress): void {
    const wizard = new WizardPanel(panel, this.ctx, restored, () => {
      if (this.current === wizard) this.current = undefined;
    });
    this.current = wizard;
  }
}
