import { checkStateDir, type Engine, invalidInput, table } from '../../engine';
import type { Command } from '../command';
import { interruptible, progressPrinter } from '../interaction';
import type { Session } from '../session';

/** `workers [name] [set …]`: a scaled stack's worker pools as EC2 Auto Scaling says now, and setting their capacity. */

type PoolView = Awaited<ReturnType<Engine['workers']['pools']>>[number];
type CapacityResult = Awaited<ReturnType<Engine['workers']['setCapacity']>>;

const SET = 'set';
const SET_FLAGS = ['pool', 'min', 'max', 'desired'] as const;

/** `workers`, `workers demo`, `workers set`, `workers demo set` (and `workers set demo`). */
function splitWords(words: readonly string[]): { name?: string; words: readonly string[] } {
  if (words.length === 0) return { words: [] };
  if (words.length === 1) return words[0] === SET ? { words: [SET] } : { name: words[0], words: [] };
  if (words.length === 2 && (words[0] === SET || words[1] === SET)) return { name: words[0] === SET ? words[1] : words[0], words: [SET] };
  throw invalidInput('USAGE', `Unexpected argument ${words.slice(1).map((word) => `"${word}"`).join(', ')} for \`geusemaker workers\`; it takes \`geusemaker ${workers.usage}\`.`, 'Run `geusemaker --help` for the commands and flags.');
}

const count = (view: PoolView, value: number) => (view.missing || !view.ours ? '-' : String(value));

/** Its state in words: ok, degraded, or why it shows no numbers. */
function stateWords(view: PoolView): string {
  if (view.condition === 'ok') return 'ok';
  if (view.condition === 'degraded') return `degraded: ${view.summary}`;
  if (view.condition === 'missing') return 'missing: no Auto Scaling group (not deployed yet, or deleted)';
  return `not ours: ${view.foreignStackId ? `stack id ${view.foreignStackId}` : 'no stack id'} (never changed)`;
}

function poolRows(views: readonly PoolView[]): string[] {
  return table([
    ['POOL', 'DESIRED', 'IN SERVICE', 'PENDING', 'UNHEALTHY', 'MIN..MAX', 'TYPES', 'STATE'],
    ...views.map((view) => [
      view.pool, count(view, view.desired), count(view, view.inService), count(view, view.pending), count(view, view.unhealthy),
      view.missing || !view.ours ? '-' : `${view.min}..${view.max}`, view.missing || !view.ours || view.instanceTypes.length === 0 ? '-' : view.instanceTypes.join(','), stateWords(view),
    ]),
  ]);
}

async function list(s: Session, name: string): Promise<void> {
  if (!(await s.engine.show(name))) throw s.stackNotFound(name);
  const views = await interruptible(s, progressPrinter(s), (signal) => s.engine.workers.pools(name, { signal }), false);
  if (s.args.json) {
    s.json({ name, pools: views });
    return;
  }
  if (views.length === 0) {
    s.out([`Stack ${name} has no worker pools: its config has no scale section (docs/scaling.md says when to turn it on).`]);
    return;
  }
  const groups = views.map((view) => `${view.pool}: ${view.groupName}`).join(', ');
  const example = views.find((view) => view.ours && !view.missing);
  s.out([
    `Worker pools of stack ${name}, as EC2 Auto Scaling says now (${groups}):`,
    ...poolRows(views),
    ...(example ? ['', `To change a pool's size: ${s.command(['workers', name, SET, '--pool', example.pool, '--min', String(example.min), '--max', String(example.max)])}`] : []),
  ]);
}

function setSummary(name: string, result: CapacityResult): string[] {
  const moved = (field: 'min' | 'max' | 'desired') => (result.before[field] === result[field] ? `${field} ${result[field]}` : `${field} ${result.before[field]} → ${result[field]}`);
  return [
    `The ${result.pool} pool of stack ${name} (${result.groupName}): ${moved('min')}, ${moved('max')}, ${moved('desired')}, as AWS reads it back now; ${result.summary}.`,
    ...result.notes.map((note) => `  ${note}`),
  ];
}

async function set(s: Session, name: string): Promise<void> {
  const pool = s.args.pool;
  if (pool === undefined) {
    throw invalidInput('USAGE', '`geusemaker workers set` needs the pool: --pool n8n or --pool ollama.', `For example: ${s.command(['workers', name, SET, '--pool', 'n8n', '--min', '2', '--max', '6'])}`);
  }
  await checkStateDir(s.stateDir, s.stateDirOrigin, { create: true });
  const printer = progressPrinter(s);
  const result = await interruptible(s, printer,
    (signal) => s.engine.workers.setCapacity(name, pool, s.args.capacity ?? {}, { takeOverLock: s.args.takeOverLock, signal, onProgress: printer.listener }),
    'Stopping: a size already sent to AWS stays set (Ctrl-C again to quit at once).');
  if (s.args.json) s.json({ name, ...result });
  else s.summary(setSummary(name, result));
}

export const workers: Command = {
  name: 'workers',
  usage: 'workers [name] [set --pool P [--min N] [--max N] [--desired N]]',
  summary: 'A scaled stack\'s worker pools as Auto Scaling says now (desired, in service, unhealthy, min..max, types)',
  moreHelp: ['set: a pool\'s min/max/desired, read back from AWS (the config file keeps its numbers for the next deploy)'],
  flags: ['config', 'take-over-lock', ...SET_FLAGS],
  takesName: true,
  splitOperands: splitWords,
  state: 'reads',
  async run(s) {
    const setting = s.args.operands[0] === SET;
    if (!setting) {
      const given = SET_FLAGS.filter((flag) => (flag === 'pool' ? s.args.pool !== undefined : s.args.capacity?.[flag] !== undefined));
      if (given.length > 0) {
        throw invalidInput('USAGE', `${given.map((flag) => `--${flag}`).join(', ')} ${given.length === 1 ? 'goes' : 'go'} with \`geusemaker workers [name] set\`, which was not given.`, `Add set, for example: ${s.command(['workers', ...(s.args.name ? [s.args.name] : []), SET, '--pool', s.args.pool ?? 'n8n', '--min', '1'])}`);
      }
    }
    const name = await s.stackName();
    if (setting) await set(s, name);
    else await list(s, name);
  },
};
