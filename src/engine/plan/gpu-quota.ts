import { z } from 'zod';
import { quotaFailure, type QuotaApi } from '../aws/quotas';
import { GeuseError } from '../errors';
import type { StackConfig } from '../stack/config';
import { quotaClassOf } from './gpu-families';
import type { VcpusInUse } from './gpu-in-use';

const NONE_IN_USE: VcpusInUse = { spot: 0, 'on-demand': 0 };

type Market = 'spot' | 'on-demand';

const getServiceQuotaSchema = z.object({
  Quota: z.object({
    QuotaCode: z.string(),
    QuotaName: z.string().optional(),
    Value: z.number().nonnegative().optional(),
  }),
});

interface QuotaReading {
  market: Market;
  code: string;
  name: string;
  /** Undefined when the quota could not be read; then `reason` says why. */
  value?: number;
  reason?: string;
  /** vCPUs other instances of the class already use in this market. */
  inUse: number;
  /** Set when the value is AWS's default rather than the account's applied quota. */
  source?: string;
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

function parseQuota(answer: unknown, market: Market, code: string, name: string, inUse: number, source?: string): QuotaReading {
  const parsed = getServiceQuotaSchema.safeParse(answer);
  if (!parsed.success || parsed.data.Quota.Value === undefined) {
    return { market, code, name: parsed.data?.Quota.QuotaName ?? name, inUse, reason: `its value is unknown: Service Quotas answered without one${source ? ` (${source})` : ''}` };
  }
  return { market, code, name: parsed.data.Quota.QuotaName ?? name, value: parsed.data.Quota.Value, inUse, source };
}

async function readQuota(api: QuotaApi, market: Market, code: string, name: string, inUse: number, signal?: AbortSignal): Promise<QuotaReading> {
  let errorCode: string;
  try {
    return parseQuota(await api.getServiceQuota('ec2', code, signal), market, code, name, inUse);
  } catch (error) {
    if (signal?.aborted) throw error;
    errorCode = quotaFailure(error);
  }
  // An account that never had the quota raised may have no applied value: AWS's default is what applies then.
  if (errorCode === 'NoSuchResourceException') {
    try {
      return parseQuota(await api.getAwsDefaultServiceQuota('ec2', code, signal), market, code, name, inUse, 'AWS default');
    } catch (error) {
      if (signal?.aborted) throw error;
      const defaultCode = quotaFailure(error);
      return { market, code, name, inUse, reason: `Service Quotas has no ${code} in this region (NoSuchResourceException; its AWS default: ${defaultCode})` };
    }
  }
  // The quota is advisory: EC2 enforces it at launch anyway. A user whose policy lacks
  // servicequotas:GetServiceQuota gets a warning rather than a blocked deploy.
  return { market, code, name, inUse, reason: `reading it failed (${errorCode})` };
}

/**
 * GPU vCPU quota preflight, run at plan time before anything exists. New accounts often have 0 for the G and VT
 * quotas, and a launch refused with VcpuLimitExceeded would come after the network and file system were made.
 * Refuses when no market deploy may use has room for the type's vCPUs; returns warnings otherwise.
 */
export async function gpuQuotaPreflight(api: QuotaApi, config: Pick<StackConfig, 'instanceType' | 'market' | 'onDemandFallback' | 'region'>, vcpus: number, inUse: VcpusInUse = NONE_IN_USE, signal?: AbortSignal): Promise<string[]> {
  const quotas = quotaClassOf(config.instanceType);
  if (!quotas) return [];
  const readings = await Promise.all(marketsOf(config).map((market) => {
    const quota = market === 'spot' ? quotas.spot : quotas.onDemand;
    return readQuota(api, market, quota.code, quota.name, inUse[market], signal);
  }));
  const enough = (r: QuotaReading) => r.value !== undefined && r.value - r.inUse >= vcpus;
  const describe = (r: QuotaReading) => `${r.market} quota "${r.name}" (${r.code}) is ${r.value} vCPUs${r.source ? ` (${r.source})` : ''}${r.inUse > 0 ? ` with ${r.inUse} already in use by running instances, leaving ${Math.max(0, r.value! - r.inUse)}` : ''}`;
  /** What to ask for: room for this type on top of what already runs. */
  const desired = (r: QuotaReading) => vcpus + r.inUse;
  const warnings: string[] = [];
  for (const reading of readings.filter((r) => r.value === undefined)) {
    warnings.push(`Could not check the ${reading.market} GPU quota ${reading.code} ("${reading.name}"): ${reading.reason}. If the launch fails with VcpuLimitExceeded or MaxSpotInstanceCountExceeded, request at least ${desired(reading)} vCPUs: ${quotaConsoleUrl(config.region, reading.code)}`);
  }
  if (readings.some(enough)) {
    for (const reading of readings.filter((r) => r.value !== undefined && !enough(r))) {
      const other = readings.find(enough)!;
      warnings.push(`The ${describe(reading)}, below the ${vcpus} ${config.instanceType} needs: deploy will launch ${other.market} instead. To allow ${reading.market}, request at least ${desired(reading)}: ${quotaIncreaseCommand(config.region, reading.code, desired(reading))}`);
    }
    return warnings;
  }
  if (readings.some((r) => r.value === undefined)) return warnings;
  const primary = readings[0]!;
  const others = readings.slice(1).map((r) => ` (or the ${r.market} quota ${r.code}: ${quotaConsoleUrl(config.region, r.code)})`).join('');
  throw new GeuseError({
    code: 'GPU_QUOTA', kind: 'quota', operation: 'servicequotas:GetServiceQuota',
    message: `${config.instanceType} needs ${vcpus} vCPUs of ${quotas.label} quota in ${config.region}, but the ${readings.map(describe).join(' and the ')}${readings.some((r) => r.value === 0) ? ' (new accounts start at 0)' : ''}. Nothing was created.`,
    nextStep: `Request an increase to at least ${desired(primary)} vCPUs for ${primary.code} ("${primary.name}") in the Service Quotas console: ${quotaConsoleUrl(config.region, primary.code)}${others}, or run \`${quotaIncreaseCommand(config.region, primary.code, desired(primary))}\`${primary.inUse > 0 ? ' (or stop instances that use it)' : ''}. Then run deploy again once AWS approves it.`,
  });
}
