import type { ClientInstrument, InstrumentableClient, ServiceName } from '../src/engine/aws/clients';

/**
 * Real-AWS latencies (AWS-REALITY.md) injected into moto's instant answers, scaled down so a
 * benchmark runs in seconds: every call takes ~150 ms, a mount target needs ~90 s to become
 * available, an Auto Scaling group ~60 s to bring its instance into service (and EC2 ~40 s to call it running), a new
 * instance profile ~10 s before a group accepts a launch template naming it;
 * an ALB ~3 min to become active, a registered target ~3 min to turn healthy, and CloudFront ~10 min to
 * deploy after a create or an update.
 */
export interface LatencyModel {
  scale: number;
  callMs: number;
  mountTargetMs: number;
  instanceRunningMs: number;
  groupInServiceMs: number;
  profilePropagationMs: number;
  albActiveMs: number;
  targetHealthyMs: number;
  cloudFrontDeployMs: number;
}

export const REAL_LATENCIES: Omit<LatencyModel, 'scale'> = {
  callMs: 150,
  mountTargetMs: 90_000,
  instanceRunningMs: 40_000,
  groupInServiceMs: 60_000,
  profilePropagationMs: 10_000,
  albActiveMs: 180_000,
  targetHealthyMs: 180_000,
  cloudFrontDeployMs: 600_000,
};

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

interface MountTarget { MountTargetId?: string; LifeCycleState?: string }
interface Instance { InstanceId?: string; State?: { Name?: string; Code?: number } }
interface LoadBalancer { LoadBalancerArn?: string; State?: { Code?: string } }
interface TargetHealthDescription { Target?: { Id?: string }; TargetHealth?: { State?: string; Reason?: string } }

export class LatencyInjector {
  readonly callsByOperation = new Map<string, number>();
  private readonly mountTargetReadyAt = new Map<string, number>();
  private readonly instanceReadyAt = new Map<string, number>();
  private readonly inServiceAt = new Map<string, number>();
  private profileUsableAt = 0;
  private readonly albActiveAt = new Map<string, number>();
  private readonly targetHealthyAt = new Map<string, number>();
  private readonly distributionDeployedAt = new Map<string, number>();

  constructor(private readonly model: LatencyModel) {}

  private scaled(ms: number): number {
    return ms / this.model.scale;
  }

  readonly instrument: ClientInstrument = (client: InstrumentableClient, service: ServiceName) => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = String((context as { commandName?: string }).commandName ?? '').replace(/Command$/, '');
        const operation = `${service}:${command}`;
        this.callsByOperation.set(operation, (this.callsByOperation.get(operation) ?? 0) + 1);
        await sleep(this.scaled(this.model.callMs));
        if (operation === 'autoscaling:CreateAutoScalingGroup' && Date.now() < this.profileUsableAt) {
          throw Object.assign(new Error('You must use a valid fully-formed launch template. Value (gm-bench-instance) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name'), {
            name: 'ValidationError', $fault: 'client', $metadata: { httpStatusCode: 400 },
          });
        }
        const result = await next(args);
        const output = result.output as Record<string, unknown>;
        const now = Date.now();
        if (operation === 'iam:CreateInstanceProfile') this.profileUsableAt = now + this.scaled(this.model.profilePropagationMs);
        if (operation === 'efs:CreateMountTarget') this.mountTargetReadyAt.set(String(output.MountTargetId), now + this.scaled(this.model.mountTargetMs));
        if (operation === 'ec2:RunInstances') {
          for (const instance of (output.Instances as Instance[] | undefined) ?? []) this.instanceReadyAt.set(String(instance.InstanceId), now + this.scaled(this.model.instanceRunningMs));
        }
        if (operation === 'elasticloadbalancing:CreateLoadBalancer') {
          for (const lb of (output.LoadBalancers as LoadBalancer[] | undefined) ?? []) this.albActiveAt.set(String(lb.LoadBalancerArn), now + this.scaled(this.model.albActiveMs));
        }
        if (operation === 'elasticloadbalancing:DescribeLoadBalancers') {
          for (const lb of (output.LoadBalancers as LoadBalancer[] | undefined) ?? []) {
            if (now < (this.albActiveAt.get(String(lb.LoadBalancerArn)) ?? 0)) lb.State = { Code: 'provisioning' };
          }
        }
        if (operation === 'autoscaling:DescribeAutoScalingGroups') {
          // The group's instance boots for a minute before it is in service (moto answers at once).
          for (const group of (output.AutoScalingGroups as { Instances?: { InstanceId?: string; LifecycleState?: string }[] }[] | undefined) ?? []) {
            for (const instance of group.Instances ?? []) {
              const id = String(instance.InstanceId);
              if (!this.inServiceAt.has(id)) {
                this.inServiceAt.set(id, now + this.scaled(this.model.groupInServiceMs));
                this.instanceReadyAt.set(id, now + this.scaled(this.model.instanceRunningMs));
              }
              if (now < this.inServiceAt.get(id)!) instance.LifecycleState = 'Pending';
            }
          }
        }
        if (operation === 'elasticloadbalancing:DescribeTargetHealth') {
          // The group registers its instance once in service; the load balancer then checks it for ~3 min.
          for (const d of (output.TargetHealthDescriptions as TargetHealthDescription[] | undefined) ?? []) {
            const id = String(d.Target?.Id);
            if (!this.targetHealthyAt.has(id)) this.targetHealthyAt.set(id, Math.max(now, this.inServiceAt.get(id) ?? now) + this.scaled(this.model.targetHealthyMs));
            if (now < this.targetHealthyAt.get(id)!) d.TargetHealth = { State: 'initial', Reason: 'Elb.RegistrationInProgress' };
          }
        }
        if (operation === 'cloudfront:CreateDistributionWithTags' || operation === 'cloudfront:UpdateDistribution') {
          const id = (output.Distribution as { Id?: string } | undefined)?.Id;
          if (id) this.distributionDeployedAt.set(id, now + this.scaled(this.model.cloudFrontDeployMs));
        }
        if (operation === 'cloudfront:GetDistribution') {
          const distribution = output.Distribution as { Id?: string; Status?: string } | undefined;
          if (distribution && now < (this.distributionDeployedAt.get(String(distribution.Id)) ?? 0)) distribution.Status = 'InProgress';
        }
        if (operation === 'efs:DescribeMountTargets') {
          for (const target of (output.MountTargets as MountTarget[] | undefined) ?? []) {
            if (target.LifeCycleState === 'available' && now < (this.mountTargetReadyAt.get(String(target.MountTargetId)) ?? 0)) target.LifeCycleState = 'creating';
          }
        }
        if (operation === 'ec2:DescribeInstances') {
          for (const reservation of (output.Reservations as { Instances?: Instance[] }[] | undefined) ?? []) {
            for (const instance of reservation.Instances ?? []) {
              if (instance.State?.Name === 'running' && now < (this.instanceReadyAt.get(String(instance.InstanceId)) ?? 0)) instance.State = { Name: 'pending', Code: 0 };
            }
          }
        }
        return result;
      },
      { step: 'initialize', name: 'geusemakerBenchLatency' },
    );
  };
}
