import { spawn } from 'node:child_process';
import { findOnPath } from '../engine';

/** How this system opens a URL in the default browser, or undefined when it has no such program. */
export function browserOpener(env: NodeJS.ProcessEnv, platform: NodeJS.Platform = process.platform): { command: string; args: (url: string) => string[] } | undefined {
  // `start` is built into cmd.exe; its first quoted argument is a window title, hence the empty one.
  if (platform === 'win32') return { command: 'cmd', args: (url) => ['/c', 'start', '""', url] };
  const command = findOnPath([platform === 'darwin' ? 'open' : 'xdg-open'], env);
  return command ? { command, args: (url) => [url] } : undefined;
}

/** Opens the URL without waiting for the browser; says whether an opener was found and started. */
export function openInBrowser(url: string, env: NodeJS.ProcessEnv): Promise<{ opened: true } | { opened: false; why: string }> {
  const opener = browserOpener(env);
  if (!opener) return Promise.resolve({ opened: false, why: `no ${process.platform === 'darwin' ? 'open' : 'xdg-open'} command on PATH` });
  return new Promise((resolve) => {
    const child = spawn(opener.command, opener.args(url), { env, stdio: 'ignore', detached: true });
    child.once('error', (error) => resolve({ opened: false, why: error.message }));
    child.once('spawn', () => {
      child.unref();
      resolve({ opened: true });
    });
  });
}
