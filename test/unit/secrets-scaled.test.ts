import assert from 'node:assert/strict';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { newStackState } from '../../src/engine/deploy';
import { GeuseError } from '../../src/engine/errors';
import { MIGRATION_ATTRS } from '../../src/engine/scale/migrate-needed';
import { SCALE_KEYS } from '../../src/engine/scale/names';
import { readSecretAges } from '../../src/engine/secrets/ages';
import { chooseSecrets, heldBack } from '../../src/engine/secrets/rotatable';
import type { StackConfigInput } from '../../src/engine/stack/config';
import type { StackState } from '../../src/engine/state/schema';
import { devConfig, inspector } from '../harness/engine';

const AT = '2026-12-07T10:00:00.000Z';

/** A deployed stack applied with `overrides`; `database` adds the RDS database's record (attrs as given). */
function stack(overrides: Partial<StackConfigInput> = {}, database?: Record<string, string>): StackState {
  const state = newStackState(devConfig(overrides));
  state.status = 'deployed';
  if (database) state.resources[SCALE_KEYS.database] = { key: SCALE_KEYS.database, kind: 'database', status: 'created', id: 'gm-demo-db', attrs: database, external: false, updatedAt: AT };
  return state;
}

const scaledOnRds = () => stack({ scale: {} }, { endpoint: 'gm-demo-db.c9akciq32.us-east-1.rds.amazonaws.com:5432' });
/** Moved into RDS by a change that then stopped part-way: the applied config is still the one without scale. */
const movedNotApplied = () => stack({}, { [MIGRATION_ATTRS.at]: AT, [MIGRATION_ATTRS.into]: 'gm-demo-db' });

function refusal(run: () => unknown): GeuseError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof GeuseError, `not a GeuseError: ${String(error)}`);
    return error;
  }
  assert.fail('not refused');
}

describe('secret rotation on a scaled stack: what it leaves alone, and why', () => {
  it('n8n\'s data in RDS: postgres-password is the RDS master password, so it is left out of a rotation and refused when named, with the reason', () => {
    for (const state of [scaledOnRds(), movedNotApplied()]) {
      const chosen = chooseSecrets(state, undefined, false);
      assert.ok(!chosen.includes('postgres'), chosen.join(', '));
      assert.ok(chosen.includes('qdrant'), 'the other secrets are still rotated');
      for (const word of ['postgres', 'postgres-password']) {
        const error = refusal(() => chooseSecrets(state, [word], false));
        assert.equal(error.code, 'SECRET_NOT_ROTATABLE');
        assert.equal(error.kind, 'refused');
        assert.match(error.message, /The postgres-password of stack demo is not rotated: it is the master password of RDS database gm-demo-db, which holds n8n's data: changing RDS's master password \(ModifyDBInstance\) .* is not automated yet\./);
        assert.match(error.nextStep, /Leave postgres out of --only; the secrets rotated on this stack are qdrant, crawl4ai/);
      }
    }
  });

  it('an RDS database made by a move that did not verify still has this password as its master password: refused too', () => {
    const state = stack({}, { endpoint: 'gm-demo-db.c9akciq32.us-east-1.rds.amazonaws.com:5432' });
    const error = refusal(() => chooseSecrets(state, ['postgres'], false));
    assert.equal(error.code, 'SECRET_NOT_ROTATABLE');
    assert.match(error.message, /RDS database gm-demo-db was made with it as its master password, and moving n8n's data into RDS logs in with it/);
  });

  it('scale with database: instance: the workers read the password at boot, so it is refused with that reason', () => {
    const error = refusal(() => chooseSecrets(stack({ scale: { database: 'instance', queue: 'instance' } }), ['postgres'], false));
    assert.equal(error.code, 'SECRET_NOT_ROTATABLE');
    assert.match(error.message, /the n8n workers read it from Parameter Store when they start/);
  });

  it('redis-auth-token is refused with the reason on a scaled stack, and is not the stack\'s on one without scale', () => {
    for (const word of ['redis-auth-token', 'redis', 'queue']) {
      const error = refusal(() => chooseSecrets(scaledOnRds(), ['qdrant', word], false));
      assert.equal(error.code, 'SECRET_NOT_ROTATABLE');
      assert.match(error.message, /The redis-auth-token of stack demo is not rotated: it is the queue's AUTH token .* changing it in ElastiCache \(ModifyReplicationGroup\) and in all of them together is not automated yet\./);
    }
    const plain = refusal(() => chooseSecrets(stack(), ['redis-auth-token'], false));
    assert.equal(plain.code, 'SERVICE_NOT_IN_STACK');
    assert.deepEqual(heldBack(scaledOnRds()).map((each) => each.parameter), ['postgres-password', 'redis-auth-token']);
  });

  it('a stack without scale rotates its PostgreSQL password as before and holds nothing back', () => {
    assert.deepEqual(heldBack(stack()), []);
    assert.deepEqual(chooseSecrets(stack(), ['postgres'], false), ['postgres']);
    assert.ok(chooseSecrets(stack(), undefined, false).includes('postgres'));
  });

  it('secrets list says why postgres-password and redis-auth-token are not rotated (Parameter Store in moto), and neither is ever due', async () => {
    const state = scaledOnRds();
    const clients = inspector();
    try {
      for (const name of ['postgres-password', 'redis-auth-token', 'qdrant-api-key']) {
        await clients.ssm.send(new PutParameterCommand({ Name: `/geusemaker/demo/${name}`, Type: 'SecureString', Value: `value-of-${name}` }));
      }
      const ages = await readSecretAges(clients, state, chooseSecrets(state, undefined, false), { rotateAfterDays: 1, now: new Date(Date.now() + 30 * 86_400_000) });
      const byName = Object.fromEntries(ages.map((age) => [age.name, age]));
      assert.equal(byName['postgres-password']?.rotatable, undefined);
      assert.match(byName['postgres-password']?.notRotatedBecause ?? '', /master password of RDS database gm-demo-db/);
      assert.equal(byName['postgres-password']?.due, false, 'not due: rotation cannot change it');
      assert.match(byName['redis-auth-token']?.notRotatedBecause ?? '', /the queue's AUTH token/);
      assert.equal(byName['qdrant-api-key']?.rotatable, 'qdrant');
      assert.equal(byName['qdrant-api-key']?.due, true);
    } finally {
      clients.destroy();
    }
  });
});
