import assert from 'node:assert/strict';
import { newStackState } from '../../src/engine/deploy';
import { GeuseError } from '../../src/engine/errors';
import { buildScope, kindsOf } from '../../src/engine/kinds';
import { MIGRATION_ATTRS } from '../../src/engine/scale/migrate-needed';
import { SCALE_KEYS } from '../../src/engine/scale/names';
import type { StackConfig, StackConfigInput } from '../../src/engine/stack/config';
import { RESOURCE_KINDS, type StackState } from '../../src/engine/state/schema';
import { plannedRemovals } from '../../src/engine/update/removals';
import { refuseLeavingRds } from '../../src/engine/update/refusals';
import { devConfig } from '../harness/engine';

const AT = '2026-12-07T10:00:00.000Z';
const ENDPOINT = 'gm-demo-db.c9akciq32.us-east-1.rds.amazonaws.com:5432';
const FACTS = {};

type Scale = StackConfigInput['scale'];
const RDS: Scale = { n8nWorkers: { min: 1, max: 3 } };
const RDS_WITH_OLLAMA: Scale = { n8nWorkers: { min: 1, max: 3 }, ollamaWorkers: { min: 1, max: 2 } };

/** A config of the automation tier, which scale stacks here use; scale as given (none: no scale section). */
const config = (scale?: Scale): StackConfig => devConfig({ tier: 'automation', access: { mode: 'load-balancer' }, ...(scale ? { scale } : {}) });

/** A stack deployed with `applied`: every resource its kinds journal, created. */
function deployedWith(applied: StackConfig): StackState {
  const state = newStackState(applied);
  state.status = 'deployed';
  const scope = buildScope(applied);
  for (const kind of kindsOf(scope)) {
    const keys = kind.journalKeys?.(scope, FACTS) ?? [];
    const name = RESOURCE_KINDS.find((each) => each === kind.kind);
    if (keys.length === 0) continue;
    assert.ok(name, `${kind.kind} is a journal kind`);
    for (const key of keys) {
      state.resources[key] = { key, kind: name, status: 'created', id: key === SCALE_KEYS.database ? 'gm-demo-db' : `id-${key}`, attrs: {}, external: false, updatedAt: AT };
    }
  }
  const database = state.resources[SCALE_KEYS.database];
  if (database) database.attrs = { endpoint: ENDPOINT };
  return state;
}

/**
 * A stack deployed without scale whose change to scale moved its PostgreSQL into RDS and then stopped part-way (the
 * launch template step failed): state.config is still the old one, the journal says the data moved.
 */
function movedThenStopped(): StackState {
  const state = deployedWith(config());
  state.status = 'deploy_failed';
  state.pending = { config: config(RDS), startedAt: AT, summary: [] };
  state.resources[SCALE_KEYS.database] = {
    key: SCALE_KEYS.database, kind: 'database', status: 'created', id: 'gm-demo-db', external: false, updatedAt: AT,
    attrs: { endpoint: ENDPOINT, [MIGRATION_ATTRS.at]: '2026-12-07T10:30:00.000Z', [MIGRATION_ATTRS.into]: 'gm-demo-db', [MIGRATION_ATTRS.rows]: '3175', [MIGRATION_ATTRS.tables]: '9' },
  };
  return state;
}

function refusal(run: () => unknown): GeuseError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof GeuseError, `not a GeuseError: ${String(error)}`);
    return error;
  }
  assert.fail('the change was not refused');
}

