import {
  CreateAutoScalingGroupCommand, DescribePoliciesCommand, EnableMetricsCollectionCommand, PutScalingPolicyCommand, UpdateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand, type TargetTrackingConfiguration,
} from '@aws-sdk/client-auto-scaling';
import type { RequestLaunchTemplateData } from '@aws-sdk/client-ec2';
import type { ScaleWiring } from '../bootstrap/input';
import type { StepContext } from '../context';
import type { StepResult } from '../graph/run-graph';
import { QUEUE_METRIC, scaleNames, SCALE_KEYS } from '../scale/names';
import { architectureOf } from '../stack/config';
import type { WorkerPoolName, WorkerPoolSettings } from '../stack/scale-config';
import { stackTags } from '../stack/naming';
import { mixedPolicy, untilProfileVisible } from './auto-scaling';
import { groupUpdate, readGroupSettings, targetGroupChanges, type WantedGroupSettings } from './compare-group';
import { sameData } from './compare-json';
import { tagSpec } from './ec2-tags';
import { nameTaken } from './name-taken';
import { ensureResource, type Found } from './ensure';
import { describeGroup } from './group-view';
import { ensureTemplateVersion, type TemplateRef } from './launch-template';
import type { Subnet } from './network';
import { publicUrlFrom } from './public-url';

function withPublicUrl(url: string | undefined): { publicUrl?: string } {
  return url ? { publicUrl: url } : {};
}

/** What a pool's launch template needs from the steps before it. */
export interface WorkerTemplateInputs {
  groupId: string;
  fileSystemId: string;
  profileName: string;
  scale: ScaleWiring;
}

function poolSettings(ctx: StepContext, pool: WorkerPoolName): WorkerPoolSettings {
  const scale = ctx.config.scale!;
  const settings = pool === 'n8n' ? scale.n8nWorkers : scale.ollamaWorkers;
  if (!settings) throw new Error(`Plan bug: no ${pool} workers in this config`);
  return settings;
}

const GPU_FAMILIES = /^(g\d|p\d)/;

/**
 * A pool's launch template: only its pool's container (renderWorkerUserData), the stack's instance profile, IMDSv2
 * at hop limit 1, an encrypted root, and detailed monitoring so target tracking sees 1-minute metrics.
 */
export async function ensureWorkerTemplate(ctx: StepContext, pool: WorkerPoolName, inputs: WorkerTemplateInputs): Promise<{ ref: TemplateRef; outcome: 'created' | 'reused' | 'done'; detail: string }> {
  const settings = poolSettings(ctx, pool);
  const firstType = settings.instanceTypes[0]!;
  // The pool's own image when the instance's does not fit its types (plan/worker-images.ts).
  const image = ctx.facts.workerImages?.[pool];
  const gpu = image?.gpu ?? GPU_FAMILIES.test(firstType);
  const { renderWorkerUserData } = await import('../bootstrap/worker-userdata');
  const userData = renderWorkerUserData({
    config: ctx.config, region: ctx.clients.region, fileSystemId: inputs.fileSystemId, pool, scale: inputs.scale,
    // A Wait node's resume URL is built on the worker from the stack's public URL.
    ...withPublicUrl(publicUrlFrom(ctx.config, ctx.journal.state.resources)),
    os: image?.os ?? ctx.facts.os ?? 'al2023', architecture: architectureOf(firstType), gpu,
  }, { images: ctx.facts.images });
  const name = scaleNames.workerTemplate(ctx.stack, pool);
  const data: RequestLaunchTemplateData = {
    ImageId: image?.amiId ?? ctx.facts.amiId,
    InstanceType: firstType as RequestLaunchTemplateData['InstanceType'],
    IamInstanceProfile: { Name: inputs.profileName },
    // A public address reaches AWS and the image registries without a NAT gateway; no inbound rule opens it.
    NetworkInterfaces: [{ DeviceIndex: 0, Groups: [inputs.groupId], AssociatePublicIpAddress: true, DeleteOnTermination: true }],
    MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
    Monitoring: { Enabled: true },
    BlockDeviceMappings: [{ DeviceName: image?.rootDeviceName ?? ctx.facts.rootDeviceName, Ebs: { VolumeSize: Math.max(gpu ? 100 : 30, image?.rootSnapshotGb ?? 0), VolumeType: 'gp3', Encrypted: true, DeleteOnTermination: true } }],
    UserData: userData.payload.toString('base64'),
    TagSpecifications: [
      ...tagSpec(ctx, 'instance', `${pool}-worker`, `gm-${ctx.stack}-${pool}-worker`),
      ...tagSpec(ctx, 'volume', `${pool}-worker-root`, `gm-${ctx.stack}-${pool}-worker-root`),
    ],
  };
  return ensureTemplateVersion(ctx, { key: SCALE_KEYS.workerTemplate(pool), name, data, script: userData.script, attrs: { amiId: data.ImageId ?? '' } });
}

