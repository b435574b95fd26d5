import { ListTagsCommand, TagResourceCommand } from '@aws-sdk/client-backup';
import type { AwsClients } from '../aws/clients';
import { tagValue, TAG_CREATED_AT, TAG_CREATED_ON, TAG_RESOURCE, TAG_STACK_ID, type Tag } from '../stack/naming';
import type { SweptResource } from '../resources/sweep';

/** AWS Backup takes and gives tags as a map. */
export function tagMap(tags: readonly Tag[]): Record<string, string> {
  return Object.fromEntries(tags.map((tag) => [tag.Key, tag.Value]));
}

export function tagList(tags: Record<string, string> | undefined): Tag[] {
  return Object.entries(tags ?? {}).map(([Key, Value]) => ({ Key, Value }));
}

function isGone(error: unknown): boolean {
  return (error as { name?: unknown } | undefined)?.name === 'ResourceNotFoundException';
}

/** A vault's or plan's tags; undefined when it is gone. */
export async function backupTags(clients: AwsClients, arn: string): Promise<Tag[] | undefined> {
  try {
    return tagList((await clients.backup.send(new ListTagsCommand({ ResourceArn: arn }))).Tags);
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
}

/** Writes our tags only where they differ (a redeploy makes no call). */
export async function ensureBackupTags(clients: AwsClients, arn: string, held: readonly Tag[] | undefined, wanted: readonly Tag[]): Promise<void> {
  if (wanted.every((tag) => tagValue(held, tag.Key) === tag.Value)) return;
  await clients.backup.send(new TagResourceCommand({ ResourceArn: arn, Tags: tagMap(wanted) }));
}

/** A resource of the stack's fixed name, as the sweep reports it: another stack's (or nobody's) is reported too, never touched. */
export function sweptBackup(kind: 'backup-vault' | 'backup-plan' | 'iam-role', id: string, tags: readonly { Key?: string; Value?: string }[] | undefined): SweptResource {
  const resource: SweptResource = { kind, id, key: tagValue(tags, TAG_RESOURCE), stackId: tagValue(tags, TAG_STACK_ID) };
  const createdOn = tagValue(tags, TAG_CREATED_ON);
  const createdAt = tagValue(tags, TAG_CREATED_AT);
  if (createdOn) resource.createdOn = createdOn;
  if (createdAt) resource.createdAt = createdAt;
  return resource;
}
