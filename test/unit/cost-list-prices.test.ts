import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listPriceQueries, type ListItem } from '../../src/engine/cost/list-price-queries';
import { pickListPrice, type ListPrice } from '../../src/engine/cost/price-list';

const fixture = (name: string) => (JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'pricing', name), 'utf8')) as { PriceList: string[] }).PriceList;

/** Which recorded answer each item's query is run against. */
const FIXTURE: Record<ListItem, string> = {
  ebsGp3: 'get-products-ebs-gp3.json',
  efsStandard: 'get-products-efs.json',
  efsElasticRead: 'get-products-efs.json',
  efsElasticWrite: 'get-products-efs.json',
  publicIpv4: 'get-products-vpc-public-ipv4.json',
  albHour: 'get-products-elb.json',
  albLcu: 'get-products-elb.json',
  cloudFrontOutUs: 'get-products-cloudfront.json',
  cloudFrontOutEurope: 'get-products-cloudfront.json',
  cloudFrontHttpsUs: 'get-products-cloudfront.json',
  cloudFrontHttpsEurope: 'get-products-cloudfront.json',
  dataOut: 'get-products-data-transfer-out.json',
  backupEfsWarm: 'get-products-backup.json',
};

function pick(item: ListItem, region = 'us-east-1'): ListPrice {
  const picked = pickListPrice(fixture(FIXTURE[item]), listPriceQueries(region)[item]);
  assert.ok('usd' in picked, `${item}: ${JSON.stringify(picked)}`);
  return picked;
}