describe('a change that would take n8n off RDS is refused (the data is there)', () => {
  it('removing scale from a stack made with scale.database rds: refused before anything is planned for removal, naming the database, the way out and the password parameter', () => {
    const state = deployedWith(config(RDS));
    const error = refusal(() => plannedRemovals(state, config(), FACTS));
    assert.equal(error.code, 'DATABASE_CHANGE_REFUSED');
    assert.equal(error.kind, 'refused');
    assert.match(error.message, /n8n's data of stack demo is in RDS \(gm-demo-db\); this configuration has no scale section/);
    assert.match(error.message, /delete the RDS database with the data only it holds/);
    assert.match(error.message, /Moving the data out of RDS is not automated, so nothing was changed/);
    assert.match(error.nextStep, /Keep scale with database: rds/);
    assert.ok(error.nextStep.includes(`pg_dump -Fc from RDS (${ENDPOINT}, database n8n, user n8n, sslmode=require, the password in /geusemaker/demo/postgres-password)`), error.nextStep);
  });

  it('scale.database: instance is refused the same way; the queue moving to the instance alone is not', () => {
    const state = deployedWith(config(RDS));
    const error = refusal(() => plannedRemovals(state, config({ ...RDS, database: 'instance' }), FACTS));
    assert.equal(error.code, 'DATABASE_CHANGE_REFUSED');
    assert.match(error.message, /this configuration has scale\.database: instance/);
    const queueOnly = plannedRemovals(state, config({ ...RDS, queue: 'instance' }), FACTS);
    assert.ok(queueOnly.some((r) => r.kind === 'cache'), 'ElastiCache goes');
    assert.ok(!queueOnly.some((r) => r.key === SCALE_KEYS.database || r.key === SCALE_KEYS.databaseSubnetGroup));
  });

  it('a change that moved the data and then stopped part-way: going back to no scale is refused too, saying the data would be left behind, not deleted', () => {
    const state = movedThenStopped();
    assert.deepEqual(plannedRemovals(state, config(RDS), FACTS), [], 'finishing the change removes nothing');
    const error = refusal(() => plannedRemovals(state, config(), FACTS));
    assert.equal(error.code, 'DATABASE_CHANGE_REFUSED');
    assert.match(error.message, /moved there from the instance's PostgreSQL at 2026-12-07T10:30:00\.000Z/);
    assert.match(error.message, /on the instance's PostgreSQL \(as it was before the move\) and leave what n8n wrote to RDS behind, unused/);
  });

  it('a move that did not verify (no migration record) leaves the data on the instance: backing out of scale is allowed and removes nothing of RDS', () => {
    const state = movedThenStopped();
    state.resources[SCALE_KEYS.database]!.attrs = { endpoint: ENDPOINT };
    assert.doesNotThrow(() => refuseLeavingRds(state, config()));
    assert.deepEqual(plannedRemovals(state, config(), FACTS), []);
  });

  it('turning only ollamaWorkers off stays allowed: the internal load balancer and the Ollama pool go, the database stays', () => {
    const state = deployedWith(config(RDS_WITH_OLLAMA));
    const removals = plannedRemovals(state, config(RDS), FACTS);
    const keys = removals.map((r) => r.key).sort();
    assert.ok(keys.includes(SCALE_KEYS.internalLoadBalancer), keys.join(', '));
    assert.ok(keys.includes(SCALE_KEYS.ollamaTargetGroup), keys.join(', '));
    assert.ok(keys.includes(SCALE_KEYS.workerGroupKey('ollama')), keys.join(', '));
    assert.ok(keys.includes(SCALE_KEYS.workerTemplate('ollama')), keys.join(', '));
    assert.ok(!keys.includes(SCALE_KEYS.workerGroupKey('n8n')));
    assert.ok(!removals.some((r) => r.kind === 'database' || r.kind === 'db-subnet-group' || r.kind === 'cache'), keys.join(', '));
  });

  it('no change of any scaled stack plans the database\'s removal without the refusal', () => {
    const applied = [RDS, RDS_WITH_OLLAMA, { ...RDS, queue: 'instance' as const }];
    const wanted: (Scale | undefined)[] = [undefined, ...applied, { ...RDS, database: 'instance' }, { ...RDS_WITH_OLLAMA, database: 'instance', queue: 'instance' }, { n8nWorkers: { min: 2, max: 8 } }];
    let refusals = 0;
    for (const from of applied) {
      for (const to of wanted) {
        let removals;
        try {
          removals = plannedRemovals(deployedWith(config(from)), config(to), FACTS);
        } catch (error) {
          assert.ok(error instanceof GeuseError && error.code === 'DATABASE_CHANGE_REFUSED', String(error));
          assert.ok(to?.database === 'instance' || to === undefined, `refused ${JSON.stringify(to)}`);
          refusals++;
          continue;
        }
        assert.ok(!removals.some((r) => r.kind === 'database'), `${JSON.stringify(from)} → ${JSON.stringify(to)} removes the database`);
      }
    }
    assert.equal(refusals, applied.length * 3);
  });

  it('a stack that never had scale, or had it with database: instance, may drop it', () => {
    assert.doesNotThrow(() => plannedRemovals(deployedWith(config()), config(), FACTS));
    const onInstance = deployedWith(config({ ...RDS, database: 'instance' }));
    const removals = plannedRemovals(onInstance, config(), FACTS);
    assert.ok(removals.some((r) => r.key === SCALE_KEYS.workerGroupKey('n8n')), 'the n8n pool goes');
  });
});
