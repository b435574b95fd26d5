import type { StackConfig } from '../stack/config';
import { EBS_GP3_USD_PER_GB_MONTH, EFS_STANDARD_USD_PER_GB_MONTH, HOURS_PER_MONTH, PUBLIC_IPV4_USD_PER_HOUR } from './fallback-prices';
import type { PriceSource } from './prices';

/** What the estimate cannot know, stated next to the numbers and editable. */
export interface Assumptions {
  efsGb: number;
  dataOutGb: number;
  albLcu: number;
  cloudFrontGb: number;
  cloudFrontRequestsMillions: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = { efsGb: 20, dataOutGb: 10, albLcu: 1, cloudFrontGb: 50, cloudFrontRequestsMillions: 1 };

/** us-east-1 list prices for the items without a live lookup yet (each line says so). */
const LIST = {
  albHour: 0.0225,
  albLcuHour: 0.008,
  cloudFrontGbPriceClass100: 0.085,
  cloudFrontPerMillionHttps: 1.0,
  dataOutGb: 0.09,
  /** AWS's free data transfer out to the internet per month, across the account. */
  freeDataOutGb: 100,
};

export interface EstimateLine {
  item: 'compute' | 'ebs' | 'efs' | 'public-ipv4' | 'alb' | 'cloudfront' | 'data-transfer';
  usd: number;
  basis: string;
  source: PriceSource['kind'];
}

export interface MonthlyEstimate {
  lines: EstimateLine[];
  totalUsd: number;
  assumptions: Assumptions;
  /** For spot stacks: what the same month of compute would cost on demand, and the share spot saves. */
  spotSavings?: { onDemandComputeUsd: number; savedUsd: number; percent: number };
}

const round = (usd: number) => Math.round(usd * 100) / 100;

/**
 * A month (730 h) of the stack, broken down. `compute` is the hourly price of the chosen market (the caller
 * passes spot's cheapest AZ or on-demand, with its source); every other line is a list price or an assumption.
 */
export function estimateMonthly(config: Pick<StackConfig, 'tier' | 'rootVolumeGb' | 'instanceType' | 'market'>, compute: { usdPerHour: number; source: PriceSource }, assumptions: Assumptions = DEFAULT_ASSUMPTIONS): MonthlyEstimate {
  const lines: EstimateLine[] = [
    { item: 'compute', usd: round(compute.usdPerHour * HOURS_PER_MONTH), basis: `${config.instanceType} ${config.market} at $${compute.usdPerHour.toFixed(4)}/h × ${HOURS_PER_MONTH} h`, source: compute.source.kind },
    { item: 'ebs', usd: round(config.rootVolumeGb * EBS_GP3_USD_PER_GB_MONTH), basis: `${config.rootVolumeGb} GiB gp3 root volume at $${EBS_GP3_USD_PER_GB_MONTH}/GB-month`, source: 'estimated' },
    { item: 'efs', usd: round(assumptions.efsGb * EFS_STANDARD_USD_PER_GB_MONTH), basis: `${assumptions.efsGb} GB on EFS Standard (assumed) at $${EFS_STANDARD_USD_PER_GB_MONTH}/GB-month`, source: 'estimated' },
    { item: 'public-ipv4', usd: round(PUBLIC_IPV4_USD_PER_HOUR * HOURS_PER_MONTH), basis: `one public IPv4 address at $${PUBLIC_IPV4_USD_PER_HOUR}/h`, source: 'estimated' },
  ];
  if (config.tier === 'automation' || config.tier === 'gpu') {
    lines.push({ item: 'alb', usd: round((LIST.albHour + assumptions.albLcu * LIST.albLcuHour) * HOURS_PER_MONTH), basis: `load balancer at $${LIST.albHour}/h plus ${assumptions.albLcu} LCU (assumed) at $${LIST.albLcuHour}/LCU-h`, source: 'estimated' });
  }
  if (config.tier === 'gpu') {
    lines.push({ item: 'cloudfront', usd: round(assumptions.cloudFrontGb * LIST.cloudFrontGbPriceClass100 + assumptions.cloudFrontRequestsMillions * LIST.cloudFrontPerMillionHttps), basis: `${assumptions.cloudFrontGb} GB out (assumed) at $${LIST.cloudFrontGbPriceClass100}/GB (PriceClass_100) and ${assumptions.cloudFrontRequestsMillions}M HTTPS requests at $${LIST.cloudFrontPerMillionHttps}/M`, source: 'estimated' });
  }
  const billableOut = Math.max(0, assumptions.dataOutGb - LIST.freeDataOutGb);
  lines.push({ item: 'data-transfer', usd: round(billableOut * LIST.dataOutGb), basis: `${assumptions.dataOutGb} GB out to the internet (assumed); the first ${LIST.freeDataOutGb} GB each month are free, then $${LIST.dataOutGb}/GB`, source: 'estimated' });
  return { lines, totalUsd: round(lines.reduce((sum, line) => sum + line.usd, 0)), assumptions };
}
