import { resolve } from 'node:path';
import { classifyAwsError, type GeuseError, MachineIndex, type StackState } from '../engine';
import type { EngineHost } from './engine-host';

/** Which state folder a stack lives in: commands act on it through that folder's engine. */
export interface StackRef {
  name: string;
  stateDir: string;
}

export interface StackEntry {
  ref: StackRef;
  /** "workspace": this workspace's folder; "other": another folder on this machine (from the machine index). */
  origin: 'workspace' | 'other';
  state?: StackState;
  /** The state file could not be read (corrupt, newer schema…). */
  error?: GeuseError;
}

export interface StackListingResult {
  workspace: StackEntry[];
  other: StackEntry[];
}

/** Reads every stack this machine knows: state files only, no AWS calls, so it is cheap to repeat. */
export async function loadStacks(host: EngineHost, index: MachineIndex = new MachineIndex()): Promise<StackListingResult> {
  const ownDir = resolve(host.stateDir);
  const workspace: StackEntry[] = (await host.engine.list()).map((listing) => ({
    ref: { name: listing.name, stateDir: ownDir }, origin: 'workspace', state: listing.state, error: listing.error,
  }));
  const others = (await index.list()).filter((entry) => resolve(entry.stateDir) !== ownDir);
  const other = await Promise.all(others.map(async (entry): Promise<StackEntry> => {
    const ref = { name: entry.name, stateDir: entry.stateDir };
    try {
      const state = await host.engineFor(entry.stateDir).show(entry.name);
      // A stale index entry (folder deleted) is not a stack any more.
      return { ref, origin: 'other', state };
    } catch (error) {
      return { ref, origin: 'other', error: classifyAwsError(error) };
    }
  }));
  return { workspace, other: other.filter((entry) => entry.state !== undefined || entry.error !== undefined) };
}
