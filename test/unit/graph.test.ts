import assert from 'node:assert/strict';
import { GeuseError } from '../../src/engine/errors';
import { criticalPathMs, runGraph, type GraphStep } from '../../src/engine/graph/run-graph';
import type { ProgressEvent } from '../../src/engine/progress';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function step(id: string, deps: string[], ms: number, log: string[], fail = false): GraphStep {
  return {
    id, title: id, deps,
    run: async () => {
      log.push(`start ${id}`);
      await delay(ms);
      if (fail) throw new GeuseError({ code: 'AWS_TRANSIENT', kind: 'transient', message: `${id} failed`, nextStep: 'retry' });
      log.push(`end ${id}`);
      return { outcome: 'created' };
    },
  };
}

describe('step graph executor', () => {
  it('a failed step\'s next step names the stack (an unverified account\'s CloudFront refusal, in the real 403 AccessDenied shape)', async () => {
    const refusal = Object.assign(new Error('Your account must be verified before you can add new CloudFront resources. To verify your account, please contact AWS Support.'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    const failing: GraphStep = { id: 'cloudfront', title: 'CloudFront', deps: [], run: async () => { throw refusal; } };
    await assert.rejects(runGraph([failing], { onProgress: () => undefined, context: { stack: 'lab' } }), (error: GeuseError) => {
      assert.equal(error.code, 'CLOUDFRONT_ACCOUNT_NOT_VERIFIED');
      assert.match(error.nextStep, /geusemaker destroy lab/);
      return true;
    });
  });

  it('starts independent steps together and each step as soon as its own dependencies are done', async () => {
    const log: string[] = [];
    await runGraph([step('a', [], 30, log), step('b', [], 5, log), step('c', ['b'], 5, log), step('d', ['a', 'c'], 1, log)], { onProgress: () => undefined });
    assert.deepEqual(log.slice(0, 2), ['start a', 'start b']);
    assert.ok(log.indexOf('start c') < log.indexOf('end a'), 'c does not wait for the unrelated slow step a');
    assert.ok(log.indexOf('start d') > log.indexOf('end a'));
  });

  it('after a failure starts nothing new, lets running steps finish, and throws the first error', async () => {
    const log: string[] = [];
    const events: ProgressEvent[] = [];
    await assert.rejects(
      runGraph([step('slow', [], 30, log), step('bad', [], 5, log, true), step('after-bad', ['bad'], 1, log), step('after-slow', ['slow'], 1, log)], { onProgress: (e) => events.push(e) }),
      /bad failed/,
    );
    assert.ok(log.includes('end slow'), 'the running step finished');
    assert.ok(!log.includes('start after-slow') && !log.includes('start after-bad'), 'nothing new started');
    assert.ok(events.some((e) => e.type === 'step-failed' && e.step === 'bad'));
  });

  it('a cancel stops before the next step, but not after the last one has started', async () => {
    const controller = new AbortController();
    const log: string[] = [];
    await assert.rejects(runGraph([step('a', [], 5, log), step('b', ['a'], 5, log)], {
      signal: controller.signal, onProgress: (e) => { if (e.type === 'step-started' && e.step === 'a') controller.abort(); },
    }), (error: unknown) => error instanceof GeuseError && error.kind === 'cancelled');
    assert.ok(!log.includes('start b'));

    const late = new AbortController();
    await runGraph([step('a', [], 5, []), step('b', ['a'], 5, [])], {
      signal: late.signal, onProgress: (e) => { if (e.type === 'step-started' && e.step === 'b') late.abort(); },
    });
  });

  it('measures the longest dependency chain from step durations', () => {
    const t = (id: string, deps: string[], start: number, end: number) => ({ id, deps, startedAt: start, endedAt: end });
    assert.equal(criticalPathMs([t('a', [], 0, 10), t('b', ['a'], 10, 15), t('c', [], 0, 40)]), 40);
    assert.equal(criticalPathMs([t('a', [], 0, 10), t('b', ['a'], 12, 50), t('c', [], 0, 40)]), 48);
  });
});
