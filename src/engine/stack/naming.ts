/** Names and tags derived from a stack name, in one place so every resource agrees. */
export const TAG_STACK = 'geusemaker:stack';
export const TAG_MANAGED_BY = 'geusemaker:managed-by';
/** Logical key of the resource within its stack (e.g. "subnet-a"), so a crash-orphaned resource can be found and adopted. */
export const TAG_RESOURCE = 'geusemaker:resource';
/** Random id of the stack's lifetime on this machine; tells our resources from a same-named stack elsewhere. */
export const TAG_STACK_ID = 'geusemaker:stack-id';
/** Where and when the stack was first deployed, and its region: shown when a same-named stack that is not ours is found. */
export const TAG_CREATED_ON = 'geusemaker:created-on';
export const TAG_CREATED_AT = 'geusemaker:created-at';
/** On global resources (IAM, CloudFront) this is how a destroy without state finds the stack's region. */
export const TAG_REGION = 'geusemaker:region';
export const MANAGED_BY = 'geusemaker';

/** The stack a resource belongs to: its name, its lifetime id, and where it was first deployed. */
export interface TagOwner {
  stack: string;
  stackId: string;
  origin?: StackOrigin;
}

export interface StackOrigin {
  host: string;
  createdAt: string;
  region: string;
}

export interface Tag {
  Key: string;
  Value: string;
}

export function stackTags(owner: TagOwner, resourceKey: string, displayName?: string): Tag[] {
  const tags = [
    { Key: 'Name', Value: displayName ?? `gm-${owner.stack}-${resourceKey}` },
    { Key: TAG_STACK, Value: owner.stack },
    { Key: TAG_MANAGED_BY, Value: MANAGED_BY },
    { Key: TAG_RESOURCE, Value: resourceKey },
    { Key: TAG_STACK_ID, Value: owner.stackId },
  ];
  if (owner.origin) {
    tags.push(
      { Key: TAG_CREATED_ON, Value: tagSafe(owner.origin.host) },
      { Key: TAG_CREATED_AT, Value: tagSafe(owner.origin.createdAt) },
      { Key: TAG_REGION, Value: owner.origin.region },
    );
  }
  return tags;
}

/** IAM, ELB, EFS, SSM and CloudFront accept only letters, digits, spaces and _.:/=+-@ in tag values. */
function tagSafe(value: string): string {
  return value.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '-').slice(0, 256);
}

export function tagValue(tags: readonly { Key?: string; Value?: string }[] | undefined, key: string): string | undefined {
  return tags?.find((tag) => tag.Key === key)?.Value;
}

export const names = {
  role: (stack: string) => `gm-${stack}-instance`,
  instanceProfile: (stack: string) => `gm-${stack}-instance`,
  secretsPolicy: 'geusemaker-read-stack-secrets',
  parameterPath: (stack: string) => `/geusemaker/${stack}/`,
  parameter: (stack: string, secret: string) => `/geusemaker/${stack}/${secret}`,
  iamPath: '/geusemaker/',
};
