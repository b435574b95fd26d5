import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** The local AWS emulator (moto in server mode), shared by the test suite, the sandbox and the benchmark. */
export const PROJECT_ROOT = resolve(__dirname, '..', '..');
const VENV = join(PROJECT_ROOT, '.venv');
const VENV_PYTHON = join(VENV, 'bin', 'python');
const REQUIREMENTS = join(PROJECT_ROOT, 'test', 'harness', 'requirements.txt');
const LAUNCHER = join(PROJECT_ROOT, 'test', 'harness', 'moto_launcher.py');
const PINNED_MOTO = '5.2.5';

function hasMoto(python: string): boolean {
  const check = spawnSync(python, ['-c', `import moto, flask, flask_cors; assert moto.__version__ == "${PINNED_MOTO}"`], { stdio: 'ignore' });
  return check.status === 0;
}

/** Returns a Python that can import the pinned moto, installing it into a project-local venv if needed. */
export function ensureMotoPython(log: (line: string) => void = () => undefined): string {
  if (existsSync(VENV_PYTHON) && hasMoto(VENV_PYTHON)) return VENV_PYTHON;
  if (hasMoto('python3')) return 'python3';
  log(`Installing the AWS emulator (moto ${PINNED_MOTO}) into ${VENV} — first run only…`);
  if (!existsSync(VENV_PYTHON)) {
    const venv = spawnSync('python3', ['-m', 'venv', VENV], { stdio: 'inherit' });
    if (venv.status !== 0) throw new Error('Could not create a Python venv: install Python 3 with the venv module (Debian: apt-get install python3-venv).');
  }
  const pip = spawnSync(VENV_PYTHON, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', REQUIREMENTS], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (pip.status !== 0 || !hasMoto(VENV_PYTHON)) throw new Error(`Installing moto from PyPI failed (see pip's output above). Retry, or run: ${VENV_PYTHON} -m pip install -r ${REQUIREMENTS}`);
  return VENV_PYTHON;
}

export interface Emulator {
  endpoint: string;
  port: number;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export const EMULATOR_ENV = {
  MOTO_IAM_LOAD_MANAGED_POLICIES: 'true',
  MOTO_EC2_ENABLE_INSTANCE_TYPE_VALIDATION: 'true',
  MOTO_ENABLE_AMI_VALIDATION: 'true',
};

export async function startEmulator(options: { logFile?: string; port?: number } = {}): Promise<Emulator> {
  const python = ensureMotoPython((line) => process.stderr.write(`${line}\n`));
  const child: ChildProcess = spawn(python, [LAUNCHER, String(options.port ?? 0)], {
    env: { ...process.env, ...EMULATOR_ENV, PYTHONUNBUFFERED: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (options.logFile) {
    mkdirSync(join(options.logFile, '..'), { recursive: true });
    child.stderr?.pipe(createWriteStream(options.logFile));
  } else {
    child.stderr?.resume();
  }
  const port = await new Promise<number>((resolvePort, reject) => {
    const fail = (error: Error): void => {
      // Never leave a half-started emulator behind (e.g. when its port was taken).
      if (child.exitCode === null) child.kill('SIGKILL');
      reject(error);
    };
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => fail(new Error(`The AWS emulator did not start within 60 s${options.logFile ? `; see ${options.logFile}` : ''}.`)), 60_000);
    child.once('exit', (code) => fail(new Error(`The AWS emulator exited early (code ${code}).`)));
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolvePort((JSON.parse(line) as { port: number }).port);
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    port,
    async reset() {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`Resetting the emulator failed: HTTP ${response.status}`);
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
