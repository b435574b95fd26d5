import type { PlanFacts } from '../context';
import { invalidInput } from '../errors';
import type { ScaleWiring } from '../bootstrap/input';
import { renderUserData } from '../bootstrap/userdata';
import { distributionComment } from '../resources/cloudfront';
import { loadBalancerName, targetGroupName } from '../resources/load-balancer';
import { publicUrlFrom } from '../resources/public-url';
import { scaleWiringFrom } from '../resources/scale-wiring-from';
import { previewScaleWiring } from '../bootstrap/preview';
import { stackSecrets } from '../resources/secrets';
import { usesCloudFront, type StackConfig } from '../stack/config';
import { isGpuTier, isLoadBalanced } from '../tiers';
import { names } from '../stack/naming';
import type { StackState } from '../state/schema';

/** The longest EFS id (fs- and 17 hex digits), for sizing UserData before the file system exists. */
const PLACEHOLDER_FILE_SYSTEM = `fs-${'f'.repeat(17)}`;

/** Limits of the AWS services a stack uses, as documented. */
export const AWS_LIMITS = {
  loadBalancerName: 32, targetGroupName: 32, iamName: 64, securityGroupName: 255, tagValue: 256,
  ssmParameterName: 1011, ssmHierarchyLevels: 15, cloudFrontComment: 128,
} as const;

/** The longest public URL the stack could get, when it has none yet: UserData must fit with it. */
function longestPublicUrl(config: StackConfig): string | undefined {
  if (isLoadBalanced(config.tier)) {
    return usesCloudFront(config) ? `https://${'d'.repeat(14)}.cloudfront.net/`
      : `https://${loadBalancerName(config.name)}-${'9'.repeat(10)}.${config.region}.elb.amazonaws.com/`;
  }
  return config.access.mode === 'cidr' ? 'http://255.255.255.255/' : undefined;
}

/** Every name the stack derives, with its limit and what it is, for one check. */
function derivedNames(config: StackConfig): { what: string; value: string; max: number }[] {
  const stack = config.name;
  const list: { what: string; value: string; max: number }[] = [
    { what: 'IAM role name', value: names.role(stack), max: AWS_LIMITS.iamName },
    { what: 'IAM instance profile name', value: names.instanceProfile(stack), max: AWS_LIMITS.iamName },
    ...['sg-instance', 'sg-efs', 'sg-alb'].map((key) => ({ what: 'security group name', value: `gm-${stack}-${key}`, max: AWS_LIMITS.securityGroupName })),
    ...['vpc', 'subnet-a', 'instance-root', 'mount-target-a'].map((key) => ({ what: 'Name tag', value: `gm-${stack}-${key}`, max: AWS_LIMITS.tagValue })),
    ...stackSecrets(config).map((secret) => ({ what: 'SSM parameter name', value: names.parameter(stack, secret.name), max: AWS_LIMITS.ssmParameterName })),
  ];
  if (isLoadBalanced(config.tier)) {
    list.push({ what: 'load balancer name', value: loadBalancerName(stack), max: AWS_LIMITS.loadBalancerName });
    list.push({ what: 'target group name', value: targetGroupName(stack), max: AWS_LIMITS.targetGroupName });
  }
  if (usesCloudFront(config)) list.push({ what: 'CloudFront distribution comment', value: distributionComment(stack), max: AWS_LIMITS.cloudFrontComment });
  return list;
}

/**
 * Every limit that can be checked before anything is created, checked at plan time and naming the field:
 * the UserData's size (ollamaModels grows it) and the names AWS caps (all derived from `name`).
 */
export function checkPlanLimits(config: StackConfig, facts: Pick<PlanFacts, 'os' | 'architecture'>, state: StackState | undefined): void {
  for (const name of derivedNames(config)) {
    if (name.value.length > name.max) {
      throw invalidInput('NAME_TOO_LONG', `name: "${config.name}" makes the ${name.what} ${name.value} ${name.value.length} characters long, over AWS's limit of ${name.max}. Nothing was created.`,
        'Choose a shorter stack name.');
    }
  }
  for (const secret of stackSecrets(config)) {
    const levels = names.parameter(config.name, secret.name).split('/').filter(Boolean).length;
    if (levels > AWS_LIMITS.ssmHierarchyLevels) {
      throw invalidInput('NAME_TOO_LONG', `name: "${config.name}" puts the SSM parameter ${names.parameter(config.name, secret.name)} ${levels} levels deep, over Parameter Store's ${AWS_LIMITS.ssmHierarchyLevels}.`, 'Choose a stack name without slashes.');
    }
  }
  const efs = state?.resources.efs;
  // Throws USERDATA_TOO_LARGE naming ollamaModels: before the VPC, file system and role exist, not after.
  renderUserData({
    config, region: config.region,
    fileSystemId: efs?.status === 'created' && efs.id ? efs.id : PLACEHOLDER_FILE_SYSTEM,
    publicUrl: (state ? publicUrlFrom(config, state.resources) : undefined) ?? longestPublicUrl(config),
    os: facts.os ?? config.os ?? 'al2023', architecture: facts.architecture, gpu: isGpuTier(config.tier),
    // Queue mode adds its settings: checked with endpoints as long as AWS's when none is recorded yet.
    ...scaleInput(config, state),
  });
}

function scaleInput(config: StackConfig, state: StackState | undefined): { scale?: ScaleWiring } {
  const scale = (state ? scaleWiringFrom(config, state) : undefined) ?? previewScaleWiring(config);
  return scale ? { scale } : {};
}
