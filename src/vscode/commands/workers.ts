import * as vscode from 'vscode';
import type { StackEntry } from '../stacks-source';
import { settable, workersLive, type PoolView } from '../tree/workers-nodes';
import { capacityMessage, POOL_WORDS, poolItem, poolNodeOf, sizeProblem } from './capacity-words';
import { pickStack, type PickedStack } from './context';
import { offerTakeOver } from './lifecycle';
import type { CommandRegistry, CommandRun } from './registry';

type Sizes = { min: number; max: number; desired: number };

/** The pool to change: the row's, else picked from what Auto Scaling says now (a lone settable pool needs no pick). */
async function choosePool(run: CommandRun, target: PickedStack, from?: PoolView['pool']): Promise<PoolView | undefined> {
  const pools = await run.progress(`Reading the worker pools of ${target.name}…`, () => target.engine.workers.pools(target.name));
  const candidates = pools.filter(settable);
  if (from) {
    const pool = pools.find((each) => each.pool === from);
    if (pool && settable(pool)) return pool;
  }
  if (candidates.length === 0) {
    const why = pools.map((pool) => `${POOL_WORDS[pool.pool]}: ${pool.summary}`).join('; ');
    void vscode.window.showInformationMessage(`Stack ${target.name} has no worker pool whose capacity can be set${why ? ` (${why})` : ''}.`);
    return undefined;
  }
  if (candidates.length === 1 && !from) return candidates[0];
  const picked = await vscode.window.showQuickPick(candidates.map((pool) => ({ ...poolItem(pool), pool })), {
    title: `Set the capacity of a worker pool of stack ${target.name}`, placeHolder: 'Choose a pool',
  });
  return picked?.pool;
}

/** Min, then max (at least min), then desired (between them); each box starts at what the group has now. Undefined: backed out. */
async function askSizes(target: PickedStack, pool: PoolView): Promise<Sizes | undefined> {
  const title = `Set Capacity: ${POOL_WORDS[pool.pool]} of stack ${target.name}`;
  const ask = async (field: 'min' | 'max' | 'desired', value: number, prompt: string, bounds: { atLeast?: number; atMost?: number }): Promise<number | undefined> => {
    const typed = await vscode.window.showInputBox({
      title, prompt, value: String(value), ignoreFocusOut: true, validateInput: (text) => sizeProblem(field, text, bounds),
    });
    return typed === undefined || sizeProblem(field, typed, bounds) ? undefined : Number(typed.trim());
  };
  const min = await ask('min', pool.min, `Min workers: the pool never runs fewer (1 to 100; to stop them all, pause the stack). Now ${pool.min}.`, {});
  if (min === undefined) return undefined;
  const max = await ask('max', Math.max(pool.max, min), `Max workers: target tracking never launches more (${min} to 100). Now ${pool.max}.`, { atLeast: min });
  if (max === undefined) return undefined;
  const desired = await ask('desired', Math.min(max, Math.max(min, pool.desired)), `Desired workers now (${min} to ${max}); target tracking moves it as the load changes. Now ${pool.desired}, ${pool.inService} in service.`, { atLeast: min, atMost: max });
  if (desired === undefined) return undefined;
  return { min, max, desired };
}

/** The entry a Workers row or section belongs to, as the stack pick takes it. */
function sectionOf(entry: StackEntry) {
  return { kind: 'section', section: 'workers', entry };
}

/**
 * Set Capacity…: on a pool's row, the Workers section or from the palette; the sizes asked in input boxes (checked
 * as the engine checks them), set under the stack's lock, and the result as AWS reads it back.
 */
export async function setCapacityCommand(run: CommandRun, arg?: unknown, takeOverLock = false, chosen?: { pool: PoolView['pool']; sizes: Sizes }): Promise<void> {
  const node = poolNodeOf(arg);
  const target = await pickStack(run, node ? sectionOf(node.entry) : arg, 'set the worker capacity of', workersLive);
  if (!target) return;
  let pool: PoolView['pool'];
  let sizes: Sizes;
  if (chosen) {
    ({ pool, sizes } = chosen);
  } else {
    const current = await choosePool(run, target, node?.pool.pool);
    if (!current) return;
    const asked = await askSizes(target, current);
    if (!asked) return;
    pool = current.pool;
    sizes = asked;
  }
  offerTakeOver(run, target.name, (retry) => setCapacityCommand(retry, target.name, true, { pool, sizes }));
  const result = await run.operation(`Setting the ${POOL_WORDS[pool]} of stack ${target.name} to min ${sizes.min}, max ${sizes.max}, desired ${sizes.desired}`,
    (options) => target.engine.workers.setCapacity(target.name, pool, sizes, { ...options, takeOverLock }));
  for (const note of result.notes) run.log.info(`Set Capacity (${target.name}, ${pool}): ${note}`);
  void vscode.window.showInformationMessage(capacityMessage(target.name, result));
  await run.tree.reloadWorkers(target.entry);
}

export function registerWorkerCommands(commands: CommandRegistry): void {
  commands.register('geusemaker.setCapacity', setCapacityCommand, { refreshOnFailure: true });
}
