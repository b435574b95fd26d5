import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

/** A pid that is certainly running for the duration of a test. */
export function liveChild(): { pid: number; stop: () => void } {
  const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 10000)'], { stdio: 'ignore' });
  assert.ok(child.pid);
  return { pid: child.pid, stop: () => child.kill() };
}

/** A pid that certainly is not running any more. */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
  const pid = child.pid;
  assert.ok(pid);
  await new Promise((done) => child.on('exit', done));
  return pid;
}
