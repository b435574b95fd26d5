/**
 * `npm run sandbox`: a dev stack in a local AWS emulator (moto), deployed by the real built CLI.
 * The emulator only lives as long as this script, so it keeps running until Ctrl-C, unless --exit or CI is set,
 * in which case it destroys the stack, stops the emulator and exits with the combined result.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { PROJECT_ROOT, startEmulator, type Emulator } from '../test/harness/emulator';

const STACK = 'demo';
const PREFERRED_PORT = 4566;
const CLI = join(PROJECT_ROOT, 'dist', 'cli.js');
const SANDBOX_DIR = join(PROJECT_ROOT, '.cache', 'sandbox');
const STATE_DIR = join(SANDBOX_DIR, 'stacks');
const HOME_DIR = join(SANDBOX_DIR, 'home');
const LOG_FILE = join(SANDBOX_DIR, 'moto.log');
/** moto accepts any credentials, but the SDK insists on having some. */
const DUMMY_CREDENTIALS = { AWS_ACCESS_KEY_ID: 'sandbox', AWS_SECRET_ACCESS_KEY: 'sandbox' };

function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function banner(title: string): void {
  say();
  say(`── sandbox: ${title} ${'─'.repeat(Math.max(0, 66 - title.length))}`);
}

function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function choosePort(): Promise<number> {
  const wanted = process.env.GEUSEMAKER_SANDBOX_PORT?.trim();
  if (wanted) {
    if (!/^\d+$/.test(wanted) || Number(wanted) > 65_535) throw new Error(`GEUSEMAKER_SANDBOX_PORT must be a port number, got ${JSON.stringify(wanted)}.`);
    // moto would only log the clash and the start would time out after a minute; say it now.
    if (Number(wanted) !== 0 && !(await isPortFree(Number(wanted)))) {
      throw new Error(`GEUSEMAKER_SANDBOX_PORT=${wanted}, but that port is in use. Stop what uses it, pick another port, or unset the variable to use a free one.`);
    }
    return Number(wanted);
  }
  // A fixed port keeps the printed commands valid across runs; fall back to any free port (0) when it's taken.
  return (await isPortFree(PREFERRED_PORT)) ? PREFERRED_PORT : 0;
}

/**
 * The child's environment: dummy credentials, a sandbox GEUSEMAKER_HOME, and none of the shell's AWS profile or
 * GEUSEMAKER_* settings (a profile would make the SDK skip the dummy credentials; settings would change the demo).
 */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('GEUSEMAKER_') || key === 'AWS_PROFILE' || key === 'AWS_SESSION_TOKEN' || key === 'AWS_DEFAULT_PROFILE') continue;
    env[key] = value;
  }
  return { ...env, ...DUMMY_CREDENTIALS, AWS_REGION: 'us-east-1', GEUSEMAKER_HOME: HOME_DIR, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
}

