import { DescribeInstancesCommand, paginateDescribeTags } from '@aws-sdk/client-ec2';
import { paginateDescribeFileSystems } from '@aws-sdk/client-efs';
import type { AwsClients } from './aws/clients';
import { newStackState } from './deploy';
import { stackConfigSchema, type StackConfig } from './stack/config';
import { tagValue, TAG_STACK } from './stack/naming';
import { isRuntimeStatus, sweepStack } from './resources/sweep';
import type { StackState } from './state/schema';
import { ADOPTABLE_KINDS } from './kinds';
import { refused } from './errors';
import { cloudFrontIsChoice, tierWith } from './tiers';

/** A stack found by its tags in one region of the account. */
export interface AccountStack {
  name: string;
  region: string;
  /** Live resources carrying the stack's tags. */
  resourceCount: number;
  /** Whether compute is running, so the UI can warn that something costs money. */
  running: boolean;
}

/**
 * Every stack carrying our tags in one region: one paginated EC2 DescribeTags plus the EFS list, so a
 * stack whose state file was lost (or lives on another machine) is never invisible.
 */
export async function findStacksInAccount(clients: AwsClients): Promise<AccountStack[]> {
  const candidates = new Set<string>();
  for await (const page of paginateDescribeTags({ client: clients.ec2 }, { Filters: [{ Name: 'key', Values: [TAG_STACK] }] })) {
    for (const tag of page.Tags ?? []) if (tag.Value) candidates.add(tag.Value);
  }
  for await (const page of paginateDescribeFileSystems({ client: clients.efs }, {})) {
    for (const fs of page.FileSystems ?? []) {
      const stack = tagValue(fs.Tags, TAG_STACK);
      if (stack && fs.LifeCycleState !== 'deleted') candidates.add(stack);
    }
  }
  // Tags outlive their resources for a while (terminated instances keep theirs for an hour), so each
  // candidate is confirmed with the same sweep destroy uses.
  const stacks = await Promise.all([...candidates].map(async (name): Promise<AccountStack | undefined> => {
    const live = (await sweepStack(clients, name)).filter((r) => !isRuntimeStatus(r) && r.state !== 'terminated' && r.state !== 'deleted');
    if (live.length === 0) return undefined;
    const running = live.some((r) => r.kind === 'instance' && r.state !== 'shutting-down' && r.state !== 'stopped');
    return { name, region: clients.region, resourceCount: live.length, running };
  }));
  return stacks.filter((stack): stack is AccountStack => stack !== undefined).sort((a, b) => a.name.localeCompare(b.name));
}

/** An imported stack journals what a deploy could adopt: the tagged kinds of its own. */
const journalKinds = ADOPTABLE_KINDS;

/**
 * A state for a stack found in the account but tracked nowhere here: its tagged resources journaled as
 * created, so show, pause and destroy work on it. The config is rebuilt from what AWS says (name, region,
 * instance type, market) and defaults; a later deploy from the user's own config replaces it.
 */
export async function importStackState(clients: AwsClients, name: string): Promise<StackState> {
  const live = (await sweepStack(clients, name)).filter((r) => r.state !== 'terminated' && r.state !== 'shutting-down');
  // Importing takes one stack over; resources of another stack id (or none) under the same name stay out of it.
  const ids = [...new Set(live.map((r) => r.stackId).filter((id): id is string => id !== undefined))];
  if (ids.length > 1) {
    throw refused('ADOPT_AMBIGUOUS', `Resources named for stack ${name} in ${clients.region} belong to ${ids.length} different stacks (stack ids ${ids.join(', ')}), so the import cannot tell which to take over.`,
      'Import it from the machine or state folder that deployed it, or remove the ones you know by hand.');
  }
  const stackId = ids[0];
  const swept = live.filter((r) => r.stackId === stackId);
  const instance = swept.find((r) => r.kind === 'instance');
  let overrides: Partial<StackConfig> = {};
  if (instance) {
    const found = (await clients.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instance.id] }))).Reservations?.[0]?.Instances?.[0];
    overrides = { instanceType: found?.InstanceType, market: found?.InstanceLifecycle === 'spot' ? 'spot' : 'on-demand' };
  }
  // A load balancer means automation or gpu (a GPU type says which); CloudFront on automation is its option.
  if (swept.some((r) => r.kind === 'load-balancer')) {
    const gpu = /^(g\d|p\d)/.test(overrides.instanceType ?? '');
    const tier = tierWith({ loadBalancer: true, gpu });
    overrides = { ...overrides, tier, access: { mode: 'load-balancer' },
      ...(cloudFrontIsChoice(tier) && swept.some((r) => r.kind === 'cloudfront-distribution') ? { cloudFront: true } : {}) };
  }
  const config = stackConfigSchema.parse({ name, region: clients.region, ...overrides });
  const state = newStackState(config, stackId);
  const now = new Date().toISOString();
  // Keep the stack's own origin, so its tags and this state agree on where and when it began.
  const origin = swept.find((r) => r.createdOn || r.createdAt);
  if (origin?.createdOn) state.createdOn = origin.createdOn;
  if (origin?.createdAt && !Number.isNaN(Date.parse(origin.createdAt))) state.createdAt = origin.createdAt;
  for (const resource of swept) {
    const kind = journalKinds.get(resource.kind);
    if (!kind || !resource.key) continue;
    state.resources[resource.key] = { key: resource.key, kind, status: 'created', id: resource.id, attrs: {}, external: false, updatedAt: now };
  }
  // Network without compute is a paused stack (resume works); data alone is what a destroy keeps.
  state.status = instance ? 'deployed' : swept.some((r) => r.kind === 'vpc') ? 'paused' : 'destroyed';
  state.notes = [`imported from the account's tags at ${now}; the config was rebuilt from AWS, so check it before deploying`];
  return state;
}
