import { GetDistributionConfigCommand } from '@aws-sdk/client-cloudfront';
import { z } from 'zod';
import { ORIGIN_HEADER } from '../resources/load-balancer';
import { LB_KEYS } from '../resources/public-url';
import { named, type DriftItem, type DriftScope } from './drift-types';

/** The origin id resources/cloudfront.ts gives the load balancer. */
const ORIGIN_ID = 'geusemaker-alb';

// Header values are not read into the result: the origin header's is the stack's secret.
const configSchema = z.object({
  DistributionConfig: z.object({
    Enabled: z.boolean().optional(),
    Origins: z.object({
      Items: z.array(z.object({
        Id: z.string().optional(),
        DomainName: z.string().optional(),
        CustomHeaders: z.object({ Items: z.array(z.object({ HeaderName: z.string() })).optional() }).optional(),
      })).optional(),
    }).optional(),
  }),
});

/**
 * The distribution against the journal: its origin is the stack's load balancer (its DNS name as journaled), it
 * sends the origin header by name, and it is enabled. The deploy's cloudfront step (reconcileDistribution) re-points,
 * re-sends the current secret under that name and re-enables, so the repair is the deploy's.
 */
export async function checkDistribution(scope: DriftScope): Promise<DriftItem[]> {
  const record = scope.live(LB_KEYS.distribution);
  const albDns = scope.live(LB_KEYS.loadBalancer)?.attrs.dnsName;
  if (!record) return [];
  const config = configSchema.parse(await scope.clients.cloudfront.send(new GetDistributionConfigCommand({ Id: record.id }), { abortSignal: scope.signal })).DistributionConfig;
  const origins = config.Origins?.Items ?? [];
  const origin = origins.find((o) => o.Id === ORIGIN_ID) ?? origins[0];
  const where = named(LB_KEYS.distribution, record.id);
  const items: DriftItem[] = [];
  const item = (text: string, repair: string, field: string): DriftItem => ({
    key: LB_KEYS.distribution, kind: 'cloudfront-distribution', id: record.id, what: 'setting-changed', text, repair,
    detail: { check: 'distribution', repairBy: 'deploy', field },
  });
  if (albDns && origin?.DomainName !== albDns) {
    items.push(item(`${where} sends viewers to ${origin?.DomainName ?? 'no origin'} (changed outside GeuseMaker); the stack's origin is its load balancer ${albDns}`,
      'deploy points it back at the load balancer', 'origin'));
  }
  const headers = (origin?.CustomHeaders?.Items ?? []).map((h) => h.HeaderName);
  if (!headers.some((name) => name.toLowerCase() === ORIGIN_HEADER.toLowerCase())) {
    items.push(item(`${where} no longer sends the ${ORIGIN_HEADER} header${headers.length > 0 ? ` (it sends ${headers.join(', ')})` : ''}: the load balancer answers its requests 403`,
      'deploy sets the header again', 'origin-header'));
  }
  if (config.Enabled === false) items.push(item(`${where} is disabled (outside GeuseMaker): the stack's URL serves nothing`, 'deploy enables it', 'enabled'));
  return items;
}
