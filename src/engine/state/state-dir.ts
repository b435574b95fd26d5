import { constants, type Stats } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { GeuseError, invalidInput } from '../errors';
import { DIR_MODE } from './atomic';

/** Where the state folder's path came from, and how the user changes it: the words of every message about it. */
export interface StateDirOrigin {
  /** e.g. "--state-dir", "GEUSEMAKER_STATE_DIR". */
  from: string;
  /** e.g. "pass --state-dir a folder you can write to". */
  change: string;
}

/** Node's errno codes in plain words about a folder. */
function problemWords(code: string | undefined): { problem: string; fix: string } {
  switch (code) {
    case 'EEXIST':
    case 'ENOTDIR':
      return { problem: 'is a file, not a folder', fix: 'or move the file out of the way' };
    case 'EACCES':
    case 'EPERM':
      return { problem: 'cannot be created or written: permission denied', fix: 'or give yourself write access to it' };
    case 'EROFS':
      return { problem: 'is on a read-only file system', fix: 'on a writable disk' };
    case 'ENOSPC':
      return { problem: 'cannot be written: the disk is full', fix: 'or free some space' };
    case 'ENOENT':
      // mkdir of a missing child where the parent exists: the file system (e.g. /proc) makes no folders.
      return { problem: 'cannot be created: that file system does not allow new folders', fix: 'on an ordinary disk' };
    default:
      return { problem: `cannot be used (${code ?? 'unknown error'})`, fix: 'that you can write to' };
  }
}

/** `midway`: the folder failed during a command, when AWS may already have changed: the same folder must be fixed. */
function unusable(dir: string, origin: StateDirOrigin, code: string | undefined, options: { problem?: string; midway?: boolean } = {}): GeuseError {
  const words = problemWords(code);
  return invalidInput('STATE_DIR_UNUSABLE', `The state folder ${dir} (from ${origin.from}) ${options.problem ?? words.problem}, so stack state cannot be kept there.`,
    options.midway
      ? `Make ${dir} usable again (${words.fix.replace(/^or /, '')}) and run the command again: the stack's journal is in that folder, and the command continues from it.`
      : `Choose another folder: ${origin.change}, ${words.fix}. Nothing was changed.`);
}

function errnoOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

async function statOrCode(path: string): Promise<Stats | string> {
  try {
    return await stat(path);
  } catch (error) {
    return errnoOf(error) ?? 'EUNKNOWN';
  }
}

/**
 * Checks the state folder before any command uses it: it must be a folder (or be creatable in one), and with
 * `create` it is made (one level at a time: a recursive mkdir never returns under /proc) and must be writable.
 */
export async function checkStateDir(dir: string, origin: StateDirOrigin, options: { create: boolean }): Promise<void> {
  const info = await statOrCode(dir);
  if (typeof info !== 'string') {
    if (!info.isDirectory()) throw unusable(dir, origin, 'ENOTDIR');
    if (options.create) await access(dir, constants.W_OK).catch((error: unknown) => { throw unusable(dir, origin, errnoOf(error)); });
    return;
  }
  if (info !== 'ENOENT' && info !== 'ENOTDIR') throw unusable(dir, origin, info);
  // Find the nearest part of the path that exists: it must be a folder.
  const missing: string[] = [];
  let existing = dir;
  for (;;) {
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
    const found = await statOrCode(existing);
    if (typeof found === 'string') {
      if (found === 'ENOENT' || found === 'ENOTDIR') continue;
      throw unusable(dir, origin, found);
    }
    if (!found.isDirectory()) throw unusable(dir, origin, 'ENOTDIR', { problem: `cannot be made: ${existing} is a file, not a folder` });
    break;
  }
  if (!options.create) return;
  for (const path of missing) {
    try {
      await mkdir(path, { mode: DIR_MODE });
    } catch (error) {
      if (errnoOf(error) !== 'EEXIST') throw unusable(dir, origin, errnoOf(error));
    }
  }
}

/** A file-system error about the state folder (or a file in it) as the same plain words; undefined for anything else. */
export function stateDirError(error: unknown, dir: string, origin: StateDirOrigin): GeuseError | undefined {
  if (error instanceof GeuseError) return undefined;
  const path = (error as { path?: unknown } | null)?.path;
  if (typeof path !== 'string' || typeof (error as { syscall?: unknown }).syscall !== 'string') return undefined;
  const inside = relative(resolve(dir), resolve(path));
  if (inside.startsWith('..') || isAbsolute(inside)) return undefined;
  const code = errnoOf(error);
  return unusable(dir, origin, code, { midway: true, problem: `${problemWords(code).problem} (${path}: ${code ?? 'error'})` });
}
