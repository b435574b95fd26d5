import { DescribeFileSystemsCommand, type FileSystemDescription } from '@aws-sdk/client-efs';
import type { AwsClients } from '../aws/clients';
import { isNotFound } from '../aws/classify';

export async function describeFileSystemById(clients: AwsClients, id: string): Promise<FileSystemDescription | undefined> {
  try {
    return (await clients.efs.send(new DescribeFileSystemsCommand({ FileSystemId: id }))).FileSystems?.[0];
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}
