import { z } from 'zod';

/**
 * The Price List API (`pricing:GetProducts`) answers only in a few regions, whatever the stack's region;
 * the client is always created in one of these.
 */
export const PRICING_API_REGIONS = ['us-east-1', 'eu-central-1', 'ap-south-1'] as const;

export interface PriceFilter {
  Type: 'TERM_MATCH';
  Field: string;
  Value: string;
}

/**
 * Filters that leave exactly one Linux on-demand SKU per type and region. Without capacitystatus=Used the
 * answer also holds $0 "AllocatedCapacityReservation" SKUs, which would make an instance look free.
 */
export function onDemandInstanceFilters(instanceType: string, regionCode: string): PriceFilter[] {
  const term = (Field: string, Value: string): PriceFilter => ({ Type: 'TERM_MATCH', Field, Value });
  return [
    term('instanceType', instanceType),
    term('regionCode', regionCode),
    term('operatingSystem', 'Linux'),
    term('tenancy', 'Shared'),
    term('preInstalledSw', 'NA'),
    term('capacitystatus', 'Used'),
    term('licenseModel', 'No License required'),
  ];
}

const dimensionSchema = z.object({
  unit: z.string(),
  description: z.string().optional(),
  pricePerUnit: z.record(z.string(), z.string()),
  beginRange: z.string().optional(),
  endRange: z.string().optional(),
});

/** One PriceList entry: AWS sends each as a JSON string inside the response. */
const productSchema = z.object({
  product: z.object({ sku: z.string(), productFamily: z.string().optional(), attributes: z.record(z.string(), z.string()) }),
  terms: z.object({
    OnDemand: z.record(z.string(), z.object({ priceDimensions: z.record(z.string(), dimensionSchema) })).optional(),
  }),
});

export interface ListPrice {
  usd: number;
  unit: string;
  sku: string;
  description?: string;
  /** For a tiered price, the tier picked ("first tier: 0–10240 GB"). */
  tier?: string;
}

/** Parses one PriceList string; undefined when it is not valid JSON of the expected shape. */
export function parseProduct(entry: string): z.infer<typeof productSchema> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(entry);
  } catch {
    return undefined;
  }
  const parsed = productSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The on-demand USD price per `unit` ("Hrs", "GB-Mo", "LCU-Hrs"…) from PriceList entries, picked explicitly:
 * the first-tier dimension (beginRange 0) of the OnDemand term with a USD price. Several distinct
 * prices mean the filters were too loose, which is refused rather than guessed.
 */
export function pickOnDemandPrice(entries: readonly string[], unit: string, expected: readonly PriceFilter[] = []): ListPrice | { problem: string } {
  const found: ListPrice[] = [];
  for (const entry of entries) {
    const product = parseProduct(entry);
    if (!product) continue;
    // The filters are checked again here: a product that does not match them (Windows, a reservation) never counts.
    if (expected.some((filter) => product.product.attributes[filter.Field] !== filter.Value)) continue;
    for (const term of Object.values(product.terms.OnDemand ?? {})) {
      for (const dimension of Object.values(term.priceDimensions)) {
        const usd = Number(dimension.pricePerUnit.USD);
        if (dimension.unit !== unit || !Number.isFinite(usd) || (dimension.beginRange !== undefined && dimension.beginRange !== '0')) continue;
        found.push({ usd, unit, sku: product.product.sku, description: dimension.description });
      }
    }
  }
  const distinct = [...new Set(found.map((p) => p.usd))];
  if (found.length === 0) return { problem: `no on-demand price per ${unit} in ${entries.length} product(s)` };
  if (distinct.length > 1) return { problem: `${distinct.length} different on-demand prices per ${unit} (${distinct.slice(0, 3).join(', ')}…): the filters matched more than one product` };
  return found[0]!;
}

type Product = z.infer<typeof productSchema>;

/** A filter's field is an attribute, except productFamily, which sits on the product itself. */
function fieldOf(product: Product, field: string): string | undefined {
  return field === 'productFamily' ? (product.product.productFamily ?? product.product.attributes.productFamily) : product.product.attributes[field];
}

/**
 * The on-demand USD price per `unit` of the one product the query means. Products are checked against every
 * filter and the usagetype pattern again; of a tiered price the first tier is taken (with `skipFreeTier`, the
 * first tier that costs something) and named in `tier`. Several distinct prices are refused, not guessed.
 */
export function pickListPrice(entries: readonly string[], query: { filters: readonly PriceFilter[]; usagetype?: RegExp; unit: string; skipFreeTier?: boolean }): ListPrice | { problem: string } {
  const found: ListPrice[] = [];
  for (const entry of entries) {
    const product = parseProduct(entry);
    if (!product) continue;
    if (query.filters.some((filter) => fieldOf(product, filter.Field) !== filter.Value)) continue;
    if (query.usagetype && !query.usagetype.test(product.product.attributes.usagetype ?? '')) continue;
    const tiers = Object.values(product.terms.OnDemand ?? {})
      .flatMap((term) => Object.values(term.priceDimensions))
      .filter((d) => d.unit === query.unit && Number.isFinite(Number(d.pricePerUnit.USD)))
      .sort((a, b) => Number(a.beginRange ?? 0) - Number(b.beginRange ?? 0));
    const chosen = query.skipFreeTier ? tiers.find((d) => Number(d.pricePerUnit.USD) > 0) : tiers[0];
    if (!chosen) continue;
    const tier = tiers.length > 1
      ? `${query.skipFreeTier ? 'first paid' : 'first'} tier: ${chosen.beginRange ?? '0'}–${chosen.endRange ?? 'Inf'} ${query.unit}`
      : undefined;
    found.push({ usd: Number(chosen.pricePerUnit.USD), unit: query.unit, sku: product.product.sku, description: chosen.description, tier });
  }
  const distinct = [...new Set(found.map((p) => p.usd))];
  if (found.length === 0) return { problem: `no on-demand price per ${query.unit} in ${entries.length} product(s)` };
  if (distinct.length > 1) return { problem: `${distinct.length} different on-demand prices per ${query.unit} (${distinct.slice(0, 3).join(', ')}…): the filters matched more than one product` };
  return found[0]!;
}
