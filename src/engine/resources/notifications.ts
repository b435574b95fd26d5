import { paginateDescribeNotificationConfigurations, PutNotificationConfigurationCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateTopicCommand, DeleteTopicCommand, GetTopicAttributesCommand, ListSubscriptionsByTopicCommand, ListTagsForResourceCommand,
  paginateListTopics, SubscribeCommand, UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import type { AwsClients } from '../aws/clients';
import { classifyAwsError, isNotFound } from '../aws/classify';
import type { StepContext } from '../context';
import type { StepResult } from '../graph/run-graph';
import { stackTags, tagValue, TAG_RESOURCE, TAG_STACK, TAG_STACK_ID } from '../stack/naming';
import { ensureResource, type Found } from './ensure';
import { groupName } from './group-view';
import type { SweptResource } from './sweep';
import type { TeardownContext } from './teardown';

/** The group's own notices: an instance launched, terminated (an interruption), or failed to launch. */
const NOTIFICATION_TYPES = [
  'autoscaling:EC2_INSTANCE_LAUNCH', 'autoscaling:EC2_INSTANCE_TERMINATE', 'autoscaling:EC2_INSTANCE_LAUNCH_ERROR', 'autoscaling:EC2_INSTANCE_TERMINATE_ERROR',
];

function topicName(stack: string): string {
  return `gm-${stack}-events`;
}

function isGone(error: unknown): boolean {
  return isNotFound(error) || (error as { name?: string }).name === 'NotFoundException';
}

async function topicTags(clients: AwsClients, arn: string): Promise<{ Key?: string; Value?: string }[] | undefined> {
  try {
    return (await clients.sns.send(new ListTagsForResourceCommand({ ResourceArn: arn }))).Tags ?? [];
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

/**
 * The stack's topic with the user's address subscribed. CreateTopic answers an existing topic of the name with
 * its ARN, so the topic is ours only when its tags carry our stack id.
 */
export async function ensureNotifyTopic(ctx: StepContext, email: string): Promise<{ arn: string; outcome: StepResult['outcome']; detail: string }> {
  const name = topicName(ctx.stack);
  const ours = async (arn: string): Promise<Found | undefined> => {
    const tags = await topicTags(ctx.clients, arn);
    return tags && tagValue(tags, TAG_STACK_ID) === ctx.stackId ? { id: arn } : undefined;
  };
  const { found, outcome } = await ensureResource(ctx, {
    key: 'notify-topic', kind: 'sns-topic',
    describe: async (arn) => {
      try {
        await ctx.clients.sns.send(new GetTopicAttributesCommand({ TopicArn: arn }));
        return { id: arn };
      } catch (error) {
        if (isGone(error)) return undefined;
        throw error;
      }
    },
    findOrphan: async () => {
      const arn = (await findTopic(ctx.clients, ctx.stack))?.arn;
      return arn ? ours(arn) : undefined;
    },
    create: async () => {
      const arn = (await ctx.clients.sns.send(new CreateTopicCommand({ Name: name, Tags: stackTags(ctx, 'notify-topic', name) }))).TopicArn!;
      return { id: arn };
    },
  });
  const subscriptions = (await ctx.clients.sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: found.id }))).Subscriptions ?? [];
  let subscribed = 'already subscribed';
  if (!subscriptions.some((s) => s.Protocol === 'email' && s.Endpoint === email)) {
    await ctx.clients.sns.send(new SubscribeCommand({ TopicArn: found.id, Protocol: 'email', Endpoint: email }));
    subscribed = 'AWS mailed a confirmation link; notices arrive once it is confirmed';
    await ctx.report.note(`Notifications: AWS sent a confirmation mail to ${email}. Open its link, or the group's notices (launch, termination, launch errors) are not delivered.`);
  }
  // An address the config no longer names stops getting mail (a pending one cannot be removed; it lapses in 3 days).
  for (const old of subscriptions) {
    if (old.Protocol === 'email' && old.Endpoint !== email && old.SubscriptionArn?.startsWith('arn:')) {
      await ctx.clients.sns.send(new UnsubscribeCommand({ SubscriptionArn: old.SubscriptionArn }));
    }
  }
  return { arn: found.id, outcome, detail: `${found.id} → ${email} (${subscribed})` };
}

