import assert from 'node:assert/strict';
import type { BootstrapStatus } from '../../src/engine/bootstrap/status';
import { GeuseError } from '../../src/engine/errors';
import type { LogChunk, LogCursor } from '../../src/engine/ssm/log-cursor';
import { BOOTSTRAP_TAIL_LINES, hostToWizardSchema } from '../../src/protocol/wizard';
import { BootstrapTail, type TailEngine } from '../../src/vscode/panels/bootstrap-tail';
import { setEndpointForErrors } from '../../src/vscode/error-words';
import { withChunk, type BootstrapView } from '../../src/vscode/wizard/bootstrap-model';
import { draftFromFile, defaultDraft } from '../../src/vscode/wizard/draft';
import { draftSchema } from '../../src/protocol/wizard';
import { sampleProgress } from '../webview/wizard-fixtures';

/** One scripted answer per read: the engine's live status and the log chunk(s) after it. */
interface Round {
  live?: { instanceState: string; bootstrap?: BootstrapStatus } | Error;
  chunks?: (LogChunk | Error)[];
}

const status = (state: BootstrapStatus['state'], step: string): BootstrapStatus => ({ state, step, at: '2025-06-01T12:05:00Z' });
const chunk = (offset: number, lines: string[], more = false): LogChunk => ({ lines: lines.map((text) => ({ text })), cursor: { kind: 'bootstrap', offset }, more });
const offline = () => new GeuseError({ code: 'SSM_AGENT_OFFLINE', kind: 'transient', message: 'The SSM agent on i-0abc is not online, so it cannot take commands yet.', nextStep: 'Wait.' });

