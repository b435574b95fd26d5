import { spawn } from 'node:child_process';
import { findOnPath, GeuseError, refused } from '../engine';

/** A program that puts its stdin on the clipboard. */
export interface ClipboardTool {
  name: string;
  path: string;
  args: readonly string[];
}

/** In order of preference; X11 and Wayland tools only where their display is set (they fail without one). */
const CANDIDATES: readonly { name: string; args: readonly string[]; usable: (env: NodeJS.ProcessEnv) => boolean }[] = [
  { name: 'pbcopy', args: [], usable: () => true },
  { name: 'wl-copy', args: [], usable: (env) => Boolean(env.WAYLAND_DISPLAY) },
  { name: 'xclip', args: ['-selection', 'clipboard'], usable: (env) => Boolean(env.DISPLAY) },
  { name: 'xsel', args: ['-b', '-i'], usable: (env) => Boolean(env.DISPLAY) },
  // Windows, and WSL (whose PATH includes Windows' folders).
  { name: 'clip.exe', args: [], usable: () => true },
];

/** How long a clipboard tool may take to read the text before it is given up on. */
const TOOL_TIMEOUT_MS = 10_000;

/** The first clipboard tool on PATH that can work here; refused (exit 3) when there is none. */
export function findClipboard(env: NodeJS.ProcessEnv): ClipboardTool {
  for (const candidate of CANDIDATES) {
    if (!candidate.usable(env)) continue;
    const path = findOnPath([candidate.name], env);
    if (path) return { name: candidate.name, path, args: candidate.args };
  }
  throw refused('NO_CLIPBOARD',
    'No clipboard tool was found: looked on PATH for pbcopy, wl-copy (with WAYLAND_DISPLAY set), xclip or xsel (with DISPLAY set) and clip.exe.',
    'Install one (wl-clipboard, xclip or xsel on Linux), or run `geusemaker password` without --copy to print the password.');
}

/** Hands the text to the tool on stdin (never in argv, where other users could read it), waiting for it to take it. */
export function copyTo(tool: ClipboardTool, text: string, env: NodeJS.ProcessEnv): Promise<void> {
  const failed = (why: string) => new GeuseError({
    code: 'CLIPBOARD_FAILED', kind: 'unknown', message: `${tool.name} (${tool.path}) did not take the text: ${why}.`,
    nextStep: 'Run `geusemaker password` without --copy to print the password instead.',
  });
  return new Promise((resolve, reject) => {
    // Output ignored: xclip and wl-copy leave a child serving the clipboard, which would hold a pipe open.
    const child = spawn(tool.path, [...tool.args], { stdio: ['pipe', 'ignore', 'ignore'], env });
    const timer = setTimeout(() => {
      child.kill();
      reject(failed(`it did not finish within ${TOOL_TIMEOUT_MS / 1000} s`));
    }, TOOL_TIMEOUT_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(failed(error.message));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(failed(signal ? `it was stopped by ${signal}` : `it exited with code ${code ?? 'unknown'}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(text);
  });
}
