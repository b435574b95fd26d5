import type { ResourceType, Filter } from '@aws-sdk/client-ec2';
import type { StepContext } from '../context';
import { stackTags, TAG_RESOURCE, TAG_STACK_ID } from '../stack/naming';

/** TagSpecifications so the resource is tagged in the same call that creates it. */
export function tagSpec(ctx: StepContext, resourceType: ResourceType, key: string, displayName?: string) {
  return [{ ResourceType: resourceType, Tags: stackTags(ctx, key, displayName) }];
}

/** Filters that find this stack's resource with a given logical key. */
export function ownedBy(ctx: StepContext, key: string): Filter[] {
  return [
    { Name: `tag:${TAG_STACK_ID}`, Values: [ctx.stackId] },
    { Name: `tag:${TAG_RESOURCE}`, Values: [key] },
  ];
}
