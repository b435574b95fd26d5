// Installs the Debian tools the bootstrap tests run for real (shellcheck, nginx, PostgreSQL for the migration scripts'
// dump and restore between two real servers) when they are missing.
// CI runs as root on Debian; elsewhere it says exactly what to install.
import { spawnSync } from 'node:child_process';

const TOOLS = [
  { command: 'shellcheck', pkg: 'shellcheck' },
  { command: 'nginx', pkg: 'nginx-light', paths: ['/usr/sbin/nginx'] },
  // Debian keeps initdb and pg_ctl under /usr/lib/postgresql/<major>/bin; pg_ctlcluster (postgresql-common) is on PATH.
  { command: 'pg_ctlcluster', pkg: 'postgresql' },
];

function present(tool) {
  if (spawnSync('sh', ['-c', `command -v ${tool.command}`], { stdio: 'ignore' }).status === 0) return true;
  return (tool.paths ?? []).some((path) => spawnSync('test', ['-x', path]).status === 0);
}

const missing = TOOLS.filter((tool) => !present(tool));
if (missing.length > 0) {
  const packages = missing.map((tool) => tool.pkg);
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status !== 0) {
    console.error(`Missing test tools: ${packages.join(', ')}. Install them (Debian/Ubuntu: sudo apt-get install -y ${packages.join(' ')}) and run again.`);
    process.exit(1);
  }
  console.error(`Installing test tools from Debian: ${packages.join(', ')}…`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let result = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: ['ignore', 'ignore', 'inherit'], env });
  if (result.status !== 0) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: ['ignore', 'ignore', 'inherit'], env });
    result = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], { stdio: ['ignore', 'ignore', 'inherit'], env });
  }
  if (result.status !== 0) {
    console.error(`apt-get could not install ${packages.join(', ')}.`);
    process.exit(1);
  }
}
