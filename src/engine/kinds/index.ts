import type { StackConfig } from '../stack/config';
import { tierParts } from '../tiers';
import { cloudfrontDistribution } from './cloudfront-distribution';
import { efs } from './efs';
import { iamRole } from './iam-role';
import { autoScalingGroup } from './auto-scaling-group';
import { backupPlan } from './backup-plan';
import { backupVault } from './backup-vault';
import { budget } from './budget';
import { cacheSubnetGroup, queueCache } from './queue-cache';
import { database, databaseSubnetGroup } from './database';
import { internalLoadBalancer } from './internal-load-balancer';
import { workerPool } from './worker-pool';
import { instance } from './instance';
import { instanceProfile } from './instance-profile';
import { launchTemplate } from './launch-template';
import { internetGateway } from './internet-gateway';
import { listener } from './listener';
import { listenerRule } from './listener-rule';
import { loadBalancer } from './load-balancer';
import { mountTarget } from './mount-target';
import { networkInterface } from './network-interface';
import { routeTable } from './route-table';
import { securityGroup } from './security-group';
import { snsTopic } from './sns-topic';
import { ssmParameter } from './ssm-parameter';
import { subnet } from './subnet';
import { targetGroup } from './target-group';
import type { BuildScope, ResourceKindDef } from './types';
import { volume } from './volume';
import { vpc } from './vpc';

/**
 * Every resource kind, in deploy order (what a kind depends on comes before it). Adding a kind: one module beside
 * these, one line here, and its part in the tier table (src/engine/tiers.ts).
 */
export const KINDS = [
  vpc, subnet, internetGateway, routeTable, securityGroup, efs, mountTarget, iamRole, instanceProfile, ssmParameter,
  loadBalancer, targetGroup, listener, listenerRule, cloudfrontDistribution, databaseSubnetGroup, database, cacheSubnetGroup, queueCache,
  internalLoadBalancer, volume, networkInterface, instance, launchTemplate, snsTopic, autoScalingGroup, workerPool, budget, backupVault, backupPlan,
] as const satisfies readonly ResourceKindDef[];

type AnyKind = (typeof KINDS)[number];
export type KindName = AnyKind['kind'];
/** Kinds the journal records (the others are only ever found by the sweep, e.g. a leftover volume). */
export type JournalKind = Extract<AnyKind, { journalKeys: unknown }>['kind'];

function isJournaled(kind: AnyKind): kind is Extract<AnyKind, { journalKeys: unknown }> {
  return 'journalKeys' in kind;
}

const journaled = KINDS.filter(isJournaled);
/** The journal's kind names (state/schema.ts RESOURCE_KINDS): old state files keep parsing as long as none is removed. */
export const JOURNAL_KINDS = journaled.map((kind) => kind.kind) as [JournalKind, ...JournalKind[]];

/** Kinds the tag sweep finds, each with its own query. */
export const TAG_SWEPT_KINDS = KINDS.filter((kind): kind is Extract<AnyKind, { findByTag: unknown }> => 'findByTag' in kind);

/** Kinds kept by destroy unless the user deletes data (the file system, and the secrets that protect it). */
export const DATA_KINDS: readonly KindName[] = KINDS.filter((kind) => kind.keptWithData).map((kind) => kind.kind);

/** Kinds a deploy --adopt or an import from the account takes over from their tags, as journal kinds. */
export const ADOPTABLE_KINDS: ReadonlyMap<KindName, JournalKind> = new Map(journaled.filter((kind) => kind.adoptable).map((kind) => [kind.kind, kind.kind]));

/** Journal kinds destroy deletes on their own (not with a parent), so a record whose tag is lost still gets deleted. */
export const DELETABLE_JOURNAL_KINDS: ReadonlyMap<string, KindName> = new Map(journaled.filter((kind) => 'teardown' in kind).map((kind) => [kind.kind, kind.kind]));

/** What the kinds' steps and journal keys depend on for this config. */
export function buildScope(config: StackConfig): BuildScope {
  const parts = new Set([...tierParts(config.tier, config.cloudFront), ...(config.scale ? ['scale' as const] : [])]);
  return { config, has: (part) => parts.has(part), newNetwork: config.network.mode === 'new' };
}

/** The kinds this stack has: those whose part its tier (and CloudFront choice) includes. */
export function kindsOf(scope: BuildScope): readonly ResourceKindDef[] {
  return KINDS.filter((kind) => scope.has(kind.part));
}
