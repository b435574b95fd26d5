import assert from 'node:assert/strict';
import { flushChoice, flushOnInstance } from '../../src/engine/backup/flush';
import { FLUSH_BEGIN, FLUSH_END } from '../../src/engine/backup/flush-script';
import { newStackState } from '../../src/engine/deploy';
import { MIGRATION_ATTRS } from '../../src/engine/scale/migrate-needed';
import { SCALE_KEYS } from '../../src/engine/scale/names';
import type { CommandRunner } from '../../src/engine/ssm/run-command';
import type { StackConfigInput } from '../../src/engine/stack/config';
import type { StackState } from '../../src/engine/state/schema';
import { devConfig } from '../harness/engine';

const AT = '2026-12-07T10:00:00.000Z';

function stack(overrides: Partial<StackConfigInput> = {}, database?: Record<string, string>): StackState {
  const state = newStackState(devConfig(overrides));
  state.status = 'deployed';
  if (database) state.resources[SCALE_KEYS.database] = { key: SCALE_KEYS.database, kind: 'database', status: 'created', id: 'gm-demo-db', attrs: database, external: false, updatedAt: AT };
  return state;
}

describe('what a backup flushes once n8n\'s database is in RDS', () => {
  it('a stack on RDS: no pg_dump on the instance (its postgres container is gone), Qdrant still, and the backup says where PostgreSQL is kept instead', () => {
    for (const state of [stack({ scale: {} }, {}), stack({}, { [MIGRATION_ATTRS.at]: AT, [MIGRATION_ATTRS.into]: 'gm-demo-db' })]) {
      const choice = flushChoice(state);
      assert.deepEqual(choice.services, { postgres: false, qdrant: true });
      assert.equal(choice.notes.length, 1);
      assert.match(choice.notes[0]!, /PostgreSQL is not in this backup: n8n's database is in RDS \(gm-demo-db\), not on the file system\. RDS keeps its own automated backups \(7 days, .*\), and destroy takes a final snapshot of it unless --delete-data/);
    }
  });

  it('PostgreSQL on the instance (no scale, scale with database: instance, or RDS made but the move not verified) is dumped as before', () => {
    for (const state of [stack(), stack({ scale: { database: 'instance' } }), stack({}, { endpoint: 'gm-demo-db.x.us-east-1.rds.amazonaws.com:5432' })]) {
      assert.deepEqual(flushChoice(state), { services: { postgres: true, qdrant: true }, notes: [] });
    }
    assert.deepEqual(flushChoice(stack({ services: { postgres: false, n8n: false } })).services.postgres, false);
  });

  it('the flush of an RDS stack sends no pg_dump and does not miss a PostgreSQL copy (the instance answering as recorded SSM output)', async () => {
    const sent: string[] = [];
    const runner: CommandRunner = {
      run: async (_instanceId, lines) => {
        sent.push(lines.join('\n'));
        return { status: 'Success', stdout: `${FLUSH_BEGIN}\nitem kind=qdrant name=full file=qdrant/full-snapshot-2026-12-07-10-15-00.snapshot bytes=31457280\n${FLUSH_END} ok\n`, stderr: '', truncated: false, exitCode: 0 };
      },
    };
    const result = await flushOnInstance(runner, 'demo', 'i-0123456789abcdef0', flushChoice(stack({ scale: {} }, {})).services);
    assert.deepEqual(result.items.map((item) => item.kind), ['qdrant']);
    assert.doesNotMatch(sent.join('\n'), /pg_dump|exec -T postgres/);
  });
});
