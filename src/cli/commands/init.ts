import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { findConfigFile, invalidInput, refused, sampleConfigYaml, shellQuote, stackNameSchema } from '../../engine';
import type { Command } from '../command';

export const init: Command = {
  name: 'init',
  usage: 'init [--name N] [--force]',
  summary: 'Write a commented geusemaker.yaml in this folder',
  flags: ['name', 'force', 'config'],
  takesName: false,
  state: 'none',
  async run(s) {
    const name = s.args.initName ?? 'demo';
    const checked = stackNameSchema.safeParse(name);
    if (!checked.success) {
      throw invalidInput('CONFIG_INVALID', `name: ${checked.error.issues[0]?.message ?? 'is not valid'} (got ${JSON.stringify(name)}; from --name)`,
        'Use 3 to 24 lowercase letters, digits and single dashes, like "demo".');
    }
    const path = resolve(s.io.cwd, s.args.configPath ?? 'geusemaker.yaml');
    try {
      // 'wx' refuses atomically if the file appeared meanwhile.
      await writeFile(path, sampleConfigYaml(name), { flag: s.args.force ? 'w' : 'wx' });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        throw refused('CONFIG_EXISTS', `${path} already exists, and init does not overwrite it.`, 'Edit it, or pass --force to replace it with a fresh sample.');
      }
      throw invalidInput('CONFIG_UNWRITABLE', `Could not write ${path}: ${code ?? (error as Error).message}.`, 'Check that the folder exists and is writable by you.');
    }
    if (s.args.json) {
      s.json({ path, name });
      return;
    }
    const other = findConfigFile(s.io.cwd);
    s.summary([
      `Wrote ${path} for stack ${name}; every setting is at its default and commented.`,
      ...(other !== undefined && other !== path ? [`! ${other} is read first in this folder; pass --config ${shellQuote(path)} to use the new file.`] : []),
      'Next: review it, then run `geusemaker plan` to see what deploy would create, and `geusemaker deploy`.',
    ]);
  },
};