/** What a pool's group is made of. */
export interface WorkerGroupInputs {
  template: TemplateRef;
  subnets: readonly Subnet[];
  /** Ollama workers: the internal load balancer's target group, and its ARN for request-count tracking. */
  targetGroupArn?: string;
  loadBalancerArn?: string;
}

/**
 * A pool's Auto Scaling group, between min and max workers. Target tracking owns the desired count: a redeploy
 * changes it only when it falls outside a new min..max. n8n workers report their own health (the watchdog calls
 * SetInstanceHealth); Ollama workers are checked by their target group.
 */
export async function ensureWorkerGroup(ctx: StepContext, pool: WorkerPoolName, inputs: WorkerGroupInputs): Promise<StepResult & { name: string }> {
  const settings = poolSettings(ctx, pool);
  const name = scaleNames.workerGroup(ctx.stack, pool);
  const key = SCALE_KEYS.workerGroupKey(pool);
  const wanted: WantedGroupSettings = {
    // A new group starts at min; a reused one keeps target tracking's count, brought inside min..max (below).
    AutoScalingGroupName: name, MinSize: settings.min, MaxSize: settings.max, DesiredCapacity: settings.min,
    VPCZoneIdentifier: inputs.subnets.map((s) => s.id).join(','),
    MixedInstancesPolicy: mixedPolicy(inputs.template, settings.instanceTypes, settings.market),
    CapacityRebalance: settings.market === 'spot',
    // A worker pulls one image (and Ollama reads its models from EFS): 10 minutes covers it.
    HealthCheckGracePeriod: 600,
  };
  const lookUp = async (): Promise<Found | undefined> => {
    const group = await describeGroup(ctx.clients, name, ctx.report.signal);
    if (!group || group.status === 'Delete in progress') return undefined;
    if (group.stackId !== ctx.stackId) {
      throw nameTaken(ctx.clients.region, 'An Auto Scaling group', name, group.stackId);
    }
    return { id: name };
  };
  const { outcome } = await ensureResource(ctx, {
    key, kind: 'auto-scaling-group', describe: lookUp, findOrphan: lookUp,
    // The group's name is its idempotency key: a repeat answers AlreadyExists and is adopted.
    create: async () => {
      await untilProfileVisible(ctx, () => ctx.clients.autoscaling.send(new CreateAutoScalingGroupCommand({
        ...wanted,
        HealthCheckType: inputs.targetGroupArn ? 'ELB' : 'EC2',
        DefaultInstanceWarmup: 240,
        ...(inputs.targetGroupArn ? { TargetGroupARNs: [inputs.targetGroupArn] } : {}),
        Tags: stackTags(ctx, key, name).map((tag) => ({ ...tag, PropagateAtLaunch: false })),
      })));
      return { id: name };
    },
  });
  let changed: string[] = [];
  if (outcome === 'reused') {
    const liveSettings = await readGroupSettings(ctx.clients, name, ctx.report.signal);
    if (liveSettings) wanted.DesiredCapacity = Math.min(settings.max, Math.max(settings.min, liveSettings.DesiredCapacity));
    const diff = groupUpdate(liveSettings, wanted);
    changed = diff.changed;
    if (Object.keys(diff.update).length > 0) await ctx.clients.autoscaling.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, ...diff.update }));
    const { attach } = targetGroupChanges(liveSettings, inputs.targetGroupArn, scaleNames.ollamaTargetGroup(ctx.stack));
    if (attach.length > 0) {
      const { AttachLoadBalancerTargetGroupsCommand } = await import('@aws-sdk/client-auto-scaling');
      await ctx.clients.autoscaling.send(new AttachLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: name, TargetGroupARNs: attach }));
    }
  }
  await ctx.journal.created(key, 'auto-scaling-group', name, { pool, min: String(settings.min), max: String(settings.max), market: settings.market, instanceTypes: settings.instanceTypes.join(','), launchTemplateVersion: inputs.template.version });
  const policy = await ensureScalingPolicy(ctx, pool, name, inputs);
  return {
    outcome: outcome === 'reused' && changed.length > 0 ? 'done' : outcome,
    detail: `${name}: ${settings.min}..${settings.max} ${settings.market} workers (${settings.instanceTypes.join(', ')}), ${policy}${changed.length > 0 ? `; changed: ${changed.join(', ')}` : ''}`,
    name,
  };
}

/** The target tracking policy's name: one per pool. */
export function scalingPolicyName(stack: string, pool: WorkerPoolName): string {
  return `gm-${stack}-${pool}-target`;
}

