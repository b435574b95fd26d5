import { type DestroyPlan, renderDestroyPlan, renderDestroySummary } from '../../engine';
import type { Command } from '../command';
import { confirmer, interruptible, progressPrinter } from '../interaction';

export const destroy: Command = {
  name: 'destroy',
  usage: 'destroy [name]',
  summary: 'Delete the stack; its data (EFS + secrets) is kept unless --delete-data',
  flags: ['config', 'region', 'profile', 'yes', 'delete-data', 'adopt', 'take-over-lock'],
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
          deleteData: s.args.deleteData, region: config.region, regionExplicit: explicit.has('region'), adopt: s.args.adopt, takeOverLock: s.args.takeOverLock, profile: config.profile, signal, onProgress: printer.listener,
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
    s.summary(renderDestroySummary(result, printer.elapsedMs(), s.command(['destroy', name, '--delete-data'])));
  },
};
