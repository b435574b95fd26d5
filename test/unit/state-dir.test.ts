import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitCodeFor, GeuseError } from '../../src/engine/errors';
import { checkStateDir, stateDirError, type StateDirOrigin } from '../../src/engine/state/state-dir';
import { tempDir } from '../harness/engine';

const FLAG: StateDirOrigin = { from: '--state-dir', change: 'pass --state-dir a folder you can write to' };

async function rejection(run: () => Promise<unknown>): Promise<GeuseError> {
  try {
    await run();
  } catch (error) {
    assert.ok(error instanceof GeuseError, String(error));
    return error;
  }
  assert.fail('expected an error');
}

describe('the state folder', () => {
  it('a file given as the state folder is named as a file, with the fix, for reading and writing commands alike', async () => {
    const file = join(tempDir('gm-state-dir-'), 'hostname');
    writeFileSync(file, 'not a folder');
    for (const create of [false, true]) {
      const error = await rejection(() => checkStateDir(file, FLAG, { create }));
      assert.equal(error.code, 'STATE_DIR_UNUSABLE');
      assert.equal(exitCodeFor(error), 2);
      assert.equal(error.message, `The state folder ${file} (from --state-dir) is a file, not a folder, so stack state cannot be kept there.`);
      assert.match(error.nextStep, /pass --state-dir a folder you can write to, or move the file out of the way\. Nothing was changed\./);
    }
  });

  it('a folder under a file cannot be made, and the message says which part is the file', async () => {
    const file = join(tempDir('gm-state-dir-'), 'hostname');
    writeFileSync(file, '');
    const error = await rejection(() => checkStateDir(join(file, 'stacks', 'more'), FLAG, { create: true }));
    assert.match(error.message, new RegExp(`cannot be made: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a file, not a folder`));
  });

  it('a missing folder is fine to read (nothing there yet) and is created, with its parents, to write', async () => {
    const dir = join(tempDir('gm-state-dir-'), 'a', 'b');
    await checkStateDir(dir, FLAG, { create: false });
    assert.equal(existsSync(dir), false, 'reading creates nothing');
    await checkStateDir(dir, FLAG, { create: true });
    assert.equal(existsSync(dir), true);
    mkdirSync(join(dir, 'c'));
    await checkStateDir(join(dir, 'c'), FLAG, { create: true });
  });

  if (process.platform === 'linux' && existsSync('/proc/self')) {
    it('a folder the file system will not make (/proc) is reported at once, not hung on', async () => {
      const error = await rejection(() => checkStateDir('/proc/geusemaker-test', FLAG, { create: true }));
      assert.match(error.message, /\/proc\/geusemaker-test \(from --state-dir\) cannot be (created: that file system does not allow new folders|created or written: permission denied)/);
    });
  }

  it('permission denied, read-only and full disks during a command are named with the folder, and say to fix that same folder', () => {
    const dir = '/srv/state';
    const cases: [string, RegExp][] = [['EACCES', /permission denied/], ['EPERM', /permission denied/], ['EROFS', /read-only file system/], ['ENOSPC', /disk is full/]];
    for (const [code, words] of cases) {
      const error = stateDirError(Object.assign(new Error(`${code}: mkdir`), { code, syscall: 'open', path: join(dir, 'demo.lock') }), dir, FLAG);
      assert.ok(error, code);
      assert.equal(error.code, 'STATE_DIR_UNUSABLE');
      assert.match(error.message, words);
      assert.ok(error.message.includes(`The state folder ${dir} (from --state-dir)`), error.message);
      assert.ok(error.message.includes(join(dir, 'demo.lock')), 'names the file');
      assert.match(error.nextStep, /Make \/srv\/state usable again/);
    }
    // Errors about other paths, and ones that are not file-system errors, are not the state folder's.
    assert.equal(stateDirError(Object.assign(new Error('x'), { code: 'EACCES', syscall: 'open', path: '/etc/other' }), dir, FLAG), undefined);
    assert.equal(stateDirError(new Error('x'), dir, FLAG), undefined);
  });
});
