import type { AwsClients } from './aws/clients';
import { describeGroups, type GroupView } from './resources/group-view';

interface Batch {
  clients: AwsClients;
  names: Set<string>;
  waiters: { name: string; resolve(view: GroupView | undefined): void; reject(error: unknown): void }[];
}

/** How long a read waits for others to join it: each caller reads its state file first, which takes a few ms. */
const GATHER_MS = 50;

/**
 * Reads of several stacks' groups asked for together (a tree refresh asks for every stack at once) become one
 * DescribeAutoScalingGroups per region and profile.
 */
export class GroupBatcher {
  private readonly pending = new Map<string, Batch>();

  describe(key: string, clients: AwsClients, name: string): Promise<GroupView | undefined> {
    let batch = this.pending.get(key);
    if (!batch) {
      const fresh: Batch = { clients, names: new Set(), waiters: [] };
      this.pending.set(key, fresh);
      setTimeout(() => void this.flush(key, fresh), GATHER_MS);
      batch = fresh;
    }
    batch.names.add(name);
    const joined = batch;
    return new Promise((resolve, reject) => joined.waiters.push({ name, resolve, reject }));
  }

  private async flush(key: string, batch: Batch): Promise<void> {
    if (this.pending.get(key) === batch) this.pending.delete(key);
    try {
      const groups = await describeGroups(batch.clients, [...batch.names]);
      for (const waiter of batch.waiters) waiter.resolve(groups.get(waiter.name));
    } catch (error) {
      for (const waiter of batch.waiters) waiter.reject(error);
    }
  }
}
