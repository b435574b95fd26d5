import type { BackupClient } from '@aws-sdk/client-backup';
import type { AwsClients } from '../aws/clients';
import type { BackupApi, BackupApiFactory } from './api';

/*
 * Which BackupApi a deploy step or a teardown uses: the one its context carries (the engine's EngineOptions.backup),
 * else one bound to the client when the engine's clients were made, else the SDK's.
 */

const bound = new WeakMap<BackupClient, BackupApiFactory>();

/** Makes `factory` answer for this client (an engine whose EngineOptions.backup is not the SDK, e.g. recorded answers in tests). */
export function bindBackupApi(client: BackupClient, factory: BackupApiFactory): void {
  bound.set(client, factory);
}

export async function backupApiFor(ctx: { clients: AwsClients; backup?: BackupApi }): Promise<BackupApi> {
  if (ctx.backup) return ctx.backup;
  const client = ctx.clients.backup;
  const factory = bound.get(client) ?? (await import('./sdk-api')).sdkBackupApi;
  return factory(client, ctx.clients.region);
}
