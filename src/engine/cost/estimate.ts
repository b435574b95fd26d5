import type { StackConfig } from '../stack/config';
import { hasCloudFront, isLoadBalanced } from '../tiers';
import { backupStorage } from './backup-size';
import { budgetPriceNote } from './budget-price';
import { HOURS_PER_MONTH } from './fallback-prices';
import { bundledListQuotes, describeSource, type ListQuote, type ListQuotes, type PriceSource } from './prices';

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
}

export const DEFAULT_ASSUMPTIONS: Assumptions = { efsGb: 20, efsReadGb: 0, efsWriteGb: 0, dataOutGb: 10, albLcu: 1, cloudFrontGb: 50, cloudFrontRequestsMillions: 1, backupChangePercent: 5 };

/** AWS's free data transfer out to the internet per month, across the account. */
const FREE_DATA_OUT_GB = 100;

export interface EstimateLine {
  item: 'compute' | 'ebs' | 'efs' | 'public-ipv4' | 'alb' | 'cloudfront' | 'data-transfer' | 'backup';
  usd: number;
  basis: string;
  /** The weakest source among the prices the line uses (estimated, then cached, then live). */
  source: PriceSource['kind'];
  /** The same, as the UI shows it ("live", "cached 5 min ago", "estimated"). */
  sourceText: string;
}

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
}

const round = (usd: number) => Math.round(usd * 100) / 100;
const RANK: Record<PriceSource['kind'], number> = { live: 0, cached: 1, estimated: 2 };

function weakest(sources: readonly PriceSource[]): PriceSource {
  return sources.reduce((worst, s) => {
    if (RANK[s.kind] !== RANK[worst.kind]) return RANK[s.kind] > RANK[worst.kind] ? s : worst;
    return s.kind === 'cached' && worst.kind === 'cached' && s.ageMs > worst.ageMs ? s : worst;
  });
}

function line(item: EstimateLine['item'], usd: number, basis: string, quotes: readonly { source: PriceSource }[]): EstimateLine {
  const source = weakest(quotes.map((q) => q.source));
  return { item, usd: round(usd), basis, source: source.kind, sourceText: describeSource(source) };
}

/** "$0.09/GB (first paid tier: 0–10240 GB)" */
const price = (quote: ListQuote, per: string) => `$${quote.usd}/${per}${quote.tier ? ` (${quote.tier})` : ''}`;
const dearer = (a: ListQuote, b: ListQuote) => (b.usd > a.usd ? b : a);

/**
 * A month (730 h) of the stack, broken down. Pure: every price comes in (`compute`: the chosen market's hourly
 * price, spot's from the cheapest offered AZ; `list`: the rest, the bundled ones unless given), each with its
 * source, and every quantity that is not the config's is an assumption.
 */
export function estimateMonthly(config: EstimatedConfig, compute: { usdPerHour: number; source: PriceSource; note?: string },
  assumptions: Assumptions = DEFAULT_ASSUMPTIONS, list: ListQuotes = bundledListQuotes()): MonthlyEstimate {
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
  return { lines, totalUsd: round(lines.reduce((sum, l) => sum + l.usd, 0)), assumptions, ...(notes.length > 0 ? { notes } : {}) };
}

/** What the estimate reads of a config: the tier's parts, the instance, and (when given) backups and the budget. */
export type EstimatedConfig = Pick<StackConfig, 'tier' | 'rootVolumeGb' | 'instanceType' | 'market' | 'cloudFront'> & Partial<Pick<StackConfig, 'backup' | 'monthlyBudgetUsd'>>;

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
