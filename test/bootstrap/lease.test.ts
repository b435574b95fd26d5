import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderUserData } from '../../src/engine/bootstrap/userdata';
import { type Boot, indexOf, INSTANCE_ID, prepare, steps, variants, waitForFile } from './harness';

// The single-writer lease on EFS: two instances must never run the stack's databases on the same data.
const OTHER = 'i-0aaaaaaaaaaaaaaa1';
const now = () => Math.floor(Date.now() / 1000);
const leasePath = (b: Boot) => join(b.root, 'mnt/efs/.geusemaker/lease');
const lease = (b: Boot) => (existsSync(leasePath(b)) ? readFileSync(leasePath(b), 'utf8') : undefined);
/** A lease as another instance (or this one, earlier) left it: renewed ageSeconds ago. */
const writeLease = (b: Boot, id: string, ageSeconds: number) => writeFileSync(leasePath(b), `${id} ${now() - ageSeconds}\n`);
const logPath = (b: Boot) => join(b.root, 'var/log/geusemaker/bootstrap.log');
const up = /^docker compose .* up -d --remove-orphans$/;
const stop = /^docker compose .* stop -t 60$/;
const waitingStatus = (b: Boot) => b.statuses().some((s) => s.state === 'running' && s.step === 'wait-lease');

/** The holder and heartbeat of a lease, checked to be this instance's and renewed no earlier than `since`. */
function assertOurs(content: string | undefined, since: number, id = INSTANCE_ID): void {
  const match = /^(\S+) (\d+)\n$/.exec(content ?? '');
  assert.ok(match, `not a lease: ${JSON.stringify(content)}`);
  assert.equal(match[1], id);
  assert.ok(Number(match[2]) >= since && Number(match[2]) <= now(), `heartbeat ${match[2]} not renewed since ${since}`);
}

