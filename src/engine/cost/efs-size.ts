import { GetMetricStatisticsCommand } from '@aws-sdk/client-cloudwatch';
import { z } from 'zod';
import type { AwsClients } from '../aws/clients';

/** One reading of an EFS file system's metered size. */
export interface SizePoint {
  at: string;
  gb: number;
}

/** What EFS storage cost to date needs: the price, the size now, and the size over time where CloudWatch has it. */
export interface EfsStorage {
  usdPerGbMonth: number;
  sizeNowGb: number;
  /** Daily average sizes, oldest first; empty when CloudWatch has none (or may not be read). */
  history: SizePoint[];
  /** Why the history could not be read (denied, unreachable), for the basis. */
  unreadable?: string;
}

const DAY_S = 86_400;
/** CloudWatch keeps daily data for 15 months; older start times return nothing. */
const RETENTION_MS = 455 * DAY_S * 1000;
const GIB = 1024 ** 3;

const statisticsSchema = z.object({
  Datapoints: z.array(z.object({ Timestamp: z.date(), Average: z.number().nonnegative() })).default([]),
});

/**
 * The file system's daily average size (`AWS/EFS` `StorageBytes`, storage class `Total`) over [start, end].
 * EFS bills the metered size by the hour, so these readings price storage far better than today's size.
 */
export async function efsSizeHistory(clients: AwsClients, fileSystemId: string, start: Date, end: Date): Promise<SizePoint[]> {
  // Whole days: the readings are daily anyway, and CloudWatch refuses a start that is not before the end in
  // whole seconds (a stack made a moment ago would ask for an empty range).
  const dayMs = DAY_S * 1000;
  const from = new Date(Math.floor(Math.max(start.getTime(), end.getTime() - RETENTION_MS) / dayMs) * dayMs);
  const to = new Date(Math.max(end.getTime(), from.getTime() + 1000));
  const out = await clients.cloudwatch.send(new GetMetricStatisticsCommand({
    Namespace: 'AWS/EFS', MetricName: 'StorageBytes',
    Dimensions: [{ Name: 'FileSystemId', Value: fileSystemId }, { Name: 'StorageClass', Value: 'Total' }],
    StartTime: from, EndTime: to, Period: DAY_S, Statistics: ['Average'],
  }));
  return statisticsSchema.parse(out).Datapoints
    .map((point) => ({ at: point.Timestamp.toISOString(), gb: point.Average / GIB }))
    .sort((a, b) => a.at.localeCompare(b.at));
}

/**
 * GB-hours stored over [start, end): each reading holds until the next one, the first also covers the time
 * before it, and without any reading the size now stands for the whole span (the basis says which).
 */
export function efsGbHours(storage: EfsStorage, start: Date, end: Date): number {
  const span = Math.max(0, end.getTime() - start.getTime()) / 3_600_000;
  const points = storage.history.map((p) => ({ at: Date.parse(p.at), gb: p.gb }));
  if (points.length === 0 || span === 0) return storage.sizeNowGb * span;
  let total = 0;
  for (let i = 0; i < points.length; i++) {
    const from = i === 0 ? start.getTime() : Math.max(points[i]!.at, start.getTime());
    const to = Math.min(points[i + 1]?.at ?? end.getTime(), end.getTime());
    if (to > from) total += ((to - from) / 3_600_000) * points[i]!.gb;
  }
  return total;
}

export function describeEfsBasis(storage: EfsStorage, hours: number): string {
  if (storage.history.length === 0) {
    const why = storage.unreadable ? `CloudWatch size history could not be read: ${storage.unreadable}` : 'CloudWatch had no size history';
    return `EFS at ${round(storage.sizeNowGb)} GB (its size now; ${why}) for ${hours.toFixed(1)} h of its life`;
  }
  const sizes = storage.history.map((p) => p.gb);
  return `EFS from ${storage.history.length} daily CloudWatch size reading(s), ${round(Math.min(...sizes))}–${round(Math.max(...sizes))} GB, over ${hours.toFixed(1)} h of its life`;
}

const round = (gb: number) => (gb < 10 ? gb.toFixed(2) : gb.toFixed(0));
