import type { BackupClient } from '@aws-sdk/client-backup';
import type { BackupApi } from './api';

/** The BackupApi over the SDK (real AWS). Filled in by issue 18's backup work. */
export function sdkBackupApi(client: BackupClient, region: string): BackupApi {
  void client; void region;
  throw new Error('not implemented yet');
}
