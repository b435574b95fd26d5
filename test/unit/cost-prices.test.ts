import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { AwsClients } from '../../src/engine/aws/clients';
import { PriceCache, PRICE_TTL_MS } from '../../src/engine/cost/cache';
import { PriceBook } from '../../src/engine/cost/prices';
import { onDemandInstanceFilters, pickOnDemandPrice } from '../../src/engine/cost/price-list';
import { tempDir } from '../harness/engine';

const fixture = (name: string) => JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'pricing', name), 'utf8')) as { PriceList: string[] };

describe('Price List parsing (recorded-shape responses)', () => {
  it('filters for one Linux, shared-tenancy, no-software, capacity-Used SKU in the stack\'s region', () => {
    const fields = Object.fromEntries(onDemandInstanceFilters('t3.xlarge', 'eu-west-1').map((f) => [f.Field, f.Value]));
    assert.deepEqual(fields, {
      instanceType: 't3.xlarge', regionCode: 'eu-west-1', operatingSystem: 'Linux', tenancy: 'Shared', preInstalledSw: 'NA', capacitystatus: 'Used', licenseModel: 'No License required',
    });
  });

  it('picks the on-demand hourly USD price from the JSON strings', () => {
    const price = pickOnDemandPrice(fixture('get-products-t3-xlarge.json').PriceList, 'Hrs');
    assert.ok('usd' in price);
    assert.equal(price.usd, 0.1664);
    assert.equal(price.sku, 'Q5KJ7Y6KQ4X8C4ES');
  });

  it('among several SKUs (a $0 reservation, Windows, SQL, unused reservation), picks the Linux capacity-Used one', () => {
    const price = pickOnDemandPrice(fixture('get-products-t3-xlarge-several-skus.json').PriceList, 'Hrs', onDemandInstanceFilters('t3.xlarge', 'us-east-1'));
    assert.ok('usd' in price, JSON.stringify(price));
    assert.equal(price.sku, 'Q5KJ7Y6KQ4X8C4ES');
    assert.equal(price.usd, 0.1664);
    assert.match(price.description ?? '', /On Demand Linux t3\.xlarge/);
    assert.ok('problem' in pickOnDemandPrice(fixture('get-products-t3-xlarge-several-skus.json').PriceList, 'GB-Mo', onDemandInstanceFilters('t3.xlarge', 'us-east-1')), 'the dimension\'s unit must match too');
  });

  it('refuses to guess when the filters matched a $0 reservation SKU too, and ignores entries that are not JSON', () => {
    const loose = pickOnDemandPrice(fixture('get-products-t3-xlarge-unfiltered.json').PriceList, 'Hrs');
    assert.ok('problem' in loose);
    assert.match(loose.problem, /2 different on-demand prices/);
    const none = pickOnDemandPrice(['not json', '{"product":1}'], 'Hrs');
    assert.ok('problem' in none && /no on-demand price/.test(none.problem));
  });
});

describe('price cache on disk', () => {
  it('answers within the TTL, offers stale values only when asked, and survives a corrupt file', async () => {
    let now = 1_000_000;
    const dir = tempDir('gm-prices-');
    const cache = new PriceCache(dir, () => now);
    await cache.set('spot:t3.xlarge:us-east-1', 0.05);
    assert.equal((await cache.get('spot:t3.xlarge:us-east-1', z.number(), PRICE_TTL_MS.spot))?.value, 0.05);
    now += PRICE_TTL_MS.spot + 1;
    assert.equal(await cache.get('spot:t3.xlarge:us-east-1', z.number(), PRICE_TTL_MS.spot), undefined, 'expired');
    const stale = await new PriceCache(dir, () => now).get('spot:t3.xlarge:us-east-1', z.number(), PRICE_TTL_MS.spot, { stale: true });
    assert.equal(stale?.value, 0.05, 'read back from disk by a new cache');
    assert.equal(stale?.ageMs, PRICE_TTL_MS.spot + 1);
    await import('node:fs/promises').then((fs) => fs.writeFile(join(dir, 'prices.json'), '{broken'));
    assert.equal(await new PriceCache(dir).get('spot:t3.xlarge:us-east-1', z.number(), PRICE_TTL_MS.spot, { stale: true }), undefined);
  });
});

describe('implausible on-demand prices are unknown, never a price', () => {
  it('a live $0/h answer falls back to the bundled table with the reason, and a $0 in an old cache is not read back', async () => {
    const zero = fixture('get-products-t3-xlarge.json').PriceList.map((entry) => entry.replaceAll('0.1664000000', '0.0000000000'));
    const dir = tempDir('gm-prices-');
    const cache = new PriceCache(dir);
    const book = new PriceBook({ clients: {} as AwsClients, pricing: { getProducts: async () => zero }, cache });
    const live = await book.onDemandHourly('t3.xlarge', 'us-east-1');
    assert.equal(live?.value, 0.1664, 'the bundled list price, not $0');
    assert.equal(live?.source.kind, 'estimated');
    assert.match(live?.source.kind === 'estimated' ? live.source.reason : '', /answered \$0\/h, which is not a believable price/);

    await cache.set('ondemand:us-east-1:m5.large', 0);
    const refusing = new PriceBook({ clients: {} as AwsClients, pricing: { getProducts: async () => { throw new Error('AccessDenied'); } }, cache });
    const cached = await refusing.onDemandHourly('m5.large', 'us-east-1');
    assert.equal(cached?.source.kind, 'estimated', 'the cached $0 is skipped');
    assert.ok((cached?.value ?? 0) > 0);
  });
});