describe('non-compute list prices from recorded-shape GetProducts answers (moto has no Price List API)', () => {
  it('picks the right SKU and dimension for every line among decoys, in us-east-1', () => {
    const expected: Record<ListItem, [sku: string, usd: number, unit: string]> = {
      ebsGp3: ['8EEUB22XNJXTMS7C', 0.08, 'GB-Mo'],
      efsStandard: ['YUAJAX67FQXA3Z9N', 0.3, 'GB-Mo'],
      efsElasticRead: ['K7FXXRJR7WH2BHEJ', 0.03, 'GB'],
      efsElasticWrite: ['N2ZC4CVE3WHZPB3M', 0.06, 'GB'],
      publicIpv4: ['6D5QZ5UPRXFHBEZG', 0.005, 'Hrs'],
      albHour: ['B3RTVG6JQ3TGQBJF', 0.0225, 'Hrs'],
      albLcu: ['9FU2VPHH6TSHZRHQ', 0.008, 'LCU-Hrs'],
      cloudFrontOutUs: ['RMN3HV3XUUT2KX8M', 0.085, 'GB'],
      cloudFrontOutEurope: ['KF3TQ7VQ5VD3TQZH', 0.085, 'GB'],
      cloudFrontHttpsUs: ['DHZMVW4QF8XT7PZE', 0.000001, 'Requests'],
      cloudFrontHttpsEurope: ['Y9V5GCXNFDTH3Y4S', 0.0000012, 'Requests'],
      dataOut: ['WAWEH4PGCVDV6TBG', 0.09, 'GB'],
      backupEfsWarm: ['T6R2WF9N5PJ3HX8C', 0.05, 'GB-Mo'],
    };
    for (const [item, [sku, usd, unit]] of Object.entries(expected) as [ListItem, [string, number, string]][]) {
      const price = pick(item);
      assert.deepEqual([price.sku, price.usd, price.unit], [sku, usd, unit], item);
    }
  });

  it('the same queries in eu-west-1 pick the EU-prefixed products of that region', () => {
    assert.equal(pick('ebsGp3', 'eu-west-1').usd, 0.088);
    assert.equal(pick('efsStandard', 'eu-west-1').usd, 0.33);
    assert.equal(pick('albHour', 'eu-west-1').sku, 'WJGCS2K3QK4Z9GR4');
    assert.equal(pick('publicIpv4', 'eu-west-1').sku, '7MDVDHK8UTTTPHYB');
    assert.equal(pick('dataOut', 'eu-west-1').sku, 'Y4X8DZEMKEMCT3XQ');
    assert.deepEqual([pick('backupEfsWarm', 'eu-west-1').sku, pick('backupEfsWarm', 'eu-west-1').usd], ['M3X8KB6Q1TN4YR7D', 0.055]);
    // CloudFront does not depend on the stack's region.
    assert.equal(pick('cloudFrontOutUs', 'eu-west-1').sku, 'RMN3HV3XUUT2KX8M');
  });

  it('tiered prices take the first tier and say so; data out skips a $0 free tier', () => {
    assert.equal(pick('cloudFrontOutUs').tier, 'first tier: 0–10240 GB');
    assert.equal(pick('dataOut').tier, 'first paid tier: 0–10240 GB');
    assert.equal(pick('ebsGp3').tier, undefined, 'a single-dimension price has no tier');
    // The older shape: the first GB free inside the same SKU.
    const entry = JSON.parse(fixture('get-products-data-transfer-out.json').at(-1)!) as { terms: { OnDemand: Record<string, { priceDimensions: Record<string, unknown> }> } };
    const term = Object.values(entry.terms.OnDemand)[0]!;
    term.priceDimensions.free = { unit: 'GB', beginRange: '0', endRange: '1', description: '$0.000 per GB - first 1 GB / month', pricePerUnit: { USD: '0.0000000000' } };
    const picked = pickListPrice([JSON.stringify(entry)], listPriceQueries('us-east-1').dataOut);
    assert.ok('usd' in picked);
    assert.equal(picked.usd, 0.09);
  });

  it('a sloppy filter would have picked a decoy: without each safeguard the pick is refused or wrong', () => {
    const queries = listPriceQueries('us-east-1');
    // Without the usagetype pattern, the idle address and the trust-store hour come along.
    const ipv4 = pickListPrice(fixture(FIXTURE.publicIpv4), { ...queries.publicIpv4, usagetype: undefined });
    assert.ok('usd' in ipv4 && ipv4.sku !== '6D5QZ5UPRXFHBEZG', 'the idle-address SKU (same price) is taken first');
    const alb = pickListPrice(fixture(FIXTURE.albHour), { ...queries.albHour, usagetype: /LoadBalancerUsage$/ });
    assert.ok('problem' in alb && /different on-demand prices/.test(alb.problem), 'a suffix match also takes the $0.0055 trust store');
    // Without productFamily, the Network Load Balancer's LCU ($0.006) is in the running.
    const lcu = pickListPrice(fixture(FIXTURE.albLcu), { ...queries.albLcu, filters: queries.albLcu.filters.filter((f) => f.Field !== 'productFamily') });
    assert.ok('problem' in lcu);
    // Without storageClass, Archive and Infrequent Access reads are reads too.
    const read = pickListPrice(fixture(FIXTURE.efsElasticRead), { ...queries.efsElasticRead, filters: queries.efsElasticRead.filters.filter((f) => f.Field !== 'storageClass') });
    assert.ok('problem' in read);
    // With neither volumeApiName nor the usagetype pattern, gp2 storage answers too.
    const gp = pickListPrice(fixture(FIXTURE.ebsGp3), { ...queries.ebsGp3, usagetype: undefined, filters: queries.ebsGp3.filters.filter((f) => f.Field !== 'volumeApiName') });
    assert.ok('problem' in gp);
    // With neither toLocation nor the usagetype pattern, data out to CloudFront ($0) is outbound too.
    const out = pickListPrice(fixture(FIXTURE.dataOut), { ...queries.dataOut, usagetype: undefined, skipFreeTier: false, filters: queries.dataOut.filters.filter((f) => f.Field !== 'toLocation') });
    assert.ok('problem' in out);
    // Without the anchored usagetype, EBS warm storage and the logically air-gapped vault's EFS storage (same price) come along.
    const backup = pickListPrice(fixture(FIXTURE.backupEfsWarm), { ...queries.backupEfsWarm, usagetype: /WarmStorage-ByteHrs/ });
    assert.ok('usd' in backup && backup.sku !== 'T6R2WF9N5PJ3HX8C', 'a decoy at the same price is taken first');
    // The unit must match: the gp3 IOPS SKU is never a GB-month price.
    assert.ok('problem' in pickListPrice(fixture(FIXTURE.ebsGp3), { ...queries.ebsGp3, unit: 'Hrs' }));
  });
});
