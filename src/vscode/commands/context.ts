import * as vscode from 'vscode';
import { z } from 'zod';
import { type Engine } from '../../engine';
import type { EngineHost } from '../engine-host';
import type { StackEntry } from '../stacks-source';
import type { TreeNode } from '../tree/nodes';
import type { StacksTreeProvider } from '../tree/provider';
import { statusLook } from '../tree/status';

/** What every command needs: the engines, the tree (for stack lists and refresh), and the log. */
export interface CommandContext {
  extension: vscode.ExtensionContext;
  host: EngineHost;
  tree: StacksTreeProvider;
  log: vscode.LogOutputChannel;
}

/** A stack a command acts on, with the engine of the folder it lives in. */
export interface PickedStack {
  entry: StackEntry;
  name: string;
  engine: Engine;
}

const NODE_KINDS = ['stack', 'section', 'service', 'resource-group', 'resource', 'endpoint', 'other-workspaces', 'loading', 'error', 'empty', 'backup', 'backups-note'] as const;
const nodeShape = z.looseObject({ kind: z.enum(NODE_KINDS) });

/**
 * A command's argument as one of our tree nodes. VS Code passes back the element objects the provider gave
 * it; anything else (a palette run, another extension's call) is not treated as a node.
 */
export function treeNodeOf(arg: unknown): TreeNode | undefined {
  return nodeShape.safeParse(arg).success ? arg as TreeNode : undefined;
}

/** Tree nodes that carry a stack (the stack itself or anything under it). */
export function entryOfNode(arg: unknown): StackEntry | undefined {
  const node = treeNodeOf(arg);
  return node && 'entry' in node ? node.entry : undefined;
}

/**
 * The stack from the tree node a command was run on, or from a quick pick when run from the palette.
 * `accept` narrows the pick (e.g. only running stacks for Open Terminal); undefined when the user backs out.
 */
export async function pickStack(ctx: CommandContext, arg: unknown, purpose: string, accept: (entry: StackEntry) => boolean = () => true): Promise<PickedStack | undefined> {
  ctx.host.assertUsable();
  let entry = entryOfNode(arg);
  // A name (from a notification button or another command): this workspace's stack first.
  if (!entry && typeof arg === 'string') entry = ctx.tree.entries.find((candidate) => candidate.ref.name === arg);
  if (!entry) {
    if (ctx.tree.entries.length === 0) await ctx.tree.refresh({ health: false });
    const candidates = ctx.tree.entries.filter((candidate) => candidate.state && accept(candidate));
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage(`No stack to ${purpose}. Deploy one with "GeuseMaker: Deploy Stack".`);
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(candidates.map((candidate) => ({
      label: candidate.ref.name,
      description: [candidate.state?.config.tier, candidate.state ? statusLook(candidate.state.status).label : undefined, candidate.state?.region].filter(Boolean).join(' · '),
      detail: candidate.origin === 'other' ? `from ${candidate.ref.stateDir}` : undefined,
      candidate,
    })), { title: `Choose a stack to ${purpose}`, placeHolder: 'Stack name' });
    entry = picked?.candidate;
  }
  if (!entry) return undefined;
  return { entry, name: entry.ref.name, engine: ctx.host.engineFor(entry.ref.stateDir) };
}
