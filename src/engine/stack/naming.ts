/** Names and tags derived from a stack name, in one place so every resource agrees. */
export const TAG_STACK = 'geusemaker:stack';
export const TAG_MANAGED_BY = 'geusemaker:managed-by';
/** Logical key of the resource within its stack (e.g. "subnet-a"), so a crash-orphaned resource can be found and adopted. */
export const TAG_RESOURCE = 'geusemaker:resource';
/** Random id of the stack's lifetime on this machine; tells our resources from a same-named stack elsewhere. */
export const TAG_STACK_ID = 'geusemaker:stack-id';
export const MANAGED_BY = 'geusemaker';

export interface Tag {
  Key: string;
  Value: string;
}

export function stackTags(stack: string, stackId: string, resourceKey: string, displayName?: string): Tag[] {
  return [
    { Key: 'Name', Value: displayName ?? `gm-${stack}-${resourceKey}` },
    { Key: TAG_STACK, Value: stack },
    { Key: TAG_MANAGED_BY, Value: MANAGED_BY },
    { Key: TAG_RESOURCE, Value: resourceKey },
    { Key: TAG_STACK_ID, Value: stackId },
  ];
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
