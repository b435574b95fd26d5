import type { ClientInstrument, InstrumentableClient, ServiceName } from '../../src/engine/aws/clients';
import { awsError } from './faults';

/**
 * Enforces the deletion rules real AWS has and moto lacks (AWS-REALITY.md "Deleting"): a resource
 * cannot go while something still uses it, and security groups stay "in use" for a while after
 * their ENIs' owners are gone. Tracks what the engine did from the calls it makes.
 */
export class StrictAws {
  readonly violations: string[] = [];
  private instancesLive = 0;
  private mountTargets = 0;
  private subnets = 0;
  private groups = 0;
  private gatewayAttached = false;
  private gatewayExists = false;
  private profileHasRole = false;
  private profileRole = '';
  /** Managed and inline policies per role: a role goes only once its own are gone. */
  private readonly rolePolicies = new Map<string, number>();
  private roleOf(input: Record<string, unknown>): string {
    return typeof input.RoleName === 'string' ? input.RoleName : '';
  }
  /** Load balancers: their ENIs sit in the subnets and use the ALB group until they are deleted. */
  private loadBalancers = 0;
  /** Security-group deletes refused after their dependents are gone, like lingering ENIs. */
  private lingeringRefusals = 2;

  private refuse(operation: string, name: string, why: string): never {
    this.violations.push(`${operation}: ${why}`);
    throw awsError({ name, message: why, status: 400 });
  }

  private check(operation: string, input: Record<string, unknown>): void {
    switch (operation) {
      case 'ec2:DeleteSecurityGroup':
        if (this.instancesLive > 0 || this.mountTargets > 0 || this.loadBalancers > 0) this.refuse(operation, 'DependencyViolation', 'resource has a dependent object');
        if (this.lingeringRefusals-- > 0) this.refuse(operation, 'DependencyViolation', 'network interface still attached (lingering ENI)');
        break;
      case 'ec2:DeleteSubnet':
        if (this.instancesLive > 0 || this.mountTargets > 0 || this.loadBalancers > 0) this.refuse(operation, 'DependencyViolation', 'subnet has dependencies');
        break;
      case 'ec2:DetachInternetGateway':
        if (this.instancesLive > 0 || this.loadBalancers > 0) this.refuse(operation, 'DependencyViolation', 'network has mapped public address(es)');
        break;
      case 'ec2:DeleteInternetGateway':
        if (this.gatewayAttached) this.refuse(operation, 'DependencyViolation', 'internet gateway is still attached');
        break;
      case 'ec2:DeleteVpc':
        if (this.subnets > 0 || this.groups > 0 || this.gatewayExists) this.refuse(operation, 'DependencyViolation', 'vpc has dependencies');
        break;
      case 'elasticloadbalancing:DeleteTargetGroup':
        if (this.loadBalancers > 0) this.refuse(operation, 'ResourceInUse', 'Target group is currently in use by a listener or a rule');
        break;
      case 'efs:DeleteFileSystem':
        if (this.mountTargets > 0) this.refuse(operation, 'FileSystemInUse', 'file system has mount targets');
        break;
      case 'iam:DeleteRole':
        if ((this.profileHasRole && this.roleOf(input) === this.profileRole) || (this.rolePolicies.get(this.roleOf(input)) ?? 0) > 0) this.refuse(operation, 'DeleteConflict', 'role is in use');
        break;
      case 'iam:DeleteInstanceProfile':
        if (this.profileHasRole) this.refuse(operation, 'DeleteConflict', 'instance profile still has a role');
        break;
    }
  }

  private observe(operation: string, input: Record<string, unknown>, output: Record<string, unknown>): void {
    const role = this.roleOf(input);
    switch (operation) {
      case 'ec2:RunInstances': this.instancesLive++; break;
      case 'ec2:CreateSubnet': this.subnets++; break;
      case 'ec2:DeleteSubnet': this.subnets--; break;
      case 'ec2:CreateSecurityGroup': this.groups++; break;
      case 'ec2:DeleteSecurityGroup': this.groups--; break;
      case 'ec2:CreateInternetGateway': this.gatewayExists = true; break;
      case 'ec2:AttachInternetGateway': this.gatewayAttached = true; break;
      case 'ec2:DetachInternetGateway': this.gatewayAttached = false; break;
      case 'ec2:DeleteInternetGateway': this.gatewayExists = false; break;
      case 'efs:CreateMountTarget': this.mountTargets++; break;
      case 'elasticloadbalancing:CreateLoadBalancer': this.loadBalancers++; break;
      case 'elasticloadbalancing:DeleteLoadBalancer': this.loadBalancers = Math.max(0, this.loadBalancers - 1); break;
      case 'efs:DeleteMountTarget': this.mountTargets--; break;
      case 'iam:AddRoleToInstanceProfile': this.profileHasRole = true; this.profileRole = role; break;
      case 'iam:RemoveRoleFromInstanceProfile': this.profileHasRole = false; break;
      case 'iam:AttachRolePolicy': case 'iam:PutRolePolicy': this.rolePolicies.set(role, (this.rolePolicies.get(role) ?? 0) + 1); break;
      case 'iam:DetachRolePolicy': case 'iam:DeleteRolePolicy': this.rolePolicies.set(role, (this.rolePolicies.get(role) ?? 0) - 1); break;
      case 'ec2:DescribeInstances': {
        // An instance stops counting once AWS reports it terminated.
        const instances = ((output.Reservations as { Instances?: { State?: { Name?: string } }[] }[] | undefined) ?? []).flatMap((r) => r.Instances ?? []);
        if (instances.length > 0 && instances.every((i) => i.State?.Name === 'terminated')) this.instancesLive = 0;
        break;
      }
    }
  }

  readonly instrument: ClientInstrument = (client: InstrumentableClient, service: ServiceName) => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const operation = `${service}:${String((context as { commandName?: string }).commandName ?? '').replace(/Command$/, '')}`;
        const input = (args as { input?: Record<string, unknown> }).input ?? {};
        this.check(operation, input);
        const result = await next(args);
        this.observe(operation, input, result.output as Record<string, unknown>);
        return result;
      },
      { step: 'initialize', name: 'geusemakerStrictAws' },
    );
  };
}
