import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeInstancesCommand } from '@aws-sdk/client-ec2';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { names } from '../../src/engine/stack/naming';
import type { StatusDocument } from '../../src/cli/status-document';
import { inspector, tempDir } from '../harness/engine';
import { RecordedSsm } from './recorded-ssm';
import { cli } from './run-cli';

const COMPOSE_RESTART_N8N = 'docker compose --project-name geusemaker --env-file /etc/geusemaker/stack.env -f /etc/geusemaker/docker-compose.yml restart n8n';

/** A dev stack named demo, deployed through the CLI into a fresh state folder. */
async function deployed(): Promise<string> {
  const stateDir = tempDir('gm-cli-status-');
  const run = await cli(['deploy', 'demo', '--yes', '--json'], { stateDir });
  assert.equal(run.code, 0, run.stderr);
  return stateDir;
}

/** What EC2 says about the stack's instance: its id, type and AZ. */
async function instanceFacts(instanceId: string): Promise<{ type?: string; zone?: string }> {
  const aws = inspector();
  try {
    const instance = (await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0];
    return { type: instance?.InstanceType, zone: instance?.Placement?.AvailabilityZone };
  } finally {
    aws.destroy();
  }
}

describe('geusemaker status, restart and password (moto; SSM Run Command from recorded answers)', function () {
  this.timeout(180_000);

  it('status --json with a recorded health round: compute from moto, every service from the round, cost per hour with its source; paused, nothing is checked', async () => {
    const stateDir = await deployed();
    const ssm = new RecordedSsm();
    const run = await cli(['status', 'demo', '--json'], { stateDir, ssm: ssm.factory });
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as StatusDocument;
    assert.deepEqual(Object.keys(doc), ['name', 'region', 'tier', 'status', 'checkedAt', 'compute', 'bootstrap', 'services', 'servicesNote', 'publicUrl', 'cost', 'secrets', 'workers'], 'the documented shape, in order');
    assert.deepEqual([doc.name, doc.region, doc.tier, doc.status], ['demo', 'us-east-1', 'dev', 'deployed']);

    // Compute: what moto's group and EC2 say.
    const shown = JSON.parse((await cli(['show', 'demo', '--json'], { stateDir })).stdout) as { resources: { instance: { id: string } } };
    const instanceId = shown.resources.instance.id;
    const facts = await instanceFacts(instanceId);
    assert.deepEqual(doc.compute, {
      instanceState: 'running', condition: 'healthy', group: 'gm-demo', instanceId, instanceType: facts.type, market: 'spot', zone: facts.zone,
      summary: `healthy: ${instanceId} in service (${facts.type}, spot, ${facts.zone})`,
    });
    assert.equal(facts.type, 't3.xlarge');

    // One health round reached the instance in service, and every service is as the recorded report says.
    assert.equal(ssm.healthRounds, 1);
    assert.deepEqual(ssm.sent.map((each) => each.instanceId), [instanceId]);
    assert.deepEqual(doc.bootstrap, { state: 'ok', step: 'finish', at: doc.checkedAt, source: 'health-check' });
    const byService = Object.fromEntries(doc.services.map((row) => [row.service, row]));
    assert.deepEqual(doc.services.map((row) => row.service), ['n8n', 'ollama', 'qdrant', 'crawl4ai', 'postgres']);
    assert.deepEqual([byService.n8n?.status, byService.n8n?.latencyMs, byService.n8n?.lastError, byService.n8n?.severity], ['healthy', 14, null, 'ok']);
    assert.deepEqual([byService.postgres?.status, byService.postgres?.latencyMs], ['healthy', 83]);
    assert.equal(byService.ollama?.status, 'starting');
    assert.match(byService.ollama?.lastError ?? '', /connection refused/);
    assert.deepEqual([byService.qdrant?.status, byService.qdrant?.consecutiveFailures, byService.qdrant?.severity], ['unhealthy', 1, 'warning']);
    assert.match(byService.qdrant?.lastError ?? '', /keeps restarting \(6 restarts\)/);
    assert.deepEqual([byService.crawl4ai?.status, byService.crawl4ai?.lastError], ['stopped', 'Its container is exited']);
    assert.equal(doc.servicesNote, null);
    assert.equal(doc.publicUrl, null, 'a dev stack reached over SSM has no public URL');

    // Cost per hour now: the cost engine's month over 730 h; moto has no Price List API, so the source says estimated.
    const cost = JSON.parse((await cli(['cost', 'demo', '--json'], { stateDir })).stdout) as { stacks: { estimate: { totalUsd: number } }[] };
    assert.equal(doc.cost.usdPerHour, Math.round((cost.stacks[0]!.estimate.totalUsd / 730) * 10_000) / 10_000);
    assert.deepEqual([doc.cost.source, doc.cost.sourceText, doc.cost.billing], ['estimated', 'estimated', 'running']);
    assert.match(doc.cost.basis, /t3\.xlarge spot at \$0\.1664\/h/);

    const text = await cli(['status', 'demo'], { stateDir, ssm: ssm.factory });
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^Stack demo \(deployed\) in us-east-1, dev tier; checked /);
    assert.match(text.stdout, new RegExp(`Compute: +healthy: ${instanceId} in service`));
    assert.match(text.stdout, /Bootstrap: ok at step finish \(seen on the instance this round\)/);
    assert.match(text.stdout, /\n +n8n +healthy +14 ms\n/);
    assert.match(text.stdout, /\n +qdrant +unhealthy +- +Its container keeps restarting \(6 restarts\)/);
    assert.match(text.stdout, /Cost now: +\$\d+\.\d{4}\/h \(estimated\): /);

    // Paused: the group is at 0, so no health round is sent; only what is kept bills.
    assert.equal((await cli(['pause', 'demo'], { stateDir })).code, 0);
    const rounds = ssm.healthRounds;
    const paused = JSON.parse((await cli(['status', 'demo', '--json'], { stateDir, ssm: ssm.factory })).stdout) as StatusDocument;
    assert.equal(ssm.healthRounds, rounds, 'no SSM call for a paused stack');
    assert.deepEqual([paused.status, paused.compute.condition, paused.compute.instanceState, paused.compute.instanceId], ['paused', 'paused', 'none', null]);
    assert.ok(paused.services.every((row) => row.status === 'unknown'));
    assert.match(paused.servicesNote ?? '', /^No instance is running \(paused: the group is at 0 instances\), so the services were not checked\.$/);
    assert.equal(paused.cost.billing, 'kept');
    assert.match(paused.cost.basis, /^No instance runs; still billing: efs \$/);
    assert.equal((await cli(['status', 'nope', '--json'], { stateDir })).code, 4, 'no such stack: exit code 4');
  });

  it('status --watch with recorded rounds: one JSON line per round, stopped cleanly by Ctrl-C after two; a terminal is redrawn in place', async () => {
    const stateDir = await deployed();
    const ssm = new RecordedSsm();
    const stop = new AbortController();
    let lines = 0;
    const started = Date.now();
    const run = await cli(['status', 'demo', '--watch', '--interval', '1', '--json'], {
      stateDir, ssm: ssm.factory, interrupt: stop.signal,
      onStdout: (chunk) => {
        lines += chunk.split('\n').length - 1;
        if (lines >= 2) stop.abort();
      },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(Date.now() - started >= 1_000, 'the second round waited for the interval');
    const docs = run.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as StatusDocument);
    assert.equal(docs.length, 2);
    assert.equal(ssm.healthRounds, 2);
    assert.ok(docs[1]!.checkedAt > docs[0]!.checkedAt);
    // The history of a watch: qdrant failed in both rounds.
    assert.deepEqual(docs.map((doc) => doc.services.find((row) => row.service === 'qdrant')?.consecutiveFailures), [1, 2]);
    assert.equal(run.stderr, '', 'no progress lines and no stopping note for a watch');

    const tty = new AbortController();
    const redrawn = await cli(['status', 'demo', '--watch'], { stateDir, ssm: ssm.factory, interrupt: tty.signal, stdoutIsTTY: true, onStdout: () => tty.abort() });
    assert.equal(redrawn.code, 0, redrawn.stderr);
    assert.ok(redrawn.stdout.startsWith('\x1b[H\x1b[2JStack demo (deployed)'), JSON.stringify(redrawn.stdout.slice(0, 40)));
    assert.match(redrawn.stdout, /Every 10 s; Ctrl-C stops\.\n$/);
    const lone = await cli(['status', 'demo', '--interval', '5'], { stateDir, ssm: ssm.factory });
    assert.equal(lone.code, 2);
    assert.match(lone.stderr, /--interval sets how often --watch refreshes/);
  });

  it('restart of a service the stack does not run is refused (exit 3) before any AWS call; restart n8n sends the compose restart the recorded runner sees', async () => {
    const stateDir = await deployed();
    const ssm = new RecordedSsm();
    for (const service of ['comfyui', 'nginx']) {
      const calls: string[] = [];
      const refused = await cli(['restart', 'demo', service], { stateDir, ssm: ssm.factory, calls });
      assert.equal(refused.code, 3, refused.stderr);
      assert.match(refused.stderr, new RegExp(`^Error \\[SERVICE_NOT_IN_STACK\\]: Stack demo does not run "${service}"; it runs n8n, ollama, qdrant, crawl4ai, postgres\\.`));
      assert.deepEqual(calls, [], 'no AWS call at all');
      assert.deepEqual(ssm.sent, []);
    }
    const usage = await cli(['restart', 'demo', 'n8n', 'extra'], { stateDir });
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /Unexpected argument "extra" for `geusemaker restart`; it takes `geusemaker restart \[name\] <service>`/);

    const restarted = await cli(['restart', 'demo', 'n8n'], { stateDir, ssm: ssm.factory });
    assert.equal(restarted.code, 0, restarted.stderr);
    const instanceId = (JSON.parse((await cli(['show', 'demo', '--json'], { stateDir })).stdout) as { resources: { instance: { id: string } } }).resources.instance.id;
    assert.equal(ssm.sent.length, 1);
    assert.deepEqual([ssm.sent[0]?.instanceId, ssm.sent[0]?.comment, ssm.sent[0]?.commands.at(-1)], [instanceId, 'GeuseMaker restart n8n', COMPOSE_RESTART_N8N]);
    assert.match(restarted.stdout, /^Restarted n8n on stack demo\. To see it come back: geusemaker status demo/);
    assert.match(restarted.stderr, /→ Restart n8n on the instance\n.*✓ Restart n8n on the instance — done/);
    const json = await cli(['restart', 'n8n', '--json'], { stateDir, ssm: ssm.factory, env: { GEUSEMAKER_NAME: 'demo' } });
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { name: 'demo', service: 'n8n', restarted: true }, 'the one word is the service; the name comes from GEUSEMAKER_NAME');
  });

  it('password prints exactly the secret\'s value and nothing else; --copy hands it to the clipboard tool on PATH, and refuses (exit 3) where there is none', async () => {
    const stateDir = await deployed();
    const aws = inspector();
    const value = (await aws.ssm.send(new GetParameterCommand({ Name: names.parameter('demo', 'n8n-owner-password'), WithDecryption: true }))).Parameter?.Value;
    aws.destroy();
    assert.ok(value && value.length >= 16);

    const printed = await cli(['password', 'demo'], { stateDir });
    assert.equal(printed.code, 0, printed.stderr);
    assert.equal(printed.stdout, `${value}\n`);
    assert.equal(printed.stderr, '');
    const quiet = await cli(['password', 'demo', '--quiet'], { stateDir });
    assert.equal(quiet.stdout, `${value}\n`, '--quiet keeps what the command exists to print');
    assert.deepEqual(JSON.parse((await cli(['password', 'demo', '--json'], { stateDir })).stdout), { name: 'demo', password: value });

    // A stand-in wl-copy (Wayland) that keeps what it was given.
    const bin = tempDir('gm-clipboard-');
    const clipboard = join(bin, 'clipboard.txt');
    mkdirSync(join(bin, 'tools'));
    writeFileSync(join(bin, 'tools', 'wl-copy'), `#!/bin/sh\ncat > '${clipboard}'\n`);
    chmodSync(join(bin, 'tools', 'wl-copy'), 0o755);
    const copied = await cli(['password', 'demo', '--copy'], { stateDir, env: { PATH: `${join(bin, 'tools')}:/usr/bin:/bin`, WAYLAND_DISPLAY: 'wayland-0', DISPLAY: undefined } });
    assert.equal(copied.code, 0, copied.stderr);
    assert.equal(copied.stdout, 'Copied the n8n owner password of stack demo to the clipboard (wl-copy).\n');
    assert.equal(copied.stderr, '');
    assert.equal(readFileSync(clipboard, 'utf8'), value, 'on stdin, without a newline');

    const none = await cli(['password', 'demo', '--copy'], { stateDir, env: { PATH: join(bin, 'empty'), WAYLAND_DISPLAY: undefined, DISPLAY: undefined } });
    assert.equal(none.code, 3);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /^Error \[NO_CLIPBOARD\]: No clipboard tool was found: looked on PATH for pbcopy, wl-copy/);
    assert.ok(!none.stderr.includes(value), 'the password is never on stderr');
  });
});
