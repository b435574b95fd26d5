import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { inPlaceScript, UPDATE_FAILED, UPDATE_OK } from '../../src/engine/update/in-place';

/** An instance's files under a temporary root, with a stand-in docker that logs what it is asked. */
function instance(): { root: string; run: (bootstrap: string) => { status: number | null; stdout: string; stderr: string }; docker: () => string } {
  const root = mkdtempSync(join(tmpdir(), 'gm-in-place-'));
  for (const dir of ['etc/geusemaker', 'etc/systemd/system', 'usr/local/sbin', 'var/log/geusemaker', 'root', 'bin']) mkdirSync(join(root, dir), { recursive: true });
  writeFileSync(join(root, 'etc/systemd/system/geusemaker.service'), '[Service]\nExecStop=old\n');
  writeFileSync(join(root, 'etc/geusemaker/docker-compose.yml'), 'services: { old: {} }\n');
  writeFileSync(join(root, 'usr/local/sbin/geusemaker-bootstrap'), '#!/bin/bash\necho old bootstrap\n');
  writeFileSync(join(root, 'bin/docker'), `#!/bin/bash\necho "docker $*" >>"${root}/docker.log"\n`);
  writeFileSync(join(root, 'bin/systemctl'), `#!/bin/bash\necho "systemctl $*" >>"${root}/docker.log"\n`);
  chmodSync(join(root, 'bin/docker'), 0o755);
  chmodSync(join(root, 'bin/systemctl'), 0o755);
  return {
    root,
    run: (bootstrap) => {
      const payload = gzipSync(Buffer.from(bootstrap)).toString('base64');
      const out = spawnSync('bash', ['-c', inPlaceScript(payload).join('\n')], { env: { ...process.env, GM_ROOT: root, PATH: `${join(root, 'bin')}:${process.env.PATH ?? ''}` }, encoding: 'utf8' });
      return { status: out.status, stdout: out.stdout, stderr: out.stderr };
    },
    docker: () => (existsSync(join(root, 'docker.log')) ? readFileSync(join(root, 'docker.log'), 'utf8') : ''),
  };
}

describe('the in-place update script (what SSM Run Command runs on the instance)', () => {
  it('installs and runs the new bootstrap, and prints the marker the engine waits for', () => {
    const box = instance();
    const result = box.run(`#!/bin/bash\nset -e\nprintf 'services: { new: {} }\\n' >"$GM_ROOT/etc/geusemaker/docker-compose.yml"\n`);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^${UPDATE_OK}$`, 'm'));
    assert.match(readFileSync(join(box.root, 'etc/geusemaker/docker-compose.yml'), 'utf8'), /new/);
    assert.match(readFileSync(join(box.root, 'usr/local/sbin/geusemaker-bootstrap'), 'utf8'), /services: \{ new/, 'the new bootstrap is the one a reboot runs');
    assert.deepEqual(readdirSync(join(box.root, 'root')), [], 'no backup left behind');
  });

  it('a bootstrap that fails puts the previous files back, starts them again, and says where it failed', () => {
    const box = instance();
    writeFileSync(join(box.root, 'var/log/geusemaker/bootstrap.log'), '2026-12-07T08:00:00Z FAILED at step wait-health: n8n not healthy\n');
    const result = box.run(`#!/bin/bash\nprintf 'services: { broken: {} }\\n' >"$GM_ROOT/etc/geusemaker/docker-compose.yml"\nprintf '[Service]\\nExecStop=new\\n' >"$GM_ROOT/etc/systemd/system/geusemaker.service"\nexit 1\n`);
    assert.equal(result.status, 1);
    assert.doesNotMatch(result.stdout, new RegExp(UPDATE_OK));
    assert.match(result.stderr, new RegExp(`${UPDATE_FAILED} FAILED at step wait-health: the previous settings are running again`));
    assert.match(readFileSync(join(box.root, 'etc/geusemaker/docker-compose.yml'), 'utf8'), /old/, 'the previous compose file is back');
    assert.match(readFileSync(join(box.root, 'usr/local/sbin/geusemaker-bootstrap'), 'utf8'), /old bootstrap/, 'and the previous bootstrap');
    assert.match(readFileSync(join(box.root, 'etc/systemd/system/geusemaker.service'), 'utf8'), /ExecStop=old/, 'and the units that call it');
    assert.match(box.docker(), /systemctl daemon-reload/);
    assert.match(box.docker(), /docker compose --project-name geusemaker --env-file \S+\/etc\/geusemaker\/stack\.env -f \S+\/etc\/geusemaker\/docker-compose\.yml up -d --remove-orphans/);
  });

  it('a bootstrap that waited in vain for another instance to release the data starts nothing', () => {
    const box = instance();
    writeFileSync(join(box.root, 'var/log/geusemaker/bootstrap.log'), '2026-12-07T08:00:00Z FAILED at step wait-lease: instance i-0abc still holds the data lease\n');
    const result = box.run('#!/bin/bash\nexit 1\n');
    assert.equal(result.status, 1);
    assert.match(result.stderr, /FAILED at step wait-lease: another instance holds the data, so nothing was started here/);
    assert.doesNotMatch(box.docker(), /docker compose/, 'no database opened beside the other instance\'s');
  });

  it('a payload that does not unpack changes nothing', () => {
    const box = instance();
    const out = spawnSync('bash', ['-c', inPlaceScript(Buffer.from('not gzip').toString('base64')).join('\n')], { env: { ...process.env, GM_ROOT: box.root }, encoding: 'utf8' });
    assert.equal(out.status, 1);
    assert.match(out.stderr, /could not be unpacked; nothing changed/);
    assert.match(readFileSync(join(box.root, 'usr/local/sbin/geusemaker-bootstrap'), 'utf8'), /old bootstrap/);
  });

  it('refuses a payload that is not base64 (it is placed in single quotes)', () => {
    assert.throws(() => inPlaceScript("abc'; rm -rf /; '"), /not base64/);
  });
});
