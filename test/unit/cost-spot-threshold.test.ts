import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_SPOT_MIN_SAVING, recommendForStack, recommendMarket } from '../../src/engine/cost/placement';
import { parseSettings, settingsSchema } from '../../src/vscode/settings';
import { parseCliArgs } from '../../src/cli/args';
import { GeuseError } from '../../src/engine/errors';

describe('the spot-saving threshold setting', () => {
  it('geusemaker.spotMinSavingPercent is declared in package.json as the schema parses it: integer 0–90, default 20', () => {
    type Declared = { type: string; minimum: number; maximum: number; default: number };
    // Settings come in ordered groups: an array of sections, each with its properties.
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, Declared> }[] } };
    const declared = pkg.contributes.configuration.map((section) => section.properties['geusemaker.spotMinSavingPercent']).find(Boolean);
    assert.deepEqual(declared && [declared.type, declared.minimum, declared.maximum, declared.default], ['integer', 0, 90, 20]);
    assert.equal(settingsSchema.parse({}).spotMinSavingPercent, 20);
    assert.equal(DEFAULT_SPOT_MIN_SAVING * 100, 20);
  });

  it('parses a valid value and reports a bad one by name, falling back to 20', () => {
    assert.equal(parseSettings({ spotMinSavingPercent: 35 }).settings.spotMinSavingPercent, 35);
    for (const bad of [95, -1, 12.5, '30']) {
      const { settings, problems } = parseSettings({ spotMinSavingPercent: bad });
      assert.equal(settings.spotMinSavingPercent, 20);
      assert.equal(problems[0]?.setting, 'geusemaker.spotMinSavingPercent');
      assert.match(problems[0]?.message ?? '', /^geusemaker\.spotMinSavingPercent (must be|Invalid)/);
    }
  });

  it('the CLI takes --spot-min-saving on prices and cost only, as a whole percentage up to 90', () => {
    assert.equal(parseCliArgs(['prices', '--spot-min-saving', '35']).spotMinSavingPercent, 35);
    assert.equal(parseCliArgs(['cost', 'demo', '--spot-min-saving', '0']).spotMinSavingPercent, 0);
    assert.equal(parseCliArgs(['prices']).spotMinSavingPercent, undefined);
    for (const argv of [['prices', '--spot-min-saving', '95'], ['prices', '--spot-min-saving', 'ten'], ['deploy', '--spot-min-saving', '30']]) {
      assert.throws(() => parseCliArgs(argv), (error: unknown) => error instanceof GeuseError && /spot-min-saving/.test(error.message), argv.join(' '));
    }
  });

  it('the stack recommendation says why in one sentence the plan can warn with', () => {
    assert.deepEqual(recommendForStack(0.1, 0.088, 0.2), { market: 'on-demand', why: 'on-demand recommended: spot saves only 12% (under 20%)' });
    assert.deepEqual(recommendForStack(0.1, 0.088, 0.1), { market: 'spot', why: 'spot saves 12% versus on-demand' });
    assert.deepEqual(recommendForStack(0.1, undefined, 0.2), recommendMarket(0.1, undefined, 0.2));
  });
});
