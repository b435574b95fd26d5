import { existsSync } from 'node:fs';
import type { Command } from '../command';

export const stateRestore: Command = {
  name: 'state restore',
  usage: 'state restore [name]',
  summary: 'Replace a corrupt state file with its newest good backup',
  flags: ['config'],
  takesName: true,
  state: 'writes',
  async run(s) {
    const name = await s.stackName();
    const engine = s.engine;
    // Neither a state file nor a backup: the stack never existed here (a corrupt file or old backups do count).
    if (!existsSync(engine.store.filePath(name)) && !existsSync(engine.store.backupDir(name))) throw s.stackNotFound(name);
    // Restoring while a deploy writes the same file would lose one of the two: take the stack's lock.
    const lock = await engine.store.lock(name, 'restore');
    const hadFile = existsSync(engine.store.filePath(name));
    let restored;
    try {
      restored = await engine.restore(name);
    } finally {
      await lock.release();
    }
    if (s.args.json) {
      s.json({ name, restoredFrom: restored.restoredFrom, stateFile: engine.store.filePath(name) });
      return;
    }
    s.summary([
      `Restored stack ${name} from ${restored.restoredFrom}.`,
      ...(hadFile ? [`The corrupt file is kept in ${engine.store.backupDir(name)} with a -corrupt suffix.`] : []),
      `Check it with ${s.command(['show', name])}; a deploy then brings AWS and the state back in line.`,
    ]);
  },
};
