import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CATALOGUE } from '../../src/engine/health/catalogue';
import { disksOf } from '../../src/engine/health/disks';
import { parseHealthOutput } from '../../src/engine/health/report';
import { renderHealthScript } from '../../src/engine/health/script';
import { LocalShellRunner } from '../fixtures/ssm/local-runner';

describe('health: the script measures disk space with df', () => {
  it('reports the root volume, and EFS as not mounted when /mnt/efs is a plain folder', async () => {
    const runner = new LocalShellRunner();
    const withoutEfs = parseHealthOutput((await runner.run('i-local', renderHealthScript([CATALOGUE.ollama]))).stdout);
    assert.ok('report' in withoutEfs, JSON.stringify(withoutEfs));
    assert.deepEqual(withoutEfs.report.disks?.map((d) => d.name), ['root'], 'no /mnt/efs at all: left out');
    const [root] = disksOf(withoutEfs.report.disks);
    assert.ok(root && root.totalBytes > 0 && root.availableBytes > 0 && root.availableBytes <= root.totalBytes, JSON.stringify(root));

    mkdirSync(join(runner.root, 'mnt', 'efs'), { recursive: true });
    const plainFolder = parseHealthOutput((await runner.run('i-local', renderHealthScript([CATALOGUE.ollama]))).stdout);
    assert.ok('report' in plainFolder);
    assert.deepEqual(disksOf(plainFolder.report.disks).map((d) => [d.volume, d.mounted]), [['root', true], ['efs', false]]);
  });
});
