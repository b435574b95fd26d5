import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GeuseError } from '../../src/engine/errors';
import { stackConfigSchema, type StackConfigInput } from '../../src/engine/stack/config';
import { envToConfig, findConfigFile, loadStackConfig, parseConfigFile, resolveConfig } from '../../src/engine/stack/load';
import { sampleConfigYaml } from '../../src/engine/stack/sample';

/** Runs `fn`, asserts it threw a GeuseError, and returns it for further checks. */
function geuseErrorOf(fn: () => unknown): GeuseError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof GeuseError, `expected a GeuseError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected an error');
}

async function geuseErrorOfAsync(fn: () => Promise<unknown>): Promise<GeuseError> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof GeuseError, `expected a GeuseError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected an error');
}

const yamlFile = (text: string) => ({ path: 'geusemaker.yaml', text });

describe('stack config loading', () => {
  describe('precedence', () => {
    it('takes each field from the highest source that sets it: flag > env > file > default', () => {
      const config = resolveConfig({
        flags: { tier: 'gpu' },
        env: { GEUSEMAKER_TIER: 'automation', GEUSEMAKER_REGION: 'eu-west-1', GEUSEMAKER_ROOT_VOLUME_GB: '80' },
        file: yamlFile('name: from-file\ntier: dev\nregion: us-west-2\ninstanceType: m7i.large\nrootVolumeGb: 60\n'),
      });
      assert.equal(config.tier, 'gpu', 'flag beats env and file');
      assert.equal(config.region, 'eu-west-1', 'env beats file');
      assert.equal(config.rootVolumeGb, 80, 'env beats file');
      assert.equal(config.instanceType, 'm7i.large', 'file beats default');
      assert.equal(config.name, 'from-file');
      assert.equal(config.market, 'spot', 'default when nothing sets it');
    });

    it('ignores flags that are present but undefined', () => {
      const flags: Partial<StackConfigInput> = { name: 'demo', tier: undefined, region: undefined };
      const config = resolveConfig({ flags, env: {}, file: yamlFile('tier: automation\nregion: eu-west-2\n') });
      assert.equal(config.tier, 'automation');
      assert.equal(config.region, 'eu-west-2');
    });

    it('merges services per field across sources', () => {
      const config = resolveConfig({
        flags: { name: 'demo', services: { ollama: false } },
        env: {},
        file: yamlFile('services:\n  crawl4ai: false\n  qdrant: false\n'),
      });
      assert.deepEqual(config.services, { n8n: true, ollama: false, qdrant: false, crawl4ai: false, postgres: true });
    });

    it('replaces access when a higher source picks another mode', () => {
      const config = resolveConfig({
        flags: { name: 'demo' },
        env: { GEUSEMAKER_ACCESS_CIDR: '203.0.113.7/32' },
        file: yamlFile('access:\n  mode: ssm\n'),
      });
      assert.deepEqual(config.access, { mode: 'cidr', cidr: '203.0.113.7/32' });
      const back = resolveConfig({ flags: { name: 'demo', access: { mode: 'ssm' } }, env: {}, file: yamlFile('access: { mode: cidr, cidr: 203.0.113.7/32 }\n') });
      assert.deepEqual(back.access, { mode: 'ssm' });
    });

    it('ranks GEUSEMAKER_PROFILE over the file, and the file over AWS_PROFILE', () => {
      const file = yamlFile('name: demo\nprofile: from-file\n');
      assert.equal(resolveConfig({ flags: {}, env: { GEUSEMAKER_PROFILE: 'gm', AWS_PROFILE: 'aws' }, file }).profile, 'gm');
      assert.equal(resolveConfig({ flags: {}, env: { AWS_PROFILE: 'aws' }, file }).profile, 'from-file');
      assert.equal(resolveConfig({ flags: { name: 'demo' }, env: { AWS_PROFILE: 'aws' } }).profile, 'aws');
      assert.equal(resolveConfig({ flags: { name: 'demo', profile: 'flag' }, env: { GEUSEMAKER_PROFILE: 'gm' }, file }).profile, 'flag');
    });

    it('treats an empty YAML value as unset', () => {
      const config = resolveConfig({ flags: {}, env: {}, file: yamlFile('name: demo\nmonthlyBudgetUsd:\nservices:\n') });
      assert.equal(config.monthlyBudgetUsd, undefined);
      assert.equal(config.services.n8n, true);
    });
  });

  describe('environment variables', () => {
    it('maps every GEUSEMAKER_* variable', () => {
      assert.deepEqual(
        envToConfig({
          GEUSEMAKER_NAME: 'demo',
          GEUSEMAKER_TIER: 'dev',
          GEUSEMAKER_REGION: 'eu-west-1',
          GEUSEMAKER_INSTANCE_TYPE: 't3.large',
          GEUSEMAKER_MARKET: 'on-demand',
          GEUSEMAKER_ON_DEMAND_FALLBACK: 'no',
          GEUSEMAKER_ROOT_VOLUME_GB: '100',
          GEUSEMAKER_KEEP_DATA: '0',
          GEUSEMAKER_MONTHLY_BUDGET_USD: '49.5',
          GEUSEMAKER_PROFILE: 'work',
          GEUSEMAKER_ACCESS_CIDR: '203.0.113.7/32',
          GEUSEMAKER_OLLAMA_MODELS: 'llama3.2:3b, nomic-embed-text,',
        }),
        {
          name: 'demo',
          tier: 'dev',
          region: 'eu-west-1',
          instanceType: 't3.large',
          market: 'on-demand',
          onDemandFallback: false,
          rootVolumeGb: 100,
          keepDataOnDestroy: false,
          monthlyBudgetUsd: 49.5,
          profile: 'work',
          access: { mode: 'cidr', cidr: '203.0.113.7/32' },
          ollamaModels: ['llama3.2:3b', 'nomic-embed-text'],
        },
      );
    });

    it('does not read AWS_REGION, and uses AWS_PROFILE only without GEUSEMAKER_PROFILE', () => {
      assert.deepEqual(envToConfig({ AWS_REGION: 'eu-west-1', AWS_PROFILE: 'aws' }), { profile: 'aws' });
      assert.deepEqual(envToConfig({ AWS_PROFILE: 'aws', GEUSEMAKER_PROFILE: 'gm' }), { profile: 'gm' });
      assert.deepEqual(envToConfig({ GEUSEMAKER_REGION: '' }), {});
    });

    it('names the variable holding a bad value', () => {
      const error = geuseErrorOf(() => envToConfig({ GEUSEMAKER_ROOT_VOLUME_GB: 'abc' }));
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.equal(error.kind, 'invalid-input');
      assert.equal(error.message, 'GEUSEMAKER_ROOT_VOLUME_GB must be a whole number, got "abc"');

      const bool = geuseErrorOf(() => resolveConfig({ flags: { name: 'demo' }, env: { GEUSEMAKER_ON_DEMAND_FALLBACK: 'maybe' } }));
      assert.equal(bool.code, 'CONFIG_INVALID');
      assert.match(bool.message, /GEUSEMAKER_ON_DEMAND_FALLBACK/);
      assert.match(bool.message, /"maybe"/);

      const tier = geuseErrorOf(() => envToConfig({ GEUSEMAKER_TIER: 'mega', GEUSEMAKER_MONTHLY_BUDGET_USD: 'lots' }));
      assert.match(tier.message, /GEUSEMAKER_TIER: must be one of dev, automation, gpu/);
      assert.match(tier.message, /GEUSEMAKER_MONTHLY_BUDGET_USD/);
    });
  });

  describe('validation messages', () => {
    it('names an unknown key and suggests the close one', () => {
      const error = geuseErrorOf(() => resolveConfig({ flags: {}, env: {}, file: yamlFile('name: demo\ninstanceTyp: t3.large\n') }));
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.equal(error.kind, 'invalid-input');
      assert.match(error.message, /instanceTyp: unknown setting; did you mean instanceType\?/);
      assert.match(error.message, /geusemaker\.yaml line 2/);
      assert.match(error.nextStep, /geusemaker init/);
    });

    it('suggests nested keys and lists allowed keys when nothing is close', () => {
      const error = geuseErrorOf(() => resolveConfig({ flags: {}, env: {}, file: yamlFile('name: demo\nservices:\n  olama: false\n  zzzzzz: true\n') }));
      assert.match(error.message, /services\.olama: unknown setting; did you mean ollama\?/);
      assert.match(error.message, /services\.zzzzzz: unknown setting; allowed here: n8n, ollama, qdrant, crawl4ai, postgres/);
    });

    it('names `name` for an invalid stack name and says it came from the flag', () => {
      const error = geuseErrorOf(() => resolveConfig({ flags: { name: 'Bad_Name' }, env: {} }));
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.match(error.message, /^ {2}- name: .*lowercase/m);
      assert.match(error.message, /got "Bad_Name"/);
      assert.match(error.message, /from the stack name argument/);
    });

    it('names tier for an unknown tier', () => {
      const error = geuseErrorOf(() => resolveConfig({ flags: {}, env: {}, file: yamlFile('name: demo\ntier: mega\n') }));
      assert.match(error.message, /- tier: must be one of dev, automation, gpu \(got "mega"; from geusemaker\.yaml line 2\)/);
    });

    it('names region for an unknown region', () => {
      const error = geuseErrorOf(() => resolveConfig({ flags: { name: 'demo', region: 'mars-east-1' as 'us-east-1' }, env: {} }));
      assert.match(error.message, /- region: .*(got "mars-east-1"; from --region)/);
    });

    it('lists every issue at once', () => {
      const error = geuseErrorOf(() => resolveConfig({ flags: {}, env: {}, file: yamlFile('tier: mega\nrootVolumeGb: 10\n') }));
      assert.match(error.message, /- name: is required/);
      assert.match(error.message, /- tier: /);
      assert.match(error.message, /- rootVolumeGb: must be at least 30/);
    });
  });

  describe('config files', () => {
    it('reports malformed YAML with file and line', () => {
      const error = geuseErrorOf(() => parseConfigFile('geusemaker.yaml', 'name: demo\nservices:\n  n8n: true\n ollama: false\n'));
      assert.equal(error.code, 'CONFIG_MALFORMED');
      assert.equal(error.kind, 'invalid-input');
      assert.match(error.message, /geusemaker\.yaml:4:1: All mapping items must start at the same column/);
      assert.match(error.nextStep, /line 4, column 1/);

      const duplicate = geuseErrorOf(() => resolveConfig({ flags: {}, env: {}, file: yamlFile('name: demo\nname: other\n') }));
      assert.equal(duplicate.code, 'CONFIG_MALFORMED');
      assert.match(duplicate.message, /geusemaker\.yaml:2:1: Map keys must be unique/);
    });

    it('reports malformed JSON with its position', () => {
      const error = geuseErrorOf(() => parseConfigFile('geusemaker.json', '{\n  "name": "demo",,\n}'));
      assert.equal(error.code, 'CONFIG_MALFORMED');
      assert.match(error.message, /geusemaker\.json:2:\d+: /);
    });

    it('requires a mapping at the top level, but accepts an empty file', () => {
      assert.equal(geuseErrorOf(() => parseConfigFile('geusemaker.yaml', '- name: demo\n')).code, 'CONFIG_MALFORMED');
      assert.equal(geuseErrorOf(() => parseConfigFile('geusemaker.json', '"demo"')).code, 'CONFIG_MALFORMED');
      assert.deepEqual(parseConfigFile('geusemaker.yaml', '# nothing yet\n'), {});
    });

    it('parses JSON files', () => {
      assert.deepEqual(parseConfigFile('x.json', '{"name": "demo", "services": {"ollama": false}}'), { name: 'demo', services: { ollama: false } });
    });

    it('finds geusemaker.yaml, .yml, then .json', () => {
      const dir = mkdtempSync(join(tmpdir(), 'gm-config-'));
      try {
        assert.equal(findConfigFile(dir), undefined);
        writeFileSync(join(dir, 'geusemaker.json'), '{}');
        assert.equal(findConfigFile(dir), join(dir, 'geusemaker.json'));
        writeFileSync(join(dir, 'geusemaker.yml'), '');
        assert.equal(findConfigFile(dir), join(dir, 'geusemaker.yml'));
        writeFileSync(join(dir, 'geusemaker.yaml'), '');
        assert.equal(findConfigFile(dir), join(dir, 'geusemaker.yaml'));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('loads the found file, an explicit path, and refuses a missing explicit path', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'gm-config-'));
      try {
        const none = await loadStackConfig({ cwd: dir, flags: { name: 'demo' }, env: {} });
        assert.equal(none.configPath, undefined);
        assert.equal(none.config.tier, 'dev');

        writeFileSync(join(dir, 'geusemaker.yaml'), 'name: found\n');
        const found = await loadStackConfig({ cwd: dir, flags: {}, env: {} });
        assert.equal(found.config.name, 'found');
        assert.equal(found.configPath, join(dir, 'geusemaker.yaml'));

        mkdirSync(join(dir, 'sub'));
        writeFileSync(join(dir, 'sub', 'other.json'), '{"name": "explicit"}');
        const explicit = await loadStackConfig({ cwd: dir, configPath: 'sub/other.json', flags: {}, env: {} });
        assert.equal(explicit.config.name, 'explicit');
        assert.equal(explicit.configPath, join(dir, 'sub', 'other.json'));

        const missing = await geuseErrorOfAsync(() => loadStackConfig({ cwd: dir, configPath: 'nope.yaml', flags: {}, env: {} }));
        assert.equal(missing.code, 'CONFIG_NOT_FOUND');
        assert.equal(missing.kind, 'invalid-input');
        assert.match(missing.message, /nope\.yaml/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('sample geusemaker.yaml', () => {
    it('round-trips to the defaults', () => {
      const config = resolveConfig({ flags: {}, env: {}, file: yamlFile(sampleConfigYaml()) });
      assert.deepEqual(config, stackConfigSchema.parse({ name: 'demo' }));
    });

    it('uses the given name, quoted so a numeric name stays a string', () => {
      assert.equal(resolveConfig({ flags: {}, env: {}, file: yamlFile(sampleConfigYaml('2024')) }).name, '2024');
    });

    it('mentions every setting of the schema', () => {
      const sample = sampleConfigYaml();
      for (const key of Object.keys(stackConfigSchema.shape)) {
        assert.match(sample, new RegExp(`^(# )?${key}:`, 'm'), `sample is missing ${key}`);
      }
    });
  });
});
