import { z } from 'zod';
import { awsErrorCode } from '../aws/classify';
import type { QuotaApi } from '../aws/quotas';
import { GeuseError } from '../errors';
import type { StackConfig } from '../stack/config';
import { quotaClassOf } from './gpu-families';

type Market = 'spot' | 'on-demand';

const getServiceQuotaSchema = z.object({
  Quota: z.object({
    QuotaCode: z.string(),
    QuotaName: z.string().optional(),
    Value: z.number(),
  }),
});

interface QuotaReading {
  market: Market;
  code: string;
  name: string;
  /** Undefined when the quota could not be read; then `reason` says why. */
  value?: number;
  reason?: string;
}

export function quotaConsoleUrl(region: string, code: string): string {
  return `https://${region}.console.aws.amazon.com/servicequotas/home/services/ec2/quotas/${code}`;
}

export function quotaIncreaseCommand(region: string, code: string, desired: number): string {
  return `aws service-quotas request-service-quota-increase --service-code ec2 --quota-code ${code} --desired-value ${desired} --region ${region}`;
}

/** Markets deploy may launch in, in order: spot with on-demand fallback tries both. */
function marketsOf(config: Pick<StackConfig, 'market' | 'onDemandFallback'>): Market[] {
  return config.market === 'spot' && config.onDemandFallback ? ['spot', 'on-demand'] : [config.market];
}

async function readQuota(api: QuotaApi, market: Market, code: string, name: string, signal?: AbortSignal): Promise<QuotaReading> {
  try {
    const parsed = getServiceQuotaSchema.safeParse(await api.getServiceQuota('ec2', code, signal));
    if (!parsed.success) return { market, code, name, reason: 'Service Quotas answered without a value' };
    return { market, code, name: parsed.data.Quota.QuotaName ?? name, value: parsed.data.Quota.Value };
  } catch (error) {
    if (signal?.aborted) throw error;
    // The quota is advisory: EC2 enforces it at launch anyway. A user whose policy lacks
    // servicequotas:GetServiceQuota, or a region without the quota, gets a warning rather than a blocked deploy.
    const errorCode = awsErrorCode(error) ?? 'an unknown error';
    return { market, code, name, reason: errorCode === 'NoSuchResourceException' ? `Service Quotas has no ${code} in this region (NoSuchResourceException)` : `reading it failed (${errorCode})` };
  }
}

/**
 * GPU vCPU quota preflight, run at plan time before anything exists. New accounts often have 0 for the G and VT
 * quotas, and a launch refused with VcpuLimitExceeded would come after the network and file system were made.
 * Refuses when no market deploy may use has room for the type's vCPUs; returns warnings otherwise.
 */
export async function gpuQuotaPreflight(api: QuotaApi, config: Pick<StackConfig, 'instanceType' | 'market' | 'onDemandFallback' | 'region'>, vcpus: number, signal?: AbortSignal): Promise<string[]> {
  const quotas = quotaClassOf(config.instanceType);
  if (!quotas) return [];
  const readings = await Promise.all(marketsOf(config).map((market) => {
    const quota = market === 'spot' ? quotas.spot : quotas.onDemand;
    return readQuota(api, market, quota.code, quota.name, signal);
  }));
  const enough = (r: QuotaReading) => r.value !== undefined && r.value >= vcpus;
  const describe = (r: QuotaReading) => `${r.market} quota "${r.name}" (${r.code}) is ${r.value} vCPUs`;
  const warnings: string[] = [];
  for (const reading of readings.filter((r) => r.value === undefined)) {
    warnings.push(`Could not check the ${reading.market} GPU quota ${reading.code} ("${reading.name}"): ${reading.reason}. If the launch fails with VcpuLimitExceeded or MaxSpotInstanceCountExceeded, request at least ${vcpus} vCPUs: ${quotaConsoleUrl(config.region, reading.code)}`);
  }
  if (readings.some(enough)) {
    for (const reading of readings.filter((r) => r.value !== undefined && !enough(r))) {
      const other = readings.find(enough)!;
      warnings.push(`The ${describe(reading)}, below the ${vcpus} ${config.instanceType} needs: deploy will launch ${other.market} instead. To allow ${reading.market}, request at least ${vcpus}: ${quotaIncreaseCommand(config.region, reading.code, vcpus)}`);
    }
    return warnings;
  }
  if (readings.some((r) => r.value === undefined)) return warnings;
  const primary = readings[0]!;
  const others = readings.slice(1).map((r) => ` (or the ${r.market} quota ${r.code}: ${quotaConsoleUrl(config.region, r.code)})`).join('');
  throw new GeuseError({
    code: 'GPU_QUOTA', kind: 'quota', operation: 'servicequotas:GetServiceQuota',
    message: `${config.instanceType} needs ${vcpus} vCPUs of ${quotas.label} quota in ${config.region}, but the ${readings.map(describe).join(' and the ')}${readings.some((r) => r.value === 0) ? ' (new accounts start at 0)' : ''}. Nothing was created.`,
    nextStep: `Request an increase to at least ${vcpus} vCPUs for ${primary.code} ("${primary.name}") in the Service Quotas console: ${quotaConsoleUrl(config.region, primary.code)}${others}, or run \`${quotaIncreaseCommand(config.region, primary.code, vcpus)}\`. Then run deploy again once AWS approves it.`,
  });
}
