import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from './emulator';

const CHILD = join(PROJECT_ROOT, 'test', 'harness', 'cli-child.ts');

/**
 * Starts `geusemaker deploy demo --yes <args>` in a child process and SIGKILLs it right after AWS has done
 * `operation` (cli-child.ts pauses there); resolves with the child's stderr.
 */
export function killDeployAfter(stateDir: string, operation: string, args: readonly string[] = []): Promise<string> {
  return new Promise((resolve, reject) => {
    // One process (no tsx wrapper process), so the kill hits the process that holds the lock.
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, 'deploy', 'demo', '--yes', '--state-dir', stateDir, '--max-attempts', '1', ...args], {
      env: { ...process.env, GM_PAUSE_AFTER: operation, GM_PAUSE_MS: '30000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes(`@@after ${operation}`)) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => {
      if (signal === 'SIGKILL') resolve(stderr);
      else reject(new Error(`deploy ended (signal ${signal}) before ${operation} was reached:\n${stderr}`));
    });
  });
}
