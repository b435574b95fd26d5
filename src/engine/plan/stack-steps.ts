import type { StepContext } from '../context';
import type { GraphStep, StepResult } from '../graph/run-graph';
import { ensureInternetGateway, ensureRouteTable, ensureSubnet, ensureVpc } from '../resources/network';
import { ensureAlbSecurityGroup, ensureEfsSecurityGroup, ensureInstanceSecurityGroup } from '../resources/security-groups';
import { ensureFileSystem, ensureMountTarget } from '../resources/efs';
import { ensureInstanceProfile, ensureRole } from '../resources/iam';
import { ensureSecrets, stackSecrets } from '../resources/secrets';
import { ensureInstance } from '../resources/instance';
import { ensureListeners, ensureLoadBalancer, ensureTargetGroup, registerAndWaitHealthy } from '../resources/load-balancer';
import { ensureDistribution, waitDistributionDeployed } from '../resources/cloudfront';
import { LB_KEYS } from '../resources/public-url';
import { LOAD_BALANCED_TIERS, usesCloudFront } from '../stack/config';

/** A step of a stack: what it creates (journal keys), what it needs, and how. */
export interface StepSpec {
  id: string;
  title: string;
  deps: string[];
  keys: string[];
  run(ctx: StepContext, waiting: (what: string) => void): Promise<StepResult>;
}

/**
 * A stack as data: every tier's steps in one graph: the dev tier's, plus the load balancer (automation, gpu) and CloudFront (gpu, or
 * automation with cloudFront: true) as more steps in the same graph. The instance does not wait for mount
 * targets: its UserData retries the mount.
 */
export function stackSteps(ctx: Pick<StepContext, 'config'>): StepSpec[] {
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
  const balanced = LOAD_BALANCED_TIERS.includes(ctx.config.tier);
  const cloudFront = balanced && usesCloudFront(ctx.config);
  // The instance launches once the public URL is known (n8n's webhook and editor URLs follow it): that is the
  // distribution's domain, or the load balancer's DNS name; both exist right after their create call returns.
  const publicUrlDeps = cloudFront ? ['cloudfront'] : balanced ? ['alb'] : [];
  const loadBalancer: StepSpec[] = balanced
    ? [
        { id: 'sg-alb', title: 'Load balancer security group', deps: vpcDeps, keys: [LB_KEYS.securityGroup], run: (c) => ensureAlbSecurityGroup(c) },
        {
          // Internet-facing needs the internet gateway attached (and a route) first.
          id: 'alb', title: 'Application Load Balancer', keys: [LB_KEYS.loadBalancer],
          deps: ['sg-alb', ...(newNetwork ? ['subnet-a', 'subnet-b', 'route-table'] : ['network'])],
          run: (c) => ensureLoadBalancer(c),
        },
        { id: 'target-group', title: 'Target group (health check /healthz)', deps: vpcDeps, keys: [LB_KEYS.targetGroup], run: (c) => ensureTargetGroup(c) },
        {
          id: 'listeners', title: cloudFront ? 'Listener (403 unless the CloudFront origin header)' : 'Listeners',
          deps: ['alb', 'target-group', ...(cloudFront ? ['secrets'] : [])],
          keys: [LB_KEYS.httpListener, ...(ctx.config.certificateArn ? [LB_KEYS.httpsListener] : []), ...(cloudFront ? [LB_KEYS.originRule] : [])],
          run: (c) => ensureListeners(c),
        },
        { id: 'target-healthy', title: 'Instance healthy behind the load balancer', deps: ['instance', 'listeners'], keys: [], run: (c, waiting) => registerAndWaitHealthy(c, waiting) },
      ]
    : [];
  const distribution: StepSpec[] = cloudFront
    ? [
        { id: 'cloudfront', title: 'CloudFront distribution', deps: ['alb', 'secrets'], keys: [LB_KEYS.distribution], run: (c) => ensureDistribution(c) },
        { id: 'cloudfront-deployed', title: 'CloudFront deployed (5–20 min)', deps: ['cloudfront'], keys: [], run: (c, waiting) => waitDistributionDeployed(c, waiting) },
      ]
    : [];
  return [
    ...network,
    ...loadBalancer,
    ...distribution,
    { id: 'sg-instance', title: 'Instance security group', deps: [...vpcDeps, ...(balanced ? ['sg-alb'] : [])], keys: ['sg-instance'], run: (c) => ensureInstanceSecurityGroup(c) },
    { id: 'sg-efs', title: 'EFS security group', deps: [...vpcDeps, 'sg-instance'], keys: ['sg-efs'], run: (c) => ensureEfsSecurityGroup(c) },
    { id: 'efs', title: 'Encrypted EFS file system', deps: [], keys: ['efs'], run: (c, waiting) => ensureFileSystem(c, waiting) },
    ...mountTargets,
    { id: 'iam-role', title: 'IAM role (SSM + own secrets)', deps: [], keys: ['iam-role'], run: (c) => ensureRole(c) },
    { id: 'instance-profile', title: 'IAM instance profile', deps: ['iam-role'], keys: ['instance-profile'], run: (c) => ensureInstanceProfile(c) },
    { id: 'secrets', title: 'Secrets in Parameter Store', deps: [], keys: stackSecrets(ctx.config).map((secret) => secret.key), run: (c) => ensureSecrets(c) },
    {
      id: 'instance', title: 'EC2 instance', keys: ['instance'],
      deps: [...subnetDeps, ...(newNetwork ? ['route-table'] : ['network']), 'sg-instance', 'instance-profile', 'efs', 'secrets', ...publicUrlDeps],
      run: (c, waiting) => ensureInstance(c, waiting),
    },
  ];
}

export function toGraph(specs: readonly StepSpec[], ctx: StepContext): GraphStep[] {
  return specs.map((spec) => ({ id: spec.id, title: spec.title, deps: spec.deps, run: (waiting) => spec.run(ctx, waiting) }));
}
