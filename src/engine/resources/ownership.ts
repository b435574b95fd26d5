import type { StackState } from '../state/schema';
import { isRuntimeStatus, type SweptResource } from './sweep';

/**
 * Who a stack is, for telling its resources from a same-named stack's: its stack id (tagged on everything it
 * creates) and the ids its journal recorded creating. A name alone proves nothing.
 */
export interface Ownership {
  stackId?: string;
  journalIds: ReadonlySet<string>;
}

export type ForeignReason = 'other-stack' | 'untagged';

/** A resource that carries the stack's name but is not ours: reported, never touched. */
export interface ForeignResource extends SweptResource {
  reason: ForeignReason;
}

export interface OwnedSplit {
  ours: SweptResource[];
  foreign: ForeignResource[];
}

/** The ownership a state file proves, or that an explicit adoption of another stack id grants. */
export function ownershipOf(state: StackState | undefined, adoptedStackId?: string): Ownership {
  const journalIds = new Set<string>();
  for (const record of Object.values(state?.resources ?? {})) {
    if (record.id && !record.external && record.status !== 'deleted') journalIds.add(record.id);
  }
  return { stackId: adoptedStackId ?? state?.stackId, journalIds };
}

/**
 * Splits what a sweep found into ours and not ours. Mount targets follow their file system; the bootstrap
 * status parameter (written by the instance, untagged) is ours only when no other stack claims the name.
 */
export function splitByOwner(resources: readonly SweptResource[], owner: Ownership): OwnedSplit {
  const isOurs = (r: SweptResource) => (owner.stackId !== undefined && r.stackId === owner.stackId) || owner.journalIds.has(r.id);
  const ours: SweptResource[] = [];
  const foreign: ForeignResource[] = [];
  const fileSystems = new Map<string, SweptResource>();
  for (const r of resources) if (r.kind === 'efs') fileSystems.set(r.id, r);
  const deferred: SweptResource[] = [];
  for (const r of resources) {
    if (r.kind === 'mount-target' || isRuntimeStatus(r)) {
      deferred.push(r);
      continue;
    }
    if (isOurs(r)) ours.push(r);
    else foreign.push({ ...r, reason: r.stackId ? 'other-stack' : 'untagged' });
  }
  const ourFileSystems = new Set(ours.filter((r) => r.kind === 'efs').map((r) => r.id));
  const claimedByOthers = foreign.some((r) => r.reason === 'other-stack');
  for (const r of deferred) {
    if (r.kind === 'mount-target') {
      if (isOurs(r) || (r.fileSystemId !== undefined && ourFileSystems.has(r.fileSystemId))) ours.push(r);
      else {
        const parent = r.fileSystemId !== undefined ? fileSystems.get(r.fileSystemId) : undefined;
        foreign.push({ ...r, stackId: parent?.stackId, createdOn: parent?.createdOn, createdAt: parent?.createdAt, reason: parent?.stackId ? 'other-stack' : 'untagged' });
      }
    } else if (owner.stackId !== undefined && !claimedByOthers) {
      ours.push(r);
    }
  }
  return { ours, foreign };
}

/** The other stack ids among foreign resources (untagged ones belong to no stack and can never be adopted). */
export function otherStackIds(foreign: readonly ForeignResource[]): string[] {
  return [...new Set(foreign.filter((r) => r.reason === 'other-stack').map((r) => r.stackId!))];
}

/** "stack id 1a2b…, created on host-7 at 2026-11-02T10:00:00Z" from the first resource of that id that says so. */
export function describeOwner(resources: readonly SweptResource[], stackId: string): string {
  const sample = resources.find((r) => r.stackId === stackId && r.createdOn) ?? resources.find((r) => r.stackId === stackId);
  const where = sample?.createdOn ? `created on ${sample.createdOn}` : 'created on an unknown host';
  const when = sample?.createdAt ? ` at ${sample.createdAt}` : '';
  return `stack id ${stackId}, ${where}${when}`;
}

/** One line per owner: what is not ours, whose it is, and that it is left alone. */
export function describeForeign(foreign: readonly ForeignResource[], verb = 'not deleted'): string[] {
  const lines: string[] = [];
  for (const stackId of otherStackIds(foreign)) {
    const items = foreign.filter((r) => r.stackId === stackId);
    lines.push(`${items.map((r) => `${r.kind} ${r.id}`).join(', ')}: belongs to ${describeOwner(foreign, stackId)} — ${verb}`);
  }
  const untagged = foreign.filter((r) => r.reason === 'untagged');
  if (untagged.length > 0) {
    lines.push(`${untagged.map((r) => `${r.kind} ${r.id}`).join(', ')}: has this stack's name but no GeuseMaker stack id (made by hand or by another tool) — ${verb}`);
  }
  return lines;
}
