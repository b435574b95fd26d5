import { type DestroyPlan, renderDestroyPlan, renderDestroySummary } from '../../engine';
import type { Command } from '../command';
import { confirmer, interruptible, progressPrinter } from '../interaction';


export const destroy: Command = {
  name: 'destroy',
  usage: 'destroy [name] [--delete-data [--no-final-backup]] [--delete-backups]',
  summary: 'Delete the stack; its data (EFS + secrets) and backups are kept unless --delete-data / --delete-backups',
  flags: ['config', 'region', 'profile', 'yes', 'delete-data', 'no-final-backup', 'delete-backups', 'adopt', 'take-over-lock'],
  takesName: true,
  state: 'writes',
  async run(s) {
    const { config, explicit } = await s.loadConfig();
    const name = config.name;
    const printer = progressPrinter(s);
    // With nothing to delete there is nothing to confirm (kept data stays kept either way).
    const { confirm, explain } = confirmer<DestroyPlan>(s, `Destroy stack ${name}?`, printer, renderDestroyPlan, (p) => p.toDelete.length > 0);
    let result;
    try {
      result = await interruptible(s, printer, (signal) =>
        s.engine.destroy(name, {
          deleteData: s.args.deleteData, deleteBackups: s.args.deleteBackups === true, finalBackup: s.args.finalBackup !== false,
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
