import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import type { AwsClients } from '../../src/engine/aws/clients';
import { names } from '../../src/engine/stack/naming';
import type { StatusDocument } from '../../src/cli/status-document';
import { devConfig, inspector, tempDir } from '../harness/engine';
import { RotationSsm } from '../harness/rotation-ssm';
import { cli } from './run-cli';

async function version(aws: AwsClients, secret: string): Promise<number> {
  return (await aws.ssm.send(new GetParameterCommand({ Name: names.parameter('demo', secret) }))).Parameter!.Version!;
}

describe('geusemaker secrets list | rotate (moto Parameter Store; SSM Run Command output recorded)', function () {
  this.timeout(180_000);

  it('list, rotate --yes, the refusals and an undone rotation, as words and JSON, with their exit codes (Run Command output recorded)', async () => {
    const stateDir = tempDir('gm-cli-secrets-');
    const aws = inspector();
    try {
      const config = join(tempDir('gm-cli-secrets-config-'), 'geusemaker.yaml');
      writeFileSync(config, 'name: demo\nrotateAfterDays: 30\n');
      const deployed = await cli(['deploy', '--config', config, '--yes', '--json'], { stateDir });
      assert.equal(deployed.code, 0, deployed.stderr);
      const ssm = new RotationSsm(aws, devConfig());
      await ssm.boot();

      // list: what Parameter Store says, one row per secret.
      const listed = await cli(['secrets', 'demo', 'list', '--json'], { stateDir });
      assert.equal(listed.code, 0, listed.stderr);
      const doc = JSON.parse(listed.stdout) as { name: string; rotateAfterDays: number | null; secrets: { name: string; version: number; rotatable: string | null; due: boolean }[] };
      assert.deepEqual([doc.name, doc.rotateAfterDays], ['demo', 30]);
      assert.deepEqual(doc.secrets.map((each) => [each.name, each.version, each.rotatable, each.due]), [
        ['postgres-password', 1, 'postgres', false], ['n8n-encryption-key', 1, null, false], ['n8n-owner-password', 1, 'n8n-owner', false],
        ['qdrant-api-key', 1, 'qdrant', false], ['crawl4ai-api-token', 1, 'crawl4ai', false], ['proxy-password', 1, null, false],
      ]);
      const words = await cli(['secrets', 'list', 'demo'], { stateDir });
      assert.equal(words.code, 0, words.stderr);
      assert.match(words.stdout, /^SECRET +VERSION +LAST CHANGED +AGE +ROTATE\n/);
      assert.match(words.stdout, /\nn8n-encryption-key +1 +\d{4}-\d\d-\d\d \d\d:\d\d UTC +0 d +never \(n8n cannot re-encrypt its credentials\)\n/);
      assert.match(words.stdout, /\nproxy-password +1 +.* +no: the stack does not use it\n/);
      assert.match(words.stdout, /\nrotateAfterDays is 30: none is due\.\n$/);

      // Refused before anything happens: the encryption key (with the reason), an unused secret, no terminal to ask on.
      const key = await cli(['secrets', 'demo', 'rotate', '--only', 'n8n-encryption-key', '--yes'], { stateDir, ssm: ssm.factory });
      assert.equal(key.code, 3);
      assert.match(key.stderr, /n8n has no way to re-encrypt its stored credentials with a new key/);
      const proxy = await cli(['secrets', 'demo', 'rotate', '--only', 'proxy', '--json'], { stateDir, ssm: ssm.factory });
      assert.equal(proxy.code, 3);
      assert.equal((JSON.parse(proxy.stdout) as { error: { code: string } }).error.code, 'SERVICE_NOT_IN_STACK');
      const unasked = await cli(['secrets', 'demo', 'rotate', '--only', 'qdrant'], { stateDir, ssm: ssm.factory });
      assert.equal(unasked.code, 3);
      assert.match(unasked.stdout, /Rotate the secrets of stack demo: qdrant\. In this order:\n {2}1\. New values for qdrant-api-key/);
      assert.match(unasked.stderr, /needs confirmation, but there is no terminal[\s\S]*geusemaker secrets demo rotate --only qdrant --yes/);
      assert.equal(await version(aws, 'qdrant-api-key'), 1, 'nothing changed');
      assert.equal((await cli(['secrets', 'demo', 'rotate', '--only', 'postgres,', '--yes'], { stateDir })).code, 2, 'a stray comma is a usage error');

      // rotate --yes --json: the versions Parameter Store read back.
      const rotated = await cli(['secrets', 'demo', 'rotate', '--only', 'qdrant,n8n-owner', '--yes', '--json'], { stateDir, ssm: ssm.factory });
      assert.equal(rotated.code, 0, rotated.stderr);
      assert.deepEqual(JSON.parse(rotated.stdout), {
        name: 'demo', rotated: [
          { secret: 'qdrant', parameter: '/geusemaker/demo/qdrant-api-key', version: 2 }, { secret: 'n8n-owner', parameter: '/geusemaker/demo/n8n-owner-password', version: 2 },
        ],
      });
      assert.deepEqual([await version(aws, 'qdrant-api-key'), await version(aws, 'n8n-owner-password'), await version(aws, 'postgres-password')], [2, 2, 1]);

      // Undone (a health round fails): exit 1, the versions put back in the message; words on a terminal-less run.
      ssm.breaks = 'crawl4ai';
      const undone = await cli(['secrets', 'rotate', 'demo', '--only', 'crawl4ai', '--yes'], { stateDir, ssm: ssm.factory });
      assert.equal(undone.code, 1);
      assert.match(undone.stdout, /Rotate the secrets of stack demo: crawl4ai\./, 'the plan is shown');
      assert.match(undone.stderr, /was undone: the health round after it failed 6 times: crawl4ai unhealthy[\s\S]*crawl4ai-api-token version 3/);
      assert.equal(await version(aws, 'crawl4ai-api-token'), 3);

      // status: with rotateAfterDays, the due secrets (none of them is a month old here).
      const status = await cli(['status', 'demo', '--json'], { stateDir, ssm: ssm.factory });
      assert.equal(status.code, 0, status.stderr);
      assert.deepEqual((JSON.parse(status.stdout) as StatusDocument).secrets, { rotateAfterDays: 30, due: [], note: null });
      const statusWords = await cli(['status', 'demo'], { stateDir, ssm: ssm.factory });
      assert.match(statusWords.stdout, /\n {2}Secrets: +none due for rotation \(rotateAfterDays 30\)\n$/);
    } finally {
      aws.destroy();
    }
  });
});
