import { hostname } from 'node:os';
import type { EngineHost, HostOperationOptions } from '../host';
import type { BackupService, TakenBackup } from '../backup/service';
import { testedImages } from '../bootstrap/compose';
import { describeInstanceType } from '../discovery/instance-types';
import { GeuseError, refused } from '../errors';
import { planDeploy, type DeployPlan } from '../plan/plan';
import { GEUSEMAKER_RELEASE, recordPins, resolvePins, type PinOverride } from '../plan/pins';
import { silentProgress } from '../progress';
import { architectureOf } from '../stack/config';
import type { StackState } from '../state/schema';
import { wasApplied } from '../update/diff';
import { applyPins } from './apply';
import { verifyHealth } from './health';
import { describeImageChange, imageChanges, renderedServices } from './images';

export interface UpgradePlan {
  stack: string;
  /** Each image that changes, old → new (the release's tested set). */
  images: { service: string; from: string; to: string }[];
  /** The AMI, when a newer one of the stack's family exists (or the config pins none). */
  ami?: { from: string; to: string; toName?: string };
  /** Nothing differs: the stack runs the tested set and the newest AMI. */
  upToDate: boolean;
  /** The deploy plan of the upgraded stack (its diff says in place or by replacement). */
  deploy: DeployPlan;
  /** What the stack runs now (its pins), and what the upgrade applies; a rollback applies `from` again. */
  from: PinOverride;
  to: PinOverride;
  /** Whether a backup is taken first: false when the stack has backups turned off (then only `skipBackup` lets it go ahead). */
  backupFirst: boolean;
  /** Things to know before saying yes (the AMI the config names stays; a paused stack starts again). */
  notes: string[];
  /** The GeuseMaker release whose tested images `to` holds. */
  release: string;
}

export interface UpgradeResult {
  plan: UpgradePlan;
  backup?: TakenBackup;
  /** Health failed after the upgrade: the previous versions were applied again, the backup kept. */
  rolledBack?: { reason: string };
}

export interface UpgradeOptions extends HostOperationOptions {
  confirm?: (plan: UpgradePlan) => Promise<boolean>;
  /** Go ahead without a backup (required when the stack has backups turned off). */
  skipBackup?: boolean;
}

/** "upgrade: n8n 1.80.3 → 1.81.0, AMI ami-a → ami-b": the history entry and the summary. */
export function upgradeWords(plan: Pick<UpgradePlan, 'images' | 'ami'>): string {
  const parts = [...plan.images.map(describeImageChange), ...(plan.ami ? [`AMI ${plan.ami.from} → ${plan.ami.to}${plan.ami.toName ? ` (${plan.ami.toName})` : ''}`] : [])];
  return `upgrade: ${parts.join(', ')}`;
}

/** Only a stack applied in full, running or paused, is upgraded: a change left half-way is finished (or rolled back) first. */
function refuseNotReady(state: StackState): void {
  if (!wasApplied(state) || state.pending || !['deployed', 'paused'].includes(state.status)) {
    throw refused('UPGRADE_NOT_READY',
      `Stack ${state.name} is ${state.status}${state.pending ? ' with a change that did not finish' : ''}: only a deployed or paused stack is upgraded, so nothing was changed.`,
      state.pending || state.status === 'deploy_failed'
        ? `Finish the change with \`geusemaker deploy ${state.name}\` (or \`geusemaker rollback ${state.name}\`), then upgrade.`
        : `Deploy it first (\`geusemaker deploy ${state.name}\`).`);
  }
}

function isCancel(error: unknown, signal?: AbortSignal): boolean {
  return Boolean(signal?.aborted) || (error instanceof GeuseError && error.kind === 'cancelled');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.replace(/[.\s]+$/, '') : String(error);
}

/** Upgrades to the release's tested images and the newest AMI of the stack's family. */
export class UpgradeService {
  constructor(private readonly host: EngineHost, private readonly backups: BackupService) {}

  /**
   * Read-only: the stack's pins against this release's tested images (for the services it runs) and the newest AMI
   * of its family (the Deep Learning AMI parameter on gpu, AL2023/Ubuntu's otherwise), with the deploy plan of the
   * upgraded stack: new images are pushed in place, a new AMI replaces the instance.
   */
  async planUpgrade(name: string): Promise<UpgradePlan> {
    const state = await this.host.requireState(name);
    refuseNotReady(state);
    const config = state.config;
    const clients = this.host.clients(state.region, config.profile);
    // The family's newest is per architecture: EC2 says the type's (the name's heuristic only when it cannot).
    const type = await describeInstanceType(clients, config.instanceType).catch(() => undefined);
    const current = await resolvePins(clients, config, state, type?.architecture ?? architectureOf(config.instanceType));
    const tested = testedImages();
    const images = imageChanges(current.images, tested, renderedServices(config, state.resources));
    const newest = current.newest;
    const ami = current.amiFrom !== 'config' && newest && newest.amiId !== current.ami.amiId
      ? { from: current.ami.amiId, to: newest.amiId, ...(newest.name ? { toName: newest.name } : {}) }
      : undefined;
    const from: PinOverride = { images: current.images, amiId: current.ami.amiId, ...(current.ami.name ? { amiName: current.ami.name } : {}) };
    const to: PinOverride = ami
      ? { images: tested, amiId: ami.to, ...(ami.toName ? { amiName: ami.toName } : {}) }
      : { ...from, images: tested };
    const notes: string[] = [];
    if (current.amiFrom === 'config') notes.push(`The config names amiId ${config.amiId}: the AMI stays as it is (remove amiId to have upgrade keep it current).`);
    else if (!newest) notes.push('The newest AMI of the stack\'s family could not be read now, so the AMI is left as it is.');
    if (state.status === 'paused') notes.push(`Stack ${name} is paused: the upgrade starts its instance again, on the new versions, to check their health.`);
    const backupFirst = config.backup.enabled;
    if (!backupFirst) notes.push(`Backups are off for stack ${name}: an upgrade without a backup first needs --skip-backup.`);
    const deploy = await planDeploy(clients, config, state, { pins: to, skipGpuQuota: true });
    return { stack: name, images, ...(ami ? { ami } : {}), upToDate: images.length === 0 && !ami, deploy, from, to, backupFirst, notes, release: GEUSEMAKER_RELEASE };
  }

