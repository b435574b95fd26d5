import { join } from 'node:path';
import type { AwsClients } from '../aws/clients';
import { geusemakerHome } from '../state/paths';
import { PriceCache } from './cache';
import { PriceBook } from './prices';
import { pricingRegionFor, SdkPricingApi, type PricingApi } from './pricing-api';

export interface PriceBooksOptions {
  clients: (region: string, profile?: string) => AwsClients;
  /** Points the Price List client at this endpoint (the local emulator). */
  endpoint?: string;
  /** Replaces the Price List API (moto has none): tests give recorded answers. */
  pricing?: () => PricingApi;
  /** Where fetched prices are cached (default: <GEUSEMAKER_HOME>/cache). */
  cacheDir?: string;
}

/** Price books per region and profile, over one Price List client per pricing region and profile. */
export class PriceBooks {
  private readonly pricingClients = new Map<string, SdkPricingApi>();

  constructor(private readonly options: PriceBooksOptions) {}

  /** Live (or cached, or bundled) prices for one region and profile. */
  priceBook(region: string, profile?: string): PriceBook {
    const key = `${pricingRegionFor(region)}|${profile ?? ''}`;
    let pricing = this.options.pricing?.() ?? this.pricingClients.get(key);
    if (!pricing) {
      const client = new SdkPricingApi({ region, profile, endpoint: this.options.endpoint });
      this.pricingClients.set(key, client);
      pricing = client;
    }
    return new PriceBook({ clients: this.options.clients(region, profile), pricing, cache: new PriceCache(this.options.cacheDir ?? join(geusemakerHome(), 'cache')) });
  }

  dispose(): void {
    for (const pricing of this.pricingClients.values()) pricing.destroy();
    this.pricingClients.clear();
  }
}
