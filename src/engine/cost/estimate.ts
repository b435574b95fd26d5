import type { StackConfig } from '../stack/config';
import { hasCloudFront, isLoadBalanced } from '../tiers';
import { backupStorage } from './backup-size';
import { budgetPriceNote } from './budget-price';
import { HOURS_PER_MONTH } from './fallback-prices';
import { line, price, round, type EstimateLine } from './estimate-line';
import { bundledListQuotes, type ListQuote, type ListQuotes, type PriceSource } from './prices';
import { bundledScalePrices, DEFAULT_SCALE_ASSUMPTIONS, scaleEstimate, type ScaleMonthlyRange, type ScalePrices } from './scale-estimate';

export type { EstimateLine } from './estimate-line';

/** What the estimate cannot know, stated next to the numbers and editable. */
export interface Assumptions {
  efsGb: number;
  /** Elastic throughput bills reads and writes per GB; assumed 0 unless set (the prices are shown either way). */
  efsReadGb: number;
  efsWriteGb: number;
  dataOutGb: number;
  albLcu: number;
  cloudFrontGb: number;
  cloudFrontRequestsMillions: number;
  /** Share of the file system (percent) that changes between two backups: what each incremental recovery point holds. */
  backupChangePercent: number;
  /** LCUs of the internal load balancer in front of Ollama workers (scaled stacks with ollamaWorkers). */
  internalAlbLcu: number;
}

export const DEFAULT_ASSUMPTIONS: Assumptions = {
  efsGb: 20, efsReadGb: 0, efsWriteGb: 0, dataOutGb: 10, albLcu: 1, cloudFrontGb: 50, cloudFrontRequestsMillions: 1, backupChangePercent: 5,
  ...DEFAULT_SCALE_ASSUMPTIONS,
};

/** AWS's free data transfer out to the internet per month, across the account. */
const FREE_DATA_OUT_GB = 100;

export interface MonthlyEstimate {
  lines: EstimateLine[];
  totalUsd: number;
  assumptions: Assumptions;
  /** What the estimate does not price, in words (AWS Budgets' own charge, kept backups of unknown size). */
  notes?: string[];
  /** For spot stacks: what the same month of compute would cost on demand, and the share spot saves. */
  spotSavings?: { onDemandComputeUsd: number; savedUsd: number; percent: number };
  /** Spot or on-demand for this type here, against the spot-saving threshold (set by the engine, which knows both prices). */
  recommendation?: { market: 'spot' | 'on-demand'; why: string };
  /**
   * A scaled stack: its pools, database, queue and internal load balancer at every pool's min and max, and the whole
   * stack's month either way (`totalUsd` prices each pool at its size now, else its min).
   */
  scale?: ScaleMonthlyRange & { totalAtMinUsd: number; totalAtMaxUsd: number };
}

const dearer = (a: ListQuote, b: ListQuote) => (b.usd > a.usd ? b : a);

/**
 * A month (730 h) of the stack, broken down. Pure: every price comes in (`compute`: the chosen market's hourly
 * price, spot's from the cheapest offered AZ; `list`: the rest, the bundled ones unless given), each with its
 * source, and every quantity that is not the config's is an assumption.
 */
