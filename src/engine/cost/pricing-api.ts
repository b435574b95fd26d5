import { paginateGetProducts, PricingClient } from '@aws-sdk/client-pricing';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { PriceFilter } from './price-list';
import { PRICING_API_REGIONS } from './price-list';

/** GetProducts, all pages, PriceList strings only. Behind an interface: moto has no Price List API. */
export interface PricingApi {
  getProducts(serviceCode: string, filters: readonly PriceFilter[], signal?: AbortSignal): Promise<string[]>;
}

/** The Price List endpoint nearest the stack's region (only three regions serve it). */
export function pricingRegionFor(region: string): (typeof PRICING_API_REGIONS)[number] {
  if (region.startsWith('eu-') || region.startsWith('me-') || region.startsWith('af-') || region.startsWith('il-')) return 'eu-central-1';
  if (region.startsWith('ap-')) return 'ap-south-1';
  return 'us-east-1';
}

export class SdkPricingApi implements PricingApi {
  private readonly client: PricingClient;

  constructor(options: { region: string; profile?: string; endpoint?: string }) {
    this.client = new PricingClient({
      region: pricingRegionFor(options.region),
      credentials: fromNodeProviderChain(options.profile ? { profile: options.profile } : {}),
      endpoint: options.endpoint,
      // One quick try: a failure falls back to cached or bundled prices, so retrying only delays the answer.
      maxAttempts: 2,
    });
  }

  async getProducts(serviceCode: string, filters: readonly PriceFilter[], signal?: AbortSignal): Promise<string[]> {
    const entries: string[] = [];
    for await (const page of paginateGetProducts({ client: this.client }, { ServiceCode: serviceCode, Filters: [...filters], FormatVersion: 'aws_v1', MaxResults: 100 })) {
      if (signal?.aborted) break;
      for (const entry of page.PriceList ?? []) entries.push(typeof entry === 'string' ? entry : JSON.stringify(entry));
    }
    return entries;
  }

  destroy(): void {
    this.client.destroy();
  }
}
