import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseSettleOutput, settleScript } from '../../src/engine/backup/settle';

/** A file system the first boot on restored data left: fresh service directories beside AWS Backup's restore directory. */
function instance(restoreDirs: string[] = ['aws-backup-restore_2026-12-07T10-20-00']) {
  const root = mkdtempSync(join(tmpdir(), 'gm-settle-'));
  const efs = join(root, 'mnt/efs');
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(efs, path)), { recursive: true });
    writeFileSync(join(efs, path), text);
  };
  write('postgres/PG_VERSION', 'fresh');
  write('.geusemaker/lease', 'i-0new 1765102800');
  for (const dir of restoreDirs) {
    write(`${dir}/postgres/PG_VERSION`, 'restored');
    write(`${dir}/n8n/config`, '{"encryptionKey":"restored"}');
    write(`${dir}/.geusemaker/n8n-owner-set`, '');
    write(`${dir}/backups/postgres/n8n-20261207T050000Z.dump`, 'PGDMP');
  }
  mkdirSync(join(root, 'bin'));
  writeFileSync(join(root, 'bin/docker'), `#!/bin/sh\necho "docker $*" >>"${root}/docker.log"\n`);
  chmodSync(join(root, 'bin/docker'), 0o755);
  return {
    efs,
    run: () => spawnSync('sh', ['-c', settleScript().join('\n')], { encoding: 'utf8', env: { ...process.env, GM_ROOT: root, PATH: `${join(root, 'bin')}:${process.env.PATH ?? ''}` } }),
    docker: () => (existsSync(join(root, 'docker.log')) ? readFileSync(join(root, 'docker.log'), 'utf8') : ''),
  };
}

describe('the restore settle script (AWS Backup restores into aws-backup-restore_<time>, the services look at the root)', () => {
  it('stops the containers, keeps what the first boot made aside, moves the restored tree to the root, starts them again', () => {
    const box = instance();
    const out = box.run();
    assert.equal(out.status, 0, out.stderr);
    const result = parseSettleOutput(out.stdout);
    assert.ok(result?.ok, out.stdout);
    assert.equal(result.moved, 'aws-backup-restore_2026-12-07T10-20-00');
    assert.match(result.aside ?? '', /^\.geusemaker-before-restore-\d{8}T\d{6}Z$/);
    assert.equal(readFileSync(join(box.efs, 'postgres/PG_VERSION'), 'utf8'), 'restored', 'PostgreSQL finds the restored data where it looks');
    assert.ok(existsSync(join(box.efs, '.geusemaker/n8n-owner-set')), 'hidden entries move too');
    assert.ok(existsSync(join(box.efs, 'backups/postgres/n8n-20261207T050000Z.dump')), 'and the dumps the flush made');
    assert.ok(!existsSync(join(box.efs, 'aws-backup-restore_2026-12-07T10-20-00')), 'the restore directory is gone');
    assert.equal(readFileSync(join(box.efs, result.aside!, 'postgres/PG_VERSION'), 'utf8'), 'fresh', 'the first boot\'s files are kept aside, not deleted');
    assert.ok(existsSync(join(box.efs, result.aside!, '.geusemaker/lease')));
    const docker = box.docker().trim().split('\n');
    assert.match(docker[0]!, /compose --project-name geusemaker .* stop$/);
    assert.match(docker[1]!, /compose --project-name geusemaker .* up -d$/);
  });

  it('a file system whose data is already at the root is left alone (nothing stops)', () => {
    const box = instance([]);
    const result = parseSettleOutput(box.run().stdout);
    assert.deepEqual(result, { ok: true });
    assert.equal(readFileSync(join(box.efs, 'postgres/PG_VERSION'), 'utf8'), 'fresh');
    assert.equal(box.docker(), '');
  });

  it('two restore directories are refused: which one is the data cannot be told, and nothing moves', () => {
    const box = instance(['aws-backup-restore_2026-12-07T10-20-00', 'aws-backup-restore_2026-12-08T10-20-00']);
    const result = parseSettleOutput(box.run().stdout);
    assert.ok(result && !result.ok);
    assert.equal(result.step, 'find');
    assert.match(result.words, /2 aws-backup-restore directories/);
    assert.deepEqual(readdirSync(box.efs).sort(), ['.geusemaker', 'aws-backup-restore_2026-12-07T10-20-00', 'aws-backup-restore_2026-12-08T10-20-00', 'postgres']);
    assert.equal(box.docker(), '');
  });
});
