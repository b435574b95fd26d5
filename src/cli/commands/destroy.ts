import { type DestroyPlan, renderDestroyPlan, renderDestroySummary } from '../../engine';
import type { Command } from '../command';
import { confirmer, interruptible, progressPrinter } from '../interaction';

/** --delete-backups and --no-final-backup, once the flag table has them (src/cli/flags.ts, args.ts). */
interface BackupFlags {
  deleteBackups?: boolean;
  finalBackup?: boolean;
}

/** The plan's words with what happens to the backups (the engine's `plan.backups.lines`, shown by VS Code too). */
function planLines(plan: DestroyPlan): string[] {
  const backups = plan.backups?.lines ?? [];
  return [...renderDestroyPlan(plan), ...(backups.length > 0 ? ['  Backups:', ...backups.map((line) => `    ${line}`)] : [])];
}

export const destroy: Command = {
  name: 'destroy',
  usage: 'destroy [name]',
  summary: 'Delete the stack; its data (EFS + secrets) and backups are kept unless --delete-data / --delete-backups',
  flags: ['config', 'region', 'profile', 'yes', 'delete-data', 'adopt', 'take-over-lock'],
  takesName: true,
  state: 'writes',
  async run(s) {
    const { config, explicit } = await s.loadConfig();
    const name = config.name;
    const flags = s.args as typeof s.args & BackupFlags;
    const printer = progressPrinter(s);
    // With nothing to delete there is nothing to confirm (kept data stays kept either way).
    const { confirm, explain } = confirmer<DestroyPlan>(s, `Destroy stack ${name}?`, printer, planLines, (p) => p.toDelete.length > 0);
    let result;
    try {
      result = await interruptible(s, printer, (signal) =>
        s.engine.destroy(name, {
          deleteData: s.args.deleteData, deleteBackups: flags.deleteBackups === true, finalBackup: flags.finalBackup !== false,
          region: config.region, regionExplicit: explicit.has('region'), adopt: s.args.adopt, takeOverLock: s.args.takeOverLock, profile: config.profile, signal, onProgress: printer.listener,
          confirm: (plan) => {
            // With nothing to delete, the steps' "deleted" lines would only mislead.
            if (plan.toDelete.length === 0) printer.mute();
            return confirm(plan);
          },
        }));
    } catch (error) {
      throw explain(error, 'destroy', name);
    }
    if (s.args.json) {
      s.json(result);
      return;
    }
    const final = result.finalBackup ? [`Final backup before the data was deleted: ${result.finalBackup.recoveryPointArn} (kept in the backup vault).`] : [];
    s.summary([...renderDestroySummary(result, printer.elapsedMs(), s.command(['destroy', name, '--delete-data'])), ...final, ...(result.backups?.lines ?? [])]);
  },
};
