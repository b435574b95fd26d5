import * as vscode from 'vscode';
import { renderDestroyPlan, renderPlan } from '../../cli/render';
import { invalidInput } from '../../engine/errors';
import { DEPLOYABLE_TIERS, stackConfigSchema, stackNameSchema, TIERS, type StackConfig, type StackConfigInput, type Tier } from '../../engine/stack/config';
import { findConfigFile, loadStackConfig } from '../../engine/stack/load';
import { estimateHourly, formatHourly } from '../../engine/cost/hourly';
import { withEngineProgress } from '../progress';
import { showError } from '../ui-errors';
import { pickStack, type CommandContext } from './context';

const TIER_DETAILS: Record<Tier, string> = {
  dev: 'One instance and an EFS file system; reach services through SSM tunnels.',
  automation: 'Adds an Application Load Balancer with a public URL.',
  gpu: 'A GPU instance, a load balancer and CloudFront, plus ComfyUI with LTX-2 video.',
};

/** Asks for a new stack's settings; undefined when the user backs out at any step. */
async function askNewConfig(ctx: CommandContext): Promise<StackConfig | undefined> {
  const known = new Set(ctx.tree.entries.map((entry) => entry.ref.name));
  const name = await vscode.window.showInputBox({
    title: 'Deploy a stack (1/5): name', prompt: 'Lowercase letters, digits and dashes; it names every AWS resource of the stack.', placeHolder: 'demo',
    validateInput: (value) => {
      const parsed = stackNameSchema.safeParse(value);
      if (!parsed.success) return `The name ${parsed.error.issues[0]?.message ?? 'is not valid'}.`;
      return known.has(value) ? `A stack named ${value} already exists here: pick it in the tree to redeploy it.` : undefined;
    },
  });
  if (name === undefined) return undefined;
  const defaults = ctx.host.settings;
  const tierItems = TIERS.map((tier) => ({
    label: tier, description: DEPLOYABLE_TIERS.includes(tier) ? (tier === defaults.defaultTier ? 'default' : '') : 'not available yet', detail: TIER_DETAILS[tier], tier,
  })).sort((a, b) => Number(b.tier === defaults.defaultTier) - Number(a.tier === defaults.defaultTier));
  const tier = await vscode.window.showQuickPick(tierItems, { title: 'Deploy a stack (2/5): tier' });
  if (!tier) return undefined;
  if (!DEPLOYABLE_TIERS.includes(tier.tier)) {
    void vscode.window.showWarningMessage(`The ${tier.tier} tier cannot be deployed by this version yet; choose dev.`);
    return undefined;
  }
  const instanceType = await vscode.window.showInputBox({
    title: 'Deploy a stack (3/5): instance type', value: defaults.defaultInstanceType, prompt: 'An EC2 instance type; 4 vCPU and 16 GiB (t3.xlarge) suit the default models.',
    validateInput: (value) => (/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(value) ? undefined : 'Must look like an EC2 instance type such as t3.xlarge.'),
  });
  if (instanceType === undefined) return undefined;
  const markets = [
    { label: 'spot', detail: 'Up to about 70% cheaper; AWS may reclaim it with two minutes\' notice (containers stop cleanly, data stays on EFS).', value: 'spot' as const },
    { label: 'on-demand', detail: 'Full price, never reclaimed.', value: 'on-demand' as const },
  ].sort((a, b) => Number(b.value === defaults.defaultMarket) - Number(a.value === defaults.defaultMarket));
  const market = await vscode.window.showQuickPick(markets, { title: 'Deploy a stack (4/5): market' });
  if (!market) return undefined;
  const access = await vscode.window.showQuickPick([
    { label: 'SSM tunnels only', detail: 'Nothing public: services open through an encrypted Session Manager tunnel to your machine.', mode: 'ssm' as const },
    { label: 'My IP only', detail: 'Port 80 (the password-protected proxy) open to one address range you give.', mode: 'cidr' as const },
  ], { title: 'Deploy a stack (5/5): access' });
  if (!access) return undefined;
  const input: StackConfigInput = { name, tier: tier.tier, region: defaults.region as StackConfigInput['region'], instanceType, market: market.value, profile: ctx.host.profile };
  if (access.mode === 'cidr') {
    const cidr = await vscode.window.showInputBox({
      title: 'Your address range', placeHolder: '203.0.113.7/32', prompt: 'Your public IPv4 address with /32 (search "what is my IP").',
      validateInput: (value) => {
        const parsed = stackConfigSchema.safeParse({ name, access: { mode: 'cidr', cidr: value } });
        return parsed.success ? undefined : `The range ${parsed.error.issues[0]?.message ?? 'is not valid'}.`;
      },
    });
    if (cidr === undefined) return undefined;
    input.access = { mode: 'cidr', cidr };
  }
  const parsed = stackConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw invalidInput('CONFIG_INVALID', `${issue?.path.join('.') ?? 'The stack settings'} ${issue?.message ?? 'are not valid'}.`, 'Run Deploy Stack again with a corrected value.');
  }
  return parsed.data;
}

