import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BootstrapInput, ScaleWiring, WorkerBootstrapInput } from '../../src/engine/bootstrap/input';
import { comfyNodePins, efsUtilsPin } from '../../src/engine/bootstrap/userdata';
import { stackConfigSchema, TIERS, type StackConfig } from '../../src/engine/stack/config';
import type { WorkerPoolName } from '../../src/engine/stack/scale-config';

// The dry boot shared by the bootstrap tests: the rendered script under bash, in a temporary root (GM_ROOT), with
// every tool it calls replaced by a stub that logs its argv.

/** The id the stub IMDS gives this instance. */
export const INSTANCE_ID = 'i-0123456789abcdef0';
const PLATFORMS = [['al2023', 'x86_64'], ['al2023', 'arm64'], ['ubuntu-22.04', 'x86_64'], ['ubuntu-24.04', 'x86_64']] as const;

export function variants(): [string, BootstrapInput][] {
  const out: [string, BootstrapInput][] = [];
  for (const [os, architecture] of PLATFORMS) {
    for (const tier of TIERS) {
      for (const access of ['ssm', 'cidr'] as const) {
        const config = stackConfigSchema.parse({
          name: 'demo', tier, instanceType: tier === 'gpu' ? 'g5.xlarge' : 't3.xlarge',
          // automation/gpu are reached through the load balancer (ssm there means load-balancer); CloudFront (gpu) takes no CIDR.
          access: access === 'ssm' ? { mode: 'ssm' } : tier === 'dev' ? { mode: 'cidr', cidr: '203.0.113.7/32' } : tier === 'automation' ? { mode: 'load-balancer', cidr: '203.0.113.7/32' } : { mode: 'load-balancer' },
        });
        const input: BootstrapInput = { config, region: 'us-east-1', fileSystemId: 'fs-0123456789abcdef0', os, architecture, gpu: tier === 'gpu' };
        out.push([`${os} ${architecture} ${tier} ${access}`, input]);
      }
    }
  }
  return out;
}

/** What the stub `aws ssm get-parameter` prints for a parameter: recognisable, so a leak is easy to find. */
export const fakeSecret = (parameter: string) => `FAKE-SECRET-${parameter}-7f3a9c`;
export const SECRET_NAMES = ['postgres-password', 'n8n-encryption-key', 'qdrant-api-key', 'crawl4ai-api-token', 'n8n-owner-password', 'proxy-password', 'redis-auth-token'];