describe('bootstrap data lease on EFS', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const script = renderUserData(variants()[0]![1]).script;
  const boot = () => {
    const b = prepare(script);
    dirs.push(b.dir);
    return b;
  };
  /** A root that has booted once: this instance holds the lease and runs the stack. */
  const booted = () => {
    const b = boot();
    assert.equal(b.run().status, 0, b.log());
    return b;
  };
  /** EFS as another instance left it: its folder is there before this instance boots. */
  const efsReady = (b: Boot) => mkdirSync(join(b.root, 'mnt/efs/.geusemaker'), { recursive: true });

  it('no lease: takes it with this instance id from IMDSv2 and a fresh heartbeat, then starts the services', () => {
    const b = boot();
    const since = now();
    assert.equal(b.run().status, 0, b.log());
    assertOurs(lease(b), since);
    const calls = b.calls();
    const id = indexOf(calls, /^curl .*-H X-aws-ec2-metadata-token: token http:\/\/169\.254\.169\.254\/latest\/meta-data\/instance-id$/);
    assert.ok(id >= 0 && id < indexOf(calls, up), 'the id was read before anything started');
    assert.match(b.log(), /== step wait-lease\n.* holding the data lease\n.* == step start\n/);
    assert.doesNotMatch(b.log(), /waiting for|stale/);
    assert.ok(!waitingStatus(b));
    assert.equal(indexOf(calls, stop), -1, 'nothing to stop: no other holder');
  });

  it('a fresh lease of another instance: waits at step wait-lease, and starts only once that instance released it', async () => {
    const b = boot();
    efsReady(b);
    writeLease(b, OTHER, 5);
    const running = b.start({ GM_LEASE_SLEEP: '0.2', GM_LEASE_TRIES: '150' });
    await waitForFile(logPath(b), `waiting for ${OTHER} to release the data`, 20_000);
    assert.equal(indexOf(b.calls(), up), -1, 'nothing started while the other instance holds the data');
    // The other instance stops its containers and releases.
    appendFileSync(join(b.dir, 'calls.log'), `test: ${OTHER} released the lease\n`);
    rmSync(leasePath(b));
    const result = await running;
    assert.equal(result.status, 0, `${b.log()}\n${result.stderr}`);
    const calls = b.calls();
    const released = calls.indexOf(`test: ${OTHER} released the lease`);
    assert.ok(indexOf(calls, stop) < released, 'this instance stopped anything of its own before waiting');
    assert.ok(released < indexOf(calls, up), `started before the release:\n${calls.join('\n')}`);
    assertOurs(lease(b), now() - 30);
    const log = b.log();
    assert.ok(log.indexOf('waiting for') < log.indexOf('holding the data lease') && log.indexOf('holding the data lease') < log.indexOf('== step start'));
    assert.equal(log.match(/waiting for/g)?.length, 1, 'one message per holder, not one per poll');
    assert.ok(waitingStatus(b), 'the status parameter showed step wait-lease');
    assert.deepEqual([b.statuses().at(-1)?.state, b.statuses().at(-1)?.step], ['ok', 'finish']);
  });

  it('a stale lease of another instance: taken over at once', () => {
    for (const [age, env] of [[120, {}], [10, { GM_LEASE_STALE_SECONDS: '5' }]] as const) {
      const b = boot();
      efsReady(b);
      writeLease(b, OTHER, age);
      const since = now();
      const started = Date.now();
      // GM_INSTANCE_ID stands in for IMDS; a wait would sleep 25 s.
      const result = b.run({ ...env, GM_INSTANCE_ID: 'i-0fedcba9876543210', GM_LEASE_SLEEP: '25' });
      assert.equal(result.status, 0, b.log());
      assert.ok(Date.now() - started < 15_000, 'did not wait');
      assertOurs(lease(b), since, 'i-0fedcba9876543210');
      assert.match(b.log(), new RegExp(`taking over the stale lease of ${OTHER} \\((${age}|${age + 1})s old\\)`));
      assert.doesNotMatch(b.log(), /waiting for/);
      assert.ok(!waitingStatus(b));
      assert.equal(indexOf(b.calls(), /meta-data\/instance-id/), -1, 'GM_INSTANCE_ID replaces IMDS');
    }
  });

  it('a second run on the same instance (an update over SSM) sees its own lease, renews it and goes on at once', () => {
    const b = booted();
    writeLease(b, INSTANCE_ID, 60);
    const firstLog = b.log().length;
    const since = now();
    const started = Date.now();
    // A confirmation pause or a wait would take 20 s.
    assert.equal(b.run({ GM_LEASE_PAUSE: '20', GM_LEASE_SLEEP: '20' }).status, 0, b.log());
    assert.ok(Date.now() - started < 10_000, 'did not wait');
    assertOurs(lease(b), since);
    const again = b.log().slice(firstLog);
    assert.match(again, /holding the data lease/);
    assert.doesNotMatch(again, /waiting for|stale/);
  });

  it('gives up after GM_LEASE_TRIES checks: fails at step wait-lease naming the holder, status failed, nothing started', () => {
    const b = boot();
    efsReady(b);
    writeLease(b, OTHER, 0);
    const before = lease(b);
    assert.notEqual(b.run({ GM_LEASE_TRIES: '3', GM_LEASE_SLEEP: '0' }).status, 0);
    const log = b.log();
    assert.match(log, new RegExp(`FAILED at step wait-lease: instance ${OTHER} still holds the data lease \\(checked 3 times, 0s apart\\): stop it, then replace this instance`));
    assert.equal(steps(log).at(-1), 'wait-lease');
    assert.ok(waitingStatus(b));
    assert.deepEqual([b.statuses().at(-1)?.state, b.statuses().at(-1)?.step], ['failed', 'wait-lease']);
    assert.equal(indexOf(b.calls(), up), -1);
    assert.equal(lease(b), before, "the other instance's lease is untouched");
  });

  it('two takers at once: the last writer wins, and this one, having lost, waits for the winner', async () => {
    const b = boot();
    efsReady(b);
    const running = b.start({ GM_LEASE_PAUSE: '3', GM_LEASE_SLEEP: '0.2', GM_LEASE_TRIES: '150' });
    // This instance wrote its lease and pauses before re-reading it; a rival's rename lands meanwhile.
    await waitForFile(leasePath(b), INSTANCE_ID, 20_000);
    writeLease(b, OTHER, 0);
    await waitForFile(logPath(b), `waiting for ${OTHER}`, 20_000);
    assert.equal(indexOf(b.calls(), up), -1, 'the loser started nothing');
    appendFileSync(join(b.dir, 'calls.log'), `test: ${OTHER} released the lease\n`);
    rmSync(leasePath(b));
    const result = await running;
    assert.equal(result.status, 0, `${b.log()}\n${result.stderr}`);
    assert.ok(b.calls().indexOf(`test: ${OTHER} released the lease`) < indexOf(b.calls(), up));
    assertOurs(lease(b), now() - 30);
  });

  it('after a reboot, geusemaker.service (ExecStartPre: lease) takes its own lease at once, and waits on another instance before compose up', () => {
    const b = booted();
    writeLease(b, INSTANCE_ID, 30);
    const since = now();
    assert.equal(b.run({ GM_LEASE_SLEEP: '20' }, ['lease']).status, 0, b.log());
    assertOurs(lease(b), since);
    writeLease(b, OTHER, 0);
    const calls = b.calls().length;
    assert.notEqual(b.run({ GM_LEASE_TRIES: '2', GM_LEASE_SLEEP: '0' }, ['lease']).status, 0);
    assert.match(b.log(), new RegExp(`FAILED at step wait-lease: instance ${OTHER} still holds the data lease`));
    // Containers Docker restarted after a crash are stopped while another instance holds the data.
    assert.ok(indexOf(b.calls().slice(calls), stop) >= 0);
    assert.deepEqual([b.statuses().at(-1)?.state, b.statuses().at(-1)?.step], ['failed', 'wait-lease']);
  });

  describe('release', () => {
    it('on a spot interruption notice: the watcher stops the containers, then removes its own lease', () => {
      const b = booted();
      assert.equal(b.run({ STUB_SPOT_AFTER: '0' }, ['spot-watch']).status, 0, b.log());
      const calls = b.calls();
      const stopped = indexOf(calls, stop);
      assert.match(calls[stopped + 1] ?? '', new RegExp(`^lease at stop: ${INSTANCE_ID} \\d+$`), 'held while the containers stopped');
      assert.equal(lease(b), undefined, 'released after');
      assert.match(b.log(), /spot interruption notice: stopping the containers\n.* released the data lease\n/);
      assert.deepEqual([b.statuses().at(-1)?.state, b.statuses().at(-1)?.step], ['interrupted', 'spot-watch']);
    });

    it("on a spot interruption notice, another instance's lease is left alone", () => {
      const b = booted();
      writeLease(b, OTHER, 0);
      const before = lease(b);
      assert.equal(b.run({ STUB_SPOT_AFTER: '0' }, ['spot-watch']).status, 0, b.log());
      assert.ok(indexOf(b.calls(), stop) >= 0);
      assert.equal(lease(b), before);
      assert.doesNotMatch(b.log(), /released the data lease/);
    });

    it('on shutdown (ExecStop: stop): keeps the lease when the containers fail to stop, removes it after they stop, never removes another\'s', () => {
      const b = booted();
      const ours = lease(b);
      assert.notEqual(b.run({ STUB_DOCKER_FAIL: 'stop' }, ['stop']).status, 0);
      assert.equal(lease(b), ours, 'kept: the containers may still run');
      assert.match(b.log(), /docker compose stop failed: lease kept/);

      const earlier = b.calls().length;
      assert.equal(b.run({}, ['stop']).status, 0, b.log());
      const calls = b.calls().slice(earlier);
      const stopped = indexOf(calls, stop);
      assert.equal(calls[stopped + 1], `lease at stop: ${ours?.trim()}`, 'held while the containers stopped');
      assert.equal(lease(b), undefined);
      assert.match(b.log(), /released the data lease\n$/);

      writeLease(b, OTHER, 0);
      const theirs = lease(b);
      assert.equal(b.run({}, ['stop']).status, 0, b.log());
      assert.equal(lease(b), theirs);
    });

    it('the watcher renews our heartbeat while it runs', () => {
      const b = booted();
      writeLease(b, INSTANCE_ID, 60);
      const since = now();
      // The first poll finds no notice (the heartbeat is renewed), the second stops and releases.
      assert.equal(b.run({ STUB_SPOT_AFTER: '1' }, ['spot-watch']).status, 0, b.log());
      const atStop = b.calls().find((call) => call.startsWith('lease at stop: '))?.slice('lease at stop: '.length);
      assertOurs(`${atStop}\n`, since);
      assert.equal(lease(b), undefined);
    });

    it('the watcher stops the containers when another instance has taken the lease, and writes no status', () => {
      const b = booted();
      writeLease(b, OTHER, 0);
      const before = lease(b);
      const statuses = b.statuses().length;
      assert.equal(b.run({ STUB_SPOT_AFTER: '999' }, ['spot-watch']).status, 0, b.log());
      assert.match(b.log(), new RegExp(`instance ${OTHER} has taken the data lease: stopping the containers`));
      assert.ok(indexOf(b.calls(), stop) >= 0);
      assert.equal(lease(b), before);
      assert.equal(b.statuses().length, statuses, "the status parameter is the other instance's now");
    });
  });
});
