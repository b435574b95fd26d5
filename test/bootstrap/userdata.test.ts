import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { renderCompose } from '../../src/engine/bootstrap/compose';
import { renderUserData, USERDATA_BUDGET_BYTES } from '../../src/engine/bootstrap/userdata';
import { generateSecret } from '../../src/engine/resources/secrets';
import { COMFY_NODES, EFS_UTILS, fakeSecret, indexOf, INSTANCE_ID, mode, prepare, SECRET_NAMES, steps, variants, waitForFile } from './harness';

const SHELLCHECK = existsSync('/usr/bin/shellcheck') ? '/usr/bin/shellcheck' : 'shellcheck';

describe('bootstrap UserData', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const boot = (script: string, omit?: string[], tagCommit?: string) => {
    const prepared = prepare(script, omit, tagCommit);
    dirs.push(prepared.dir);
    return prepared;
  };

  describe('every variant passes shellcheck and fits EC2 with a quarter to spare', () => {
    for (const [label, input] of variants()) {
      it(label, () => {
        const { script, payload, compressed } = renderUserData(input);
        assert.ok(payload.length <= USERDATA_BUDGET_BYTES, `${payload.length} bytes > ${USERDATA_BUDGET_BYTES}`);
        assert.equal(compressed, true);
        assert.equal(gunzipSync(payload).toString('utf8'), script, 'payload is the gzip of the script');
        const check = spawnSync(SHELLCHECK, ['-s', 'bash', '-'], { input: script, encoding: 'utf8' });
        assert.equal(check.status, 0, check.stdout + check.stderr);
        for (const line of script.split('\n').filter((l) => l.includes('shellcheck disable='))) {
          assert.match(line, /disable=\S+\s+#?\s*\S/, `shellcheck directive without a reason: ${line}`);
        }
      });
    }
  });

  it('no rendered variant holds a secret value, enables xtrace or prints a fetched value', () => {
    // Secret values are generated the way the engine does; none can have reached a renderer that never sees them.
    const generated = Array.from({ length: 20 }, () => generateSecret(24));
    for (const [label, input] of variants()) {
      const { script } = renderUserData(input);
      for (const value of generated) assert.ok(!script.includes(value), label);
      assert.doesNotMatch(script, /^\s*set -[a-z]*x|set -o xtrace/m, `${label}: xtrace would print secrets`);
      assert.doesNotMatch(script, /echo "\$(value|owner_password|proxy_password)"/, label);
      for (const name of SECRET_NAMES) assert.ok(!script.includes(fakeSecret(name)), label);
    }
  });

  describe('dry boot with stub tools in a temporary root', () => {
    for (const [label, input] of variants().filter(([, i]) => i.architecture === 'x86_64' || i.config.tier === 'dev')) {
      it(`${label}: runs every step in order, writes the files root-only, leaks no secret`, async () => {
        const { script } = renderUserData(input);
        const b = boot(script);
        const result = b.run();
        assert.equal(result.status, 0, `${b.log()}\n${result.stderr}`);
        const log = b.log();
        const proxy = input.config.access.mode !== 'ssm';
        assert.deepEqual(steps(log), [
          'aws-cli', ...(input.gpu ? ['gpu-check'] : []), 'install-packages', 'mount-efs', 'service-dirs', 'secrets', 'write-files',
          ...(input.gpu ? ['comfyui-nodes'] : []), 'pull-images', 'wait-lease', 'start', 'wait-health', 'n8n-owner', 'ollama-models', 'finish',
        ]);
        assert.match(log, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ == step mount-efs$/m, 'steps carry a UTC timestamp');

        const calls = b.calls();
        const installer = input.os === 'al2023' ? /^dnf install -y -q docker$/ : /^apt-get install -y -q docker\.io docker-compose-v2$/;
        const ubuntu = input.os !== 'al2023';
        const efsUtils = ubuntu
          ? [
            new RegExp(`^git -c advice\\.detachedHead=false clone -q --depth 1 --branch ${EFS_UTILS.tag} https://github\\.com/aws/efs-utils\\.git \\S+$`),
            /^git -C \S+ rev-parse HEAD$/,
            /^build-deb\.sh$/,
            new RegExp(`^apt-get install -y -q \\S+/build/amazon-efs-utils-${EFS_UTILS.version.replaceAll('.', '\\.')}-1_all\\.deb$`),
          ]
          : [/^dnf install -y -q amazon-efs-utils$/];
        const nodes = input.gpu ? COMFY_NODES.flatMap((node) => [
          new RegExp(`^git -c advice\\.detachedHead=false clone -q --no-checkout ${node.url.replaceAll('.', '\\.')} \\S+/mnt/efs/comfyui/custom_nodes/${node.dir}$`),
          new RegExp(`^git -c advice\\.detachedHead=false -C \\S+/mnt/efs/comfyui/custom_nodes/${node.dir} checkout -q --detach ${node.commit}$`),
        ]) : [];
        const order = [
          input.gpu ? /^nvidia-smi -L$/ : installer,
          // efs-utils is installed (Ubuntu: built from the pinned commit) before the first mount.
          ...efsUtils,
          /^mount \S+\/mnt\/efs$/,
          /^aws ssm get-parameter .*--name \/geusemaker\/demo\/postgres-password /,
          ...nodes,
          /^docker compose --project-name geusemaker --env-file \S+\/etc\/geusemaker\/stack\.env -f \S+ pull --quiet$/,
          /^curl .*http:\/\/169\.254\.169\.254\/latest\/meta-data\/instance-id$/,
          /^docker compose .* up -d --remove-orphans$/,
          /^systemctl enable --now geusemaker\.service$/,
          /^systemctl restart geusemaker-spot-watch\.service$/,
          /^curl -fsS -m 5 http:\/\/127\.0\.0\.1:5678\/healthz$/,
          /^curl .*--data-binary @- http:\/\/127\.0\.0\.1:5678\/rest\/owner\/setup$/,
        ].map((pattern) => {
          const at = indexOf(calls, pattern);
          assert.ok(at >= 0, `no call matching ${pattern}:\n${calls.join('\n')}`);
          return at;
        });
        assert.deepEqual(order, [...order].sort((x, y) => x - y), `calls out of order:\n${calls.join('\n')}`);
        if (input.gpu) assert.equal(indexOf(calls, installer), -1, 'the Deep Learning AMI keeps its own Docker');
        if (!input.gpu) assert.equal(indexOf(calls, /custom_nodes/), -1, 'ComfyUI nodes only on GPU stacks');
        if (!ubuntu) assert.equal(indexOf(calls, /efs-utils\.git|build-deb/), -1, 'Amazon Linux takes efs-utils from dnf');
        for (const node of input.gpu ? COMFY_NODES : []) {
          const dir = join(b.root, 'mnt/efs/comfyui/custom_nodes', node.dir);
          assert.equal(readFileSync(join(dir, '.git/HEAD-commit'), 'utf8').trim(), node.commit, `${node.dir} at its pinned commit`);
          assert.ok(calls.includes(`chown -R 0:0 ${dir}`), `${node.dir} owned by the uid ComfyUI runs as`);
        }
        if (input.os === 'al2023' && !input.gpu) {
          assert.ok(indexOf(calls, /^curl .*compose\/releases\/download\/v\d+\.\d+\.\d+\/docker-compose-linux-(x86_64|aarch64)$/) >= 0);
          assert.ok(indexOf(calls, /^sha256sum -c -$/) >= 0, 'the compose plugin checksum is verified');
        }

        const etc = join(b.root, 'etc/geusemaker');
        assert.equal(mode(etc), '700');
        assert.equal(mode(join(etc, 'stack.env')), '600');
        const env = readFileSync(join(etc, 'stack.env'), 'utf8');
        assert.match(env, new RegExp(`^POSTGRES_PASSWORD=${fakeSecret('postgres-password')}$`, 'm'));
        assert.match(env, new RegExp(`^N8N_ENCRYPTION_KEY=${fakeSecret('n8n-encryption-key')}$`, 'm'));
        assert.ok(!env.includes(fakeSecret('n8n-owner-password')) && !env.includes(fakeSecret('proxy-password')), 'login passwords are not kept in the env file');
        for (const name of ['qdrant', 'crawl4ai']) {
          const variable = name === 'qdrant' ? 'QDRANT_API_KEY' : 'CRAWL4AI_API_TOKEN';
          assert.match(env, new RegExp(`^${variable}=FAKE-SECRET-`, 'm'), `${variable} for ${name}`);
        }
        assert.equal(readFileSync(join(etc, 'docker-compose.yml'), 'utf8'), `${renderCompose(input).trimEnd()}\n`);
        assert.equal(mode(join(etc, 'docker-compose.yml')), '600');
        assert.equal(existsSync(join(etc, 'nginx-site.conf')), proxy);
        if (proxy) {
          assert.equal(mode(join(etc, 'htpasswd')), '640');
          const hash = createHash('sha1').update(fakeSecret('proxy-password')).digest('base64');
          assert.equal(readFileSync(join(etc, 'htpasswd'), 'utf8'), `admin:{SHA}${hash}\n`);
        }
        for (const unit of ['geusemaker.service', 'geusemaker-spot-watch.service']) assert.ok(existsSync(join(b.root, 'etc/systemd/system', unit)));
        // This instance holds the data lease; after a reboot the unit takes it before compose starts anything.
        assert.match(readFileSync(join(b.root, 'mnt/efs/.geusemaker/lease'), 'utf8'), new RegExp(`^${INSTANCE_ID} \\d+\n$`));
        const unit = readFileSync(join(b.root, 'etc/systemd/system/geusemaker.service'), 'utf8');
        assert.match(unit, /^ExecStartPre=\/usr\/local\/sbin\/geusemaker-bootstrap lease\nExecStart=\/usr\/bin\/docker compose .* up -d$/m);
        assert.match(unit, /^ExecStop=\/usr\/local\/sbin\/geusemaker-bootstrap stop$/m);
        assert.match(readFileSync(join(b.root, 'etc/systemd/system/geusemaker-spot-watch.service'), 'utf8'), /^After=docker\.service geusemaker\.service$/m);
        assert.equal(mode(join(b.root, 'usr/local/sbin/geusemaker-bootstrap')), '700');
        // Every OS mounts through efs-utils, over TLS, authorized by the instance role.
        assert.match(readFileSync(join(b.root, 'etc/fstab'), 'utf8'), /^fs-0123456789abcdef0:\/ \/mnt\/efs efs _netdev,tls,iam 0 0$/m);
        assert.doesNotMatch(readFileSync(join(b.root, 'etc/fstab'), 'utf8'), /nfs4/);
        for (const dir of ['n8n', 'postgres', 'ollama', 'qdrant', ...(input.gpu ? ['comfyui/models'] : [])]) assert.equal(mode(join(b.root, 'mnt/efs', dir)), '700', dir);
        assert.ok(calls.includes(`chown 1000:1000 ${b.root}/mnt/efs/n8n`));
        assert.ok(calls.includes(`chown 999:999 ${b.root}/mnt/efs/postgres`));

        const owner = readFileSync(join(b.dir, 'state/curl-stdin'), 'utf8');
        assert.match(owner, /"email":"admin@demo\.local"/);
        assert.ok(owner.includes(`"password":"${fakeSecret('n8n-owner-password')}"`), 'the owner password went through stdin');
        const pullLog = join(b.root, 'var/log/geusemaker/ollama-pull.log');
        await waitForFile(pullLog, 'model pulls finished');
        assert.ok(b.calls().some((call) => /^docker compose .* exec -T ollama ollama pull llama3\.2:3b$/.test(call)));

        const statuses = b.statuses();
        assert.equal(statuses[0]?.state, 'running');
        assert.deepEqual({ ...statuses.at(-1), at: '' }, { state: 'ok', step: 'finish', at: '' });
        assert.match(statuses.at(-1)?.at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

        const visible = `${b.log()}\n${readFileSync(pullLog, 'utf8')}\n${b.calls().join('\n')}\n${result.stderr}`;
        for (const name of SECRET_NAMES) assert.ok(!visible.includes(fakeSecret(name)), `${name} appears in a log or a command line`);
      });
    }
  });

  it('runs again without duplicating the fstab entry or setting the n8n owner twice', () => {
    const [, input] = variants()[0]!;
    const b = boot(renderUserData(input).script);
    assert.equal(b.run().status, 0);
    assert.equal(b.run().status, 0, b.log());
    assert.equal(readFileSync(join(b.root, 'etc/fstab'), 'utf8').split('\n').filter((line) => line.includes(' /mnt/efs ')).length, 1);
    assert.equal(b.calls().filter((call) => call.includes('/rest/owner/setup')).length, 1);
    assert.match(b.log(), /n8n owner already set up/);
  });

  it('on Ubuntu GPU, a second run neither rebuilds efs-utils nor re-clones the ComfyUI nodes already at their commits', () => {
    const [, input] = variants().find(([, i]) => i.gpu && i.os === 'ubuntu-22.04')!;
    const b = boot(renderUserData(input).script);
    assert.equal(b.run().status, 0, b.log());
    const first = b.calls().length;
    assert.equal(b.run().status, 0, b.log());
    const again = b.calls().slice(first);
    assert.equal(indexOf(again, /^git .*clone|^build-deb|amazon-efs-utils-.*\.deb$/), -1, `second run repeated work:\n${again.join('\n')}`);
    assert.match(b.log(), new RegExp(`amazon-efs-utils ${EFS_UTILS.version.replaceAll('.', '\\.')} already installed`));
    for (const node of COMFY_NODES) assert.ok(b.log().includes(`${node.dir} already at ${node.commit}`), node.dir);
  });

  it('refuses an efs-utils tag that no longer points at the pinned commit, before anything is mounted', () => {
    const [, input] = variants().find(([, i]) => i.os === 'ubuntu-24.04')!;
    const b = boot(renderUserData(input).script, [], '0000000000000000000000000000000000000000');
    assert.notEqual(b.run().status, 0);
    assert.match(b.log(), new RegExp(`FAILED at step install-packages: efs-utils ${EFS_UTILS.tag} is not the pinned commit ${EFS_UTILS.commit}`));
    assert.equal(indexOf(b.calls(), /^build-deb|^mount /), -1, 'nothing was built or mounted');
    assert.deepEqual([b.statuses().at(-1)?.state, b.statuses().at(-1)?.step], ['failed', 'install-packages']);
  });

  it('stops a GPU boot whose ComfyUI node cannot be cloned, naming the step, before anything starts', () => {
    const [, input] = variants().find(([, i]) => i.gpu && i.os === 'al2023')!;
    const failing = COMFY_NODES.at(-1)!;
    const b = boot(renderUserData(input).script);
    assert.notEqual(b.run({ STUB_GIT_FAIL: failing.url }).status, 0);
    assert.match(b.log(), new RegExp(`FAILED at step comfyui-nodes: cannot clone ${failing.url.replaceAll('.', '\\.')}`));
    assert.equal(indexOf(b.calls(), /compose .* (pull|up)/), -1, 'no image pulled, no container started');
    assert.deepEqual([b.statuses().at(-1)?.state, b.statuses().at(-1)?.step], ['failed', 'comfyui-nodes']);
  });

  it('stops with the failed step and a failed status when EFS never mounts', () => {
    const [, input] = variants()[0]!;
    const b = boot(renderUserData(input).script);
    const result = b.run({ STUB_MOUNT_FAIL: '1' });
    assert.notEqual(result.status, 0);
    const log = b.log();
    assert.match(log, /FAILED at step mount-efs: EFS fs-0123456789abcdef0 not mounted after 3 attempts/);
    assert.deepEqual(steps(log).at(-1), 'mount-efs');
    assert.equal(b.calls().filter((call) => call.startsWith('mount ')).length, 3, 'the retry count is bounded');
    assert.equal(indexOf(b.calls(), /get-parameter|compose .* up/), -1, 'nothing after the mount ran');
    assert.deepEqual(b.statuses().at(-1) && { state: b.statuses().at(-1)!.state, step: b.statuses().at(-1)!.step }, { state: 'failed', step: 'mount-efs' });
  });

  it('stops a GPU stack whose AMI has no NVIDIA driver before installing anything', () => {
    const [, input] = variants().find(([, i]) => i.gpu)!;
    const b = boot(renderUserData(input).script, ['nvidia-smi']);
    assert.notEqual(b.run().status, 0);
    assert.match(b.log(), /FAILED at step gpu-check: nvidia-smi not found/);
    assert.equal(indexOf(b.calls(), /^(dnf|apt-get|mount) /), -1);
    assert.equal(b.statuses().at(-1)?.state, 'failed');
    assert.equal(b.statuses().at(-1)?.step, 'gpu-check');
  });

  it('records an unexpected command failure through the ERR trap with its step and exit code', () => {
    const [, input] = variants()[0]!;
    const b = boot(renderUserData(input).script);
    assert.notEqual(b.run({ STUB_DOCKER_FAIL: 'up' }).status, 0);
    assert.match(b.log(), /FAILED at step start \(exit 1\)/);
    assert.equal(b.statuses().at(-1)?.step, 'start');
    assert.equal(b.statuses().at(-1)?.state, 'failed');
  });

  it('the spot watcher polls IMDSv2 until a notice, then stops the containers and records the interruption', () => {
    const [, input] = variants()[0]!;
    const b = boot(renderUserData(input).script);
    assert.equal(b.run().status, 0);
    const watcher = spawnSync('bash', [join(b.root, 'usr/local/sbin/geusemaker-bootstrap'), 'spot-watch'], {
      env: { PATH: `${join(b.dir, 'bin')}:/usr/bin:/bin`, GM_ROOT: b.root, STUB_CALLS: join(b.dir, 'calls.log'), STUB_STATE: join(b.dir, 'state'), STUB_INSTANCE_ID: INSTANCE_ID, GM_SPOT_POLL: '0', STUB_SPOT_AFTER: '2' },
      encoding: 'utf8', timeout: 30_000,
    });
    assert.equal(watcher.status, 0, watcher.stderr);
    const calls = b.calls();
    assert.equal(calls.filter((call) => call.includes('spot/instance-action')).length, 3, 'polled until the third answer was a notice');
    assert.ok(calls.some((call) => /^curl .*-X PUT -H X-aws-ec2-metadata-token-ttl-seconds: 300 http:\/\/169\.254\.169\.254\/latest\/api\/token$/.test(call)));
    assert.ok(calls.some((call) => /^curl .*-H X-aws-ec2-metadata-token: token http:\/\/169\.254\.169\.254\/latest\/meta-data\/spot\/instance-action$/.test(call)));
    assert.ok(calls.at(-1) !== undefined && indexOf(calls, /^docker compose .* stop -t 60$/) > indexOf(calls, /spot\/instance-action/));
    assert.match(b.log(), /spot interruption notice: stopping the containers/);
    assert.equal(b.statuses().at(-1)?.state, 'interrupted');
    assert.equal(b.statuses().at(-1)?.step, 'spot-watch');
  });
});