export function estimateMonthly(config: EstimatedConfig, compute: { usdPerHour: number; source: PriceSource; note?: string },
  assumptions: Assumptions = DEFAULT_ASSUMPTIONS, list: ListQuotes = bundledListQuotes(), scalePrices?: ScalePrices): MonthlyEstimate {
  const a = assumptions;
  const lines: EstimateLine[] = [
    line('compute', compute.usdPerHour * HOURS_PER_MONTH, `${config.instanceType} ${config.market} at $${compute.usdPerHour.toFixed(4)}/h × ${HOURS_PER_MONTH} h${compute.note ? ` (${compute.note})` : ''}`, [compute]),
    line('ebs', config.rootVolumeGb * list.ebsGp3.usd, `${config.rootVolumeGb} GiB gp3 root volume at ${price(list.ebsGp3, 'GB-month')}`, [list.ebsGp3]),
    line('efs', a.efsGb * list.efsStandard.usd + a.efsReadGb * list.efsElasticRead.usd + a.efsWriteGb * list.efsElasticWrite.usd,
      `${a.efsGb} GB on EFS Standard (assumed) at ${price(list.efsStandard, 'GB-month')}; elastic throughput: ${a.efsReadGb} GB read (assumed) at ${price(list.efsElasticRead, 'GB')}, ${a.efsWriteGb} GB written (assumed) at ${price(list.efsElasticWrite, 'GB')}`,
      [list.efsStandard, list.efsElasticRead, list.efsElasticWrite]),
    line('public-ipv4', list.publicIpv4.usd * HOURS_PER_MONTH, `one public IPv4 address at ${price(list.publicIpv4, 'h')} × ${HOURS_PER_MONTH} h`, [list.publicIpv4]),
  ];
  if (isLoadBalanced(config.tier)) {
    lines.push(line('alb', (list.albHour.usd + a.albLcu * list.albLcu.usd) * HOURS_PER_MONTH,
      `load balancer at ${price(list.albHour, 'h')} plus ${a.albLcu} LCU (assumed) at ${price(list.albLcu, 'LCU-h')}, × ${HOURS_PER_MONTH} h`, [list.albHour, list.albLcu]));
  }
  // Priced wherever the stack has one: always on some tiers, the user's choice on others.
  if (hasCloudFront(config.tier, config.cloudFront)) {
    // PriceClass_100 serves from the United States and Europe groups; the dearer of the two is assumed for all traffic.
    const out = dearer(list.cloudFrontOutUs, list.cloudFrontOutEurope);
    const https = dearer(list.cloudFrontHttpsUs, list.cloudFrontHttpsEurope);
    const perMillion = Math.round(https.usd * 1e6 * 10_000) / 10_000;
    lines.push(line('cloudfront', a.cloudFrontGb * out.usd + a.cloudFrontRequestsMillions * https.usd * 1e6,
      `${a.cloudFrontGb} GB out (assumed) at ${price(out, 'GB')} and ${a.cloudFrontRequestsMillions}M HTTPS requests (assumed) at $${perMillion}/M — PriceClass_100, the dearer of its United States and Europe prices`,
      [list.cloudFrontOutUs, list.cloudFrontOutEurope, list.cloudFrontHttpsUs, list.cloudFrontHttpsEurope]));
  }
  const billableOut = Math.max(0, a.dataOutGb - FREE_DATA_OUT_GB);
  lines.push(line('data-transfer', billableOut * list.dataOut.usd,
    `${a.dataOutGb} GB out to the internet (assumed); the first ${FREE_DATA_OUT_GB} GB each month are free, then ${price(list.dataOut, 'GB')}`, [list.dataOut]));
  if (config.backup?.enabled) {
    const stored = backupStorage(a.efsGb, config.backup, a.backupChangePercent);
    lines.push(line('backup', stored.gb * list.backupEfsWarm.usd, `AWS Backup of the file system (estimate): ${stored.words} of warm storage at ${price(list.backupEfsWarm, 'GB-month')}`, [list.backupEfsWarm]));
  }
  const notes = config.monthlyBudgetUsd !== undefined ? [budgetPriceNote()] : [];
  // Worker pools (at their size now, else their min), RDS, ElastiCache and the internal load balancer: priced as given, else from the bundled tables.
  const scaled = config.scale ? scaleEstimate(config, scalePrices ?? bundledScalePrices(config.scale), list, a) : undefined;
  if (scaled) {
    lines.push(...scaled.lines);
    notes.push(...scaled.notes);
  }
  const totalUsd = round(lines.reduce((sum, l) => sum + l.usd, 0));
  const poolsNow = (scaled?.lines ?? []).reduce((sum, l) => sum + (l.pool ? l.usd : 0), 0);
  const poolsAt = (side: 'atMinUsd' | 'atMaxUsd') => (scaled?.range.pools ?? []).reduce((sum, p) => sum + p[side], 0);
  return {
    lines, totalUsd, assumptions, ...(notes.length > 0 ? { notes } : {}),
    ...(scaled ? { scale: { ...scaled.range, totalAtMinUsd: round(totalUsd - poolsNow + poolsAt('atMinUsd')), totalAtMaxUsd: round(totalUsd - poolsNow + poolsAt('atMaxUsd')) } } : {}),
  };
}

/** What the estimate reads of a config: the tier's parts, the instance, and (when given) backups, the budget and the scale section. */
export type EstimatedConfig = Pick<StackConfig, 'tier' | 'rootVolumeGb' | 'instanceType' | 'market' | 'cloudFront'> & Partial<Pick<StackConfig, 'backup' | 'monthlyBudgetUsd' | 'scale'>>;

/** Recovery points a destroyed stack kept: their vault, and their size when it was recorded. */
export interface KeptBackups {
  vault: string;
  bytes?: number;
}

/**
 * A destroyed stack whose data was kept: the file system bills (at its size now when EFS says it, else the assumed
 * size), and so do recovery points kept in its backup vault (at their recorded size; unrecorded, a note says they
 * are not priced); the secrets are standard Parameter Store parameters, which cost nothing. Nothing runs.
 */
export function estimateKept(efsKept: boolean, sizeNowGb: number | undefined, assumptions: Assumptions = DEFAULT_ASSUMPTIONS, list: ListQuotes = bundledListQuotes(), backups?: KeptBackups): MonthlyEstimate {
  const gb = sizeNowGb ?? assumptions.efsGb;
  const size = sizeNowGb === undefined ? `${gb} GB (assumed)` : `${gb < 10 ? gb.toFixed(2) : gb.toFixed(0)} GB (its size now)`;
  const lines = efsKept
    ? [line('efs', gb * list.efsStandard.usd, `kept after destroy: ${size} on EFS Standard at ${price(list.efsStandard, 'GB-month')}; the kept secrets are standard parameters, at no charge; nothing runs`, [list.efsStandard])]
    : [];
  const notes: string[] = [];
  if (backups?.bytes !== undefined) {
    const backupGb = backups.bytes / 1024 ** 3;
    lines.push(line('backup', backupGb * list.backupEfsWarm.usd,
      `kept after destroy: ${backupGb < 10 ? backupGb.toFixed(2) : backupGb.toFixed(0)} GB of recovery points in vault ${backups.vault} (their size when the stack was destroyed) at ${price(list.backupEfsWarm, 'GB-month')} of AWS Backup warm storage`, [list.backupEfsWarm]));
  } else if (backups) {
    notes.push(`Recovery points kept in vault ${backups.vault} are not priced: their size was not recorded (AWS Backup warm storage is about $${list.backupEfsWarm.usd}/GB-month).`);
  }
  return { lines, totalUsd: round(lines.reduce((sum, l) => sum + l.usd, 0)), assumptions: { ...assumptions, efsGb: gb }, ...(notes.length > 0 ? { notes } : {}) };
}
