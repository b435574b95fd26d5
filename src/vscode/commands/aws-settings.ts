import * as vscode from 'vscode';
import { AWS_REGIONS, listAwsProfiles } from '../../engine';
import type { CommandContext } from './context';
import type { CommandRun } from './registry';

/** User settings, not workspace ones: credentials belong to the person, not the project. */
const TARGET = vscode.ConfigurationTarget.Global;

export async function chooseProfileCommand(ctx: CommandContext): Promise<void> {
  const profiles = await listAwsProfiles();
  const current = ctx.host.settings.awsProfile;
  const items = [
    { label: '(default credential chain)', description: current === '' ? 'current' : '', detail: 'Environment variables, the default profile, SSO or an instance role.', value: '' },
    ...profiles.map((profile) => ({
      label: profile.name, description: [profile.name === current ? 'current' : '', profile.sso ? 'SSO' : '', profile.region ?? ''].filter(Boolean).join(' · '),
      detail: `from ${profile.source === 'both' ? '~/.aws/config and ~/.aws/credentials' : `~/.aws/${profile.source}`}`, value: profile.name,
    })),
  ];
  if (profiles.length === 0) items.push({ label: 'Set up a profile…', description: '', detail: 'No profiles found in ~/.aws: opens a terminal running `aws configure sso`.', value: '\u0000setup' });
  const picked = await vscode.window.showQuickPick(items, { title: 'AWS profile for GeuseMaker' });
  if (!picked) return;
  if (picked.value === '\u0000setup') {
    const terminal = vscode.window.createTerminal({ name: 'AWS setup' });
    terminal.show();
    terminal.sendText('aws configure sso');
    return;
  }
  await vscode.workspace.getConfiguration('geusemaker').update('awsProfile', picked.value, TARGET);
}

export async function chooseRegionCommand(ctx: CommandContext): Promise<void> {
  const current = ctx.host.settings.region;
  const picked = await vscode.window.showQuickPick(AWS_REGIONS.map((region) => ({ label: region, description: region === current ? 'current' : '' })), {
    title: 'Region for new stacks and account scans',
  });
  if (picked) await vscode.workspace.getConfiguration('geusemaker').update('region', picked.label, TARGET);
}

/** Scans the account's tags in the chosen region and offers to track stacks this machine does not know. */
export async function findStacksCommand(ctx: CommandRun): Promise<void> {
  const { region } = ctx.host.settings;
  ctx.host.assertUsable();
  const found = await ctx.progress(`Looking for GeuseMaker stacks in ${region}…`, () => ctx.host.engine.findInAccount(region, ctx.host.profile));
  const known = new Set(ctx.tree.entries.map((entry) => entry.ref.name));
  const untracked = found.filter((stack) => !stack.tracked && !known.has(stack.name));
  ctx.log.info(`Account scan of ${region}: ${found.length} stack(s), ${untracked.length} not tracked here`);
  if (untracked.length === 0) {
    void vscode.window.showInformationMessage(found.length === 0 ? `No GeuseMaker stacks in ${region}.` : `All ${found.length} stack(s) in ${region} are already shown.`);
    return;
  }
  const picked = await vscode.window.showQuickPick(untracked.map((stack) => ({
    label: stack.name, description: `${stack.resourceCount} resources${stack.running ? ' · instance running (billing)' : ''}`, picked: true, stack,
  })), { title: `Track these stacks found in ${region}?`, canPickMany: true });
  for (const { stack } of picked ?? []) {
    await ctx.host.engine.importFromAccount(stack.name, stack.region, ctx.host.profile);
    ctx.log.info(`Now tracking stack ${stack.name} from ${stack.region}`);
  }
  ctx.stacksChanged();
}
