import type { StepContext } from '../context';
import type { GraphStep, StepResult } from './graph';
import { ensureInternetGateway, ensureRouteTable, ensureSubnet, ensureVpc } from '../resources/network';
import { ensureEfsSecurityGroup, ensureInstanceSecurityGroup } from '../resources/security-groups';
import { ensureFileSystem, ensureMountTarget } from '../resources/efs';
import { ensureInstanceProfile, ensureRole } from '../resources/iam';
import { ensureSecrets, SECRETS } from '../resources/secrets';
import { ensureInstance } from '../resources/instance';

/** A step of the dev tier: what it creates (journal keys), what it needs, and how. */
export interface StepSpec {
  id: string;
  title: string;
  deps: string[];
  keys: string[];
  run(ctx: StepContext, waiting: (what: string) => void): Promise<StepResult>;
}

/**
 * The dev tier as data. Later tiers add steps (load balancer, CloudFront) to this graph rather than
 * subclassing it. The instance does not wait for mount targets: its UserData retries the mount.
 */
export function devSteps(ctx: Pick<StepContext, 'config'>): StepSpec[] {
  const newNetwork = ctx.config.network.mode === 'new';
  const network: StepSpec[] = newNetwork
    ? [
        { id: 'vpc', title: 'VPC', deps: [], keys: ['vpc'], run: (c) => ensureVpc(c) },
        { id: 'subnet-a', title: 'Public subnet (first AZ)', deps: ['vpc'], keys: ['subnet-a'], run: (c) => ensureSubnet(c, 0) },
        { id: 'subnet-b', title: 'Public subnet (second AZ)', deps: ['vpc'], keys: ['subnet-b'], run: (c) => ensureSubnet(c, 1) },
        { id: 'igw', title: 'Internet gateway', deps: ['vpc'], keys: ['igw'], run: (c) => ensureInternetGateway(c) },
        { id: 'route-table', title: 'Route table and internet route', deps: ['vpc', 'igw', 'subnet-a', 'subnet-b'], keys: ['route-table'], run: (c) => ensureRouteTable(c) },
      ]
    : [{
        // The user's own VPC and subnets: journaled as external so nothing ever deletes them.
        id: 'network', title: 'Existing VPC and subnets', deps: [], keys: [],
        run: async (c) => {
          const network = c.config.network;
          if (network.mode !== 'existing') throw new Error('Step order bug: existing-network step on a new network');
          await c.journal.created('vpc', 'vpc', network.vpcId, {}, true);
          for (const subnet of c.facts.existingSubnets ?? []) await c.journal.created(`subnet-${subnet.id}`, 'subnet', subnet.id, { zone: subnet.zone }, true);
          return { outcome: 'reused', detail: `${network.vpcId} with ${(c.facts.existingSubnets ?? []).map((s) => s.id).join(', ')}` };
        },
      }];
  const vpcDeps = newNetwork ? ['vpc'] : ['network'];
  const subnetDeps = newNetwork ? ['subnet-a', 'subnet-b'] : [];
  const mountTargets: StepSpec[] = newNetwork
    ? (['a', 'b'] as const).map((suffix) => ({
        id: `mount-target-${suffix}`, title: `EFS mount target (${suffix === 'a' ? 'first' : 'second'} AZ)`,
        deps: ['efs', `subnet-${suffix}`, 'sg-efs'], keys: [`mount-target-${suffix}`],
        run: (c: StepContext, waiting: (what: string) => void) => ensureMountTarget(c, `mount-target-${suffix}`, `subnet-${suffix}`, waiting),
      }))
    : [{
        id: 'mount-targets', title: 'EFS mount targets', deps: ['efs', 'sg-efs', 'network'], keys: [],
        run: async (c, waiting) => {
          const zones = new Set<string>();
          const details: string[] = [];
          for (const subnet of c.facts.existingSubnets ?? []) {
            if (zones.has(subnet.zone)) continue;
            zones.add(subnet.zone);
            details.push((await ensureMountTarget(c, `mount-target-${subnet.zone}`, `subnet-${subnet.id}`, waiting)).detail ?? '');
          }
          return { outcome: 'done', detail: details.join(', ') };
        },
      }];
  return [
    ...network,
    { id: 'sg-instance', title: 'Instance security group', deps: vpcDeps, keys: ['sg-instance'], run: (c) => ensureInstanceSecurityGroup(c) },
    { id: 'sg-efs', title: 'EFS security group', deps: [...vpcDeps, 'sg-instance'], keys: ['sg-efs'], run: (c) => ensureEfsSecurityGroup(c) },
    { id: 'efs', title: 'Encrypted EFS file system', deps: [], keys: ['efs'], run: (c, waiting) => ensureFileSystem(c, waiting) },
    ...mountTargets,
    { id: 'iam-role', title: 'IAM role (SSM + own secrets)', deps: [], keys: ['iam-role'], run: (c) => ensureRole(c) },
    { id: 'instance-profile', title: 'IAM instance profile', deps: ['iam-role'], keys: ['instance-profile'], run: (c) => ensureInstanceProfile(c) },
    { id: 'secrets', title: 'Secrets in Parameter Store', deps: [], keys: SECRETS.map((secret) => secret.key), run: (c) => ensureSecrets(c) },
    {
      id: 'instance', title: 'EC2 instance', keys: ['instance'],
      deps: [...subnetDeps, ...(newNetwork ? ['route-table'] : ['network']), 'sg-instance', 'instance-profile', 'efs', 'secrets'],
      run: (c, waiting) => ensureInstance(c, waiting),
    },
  ];
}

export function toGraph(specs: readonly StepSpec[], ctx: StepContext): GraphStep[] {
  return specs.map((spec) => ({ id: spec.id, title: spec.title, deps: spec.deps, run: (waiting) => spec.run(ctx, waiting) }));
}