/**
 * Points the group's own notices at the topic, unless they already go there (a redeploy). moto has neither
 * DescribeNotificationConfigurations nor PutNotificationConfiguration: an endpoint without them (an emulator) is
 * said once as a note, never a failed deploy; real AWS errors fail the step as usual.
 */
export async function notifyFromGroup(ctx: StepContext, topicArn: string): Promise<StepResult> {
  const done = { outcome: 'done' as const, detail: `launch, terminate and launch-error notices → ${topicArn}` };
  if (await notifiesTopic(ctx, topicArn)) return done;
  try {
    await ctx.clients.autoscaling.send(new PutNotificationConfigurationCommand({
      AutoScalingGroupName: groupName(ctx.stack), TopicARN: topicArn, NotificationTypes: NOTIFICATION_TYPES,
    }));
  } catch (error) {
    if (!lacksApi(error)) throw error;
    await ctx.report.note(`The endpoint does not implement autoscaling:PutNotificationConfiguration (an emulator): the group's notices are not sent to ${topicArn}.`);
    return { outcome: 'done', detail: 'not set up: the endpoint lacks the API' };
  }
  return done;
}

function lacksApi(error: unknown): boolean {
  return classifyAwsError(error).code === 'ENDPOINT_API_MISSING';
}

/**
 * Does the group send exactly our notice types to the topic? PutNotificationConfiguration replaces the types for
 * a topic, so a different set (more or fewer) is written again. An endpoint that cannot say (an emulator) gets
 * the write, as before there was a look.
 */
async function notifiesTopic(ctx: StepContext, topicArn: string): Promise<boolean> {
  try {
    return await notifiesTopicPages(ctx, topicArn);
  } catch (error) {
    if (lacksApi(error)) return false;
    throw error;
  }
}

async function notifiesTopicPages(ctx: StepContext, topicArn: string): Promise<boolean> {
  const types = new Set<string>();
  for await (const page of paginateDescribeNotificationConfigurations({ client: ctx.clients.autoscaling }, { AutoScalingGroupNames: [groupName(ctx.stack)] })) {
    for (const configuration of page.NotificationConfigurations ?? []) {
      if (configuration.TopicARN === topicArn && configuration.AutoScalingGroupName === groupName(ctx.stack) && configuration.NotificationType) types.add(configuration.NotificationType);
    }
  }
  return types.size === NOTIFICATION_TYPES.length && NOTIFICATION_TYPES.every((type) => types.has(type));
}

/** The stack's topic by its name (SNS lists topics by ARN only), with its tags. */
async function findTopic(clients: AwsClients, stack: string): Promise<{ arn: string; tags: { Key?: string; Value?: string }[] } | undefined> {
  const suffix = `:${topicName(stack)}`;
  for await (const page of paginateListTopics({ client: clients.sns }, {})) {
    const arn = page.Topics?.map((t) => t.TopicArn ?? '').find((one) => one.endsWith(suffix));
    if (arn) return { arn, tags: (await topicTags(clients, arn)) ?? [] };
  }
  return undefined;
}

export async function sweepTopics(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const topic = await findTopic(clients, stack);
  if (!topic || tagValue(topic.tags, TAG_STACK) !== stack) return [];
  return [{ kind: 'sns-topic', id: topic.arn, key: tagValue(topic.tags, TAG_RESOURCE), stackId: tagValue(topic.tags, TAG_STACK_ID) }];
}

/** Deleting a topic deletes its subscriptions; the group's notification configuration went with the group. */
export async function deleteTopics(ctx: TeardownContext, arns: readonly string[]): Promise<void> {
  for (const arn of arns) {
    try {
      await ctx.clients.sns.send(new DeleteTopicCommand({ TopicArn: arn }));
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }
}