  /**
   * Under the stack's lock: the plan, the confirmation, a backup first (AWS Backup, waited for), the upgrade through
   * the update path, then health. Health failing (or the upgrade failing part-way) applies the previous versions again
   * and keeps the backup; the new pins are recorded only once health passed.
   */
  async upgrade(name: string, options: UpgradeOptions): Promise<UpgradeResult> {
    return this.host.locked(name, 'upgrade', options, async () => {
      const { signal } = options;
      const onProgress = options.onProgress ?? silentProgress;
      const note = (message: string) => onProgress({ type: 'note', message });
      const plan = await this.planUpgrade(name);
      if (plan.upToDate) return { plan };
      if (!plan.backupFirst && !options.skipBackup) {
        throw refused('UPGRADE_NEEDS_BACKUP',
          `Stack ${name} has backups turned off (backup.enabled: false), and an upgrade takes one first so a bad upgrade cannot cost its data; nothing was changed.`,
          `Turn backups on (backup: { enabled: true }) and deploy, or upgrade without a backup: \`geusemaker upgrade ${name} --skip-backup\`.`);
      }
      if (options.confirm && !(await options.confirm(plan))) {
        throw refused('DECLINED', `The upgrade of stack ${name} was not confirmed, so nothing was changed.`, 'Run it again and answer yes, or pass --yes to skip the question.');
      }
      let backup: TakenBackup | undefined;
      if (options.skipBackup) note(`No backup before the upgrade of stack ${name} (--skip-backup).`);
      else {
        note(`Backing up stack ${name} before the upgrade (AWS Backup; the upgrade starts once the backup is complete).`);
        const state = await this.host.requireState(name);
        backup = await this.backups.takeBackup(state.status === 'paused' ? state : await this.host.currentState(name, signal), { reason: 'before upgrade', signal, onProgress });
        note(`Backup taken: ${backup.recoveryPointArn}.`);
      }
      const words = upgradeWords(plan);
      note(`Upgrading stack ${name}: ${words.replace(/^upgrade: /, '')}.`);
      let failure: string | undefined;
      try {
        await applyPins(this.host, name, plan.to, { signal, onProgress });
      } catch (error) {
        if (isCancel(error, signal)) throw error;
        failure = `the upgrade did not apply: ${messageOf(error)}`;
      }
      if (!failure) {
        const verdict = await verifyHealth(this.host, name, { signal, onProgress, title: 'Health of the upgraded stack' });
        if (verdict.ok) {
          await this.record(name, plan, words);
          return { plan, ...(backup ? { backup } : {}) };
        }
        failure = verdict.reason;
      }
      note(`The upgrade of stack ${name} failed (${failure}): applying the previous versions again.`);
      try {
        await applyPins(this.host, name, plan.from, { signal, onProgress });
        const again = await verifyHealth(this.host, name, { signal, onProgress, title: 'Health after going back to the previous versions' });
        if (!again.ok) throw new Error(`the previous versions run again, but health still fails: ${again.reason}`);
      } catch (error) {
        if (isCancel(error, signal)) throw error;
        throw rollbackFailed(name, failure, error, backup);
      }
      return { plan, ...(backup ? { backup } : {}), rolledBack: { reason: failure } };
    });
  }

  /** Health passed: the new pins and a history version saying what changed. */
  private async record(name: string, plan: UpgradePlan, words: string): Promise<void> {
    const state = await this.host.requireState(name);
    recordPins(state, plan.to);
    const previous = state.history.at(-1);
    state.history.push({ version: (previous?.version ?? 0) + 1, at: new Date().toISOString(), machine: hostname(), summary: [words], config: structuredClone(state.config) });
    // As many versions as a deploy keeps (update/history.ts).
    state.history = state.history.slice(-100);
    state.updatedAt = new Date().toISOString();
    await this.host.store.write(state);
  }
}

/** Health failed after the upgrade and going back failed too: where the backup is and how to restore it. */
function rollbackFailed(name: string, failure: string, error: unknown, backup: TakenBackup | undefined): GeuseError {
  return new GeuseError({
    code: 'UPGRADE_ROLLBACK_FAILED', kind: 'unknown', cause: error,
    message: `The upgrade of stack ${name} failed (${failure}), and applying the previous versions again failed too: ${messageOf(error)}.${backup ? ` The backup taken before the upgrade is kept: recovery point ${backup.recoveryPointArn}.` : ' No backup was taken before the upgrade (--skip-backup).'}`,
    nextStep: backup
      ? `Look at the stack with \`geusemaker status ${name}\` and \`geusemaker logs ${name}\`; run \`geusemaker deploy ${name}\` to apply its pinned versions again, and if its data is damaged, restore it: \`geusemaker restore ${name} --from ${backup.recoveryPointArn}\`.`
      : `Look at the stack with \`geusemaker status ${name}\` and \`geusemaker logs ${name}\`, then run \`geusemaker deploy ${name}\` to apply its pinned versions again.`,
  });
}