let running: ChildProcess | undefined;

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  say(`$ geusemaker ${args.map(shellQuote).join(' ')}`);
  return new Promise((resolve) => {
    // cwd without a geusemaker.yaml, so no project file can change the demo.
    const child = spawn(process.execPath, [CLI, ...args], { stdio: 'inherit', env, cwd: SANDBOX_DIR });
    running = child;
    child.once('error', (error) => {
      running = undefined;
      say(`sandbox: could not start the CLI: ${error.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      running = undefined;
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

async function main(): Promise<number> {
  const once = process.argv.includes('--exit') || Boolean(process.env.CI);
  if (!existsSync(CLI)) {
    say(`sandbox: ${CLI} is missing; run \`npm run sandbox\` (it builds first) or \`npm run build\`.`);
    return 1;
  }
  // The emulator starts empty every time, so state from an earlier sandbox would describe resources that no longer exist.
  rmSync(STATE_DIR, { recursive: true, force: true });
  rmSync(HOME_DIR, { recursive: true, force: true });
  mkdirSync(STATE_DIR, { recursive: true });
  mkdirSync(HOME_DIR, { recursive: true });

  banner('starting the local AWS emulator (moto)');
  const emulator: Emulator = await startEmulator({ port: await choosePort(), logFile: LOG_FILE });
  say(`Emulator listening at ${emulator.endpoint} (log: ${LOG_FILE}). No real AWS account is used.`);

  let interrupts = 0;
  let wakeUp: (() => void) | undefined;
  const onSignal = (): void => {
    interrupts += 1;
    if (interrupts > 1) {
      // Second Ctrl-C: don't wait for anything.
      void emulator.stop().finally(() => process.exit(130));
      return;
    }
    // A running CLI got the same Ctrl-C from the terminal and stops safely by itself; we stop once it has.
    if (!running) wakeUp?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const env = childEnv();
  const locate = ['--endpoint', emulator.endpoint, '--state-dir', STATE_DIR];
  const failures: string[] = [];
  try {
    banner(`deploying stack "${STACK}" with the built CLI`);
    if ((await runCli(['deploy', STACK, '--yes', ...locate], env)) !== 0) failures.push('deploy');
    if (interrupts === 0) {
      banner(`what the state says about "${STACK}"`);
      if ((await runCli(['show', STACK, ...locate], env)) !== 0) failures.push('show');
    }

    const cli = `node ${shellQuote(CLI)}`;
    const flags = locate.map(shellQuote).join(' ');
    const exports = Object.entries({ ...DUMMY_CREDENTIALS, GEUSEMAKER_HOME: HOME_DIR }).map(([k, v]) => `${k}=${shellQuote(v)}`).join(' ');
    if (interrupts > 0) {
      // The emulator got the terminal's Ctrl-C too, so there is nothing left to clean up.
      say('sandbox: interrupted; stopping.');
      return 130;
    }
    if (once) {
      banner(`destroying "${STACK}" with its data (--exit or CI)`);
      if ((await runCli(['destroy', STACK, '--delete-data', '--yes', ...locate], env)) !== 0) failures.push('destroy');
    } else {
      banner('try it');
      if (failures.length > 0) say(`! ${failures.join(' and ')} failed (see above; emulator log: ${LOG_FILE}).`);
      say('The emulator keeps running so you can try `show`/`destroy` in another terminal; Ctrl-C to stop it.');
      say();
      say('In another terminal (dummy credentials: the emulator accepts any, the AWS SDK needs some):');
      say(`  export ${exports}`);
      say(`  ${cli} show ${STACK} ${flags}`);
      say(`  ${cli} destroy ${STACK} ${flags}`);
      say('      (keeps the data: EFS file system + secrets; add --delete-data to remove everything)');
      say();
      say('To point the VS Code extension at the same emulator, start VS Code from a shell with:');
      say(`  GEUSEMAKER_AWS_ENDPOINT=${emulator.endpoint} GEUSEMAKER_STATE_DIR=${shellQuote(STATE_DIR)} ${Object.entries(DUMMY_CREDENTIALS).map(([k, v]) => `${k}=${v}`).join(' ')} code .`);
      say();
      say('Everything in the emulator disappears when it stops.');
      // Keeps the event loop alive while we wait; the signal handler wakes us.
      const keepAlive = setInterval(() => undefined, 1 << 30);
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
      });
      clearInterval(keepAlive);
      say();
      say('sandbox: stopping the emulator.');
      return failures.length > 0 ? 1 : 0;
    }
  } finally {
    await emulator.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (failures.length > 0) {
    say(`sandbox: failed steps: ${failures.join(', ')} (emulator log: ${LOG_FILE}).`);
    return 1;
  }
  say('sandbox: done.');
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sandbox: ${error instanceof Error ? error.message : String(error)} (emulator log: ${LOG_FILE})\n`);
    // Exiting closes a half-started emulator's stdin, which stops it; waiting for the loop to drain could hang on it.
    process.exit(1);
  },
);
