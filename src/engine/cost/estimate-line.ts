import { describeSource, type ListQuote, type PriceSource } from './prices';

/** What a month's estimate prices, one line each (the protocol's COST_ITEMS, in the same order). */
export type EstimateItem =
  | 'compute' | 'ebs' | 'efs' | 'public-ipv4' | 'alb' | 'cloudfront' | 'data-transfer' | 'backup'
  | 'n8n-workers' | 'ollama-workers' | 'database' | 'queue-cache' | 'internal-alb';

export interface EstimateLine {
  item: EstimateItem;
  usd: number;
  basis: string;
  /** The weakest source among the prices the line uses (estimated, then cached, then live). */
  source: PriceSource['kind'];
  /** The same, as the UI shows it ("live", "cached 5 min ago", "estimated"). */
  sourceText: string;
  /** A worker pool's line: `usd` is the month at `workers` (its size now, else its min); `atMaxUsd` the month at `max`. */
  pool?: { workers: number; min: number; max: number; atMaxUsd: number };
  /** What the line still bills a month while the stack is paused, when not all of it (a stopped database: its storage). */
  pausedUsd?: number;
}

export const round = (usd: number) => Math.round(usd * 100) / 100;
const RANK: Record<PriceSource['kind'], number> = { live: 0, cached: 1, estimated: 2 };

export function weakest(sources: readonly PriceSource[]): PriceSource {
  return sources.reduce((worst, s) => {
    if (RANK[s.kind] !== RANK[worst.kind]) return RANK[s.kind] > RANK[worst.kind] ? s : worst;
    return s.kind === 'cached' && worst.kind === 'cached' && s.ageMs > worst.ageMs ? s : worst;
  });
}

export function line(item: EstimateItem, usd: number, basis: string, quotes: readonly { source: PriceSource }[]): EstimateLine {
  const source = weakest(quotes.map((q) => q.source));
  return { item, usd: round(usd), basis, source: source.kind, sourceText: describeSource(source) };
}

/** "$0.09/GB (first paid tier: 0–10240 GB)" */
export const price = (quote: ListQuote, per: string) => `$${quote.usd}/${per}${quote.tier ? ` (${quote.tier})` : ''}`;