/** geusemaker.yaml of the first workspace folder, offered as the first choice when it exists. */
async function configFromWorkspace(ctx: CommandContext): Promise<StackConfig | 'new' | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const file = folder ? findConfigFile(folder) : undefined;
  if (!folder || !file) return 'new';
  const { config } = await loadStackConfig({ cwd: folder, flags: ctx.host.profile ? { profile: ctx.host.profile } : {}, env: process.env });
  const choice = await vscode.window.showQuickPick([
    { label: `Use ${file.slice(folder.length + 1)}`, description: `stack ${config.name}, ${config.tier} tier, ${config.instanceType}`, value: 'file' as const },
    { label: 'Set up a new stack', description: 'answer a few questions', value: 'new' as const },
  ], { title: 'Deploy a stack' });
  if (!choice) return undefined;
  return choice.value === 'file' ? config : 'new';
}

export async function deployCommand(ctx: CommandContext, arg?: unknown): Promise<void> {
  try {
    ctx.host.assertUsable();
    let config: StackConfig | undefined;
    const target = arg === undefined ? undefined : await pickStack(ctx, arg, 'deploy');
    if (target?.entry.state) config = target.entry.state.config;
    else {
      const fromFile = await configFromWorkspace(ctx);
      config = fromFile === 'new' ? await askNewConfig(ctx) : fromFile;
    }
    if (!config) return;
    const engine = target?.engine ?? ctx.host.engine;
    const chosen = config;
    const result = await withEngineProgress(`Deploying stack ${chosen.name}`, ctx.log, (options) => engine.deploy(chosen, {
      ...options,
      confirm: async (plan) => {
        const lines = renderPlan(plan);
        ctx.log.info(lines.join('\n'));
        const go = await vscode.window.showInformationMessage(`Deploy stack ${chosen.name}?`, { modal: true, detail: lines.slice(0, 40).join('\n') }, 'Deploy');
        return go === 'Deploy';
      },
    }));
    void ctx.tree.refresh();
    const notes = result.notes.length > 0 ? ` ${result.notes.join(' ')}` : '';
    void vscode.window.showInformationMessage(`Stack ${chosen.name} is deployed. Services start on the instance over the next minutes.${notes}`, 'Show Details').then((pick) => {
      if (pick) void vscode.commands.executeCommand('geusemaker.showDetails', chosen.name);
    });
  } catch (error) {
    void ctx.tree.refresh();
    await showError(error, ctx.log, ctx.host.profile);
  }
}

