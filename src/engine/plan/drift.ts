import { z } from 'zod';
import { classifyAwsError } from '../aws/classify';
import type { AwsClients } from '../aws/clients';
import { cancelled } from '../errors';
import { DATA_KINDS } from '../kinds';
import { ORIGIN_SECRET } from '../resources/secret-specs';
import type { ResourceRecord, StackState } from '../state/schema';
import { checkDistribution } from './drift-distribution';
import { probeRecords } from './drift-exists';
import { checkGroup, repairGroup } from './drift-group';
import { checkIngress, repairIngress } from './drift-ingress';
import { checkListeners, repairListener } from './drift-listeners';
import { labelOf, named, type DriftItem, type DriftReport, type DriftScope, type RepairContext } from './drift-types';

export type { DriftItem, DriftReport, RepairContext } from './drift-types';

type Ours = ResourceRecord & { id: string };

/**
 * What to compare: records we created (a reused VPC or subnet is the user's), with an id AWS gave. The group's own
 * instance is left out (the group replacing it is healing, not drift); so is the kept data of a destroyed stack.
 */
function comparable(state: StackState): Ours[] {
  return Object.values(state.resources).filter((record): record is Ours => record.status === 'created' && record.id !== undefined
    && !record.external
    && !(record.kind === 'instance' && record.attrs.group)
    && !(state.status === 'destroyed' && DATA_KINDS.includes(record.kind)));
}

/** What the deploy does about a resource that is gone, in the words that matter for it. */
function recreateWords(record: Ours): string {
  if (record.kind === 'efs') return 'deploy creates a new, empty file system (the data of the old one is not brought back)';
  if (record.kind === 'ssm-parameter') {
    return record.key === ORIGIN_SECRET.key ? 'deploy makes a new one and sets it on CloudFront and the listener rule'
      : 'deploy makes a new value (data on EFS that the old one protected will not open with it)';
  }
  if (record.kind === 'instance') return 'deploy brings the stack onto its Auto Scaling group\'s instance';
  return 'deploy recreates it';
}

function missing(record: Ours): DriftItem {
  return {
    key: record.key, kind: record.kind, id: record.id, what: 'missing',
    text: `${named(record.key, record.id)} no longer exists in AWS (deleted outside GeuseMaker)`,
    repair: recreateWords(record), detail: { check: 'exists', repairBy: 'deploy' },
  };
}

/** Plain words for a read that failed; the cause stays in the classified error's words. */
function whyUnreadable(error: unknown, stack: string): string {
  if (error instanceof z.ZodError) return 'AWS answered in a shape GeuseMaker does not know';
  return classifyAwsError(error, { stack }).message;
}

/**
 * Compares what AWS has now with what the stack should have (its journal and its applied config, state.config):
 * resources deleted outside the tool, inbound rules of its security groups, its listeners' default actions and
 * rules, its Auto Scaling group's sizes, template version and target group, its CloudFront origin and header.
 * Read-only. Only what our journal says we created is looked at, so nothing of anyone else's is ever reported.
 * A resource that cannot be read is a warning, never a thrown error; cancelling through `signal` throws.
 */
export async function detectDrift(clients: AwsClients, state: StackState, signal?: AbortSignal): Promise<DriftReport> {
  const warnings: string[] = [];
  const stop = (): void => {
    if (signal?.aborted) throw cancelled();
  };
  const records = comparable(state);
  const probes = await probeRecords(clients, records, signal);
  stop();
  const items: DriftItem[] = [];
  const present = new Map<string, Ours>();
  for (const probe of probes) {
    if (probe.error !== undefined || !probe.present) {
      const which = probe.records.map((r) => named(r.key, r.id)).join(', ');
      warnings.push(`Could not check that ${which} still exist${probe.records.length === 1 ? 's' : ''}: ${whyUnreadable(probe.error, state.name)}`);
      continue;
    }
    for (const record of probe.records) {
      if (probe.present.has(record.id)) present.set(record.key, record);
      else items.push(missing(record));
    }
  }
  const scope: DriftScope = { clients, state, signal, live: (key) => present.get(key), warn: (message) => warnings.push(message) };
  const checks: [string, (scope: DriftScope) => Promise<DriftItem[]>][] = [
    ['the security groups\' inbound rules', checkIngress],
    ['the load balancer\'s listeners', checkListeners],
    [`the ${labelOf('auto-scaling-group')}`, checkGroup],
    [`the ${labelOf('cloudfront')}`, checkDistribution],
  ];
  const found = await Promise.all(checks.map(async ([what, check]) => {
    try {
      return await check(scope);
    } catch (error) {
      stop();
      warnings.push(`Could not compare ${what} with the stack: ${whyUnreadable(error, state.name)}`);
      return [];
    }
  }));
  stop();
  return { items: [...items, ...found.flat()], warnings };
}

/** Items the deploy's own ensure steps put back (a resource recreated, a template version, CloudFront): repairDrift leaves them. */
export function leftToDeploy(item: DriftItem): boolean {
  return item.detail?.repairBy !== 'drift';
}

/**
 * Undoes the changes made outside GeuseMaker that the deploy's ensure steps would not (or not exactly): revokes the
 * inbound rule that was added (by its rule id), authorizes ours back, deletes a listener rule added by hand, puts a
 * listener's default action and the origin rule back, and the group's sizes and target group. Each change is read
 * back; the sentences say what AWS shows afterwards. Items left to the deploy (leftToDeploy) are skipped. Stops at
 * the first failure, classified.
 */
export async function repairDrift(ctx: RepairContext, items: readonly DriftItem[]): Promise<string[]> {
  const done: string[] = [];
  for (const item of items) {
    if (leftToDeploy(item)) continue;
    if (ctx.signal?.aborted) throw cancelled();
    try {
      switch (item.detail?.check) {
        case 'ingress': done.push(await repairIngress(ctx, item)); break;
        case 'listener-rule': case 'listener-default': case 'origin-rule': done.push(await repairListener(ctx, item)); break;
        case 'group-size': case 'group-target-group': done.push(await repairGroup(ctx, item)); break;
        default: break;
      }
    } catch (error) {
      throw classifyAwsError(error, { stack: ctx.state.name, profile: ctx.state.config.profile });
    }
  }
  return done;
}
