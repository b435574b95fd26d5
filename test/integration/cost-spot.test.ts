import assert from 'node:assert/strict';
import { currentSpotPrices } from '../../src/engine/cost/spot';
import { inspector } from '../harness/engine';

describe('spot prices from EC2', function () {
  this.timeout(60_000);

  it('gives the price in force per AZ, cheapest first', async () => {
    const prices = await currentSpotPrices(inspector(), 't3.xlarge');
    assert.ok(prices.length > 0, 'at least one AZ');
    assert.equal(new Set(prices.map((p) => p.zone)).size, prices.length, 'one price per AZ');
    assert.ok(prices.every((p) => p.usdPerHour > 0 && p.zone.startsWith('us-east-1')));
    assert.deepEqual([...prices].sort((a, b) => a.usdPerHour - b.usdPerHour).map((p) => p.zone), prices.map((p) => p.zone));
  });
});