/** "app/<name>/<id>/targetgroup/<name>/<id>": how ALBRequestCountPerTarget names its target group. */
export function requestCountLabel(loadBalancerArn: string, targetGroupArn: string): string {
  const lb = loadBalancerArn.split(':loadbalancer/')[1] ?? '';
  const tg = targetGroupArn.split(':').pop() ?? '';
  return `${lb}/${tg}`;
}

/** The pool's target tracking: CPU, n8n's waiting jobs per worker, or the internal load balancer's requests per worker. */
export function targetTracking(ctx: Pick<StepContext, 'config' | 'stack'>, pool: WorkerPoolName, group: string, inputs: Pick<WorkerGroupInputs, 'targetGroupArn' | 'loadBalancerArn'>): { config: TargetTrackingConfiguration; words: string } {
  const scale = ctx.config.scale!;
  if (pool === 'ollama') {
    const target = scale.ollamaWorkers!.targetRequestsPerWorker;
    return {
      config: { PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: requestCountLabel(inputs.loadBalancerArn ?? '', inputs.targetGroupArn ?? '') }, TargetValue: target },
      words: `target tracking at ${target} requests per worker per minute`,
    };
  }
  const n8n = scale.n8nWorkers;
  if (n8n.scaleOn === 'queue') {
    return {
      config: {
        CustomizedMetricSpecification: {
          Metrics: [
            { Id: 'waiting', MetricStat: { Metric: { Namespace: QUEUE_METRIC.namespace, MetricName: QUEUE_METRIC.name, Dimensions: [{ Name: QUEUE_METRIC.dimension, Value: ctx.stack }] }, Stat: 'Average' }, ReturnData: false },
            { Id: 'workers', MetricStat: { Metric: { Namespace: 'AWS/AutoScaling', MetricName: 'GroupInServiceInstances', Dimensions: [{ Name: 'AutoScalingGroupName', Value: group }] }, Stat: 'Average' }, ReturnData: false },
            { Id: 'perworker', Expression: 'waiting / MAX([workers, 1])', Label: 'n8n jobs waiting per worker', ReturnData: true },
          ],
        },
        TargetValue: n8n.targetWaitingPerWorker,
      },
      words: `target tracking at ${n8n.targetWaitingPerWorker} waiting jobs per worker`,
    };
  }
  return {
    config: { PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' }, TargetValue: n8n.targetCpuPercent },
    words: `target tracking at ${n8n.targetCpuPercent}% average CPU`,
  };
}

/**
 * A described policy lists members we never set as empty (a metric-math spec comes back with `Dimensions: []`):
 * an empty list and an absent one mean the same, so neither makes a redeploy put the policy again.
 */
function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpty);
  if (value === null || value === undefined || typeof value !== 'object') return value ?? null;
  return Object.fromEntries(Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0))
    .map(([k, v]) => [k, withoutEmpty(v)]));
}

/** Puts the policy only when AWS's differs (a redeploy makes no call), and turns on the group metric queue tracking divides by. */
async function ensureScalingPolicy(ctx: StepContext, pool: WorkerPoolName, group: string, inputs: WorkerGroupInputs): Promise<string> {
  const name = scalingPolicyName(ctx.stack, pool);
  const { config, words } = targetTracking(ctx, pool, group, inputs);
  const live = (await ctx.clients.autoscaling.send(new DescribePoliciesCommand({ AutoScalingGroupName: group, PolicyNames: [name] }))).ScalingPolicies?.[0];
  const same = live?.PolicyType === 'TargetTrackingScaling' && live.TargetTrackingConfiguration?.TargetValue === config.TargetValue
    && sameData(withoutEmpty(live.TargetTrackingConfiguration?.PredefinedMetricSpecification), withoutEmpty(config.PredefinedMetricSpecification))
    && sameData(withoutEmpty(live.TargetTrackingConfiguration?.CustomizedMetricSpecification), withoutEmpty(config.CustomizedMetricSpecification));
  if (!same) {
    await ctx.clients.autoscaling.send(new PutScalingPolicyCommand({ AutoScalingGroupName: group, PolicyName: name, PolicyType: 'TargetTrackingScaling', TargetTrackingConfiguration: config }));
  }
  if (config.CustomizedMetricSpecification) {
    const metrics = (await ctx.clients.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] }))).AutoScalingGroups?.[0]?.EnabledMetrics ?? [];
    if (!metrics.some((m) => m.Metric === 'GroupInServiceInstances')) {
      await ctx.clients.autoscaling.send(new EnableMetricsCollectionCommand({ AutoScalingGroupName: group, Granularity: '1Minute', Metrics: ['GroupInServiceInstances'] }));
    }
  }
  return words;
}