/** The engine as the tail sees it, answering from a script and recording the cursors it was given. */
function scripted(rounds: Round[]): TailEngine & { cursors: LogCursor[] } {
  let round: Round | undefined;
  const cursors: LogCursor[] = [];
  return {
    cursors,
    liveStatus: async () => {
      round = rounds.shift() ?? { live: { instanceState: 'running', bootstrap: status('ok', 'done') }, chunks: [chunk(0, [])] };
      if (round.live instanceof Error) throw round.live;
      return round.live ?? { instanceState: 'running' };
    },
    logs: async (_name, cursor) => {
      cursors.push(cursor);
      const next = round?.chunks?.shift() ?? chunk(cursor.kind === 'bootstrap' ? cursor.offset : 0, []);
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

async function follow(rounds: Round[]): Promise<{ views: BootstrapView[]; engine: ReturnType<typeof scripted> }> {
  const engine = scripted(rounds);
  const views: BootstrapView[] = [];
  await new BootstrapTail(engine, 'demo', (view) => views.push(view), { intervalMs: 1, timeoutMs: 60_000 }).start();
  return { views, engine };
}

describe('wizard: the bootstrap log tail (engine reads scripted)', () => {
  it('waits while the SSM agent is offline, then shows the lines in order from where it left off, and stops when the instance reports ok', async () => {
    const { views, engine } = await follow([
      { live: { instanceState: 'pending' }, chunks: [offline()] },
      { live: { instanceState: 'running', bootstrap: status('running', 'install-docker') }, chunks: [chunk(120, ['[install-docker] start'], true), chunk(200, ['[install-docker] done'])] },
      { live: { instanceState: 'running', bootstrap: status('ok', 'done') }, chunks: [chunk(260, ['[done] stack is up'])] },
      { live: new Error('must not be read: the tail has stopped') },
    ]);
    assert.equal(views[0]?.state, 'waiting');
    assert.match(views[1]?.note ?? '', /SSM agent answers/, 'agent offline is a wait, not an error');
    assert.deepEqual(views.map((v) => v.state), ['waiting', 'waiting', 'running', 'ok']);
    assert.deepEqual(views.at(-1)?.lines, ['[install-docker] start', '[install-docker] done', '[done] stack is up']);
    assert.equal(views.at(-1)?.step, 'done');
    assert.deepEqual(engine.cursors.map((c) => (c.kind === 'bootstrap' ? c.offset : -1)), [0, 0, 120, 200], 'each read resumes at the last cursor, more=true reads again at once');
  });

  it('stops with the failed step, and when the instance is gone', async () => {
    const failed = await follow([{ live: { instanceState: 'running', bootstrap: status('failed', 'compose-up') }, chunks: [chunk(40, ['FAILED at step compose-up'])] }]);
    assert.deepEqual(failed.views.at(-1), { state: 'failed', step: 'compose-up', lines: ['FAILED at step compose-up'] });
    const gone = await follow([{ live: { instanceState: 'terminated' } }]);
    assert.equal(gone.views.at(-1)?.state, 'stopped');
    assert.match(gone.views.at(-1)?.note ?? '', /terminated/);
  });

  it('says what went wrong on other errors and keeps trying; the view stays within the protocol\'s bounds', async () => {
    const throttled = new GeuseError({ code: 'AWS_THROTTLING', kind: 'throttling', message: 'AWS is throttling requests.', nextStep: 'Wait.' });
    const { views } = await follow([{ live: throttled }, { live: { instanceState: 'running', bootstrap: status('ok', 'done') } }]);
    assert.match(views[1]?.note ?? '', /Could not read the log just now: AWS kept slowing down GeuseMaker's requests\./, 'in editor words');
    assert.equal(views.at(-1)?.state, 'ok');
    let view: BootstrapView = { state: 'running', lines: [] };
    view = withChunk(view, { lines: Array.from({ length: 100 }, (_, i) => ({ text: `line ${i} ${'x'.repeat(i === 99 ? 2000 : 0)}` })) });
    assert.equal(view.lines.length, BOOTSTRAP_TAIL_LINES, 'only the newest lines are kept');
    assert.equal(view.lines[0], `line ${100 - BOOTSTRAP_TAIL_LINES} `);
    assert.ok(hostToWizardSchema.safeParse({ type: 'progress', progress: { ...sampleProgress('demo', 'done'), bootstrap: view } }).success, 'a long line is cut to fit');
  });
});

describe('wizard: the bootstrap log tail against an emulator that runs no commands', () => {
  afterEach(() => setEndpointForErrors(() => undefined));

  it('says once that the emulator does not run commands and stops, instead of an error every few seconds', async () => {
    setEndpointForErrors(() => ({ url: 'http://127.0.0.1:4566', source: 'setting' }));
    const notRun = new GeuseError({ code: 'SSM_COMMAND_NOT_RUN', kind: 'unknown', message: 'SSM reported the log command on i-0abc as done, but it printed nothing.', nextStep: 'Use real AWS.' });
    const { views } = await follow([
      { live: { instanceState: 'running' }, chunks: [notRun] },
      { live: new Error('must not be read: the tail has stopped') },
    ]);
    assert.equal(views.at(-1)?.state, 'stopped');
    assert.equal(views.at(-1)?.note, 'The emulator at http://127.0.0.1:4566 does not run commands on instances (SSM Run Command), so the bootstrap log cannot be followed here.');
    assert.equal(views.filter((v) => /Could not read/.test(v.note ?? '')).length, 0, 'no error notes');
  });

  it('an HTML answer (an emulator without the API) reads as that, never as the SDK\'s parse error', async () => {
    setEndpointForErrors(() => ({ url: 'http://127.0.0.1:4566', source: 'setting' }));
    const html = Object.assign(new SyntaxError('Unexpected token \'<\', "<!doctype "... is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.'), { $metadata: { httpStatusCode: 500 }, $operation: 'ssm:SendCommand' });
    const { views } = await follow([{ live: { instanceState: 'running' }, chunks: [html] }]);
    assert.equal(views.at(-1)?.state, 'stopped');
    assert.doesNotMatch(views.at(-1)?.note ?? '', /Deserialization|\$response|doctype|Unexpected token/);
    assert.match(views.at(-1)?.note ?? '', /does not run commands on instances/);
  });
});

describe('wizard: starting from a config file', () => {
  const defaults = defaultDraft({ tier: 'dev', region: 'us-east-1', instanceType: 't3.xlarge', market: 'spot' });
  const load = (raw: Record<string, unknown>) => draftFromFile(raw, defaults, (c) => draftSchema.safeParse(c));

  it('takes the settings the steps edit, keeps the others aside to deploy as written, and names what it cannot hold', () => {
    const loaded = load({ name: 'lab', tier: 'dev', region: 'eu-west-1', services: { crawl4ai: false }, access: { mode: 'cidr', cidr: '203.0.113.7/32' }, rootVolumeGb: 80, monthlyBudgetUsd: 40, ollamaModels: 'llama3.2:3b' });
    assert.equal(loaded.draft.name, 'lab');
    assert.equal(loaded.draft.region, 'eu-west-1');
    assert.deepEqual(loaded.draft.services, { n8n: true, ollama: true, qdrant: true, crawl4ai: false, postgres: true }, 'services merge over the defaults, as the engine does');
    assert.deepEqual(loaded.draft.access, { mode: 'cidr', cidr: '203.0.113.7/32' });
    assert.deepEqual(loaded.draft.ollamaModels, defaults.ollamaModels, 'a string where a list belongs falls back');
    assert.deepEqual(loaded.extras, { rootVolumeGb: 80, monthlyBudgetUsd: 40 });
    assert.deepEqual(loaded.notes, [
      'ollamaModels: the wizard cannot show "llama3.2:3b"; using ["llama3.2:3b"] instead',
      'rootVolumeGb: 80 (kept from the file)',
      'monthlyBudgetUsd: 40 (kept from the file)',
    ]);
  });

  it('leaves values it can hold for the steps to judge: a bad name still loads, for the basics step to refuse', () => {
    assert.equal(load({ name: 'Bad_Name' }).draft.name, 'Bad_Name');
  });
});
