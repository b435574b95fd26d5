import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { architectureOf, instanceFiles, invalidInput, isGpuTier, previewOs, scaleWiringFrom } from '../../engine';
import type { Command } from '../command';
import { STACK_SETTING_FLAGS } from '../flags';

/** Writes the instance files for review; secret values never appear, only the parameters they come from. */
export const render: Command = {
  name: 'render',
  usage: 'render [name] --out DIR',
  summary: 'Write exactly what would run on the instance (UserData, compose, env, nginx)',
  moreHelp: ['[--os al2023|ubuntu-22.04|ubuntu-24.04] [--arch x86_64|arm64]'],
  flags: [...STACK_SETTING_FLAGS, 'os', 'arch', 'out'],
  takesName: true,
  state: 'reads',
  async run(s) {
    if (!s.args.out) throw invalidInput('USAGE', '`geusemaker render` needs --out <folder> to write the files to.', 'Run e.g. `geusemaker render demo --out ./instance-files`.');
    const { config } = await s.loadConfig();
    const state = await s.engine.show(config.name);
    const fileSystemId = state?.resources.efs?.status === 'created' ? state.resources.efs.id : undefined;
    const files = instanceFiles({
      config, region: config.region,
      // Before the first deploy the file system id is not known yet; a placeholder keeps the files reviewable.
      fileSystemId: fileSystemId ?? 'fs-00000000',
      os: s.args.os,
      architecture: s.args.arch ?? architectureOf(config.instanceType),
      gpu: isGpuTier(config.tier),
      // A deployed stack runs its pinned images, not the release's tested set.
      ...(state?.pins ? { images: state.pins.images } : {}),
      // A deployed scaled stack's endpoints as recorded (before one, placeholders shaped like AWS's).
      ...withScale(state ? scaleWiringFrom(config, state) : undefined),
    });
    const out = resolve(s.io.cwd, s.args.out);
    await mkdir(out, { recursive: true });
    for (const file of files) await writeFile(join(out, file.name), file.content, { mode: 0o600 });
    if (s.args.json) {
      s.json({ out, fileSystemId: fileSystemId ?? null, files: files.map((f) => ({ name: f.name, description: f.description })) });
      return;
    }
    s.summary([
      `Instance files for stack ${config.name} (${config.tier}, ${previewOs({ os: s.args.os, config })}) in ${out}:`,
      ...files.map((f) => `  ${f.name.padEnd(20)} ${f.description}`),
      ...(fileSystemId ? [] : ['  (not deployed yet: the EFS id is a placeholder, fs-00000000)']),
    ]);
  },
};

function withScale<T>(scale: T | undefined): { scale?: T } {
  return scale ? { scale } : {};
}