/** One stub for every tool: logs its argv, then imitates just enough of the tool. */
const STUB = `#!/bin/bash
name=\${0##*/}
printf '%s %s\\n' "$name" "$*" >>"$STUB_CALLS"
arg_after() { local want="$1"; shift; while [ $# -gt 1 ]; do [ "$1" = "$want" ] && { printf '%s' "$2"; return; }; shift; done; }
case "$name" in
  aws)
    case "$*" in
      # Not a secret: the main instance's private address, as main published it.
      *get-parameter*'/main-address '*) [ -z "\${STUB_NO_MAIN:-}" ] || exit 254; printf '%s\\n' "\${STUB_MAIN_ADDRESS:-10.42.0.17}" ;;
      *get-parameter*) p=$(arg_after --name "$@"); printf 'FAKE-SECRET-%s-7f3a9c\\n' "\${p##*/}" ;;
      *put-parameter*)
        p=$(arg_after --name "$@")
        case "$p" in */main-address) out=main-address ;; *) out=status ;; esac
        printf '%s\\n' "$(arg_after --value "$@")" >>"$STUB_STATE/$out" ;;
    esac ;;
  nproc) echo "\${STUB_NPROC:-2}" ;;
  mount) [ -z "\${STUB_MOUNT_FAIL:-}" ] || { echo 'mount.nfs4: Connection timed out' >&2; exit 32; }; touch "$STUB_STATE/mounted" ;;
  mountpoint) [ -e "$STUB_STATE/mounted" ] || exit 1 ;;
  # Reads its input as the real one does; leaving it unread would kill the writer with SIGPIPE under pipefail.
  sha256sum) cat >/dev/null; case "$*" in *--status*) exit 1 ;; esac ;;
  dpkg-query) [ -e "$STUB_STATE/efs-utils-installed" ] && cat "$STUB_STATE/efs-utils-installed" ;;
  apt-get)
    case "$*" in
      *amazon-efs-utils-*_all.deb*) deb=\${*: -1}; deb=\${deb##*/amazon-efs-utils-}; printf '%s' "\${deb%-*_all.deb}" >"$STUB_STATE/efs-utils-installed" ;;
    esac ;;
  git)
    # A clone is an empty .git whose HEAD file holds the commit: --branch resolves through $STUB_STATE/tags, checkout sets it.
    dir=.
    while [ "\${1:-}" = -c ] || [ "\${1:-}" = -C ]; do [ "$1" = -C ] && dir="$2"; shift 2; done
    case "\${1:-}" in
      clone)
        case "$*" in *"\${STUB_GIT_FAIL:-none}"*) echo 'fatal: unable to access repository' >&2; exit 128 ;; esac
        dest=\${*: -1}
        mkdir -p "$dest/.git"
        tag=$(arg_after --branch "$@")
        if [ -n "$tag" ]; then
          awk -v t="$tag" '$1 == t { print $2 }' "$STUB_STATE/tags" >"$dest/.git/HEAD-commit"
          printf '#!/bin/bash\nmkdir -p build\ntouch build/amazon-efs-utils-%s-1_all.deb\necho build-deb.sh >>"$STUB_CALLS"\n' "\${tag#v}" >"$dest/build-deb.sh"
          chmod +x "$dest/build-deb.sh"
        fi ;;
      checkout) printf '%s\n' "\${*: -1}" >"$dir/.git/HEAD-commit" ;;
      rev-parse) [ -s "$dir/.git/HEAD-commit" ] || exit 128; cat "$dir/.git/HEAD-commit" ;;
    esac ;;
  nvidia-smi) echo 'GPU 0: NVIDIA A10G (UUID: GPU-00000000)' ;;
  docker)
    case " $* " in *" \${STUB_DOCKER_FAIL:-none} "*) echo 'docker: simulated failure' >&2; exit 1 ;; esac
    # What the data lease said while the containers stopped: a release must come after the stop.
    case " $* " in *" stop "*) printf 'lease at stop: %s\\n' "$(cat "$GM_ROOT/mnt/efs/.geusemaker/lease" 2>/dev/null || echo none)" >>"$STUB_CALLS" ;; esac ;;
  curl)
    # A service that does not answer (a health URL, n8n's metrics): the exit code of a refused connection.
    case "$*" in *"\${STUB_CURL_FAIL:-none}"*) echo 'curl: (7) Failed to connect' >&2; exit 7 ;; esac
    case "$*" in
      *api/token*) echo token ;;
      *meta-data/instance-id*) echo "$STUB_INSTANCE_ID" ;;
      *meta-data/local-ipv4*) echo 10.42.0.17 ;;
      *global-bundle.pem*) printf -- '-----BEGIN CERTIFICATE-----\\nstub\\n-----END CERTIFICATE-----\\n' >"$(arg_after -o "$@")" ;;
      */metrics*) cat "$STUB_STATE/metrics" 2>/dev/null ;;
      *spot/instance-action*)
        n=$(( $(cat "$STUB_STATE/polls" 2>/dev/null || echo 0) + 1 )); echo "$n" >"$STUB_STATE/polls"
        [ "$n" -gt "\${STUB_SPOT_AFTER:-999}" ] || exit 22 ;;
      *--data-binary*) cat >"$STUB_STATE/curl-stdin" ;;
    esac ;;
esac
exit 0
`;
export const TOOLS = ['dnf', 'apt-get', 'snap', 'docker', 'mount', 'mountpoint', 'aws', 'curl', 'systemctl', 'nvidia-smi', 'nvidia-ctk', 'install', 'chown', 'useradd', 'sha256sum', 'git', 'dpkg-query', 'nproc'];
export const EFS_UTILS = efsUtilsPin();
export const COMFY_NODES = comfyNodePins();

export interface Boot {
  dir: string;
  root: string;
  run: (env?: Record<string, string>, args?: string[]) => { status: number | null; stderr: string };
  /** The same run, in the background: the test can act on the files while the script waits. */
  start: (env?: Record<string, string>, args?: string[]) => Promise<{ status: number | null; stderr: string }>;
  calls: () => string[];
  statuses: () => { state: string; step: string; at: string }[];
  log: () => string;
}

