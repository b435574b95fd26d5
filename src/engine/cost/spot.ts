import { paginateDescribeSpotPriceHistory, type _InstanceType } from '@aws-sdk/client-ec2';
import { z } from 'zod';
import type { AwsClients } from '../aws/clients';
import { classifyAwsError } from '../aws/classify';

export interface SpotPrice {
  zone: string;
  usdPerHour: number;
  /** When this price took effect. */
  since: string;
}

const entrySchema = z.object({ AvailabilityZone: z.string(), SpotPrice: z.string(), Timestamp: z.date() });

/**
 * The spot price in force now in each AZ: with StartTime = now, AWS returns for every AZ the price record that
 * is current (plus any newer), so the newest record per AZ is the price; all pages are read.
 */
export async function currentSpotPrices(clients: AwsClients, instanceType: string, now: Date = new Date()): Promise<SpotPrice[]> {
  const newest = new Map<string, SpotPrice & { at: number }>();
  try {
    for await (const page of paginateDescribeSpotPriceHistory({ client: clients.ec2 }, {
      InstanceTypes: [instanceType as _InstanceType], ProductDescriptions: ['Linux/UNIX'], StartTime: now,
    })) {
      for (const raw of page.SpotPriceHistory ?? []) {
        const entry = entrySchema.safeParse(raw);
        if (!entry.success) continue;
        const usd = Number(entry.data.SpotPrice);
        const at = entry.data.Timestamp.getTime();
        const seen = newest.get(entry.data.AvailabilityZone);
        if (Number.isFinite(usd) && (!seen || at > seen.at)) newest.set(entry.data.AvailabilityZone, { zone: entry.data.AvailabilityZone, usdPerHour: usd, since: entry.data.Timestamp.toISOString(), at });
      }
    }
  } catch (error) {
    throw classifyAwsError(error, { profile: clients.profile });
  }
  return [...newest.values()].map(({ zone, usdPerHour, since }) => ({ zone, usdPerHour, since })).sort((a, b) => a.usdPerHour - b.usdPerHour || a.zone.localeCompare(b.zone));
}

/** Spot price records for one AZ over [start, end]; AWS includes the record in force at `start`. */
export async function spotHistory(clients: AwsClients, instanceType: string, zone: string, start: Date, end: Date): Promise<{ at: string; usdPerHour: number }[]> {
  const points: { at: string; usdPerHour: number }[] = [];
  try {
    for await (const page of paginateDescribeSpotPriceHistory({ client: clients.ec2 }, {
      InstanceTypes: [instanceType as _InstanceType], ProductDescriptions: ['Linux/UNIX'], AvailabilityZone: zone, StartTime: start, EndTime: end,
    })) {
      for (const raw of page.SpotPriceHistory ?? []) {
        const entry = entrySchema.safeParse(raw);
        if (entry.success && entry.data.AvailabilityZone === zone && Number.isFinite(Number(entry.data.SpotPrice))) {
          points.push({ at: entry.data.Timestamp.toISOString(), usdPerHour: Number(entry.data.SpotPrice) });
        }
      }
    }
  } catch (error) {
    throw classifyAwsError(error, { profile: clients.profile });
  }
  return points;
}