export async function destroyCommand(ctx: CommandContext, arg?: unknown): Promise<void> {
  try {
    const target = await pickStack(ctx, arg, 'destroy');
    if (!target) return;
    const { plan, state } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Finding everything of stack ${target.name}…` },
      () => target.engine.planDestroy(target.name),
    );
    const kept = plan.toKeep.length > 0 ? await target.engine.keptMonthlyCost(plan, state?.config.profile).catch(() => undefined) : undefined;
    const lines = renderDestroyPlan(plan);
    if (kept) lines.push(`  Kept data costs about $${kept.usd.toFixed(2)}/month (${kept.basis}).`);
    const buttons = plan.toKeep.length > 0 ? ['Destroy, Keep Data', 'Destroy Everything'] : ['Destroy'];
    const choice = await vscode.window.showWarningMessage(`Destroy stack ${target.name}?`, { modal: true, detail: lines.join('\n') }, ...buttons);
    if (!choice) return;
    const deleteData = choice === 'Destroy Everything';
    if (deleteData) {
      const sure = await vscode.window.showWarningMessage(`Delete the data of stack ${target.name} for good?`, { modal: true, detail: 'The EFS file system (workflows, databases, models) and the stack\'s secrets are deleted. This cannot be undone.' }, 'Delete Data');
      if (sure !== 'Delete Data') return;
    }
    const result = await withEngineProgress(`Destroying stack ${target.name}`, ctx.log, (options) => target.engine.destroy(target.name, { ...options, deleteData, confirm: async () => true }));
    await ctx.tree.refresh();
    const keptWords = result.kept.length > 0 ? ` Kept: ${result.kept.map((r) => `${r.kind} ${r.id}`).join(', ')}${result.keptMonthlyCost ? ` (about $${result.keptMonthlyCost.usd.toFixed(2)}/month)` : ''}.` : '';
    void vscode.window.showInformationMessage(`Stack ${target.name} is destroyed.${keptWords}`);
  } catch (error) {
    void ctx.tree.refresh();
    await showError(error, ctx.log, ctx.host.profile);
  }
}

export async function pauseCommand(ctx: CommandContext, arg?: unknown): Promise<void> {
  try {
    const target = await pickStack(ctx, arg, 'pause', (entry) => entry.state?.status === 'deployed' || entry.state?.status === 'deploy_failed');
    if (!target) return;
    const go = await vscode.window.showWarningMessage(`Pause stack ${target.name}?`, {
      modal: true, detail: 'The instance is terminated, so its hourly cost stops. The network, the EFS file system and the secrets stay; Resume launches a new instance on the same data. Work not saved to EFS is lost.',
    }, 'Pause');
    if (go !== 'Pause') return;
    const result = await withEngineProgress(`Pausing stack ${target.name}`, ctx.log, (options) => target.engine.pause(target.name, options));
    await ctx.tree.refresh();
    void vscode.window.showInformationMessage(`Stack ${target.name} is paused (${result.terminated.join(', ') || 'no instance was running'}). Storage keeps billing; compute does not.`);
  } catch (error) {
    void ctx.tree.refresh();
    await showError(error, ctx.log, ctx.host.profile);
  }
}

export async function resumeCommand(ctx: CommandContext, arg?: unknown): Promise<void> {
  try {
    const target = await pickStack(ctx, arg, 'resume', (entry) => entry.state?.status === 'paused');
    if (!target?.entry.state) return;
    const hourly = estimateHourly(target.entry.state.config);
    const go = await vscode.window.showInformationMessage(`Resume stack ${target.name}?`, {
      modal: true, detail: `A new ${target.entry.state.config.instanceType} (${target.entry.state.config.market}) starts on the kept data and bills by the hour${hourly ? `: ${formatHourly(hourly)}` : ''}.`,
    }, 'Resume');
    if (go !== 'Resume') return;
    await withEngineProgress(`Resuming stack ${target.name}`, ctx.log, (options) => target.engine.resume(target.name, options));
    await ctx.tree.refresh();
    void vscode.window.showInformationMessage(`Stack ${target.name} is running again on its kept data.`);
  } catch (error) {
    void ctx.tree.refresh();
    await showError(error, ctx.log, ctx.host.profile);
  }
}