export function prepare(script: string, omit: string[] = [], tagCommit?: string): Boot {
  const dir = mkdtempSync(join(tmpdir(), 'gm-boot-'));
  const bin = join(dir, 'bin');
  const root = join(dir, 'root');
  const state = join(dir, 'state');
  for (const path of [bin, root, state]) mkdirSync(path);
  for (const tool of TOOLS.filter((name) => !omit.includes(name))) {
    writeFileSync(join(bin, tool), STUB);
    chmodSync(join(bin, tool), 0o755);
  }
  const scriptPath = join(dir, 'userdata.sh');
  writeFileSync(scriptPath, script);
  const calls = join(dir, 'calls.log');
  writeFileSync(calls, '');
  // What upstream's tag resolves to; a test may make it resolve elsewhere.
  writeFileSync(join(state, 'tags'), `${EFS_UTILS.tag} ${tagCommit ?? EFS_UTILS.commit}\n`);
  const envOf = (env: Record<string, string>) => ({
    PATH: `${bin}:/usr/bin:/bin`, HOME: dir, GM_ROOT: root, STUB_CALLS: calls, STUB_STATE: state, STUB_INSTANCE_ID: INSTANCE_ID,
    GM_EFS_TRIES: '3', GM_EFS_SLEEP: '0', GM_HEALTH_TRIES: '2', GM_HEALTH_SLEEP: '0', GM_SPOT_POLL: '0', GM_LEASE_PAUSE: '0', ...env,
  });
  return {
    dir, root,
    run: (env = {}, args = []) => {
      const result = spawnSync('bash', [scriptPath, ...args], { env: envOf(env), encoding: 'utf8', timeout: 30_000 });
      return { status: result.status, stderr: result.stderr };
    },
    start: (env = {}, args = []) => new Promise((resolve) => {
      const child = spawn('bash', [scriptPath, ...args], { env: envOf(env), stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString('utf8'); });
      child.on('close', (status) => resolve({ status, stderr }));
    }),
    calls: () => readFileSync(calls, 'utf8').split('\n').filter(Boolean),
    statuses: () => (existsSync(join(state, 'status')) ? readFileSync(join(state, 'status'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { state: string; step: string; at: string }) : []),
    log: () => readFileSync(join(root, 'var/log/geusemaker/bootstrap.log'), 'utf8'),
  };
}

export const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
export const steps = (log: string) => [...log.matchAll(/^\S+ == step (\S+)$/gm)].map((match) => match[1]);
export const indexOf = (calls: string[], pattern: RegExp) => calls.findIndex((call) => pattern.test(call));

export async function waitForFile(path: string, text: string, timeoutMs = 5_000): Promise<void> {
  for (let i = 0; i < timeoutMs / 50; i++) {
    if (existsSync(path) && readFileSync(path, 'utf8').includes(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`${path} never contained "${text}"`);
}


/** Where a scaled stack's services are, in each shape the deploy can hand the bootstrap. */
export const WIRINGS = {
  managed: {
    database: { host: 'gm-demo-db.c9akciq32xyz.us-east-1.rds.amazonaws.com', port: 5432 },
    queue: { host: 'master.gm-demo-queue.ab12cd.use1.cache.amazonaws.com', port: 6379, tls: true },
    ollamaUrl: 'http://internal-gm-demo-int-1234567890.us-east-1.elb.amazonaws.com:11434',
    databaseSwitched: true,
  },
  // RDS exists, the data has not moved yet: n8n keeps the instance's PostgreSQL.
  migrating: {
    database: { host: 'gm-demo-db.c9akciq32xyz.us-east-1.rds.amazonaws.com', port: 5432 },
    queue: { host: 'master.gm-demo-queue.ab12cd.use1.cache.amazonaws.com', port: 6379, tls: true },
    databaseSwitched: false,
  },
  instance: { database: 'instance', queue: 'instance', databaseSwitched: false },
  'rds, queue on instance': {
    database: { host: 'gm-demo-db.c9akciq32xyz.us-east-1.rds.amazonaws.com', port: 5432 },
    queue: 'instance',
    databaseSwitched: true,
  },
} as const satisfies Record<string, ScaleWiring>;
export type WiringName = keyof typeof WIRINGS;

/** A scaled stack's config matching a wiring: automation behind its load balancer, n8n workers scaling on `scaleOn`, and Ollama workers. */
export function scaledConfig(wiring: WiringName, scaleOn: 'cpu' | 'queue', ollamaWorkers = true): StackConfig {
  const w = WIRINGS[wiring];
  return stackConfigSchema.parse({
    name: 'demo', tier: 'automation', instanceType: 't3.xlarge', access: { mode: 'load-balancer' },
    scale: {
      n8nWorkers: { scaleOn }, ...(ollamaWorkers ? { ollamaWorkers: {} } : {}),
      database: w.database === 'instance' ? 'instance' : 'rds', queue: w.queue === 'instance' ? 'instance' : 'elasticache',
    },
  });
}

/** The main instance of a scaled stack. */
export function scaledInput(wiring: WiringName, scaleOn: 'cpu' | 'queue', os: BootstrapInput['os'] = 'al2023'): BootstrapInput {
  return {
    config: scaledConfig(wiring, scaleOn), region: 'us-east-1', fileSystemId: 'fs-0123456789abcdef0', os, architecture: 'x86_64', gpu: false,
    publicUrl: 'http://gm-demo-123456789.us-east-1.elb.amazonaws.com', scale: WIRINGS[wiring],
  };
}

/** A worker of `pool`; Ollama workers on a GPU type run the Deep Learning AMI (Ubuntu) like a gpu stack. */
export function workerInput(pool: WorkerPoolName, wiring: WiringName, options: { gpu?: boolean; os?: BootstrapInput['os']; architecture?: BootstrapInput['architecture'] } = {}): WorkerBootstrapInput {
  return {
    config: scaledConfig(wiring, 'queue'), region: 'us-east-1', fileSystemId: 'fs-0123456789abcdef0', pool, scale: WIRINGS[wiring],
    os: options.os ?? 'al2023', architecture: options.architecture ?? 'x86_64', gpu: options.gpu ?? false,
    publicUrl: 'http://gm-demo-123456789.us-east-1.elb.amazonaws.com',
  };
}
