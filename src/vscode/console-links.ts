import { type ResourceKind, type StackState } from '../engine';

/** The AWS console page for one of a stack's resources. */
export function consoleUrl(kind: ResourceKind, id: string, region: string): string {
  const host = `https://${region}.console.aws.amazon.com`;
  const q = `region=${region}`;
  const enc = encodeURIComponent;
  switch (kind) {
    case 'vpc': return `${host}/vpcconsole/home?${q}#VpcDetails:VpcId=${enc(id)}`;
    case 'subnet': return `${host}/vpcconsole/home?${q}#SubnetDetails:subnetId=${enc(id)}`;
    case 'internet-gateway': return `${host}/vpcconsole/home?${q}#InternetGateway:internetGatewayId=${enc(id)}`;
    case 'route-table': return `${host}/vpcconsole/home?${q}#RouteTableDetails:RouteTableId=${enc(id)}`;
    case 'security-group': return `${host}/ec2/home?${q}#SecurityGroup:groupId=${enc(id)}`;
    case 'auto-scaling-group': return `${host}/ec2/home?${q}#AutoScalingGroupDetails:id=${enc(id)}`;
    case 'launch-template': return `${host}/ec2/home?${q}#LaunchTemplateDetails:launchTemplateId=${enc(id)}`;
    case 'sns-topic': return `${host}/sns/v3/home?${q}#/topic/${enc(id)}`;
    case 'instance': return `${host}/ec2/home?${q}#InstanceDetails:instanceId=${enc(id)}`;
    case 'efs': return `${host}/efs/home?${q}#/file-systems/${enc(id)}`;
    // Mount targets have no page of their own; their ids are not file system ids, so show the list.
    case 'mount-target': return `${host}/efs/home?${q}#/file-systems`;
    // IAM is global; the console shows the profile on its role's page.
    case 'iam-role':
    case 'instance-profile': return `https://console.aws.amazon.com/iam/home#/roles/details/${enc(id)}`;
    case 'ssm-parameter': return `${host}/systems-manager/parameters/${enc(id.replace(/^\//, ''))}/description?${q}`;
    // ELBv2 ids are ARNs; the console finds them by ARN. Listeners and rules show on their load balancer's page.
    case 'load-balancer':
    case 'listener':
    case 'listener-rule': return `${host}/ec2/home?${q}#LoadBalancers:search=${enc(kind === 'load-balancer' ? id : id.split('/').slice(1, 4).join('/'))}`;
    case 'target-group': return `${host}/ec2/home?${q}#TargetGroup:targetGroupArn=${enc(id)}`;
    // CloudFront is global: no region in its console.
    case 'cloudfront-distribution': return `https://console.aws.amazon.com/cloudfront/v4/home#/distributions/${enc(id)}`;
    case 'backup-vault': return `${host}/backup/home?${q}#/backupvaults/details/${enc(id)}`;
    case 'backup-plan': return `${host}/backup/home?${q}#/backupplan/details/${enc(id)}`;
    case 'database': return `${host}/rds/home?${q}#database:id=${enc(id)}`;
    case 'db-subnet-group': return `${host}/rds/home?${q}#db-subnet-group:id=${enc(id)}`;
    case 'cache': return `${host}/elasticache/home?${q}#/valkey/${enc(id)}`;
    case 'cache-subnet-group': return `${host}/elasticache/home?${q}#/subnet-groups`;
    case 'worker-pool': return `${host}/ec2/home?${q}#AutoScalingGroups:`;
    case 'internal-load-balancer': return `${host}/ec2/home?${q}#LoadBalancers:`;
    // AWS Budgets is global: its id is the budget's name.
    case 'budget': return `https://console.aws.amazon.com/costmanagement/home#/budgets/details?name=${enc(id)}`;
  }
}

/**
 * The AWS console page for a whole stack: its instance while one runs; a paused or destroyed stack's file
 * system (what it keeps); else its network; else the instance list filtered by the stack's tag.
 */
export function stackConsoleUrl(state: Pick<StackState, 'name' | 'region' | 'resources'>): string {
  const created = (kind: ResourceKind) => Object.values(state.resources).find((r) => r.kind === kind && r.status === 'created' && r.id)?.id;
  for (const kind of ['instance', 'efs', 'vpc'] as const) {
    const id = created(kind);
    if (id) return consoleUrl(kind, id, state.region);
  }
  return `https://${state.region}.console.aws.amazon.com/ec2/home?region=${state.region}#Instances:tag:geusemaker:stack=${encodeURIComponent(state.name)}`;
}
