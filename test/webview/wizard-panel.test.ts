import assert from 'node:assert/strict';
import { join } from 'node:path';
import { OLLAMA_MODELS } from '../../src/engine/stack/models';
import { AWS_REGIONS } from '../../src/engine/stack/regions';
import { draftSchema, wizardPanelStateSchema, wizardToHostSchema, type HostToWizard, type WizardProgress, type WizardRequest } from '../../src/protocol/wizard';
import { defaultDraft, draftFromFile, draftInput, placementChoices, vpcChoices } from '../../src/vscode/wizard/draft';
import { draftToConfig, stepErrors, tierChoices } from '../../src/vscode/wizard/model';
import { tierEstimates } from '../../src/vscode/wizard/estimates';
import { ON_DEMAND_USD_PER_HOUR } from '../../src/engine/cost/fallback-prices';
import { reviewOf } from '../../src/vscode/wizard/review';
import { estimateMonthly } from '../../src/engine/cost/estimate';
import { startHarness, type Harness, type PanelPage } from './harness';
import { PLACEMENTS, samplePlan, sampleProgress, VPCS } from './wizard-fixtures';
import { screenshotDir } from '../harness/screenshots';

const INIT: HostToWizard = {
  type: 'init', draft: defaultDraft({ tier: 'dev', region: 'us-east-1', instanceType: 't3.xlarge', market: 'spot' }),
  tiers: tierChoices(), profiles: ['default', 'work-sso'], regions: [...AWS_REGIONS], models: OLLAMA_MODELS.map((m) => ({ ...m })), canSave: true,
};

/** A geusemaker.yaml as parsed: two settings the wizard has steps for, one it does not, one it cannot hold. */
const FILE = { name: 'from-file', instanceType: 'm7i.xlarge', rootVolumeGb: 100, market: 7 };

/**
 * Plays the extension: answers the panel's requests with the real wizard model (validateStep, reviewOf) and
 * fixtures for AWS, and records every request. `progress` decides what a deploy sends.
 */
const hosts: { stop(): Promise<void> }[] = [];

/** The identity moto's default credentials have. */
const ARN = 'arn:aws:iam::123456789012:user/dev';

function fakeHost(panel: PanelPage, options: { deploy?: (name: string) => WizardProgress[]; identity?: (profile: string | undefined) => HostToWizard } = {}) {
  const requests: WizardRequest[] = [];
  let seen = 0;
  let stopped = false;
  // A page that closes (or a failed test) ends the loop, so mocha is never kept waiting.
  panel.page.once('close', () => (stopped = true));
  const answer = async (request: WizardRequest): Promise<void> => {
    const send = (message: HostToWizard) => panel.send(message);
    switch (request.type) {
      case 'check': {
        const errors = stepErrors(request.step, draftInput(request.draft), { existingNames: new Set(['taken']), networks: VPCS });
        await send({ type: 'checked', id: request.id, errors });
        break;
      }
      case 'discover':
        await send({ type: 'networks', region: request.region, vpcs: vpcChoices(VPCS) });
        break;
      case 'instanceTypes':
        await send({ type: 'instanceTypes', region: request.region, tier: request.tier, types: placementChoices(PLACEMENTS) });
        break;
      case 'plan': {
        // As the real host: the plan with the cost engine's estimate (here at the bundled t3.xlarge price).
        const plan = samplePlan(request.draft.name, request.draft.scale);
        await send({ type: 'plan', review: reviewOf(plan, estimateMonthly(plan.config, { usdPerHour: 0.1664, source: { kind: 'estimated', reason: 'bundled' } })) });
        break;
      }
      case 'loadFile': {
        // As the real host: the file's settings through draftFromFile, the ones without a step kept aside.
        const loaded = draftFromFile(FILE, INIT.type === 'init' ? INIT.draft : defaultDraft({ tier: 'dev', region: 'us-east-1', instanceType: 't3.xlarge', market: 'spot' }), (c) => draftSchema.safeParse(c));
        await send({ type: 'draft', draft: loaded.draft, source: 'geusemaker.yaml', extras: loaded.notes });
        break;
      }
      case 'deploy':
        for (const progress of options.deploy?.(request.draft.name) ?? []) await send({ type: 'progress', progress });
        break;
      case 'identity':
        await send(options.identity?.(request.profile) ?? { type: 'identity', region: request.region, ...(request.profile ? { profile: request.profile } : {}), account: '123456789012', arn: ARN });
        break;
      case 'fix':
        // As the real host after Choose AWS Profile: the chosen profile becomes the wizard's, and is checked again.
        if (request.fix === 'Choose AWS Profile') await send({ type: 'account', profiles: ['default', 'work-sso'], profile: 'work-sso', chosen: true });
        break;
      case 'estimates':
        // As the real host: the engine's estimate of each tier's draft, here at bundled on-demand prices (the review's too).
        await send(await tierEstimates(request.id, request.draft, {}, 't3.xlarge', async (config) => estimateMonthly(config, { usdPerHour: ON_DEMAND_USD_PER_HOUR[config.instanceType] ?? 0, source: { kind: 'estimated', reason: 'bundled' } })));
        break;
      case 'another':
        await send(INIT);
        break;
      default:
        break;
    }
    await send({ type: 'response', id: request.id });
  };
  const loop = (async () => {
    while (!stopped) {
      const posted = await panel.posted().catch(() => []);
      for (const message of posted.slice(seen)) {
        const parsed = wizardToHostSchema.safeParse(message);
        assert.ok(parsed.success, `posted message matches the protocol: ${JSON.stringify(message)}`);
        if ('id' in parsed.data) {
          requests.push(parsed.data);
          await answer(parsed.data);
        }
      }
      seen = posted.length;
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  })();
  const host = { requests, stop: async () => { stopped = true; await loop; } };
  hosts.push(host);
  return host;
}

const key = (k: string) => `[data-key="${k}"]`;

describe('deploy wizard bundle in headless Chromium (harness host)', function () {
  this.timeout(90_000);
  let harness: Harness;

  before(async () => {
    harness = await startHarness();
  });
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((host) => host.stop()));
  });
  after(async () => harness?.close());

  it('walks all six steps with the host\'s checks; invalid input shows the inline error and blocks Next; the review renders the host\'s plan; Deploy turns into live progress', async () => {
    const panel = await harness.open('wizard', { theme: 'dark' });
    const { page } = panel;
    const host = fakeHost(panel, { deploy: (name) => [sampleProgress(name), sampleProgress(name, 'done')].map((p, i) => (i === 1 ? { ...p, rows: p.rows.map((r) => ({ ...r, state: 'done' as const, detail: 'created' })), services: [{ name: 'n8n', displayName: 'n8n', canOpen: true }, { name: 'postgres', displayName: 'PostgreSQL', canOpen: false }] } : p)) });
    await panel.send(INIT);
    const next = page.locator(key('next'));
    const nameInput = page.locator(`vscode-textfield${key('name')} input`);

    // Nothing is judged before input: the host's verdict on the empty name came before the estimates (answered in
    // order), and no error shows; Next stays enabled. The tier figures are the cost engine's, the review's too.
    await page.locator(key('tier:dev'), { hasText: 'dev — about $137/month (estimated)' }).waitFor();
    assert.ok(host.requests.some((r) => r.type === 'check'), 'the step was checked');
    assert.equal(await page.locator('[data-error-for="name"]').textContent(), '');
    assert.equal(await page.locator('main').evaluate((m) => /must|Enter a name/.test(m.textContent ?? '')), false, 'no error before input');
    assert.equal(await next.evaluate((b) => b.hasAttribute('disabled')), false);
    assert.match((await page.locator(key('tier:gpu')).textContent()) ?? '', /gpu — about \$\d+\/month \(estimated\)/);
    await page.locator('.stack-estimate', { hasText: 'This stack: about $137/month (estimated)' }).waitFor();
    // Leaving the empty field asks for a name, in words about it (one message, not the schema's two).
    await nameInput.focus();
    await page.keyboard.press('Tab');
    await page.locator('[data-error-for="name"] span', { hasText: 'Enter a name for the stack.' }).waitFor();
    assert.equal(await page.locator('[data-error-for="name"] span').count(), 1);

    // Step 1: an invalid name is refused inline, Next stays blocked; a taken name too; then a good one.
    await nameInput.fill('Bad_Name');
    await page.locator('[data-error-for="name"] span', { hasText: /^The stack name may contain only lowercase letters/ }).waitFor();
    assert.equal(await next.evaluate((b) => b.hasAttribute('disabled')), true, 'Next is disabled while the step has errors');
    await next.click({ force: true });
    assert.match((await page.locator('.step-title').textContent()) ?? '', /Step 1 of 6/, 'Next did not advance');
    await nameInput.fill('taken');
    await page.locator('[data-error-for="name"] span', { hasText: /already exists/ }).waitFor();
    await nameInput.fill('demo');
    await page.locator('[data-error-for="name"]:empty').waitFor({ state: 'attached' });
    // The gpu tier needs a GPU type: choosing it picks one; back on dev, the settings' default type returns.
    await page.locator(key('tier:gpu')).click();
    await page.locator(key('tier:dev')).click();
    await page.locator('[data-error-for="tier"]:empty').waitFor({ state: 'attached' });
    await next.click();

    // Step 2: the account AWS says the credentials are; existing network → discovered VPCs, nothing judged before
    // a pick; Next asks for a VPC; a private-only VPC is refused inline.
    await page.locator('.step-title', { hasText: 'Step 2 of 6' }).waitFor();
    await page.locator('.identity.verified', { hasText: `Account 123456789012 · ${ARN}` }).waitFor();
    await page.locator(key('network-mode:existing')).click();
    await page.locator(key('vpc:vpc-0a1b2c3d')).waitFor();
    assert.equal(await page.locator('.step').evaluate((m) => /subnetIds|vpcId|must look like/.test(m.textContent ?? '')), false, 'no schema words before a pick');
    await next.click();
    await page.locator('[data-error-for="network.vpcId"] span', { hasText: 'Choose a VPC.' }).waitFor();
    await page.locator(key('vpc:vpc-0a1b2c3d')).click();
    await page.locator('[data-error-for="network.subnetIds"] span, [data-error-for="network.vpcId"] span, [data-error-for="network"] span').first().waitFor();
    await page.locator(key('vpc:vpc-0def4017')).click();
    await page.locator(key('subnet:subnet-0a1')).waitFor();
    assert.match((await page.locator('.subnets .hint').textContent()) ?? '', /cover 2 availability zones.*need two AZs/);
    await page.locator('[data-error-for="network.subnetIds"]:empty').waitFor({ state: 'attached' });
    await next.click();

    // Step 3: the cost engine's ranking with sizes, prices and their sources, the cheapest spot AZ and the advice.
    await page.locator('.step-title', { hasText: 'Step 3 of 6' }).waitFor();
    await page.locator(key('instanceType:t4g.xlarge')).waitFor();
    assert.deepEqual((await page.locator('vscode-radio[data-key^="instanceType:"]').evaluateAll((radios) => radios.map((r) => r.getAttribute('data-key')))),
      ['instanceType:t3.xlarge', 'instanceType:t3.large', 'instanceType:m7i.xlarge', 'instanceType:t4g.xlarge'], 'cheapest first, as the engine ranked them');
    assert.match((await page.locator(key('instanceType:t3.xlarge')).textContent()) ?? '', /4 vCPU · 16 GiB memory · on-demand \$0\.166\/h \(live\) · spot \$0\.050\/h in us-east-1b \(live\) · spot saves 70%/);
    assert.match((await page.locator(key('instanceType:t3.large')).textContent()) ?? '', /on-demand \$0\.083\/h \(cached 12 min ago\)/);
    assert.match((await page.locator(key('instanceType:t4g.xlarge')).textContent()) ?? '', /on-demand price unknown/);
    await page.locator('.hint', { hasText: 'Some prices are estimated from us-east-1 list price from the bundled table (AccessDeniedException).' }).waitFor();
    await page.locator('.recommendation', { hasText: 'Recommended for t3.xlarge: Spot — spot saves 70% versus on-demand.' }).waitFor();
    await page.locator(key('instanceType:m7i.xlarge')).click();
    await page.locator('.recommendation[data-market="on-demand"]', { hasText: /Recommended for m7i\.xlarge: On-demand — spot saves only 10% \(under 20%\)/ }).waitFor();
    await next.click();

    // Step 4: services and models with download sizes; n8n without PostgreSQL is refused.
    await page.locator('.step-title', { hasText: 'Step 4 of 6' }).waitFor();
    await page.locator(key('service:postgres')).click();
    await page.locator('[data-error-for="services"] span', { hasText: /PostgreSQL/ }).waitFor();
    await page.locator(key('service:postgres')).click();
    await page.locator('[data-error-for="services"]:empty').waitFor({ state: 'attached' });
    await page.locator(key('model:nomic-embed-text')).click();
    await page.locator('.hint', { hasText: 'Downloads 2.3 GB' }).waitFor();
    await next.click();

    // Step 5: my IP only; a too-wide range is refused inline, from the keyboard too.
    await page.locator('.step-title', { hasText: 'Step 5 of 6' }).waitFor();
    assert.equal(await page.locator(key('access:alb')).evaluate((r) => r.hasAttribute('disabled')), true, 'no load balancer on the dev tier');
    assert.match((await page.locator(key('access:cloudfront')).textContent()) ?? '', /Needs the automation or gpu tier/);
    await page.locator(key('access:cidr')).click();
    const cidr = page.locator(`vscode-textfield${key('cidr')} input`);
    await cidr.fill('0.0.0.0/0');
    await cidr.blur();
    await page.locator('[data-error-for="access.cidr"] span', { hasText: /too wide/ }).waitFor();
    assert.equal(await next.evaluate((b) => b.hasAttribute('disabled')), true);
    await cidr.fill('203.0.113.7/32');
    await page.locator('[data-error-for="access.cidr"]:empty').waitFor({ state: 'attached' });
    // The group's notices by email: the field is there, explained, and optional.
    await page.locator('h3', { hasText: 'When AWS replaces the instance' }).waitFor();
    const email = page.locator(`vscode-textfield${key('notifyEmail')} input`);
    assert.equal(await email.inputValue(), '');
    assert.match((await page.locator('.hint', { hasText: 'taken back with two minutes' }).textContent()) ?? '', /Auto Scaling group then launches a replacement on the same data/);
    await next.focus();
    await page.keyboard.press('Enter');

    // Step 6: the plan the host sent, with the estimate and warnings.
    await page.locator('.step-title', { hasText: 'Step 6 of 6' }).waitFor();
    await page.locator('table.plan tbody tr').nth(7).waitFor();
    assert.deepEqual(await page.locator('table.plan td.action').allTextContents(), ['Create', 'Create', 'Create', 'Create', 'Reuse', 'Keep', 'Create', 'Create']);
    assert.equal(await page.locator('.counts').textContent(), '6 to create, 1 to reuse, 1 to keep.');
    // The same figure as step 1's and every step's: one estimate.
    assert.match((await page.locator('table.estimate tfoot').textContent()) ?? '', /Total \(estimated\)\$137\/month/);
    assert.match((await page.locator('.banner.warning').textContent()) ?? '', /No default VPC/);
    await page.locator(key('save')).click();
    await page.locator('.notice', { hasText: 'Saved geusemaker.yaml' }).waitFor();
    await page.locator(key('deploy')).click();

    // Deploying: progress rows, then the services with Open; the finished page says it is a record, and goes on.
    await page.locator('h1', { hasText: 'Stack demo is deployed' }).waitFor();
    assert.equal(await page.locator('table.progress tbody tr').count(), 4);
    assert.equal(await page.locator('.elapsed').textContent(), '3 min 25 s');
    assert.match((await page.locator('.record').textContent()) ?? '', /^This is a record of the deploy at .*2025.*\. The Stacks view shows the stack as it is now\.$/);
    assert.deepEqual(await page.locator('.actions vscode-button').allTextContents(), ['Show in Stacks', 'Deploy Another', 'Close']);
    await page.locator('.service-list ' + key('open:n8n')).click();
    await page.locator(key('showInStacks')).click();
    for (let i = 0; i < 100 && !host.requests.some((r) => r.type === 'showInStacks'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const state = wizardPanelStateSchema.safeParse(await panel.state());
    assert.ok(state.success, 'setState got a valid panel state');
    // Deploy Another: a fresh wizard, the name empty and nothing judged yet.
    await page.locator(key('another')).click();
    await page.locator('.step-title', { hasText: 'Step 1 of 6' }).waitFor();
    assert.equal(await nameInput.inputValue(), '');
    assert.equal(await page.locator('[data-error-for="name"]').textContent(), '');
    await host.stop();

    const types = host.requests.map((r) => r.type);
    for (const type of ['check', 'discover', 'instanceTypes', 'plan', 'save', 'deploy', 'open', 'identity', 'estimates', 'showInStacks', 'another']) assert.ok(types.includes(type as WizardRequest['type']), `sent ${type}`);
    const deploy = host.requests.find((r) => r.type === 'deploy');
    assert.deepEqual(deploy?.type === 'deploy' ? deploy.draft : undefined, {
      name: 'demo', tier: 'dev', region: 'us-east-1', network: { mode: 'existing', vpcId: 'vpc-0def4017', subnetIds: ['subnet-0a1', 'subnet-0b1'] },
      instanceType: 'm7i.xlarge', market: 'spot', onDemandFallback: true, services: { n8n: true, ollama: true, qdrant: true, crawl4ai: true, postgres: true },
      ollamaModels: ['llama3.2:3b', 'nomic-embed-text'], access: { mode: 'cidr', cidr: '203.0.113.7/32' },
    });
    const open = host.requests.find((r) => r.type === 'open');
    assert.deepEqual(open, { type: 'open', id: open?.id, service: 'n8n' });
    assert.deepEqual(await panel.violations(), [], 'no Content Security Policy violations');
    assert.deepEqual(panel.console, []);
    await page.close();
  });

  it('Scale out: off by default; ticked on Services it adds a step judged with the config schema\'s messages, and the review and the deploy carry it', async () => {
    const panel = await harness.open('wizard', { theme: 'dark' });
    const { page } = panel;
    const host = fakeHost(panel);
    await panel.send(INIT);
    const next = page.locator(key('next'));
    const field = (k: string) => page.locator(`vscode-textfield${key(k)} input`);
    const error = (path: string) => page.locator(`[data-error-for="${path}"] span`);
    await field('name').fill('demo');
    for (let step = 2; step <= 4; step++) {
      await page.locator('[data-error-for="*"]:empty').waitFor({ state: 'attached' });
      await page.locator(`${key('next')}:not([disabled])`).click();
      await page.locator('.step-title', { hasText: `Step ${step} of 6` }).waitFor();
    }

    // Services: scale-out is off; ticking it adds the Scale out step after this one.
    assert.equal(await page.locator(key('scale')).evaluate((c) => (c as unknown as { checked: boolean }).checked), false, 'off by default');
    await page.locator(key('scale')).click();
    await page.locator('.step-title', { hasText: 'Step 4 of 7: Services' }).waitFor();
    assert.deepEqual(await page.locator('ol.steps li').allTextContents(), ['Name and tier', 'Account and network', 'Instance', 'Services', 'Scale out', 'Access', 'Review']);
    await page.locator(`${key('next')}:not([disabled])`).click();
    await page.locator('.step-title', { hasText: 'Step 5 of 7: Scale out' }).waitFor();

    // The config schema's defaults, then its own messages for what it refuses, inline; Next blocked meanwhile.
    assert.deepEqual([await field('n8n-min').inputValue(), await field('n8n-max').inputValue(), await field('n8n-types').inputValue(), await field('n8n-target-cpu').inputValue()],
      ['1', '4', 'c7i.large, c6i.large, m7i.large', '60']);
    assert.equal(await page.locator(key('database:rds')).evaluate((r) => (r as unknown as { checked: boolean }).checked), true, 'RDS is the default');
    await field('n8n-min').fill('0');
    await field('n8n-min').blur();
    await error('scale.n8nWorkers.min').filter({ hasText: 'The fewest n8n workers must be at least 1: target tracking scales on what running workers report, so it cannot start a pool from 0 (pause stops every pool).' }).waitFor();
    assert.equal(await next.evaluate((b) => b.hasAttribute('disabled')), true, 'Next is disabled while the step has errors');
    await field('n8n-min').fill('5');
    await error('scale.n8nWorkers.min').filter({ hasText: 'The fewest n8n workers is 5, above max 4: a pool runs between min and max workers.' }).waitFor();
    await field('n8n-max').fill('lots');
    await field('n8n-max').blur();
    await error('scale.n8nWorkers.max').filter({ hasText: 'The most n8n workers must be a whole number.' }).waitFor();
    await field('n8n-max').fill('6');
    await field('n8n-min').fill('2');
    await page.locator('[data-error-for="scale.n8nWorkers.min"]:empty').waitFor({ state: 'attached' });
    await page.locator('[data-error-for="scale.n8nWorkers.max"]:empty').waitFor({ state: 'attached' });
    await field('n8n-types').fill('c7i.large, C7I LARGE');
    await field('n8n-types').blur();
    await error('scale.n8nWorkers.instanceTypes').filter({ hasText: 'The n8n worker types must look like an EC2 instance type such as c7i.large (not C7I, LARGE).' }).waitFor();
    await field('n8n-types').fill('c7i.large, c6i.large, m7i.large');
    await page.locator('[data-error-for="scale.n8nWorkers.instanceTypes"]:empty').waitFor({ state: 'attached' });
    // Scaling on waiting executions swaps the target; Ollama workers and the instance's PostgreSQL.
    await page.locator(key('n8n-scale-on:queue')).click();
    assert.equal(await field('n8n-target-waiting').inputValue(), '10');
    assert.equal(await page.locator(key('n8n-target-cpu')).count(), 0);
    await page.locator(key('ollama-workers')).click();
    assert.equal(await field('ollama-types').inputValue(), 'g4dn.xlarge, g5.xlarge');
    await page.locator(key('database:instance')).click();
    await page.locator('[data-error-for="*"]:empty').waitFor({ state: 'attached' });
    await page.locator(`${key('next')}:not([disabled])`).click();
    await page.locator('.step-title', { hasText: 'Step 6 of 7: Access' }).waitFor();
    await page.locator(key('back')).click();
    await page.locator('.step-title', { hasText: 'Step 5 of 7: Scale out' }).waitFor();
    assert.equal(await field('n8n-min').inputValue(), '2', 'Back keeps what was typed');
    await page.locator(`${key('next')}:not([disabled])`).click();
    await page.locator('.step-title', { hasText: 'Step 6 of 7: Access' }).waitFor();
    await page.locator(`${key('next')}:not([disabled])`).click();

    // The review: the scale section in words, the month at every pool's min and max; Deploy sends the scale section.
    await page.locator('.step-title', { hasText: 'Step 7 of 7: Review' }).waitFor();
    await page.locator('.scale-lines li').nth(3).waitFor();
    assert.deepEqual(await page.locator('.scale-lines li').allTextContents(), [
      'n8n in queue mode: workers 2 to 6 on c7i.large, c6i.large, m7i.large (spot), scaling on 10 waiting executions per worker.',
      'Ollama workers 1 to 2 on g4dn.xlarge, g5.xlarge (spot) behind an internal load balancer, scaling on 30 requests per worker per minute.',
      "PostgreSQL stays on the stack's instance; workers reach it at the instance's current address.",
      'Queue on ElastiCache (Valkey): cache.t4g.small, encrypted in transit and at rest, with an auth token.',
    ]);
    assert.match((await page.locator('.pool-range').textContent()) ?? '', /^With every worker pool at its min: \$\d+\/month; at its max: \$\d+\/month\.$/);
    await page.locator(key('deploy')).click();
    for (let i = 0; i < 100 && !host.requests.some((r) => r.type === 'deploy'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    await host.stop();
    const deploy = host.requests.find((r) => r.type === 'deploy');
    assert.ok(deploy?.type === 'deploy');
    const config = draftToConfig(draftInput(deploy.draft), { existingNames: new Set() });
    assert.ok('config' in config, JSON.stringify(config));
    assert.deepEqual(config.config.scale, {
      n8nWorkers: { min: 2, max: 6, instanceTypes: ['c7i.large', 'c6i.large', 'm7i.large'], market: 'spot', scaleOn: 'queue', targetCpuPercent: 60, targetWaitingPerWorker: 10 },
      ollamaWorkers: { min: 1, max: 2, instanceTypes: ['g4dn.xlarge', 'g5.xlarge'], market: 'spot', targetRequestsPerWorker: 30 },
      database: 'instance', queue: 'elasticache', databaseClass: 'db.t4g.medium', databaseStorageGb: 20, cacheNodeType: 'cache.t4g.small',
    });
    assert.ok(host.requests.some((r) => r.type === 'check' && r.step === 'scale'), 'the host checked the scale step');
    assert.deepEqual(await panel.violations(), [], 'no Content Security Policy violations');
    assert.deepEqual(panel.console, []);
    await page.close();
  });

  it('a cancelled deploy offers Resume Deploy and Delete What Was Created; a failure shows the classified message and next step; a reload restores the live view', async () => {
    const draft = { ...INIT.type === 'init' ? INIT.draft : defaultDraft({ tier: 'dev', region: 'us-east-1', instanceType: 't3.xlarge', market: 'spot' }), name: 'demo' };
    const panel = await harness.open('wizard', { theme: 'light', state: { version: 1, step: 'review', draft, progress: sampleProgress('demo') } });
    const { page } = panel;
    const host = fakeHost(panel);
    // Restored from getState before the host says anything: the live view with Cancel.
    await page.locator(key('cancel')).click();
    await panel.send(INIT);
    await panel.send({ type: 'progress', progress: { ...sampleProgress('demo'), phase: 'cancelled', endedAt: '2025-06-01T12:01:05.000Z' } });
    await page.locator('h1', { hasText: 'was cancelled' }).waitFor();
    await page.locator(key('resume')).click();
    assert.equal((await page.locator(key('deleteCreated')).textContent())?.trim(), 'Delete What Was Created…');
    await page.locator(key('deleteCreated')).click();
    await panel.send({ type: 'progress', progress: { ...sampleProgress('demo', 'failed'), error: { message: 'Spot capacity is not available for t3.xlarge in us-east-1a.', nextStep: 'Choose on-demand or another instance type, then deploy again.' } } });
    await page.locator('.banner.error .next-step', { hasText: 'Next step: Choose on-demand' }).waitFor();
    assert.equal(await page.locator('.banner.error .error-message').textContent(), 'Spot capacity is not available for t3.xlarge in us-east-1a.');
    assert.equal(await page.locator('table.progress tr[data-state="waiting"] .detail').textContent(), 'waiting for EFS mount target in us-east-1b…');
    await host.stop();
    assert.deepEqual(host.requests.map((r) => r.type), ['cancel', 'deploy', 'deleteCreated']);
    await page.close();
  });

  it('tiers with a load balancer: automation offers the load balancer (optionally for one address) or CloudFront; gpu always has CloudFront and a GPU type', async () => {
    const panel = await harness.open('wizard', { theme: 'dark' });
    const { page } = panel;
    const host = fakeHost(panel);
    await panel.send(INIT);
    const next = page.locator(key('next'));
    await page.locator(`vscode-textfield${key('name')} input`).fill('lab');
    await page.locator(key('tier:automation')).click();
    for (let step = 2; step <= 5; step++) {
      await page.locator('[data-error-for="*"]:empty').waitFor({ state: 'attached' });
      await page.locator(`${key('next')}:not([disabled])`).waitFor();
      await next.click();
      await page.locator('.step-title', { hasText: `Step ${step} of 6` }).waitFor();
    }
    const checked = (choice: string) => page.locator(key(`access:${choice}`)).evaluate((r) => (r as unknown as { checked: boolean }).checked);
    const disabled = (choice: string) => page.locator(key(`access:${choice}`)).evaluate((r) => r.hasAttribute('disabled'));
    assert.equal(await checked('alb'), true, 'the automation tier starts on its load balancer');
    assert.deepEqual([await disabled('ssm'), await disabled('cidr')], [true, true]);
    assert.match((await page.locator(key('access:ssm')).textContent()) ?? '', /reached through its load balancer/);
    const cidr = page.locator(`vscode-textfield${key('cidr')} input`);
    await cidr.fill('0.0.0.0/0');
    await cidr.blur();
    await page.locator('[data-error-for="access.cidr"] span', { hasText: /too wide/ }).waitFor();
    await cidr.fill('203.0.113.7/32');
    await page.locator('[data-error-for="access.cidr"]:empty').waitFor({ state: 'attached' });
    await page.locator(key('access:cloudfront')).click();
    assert.equal(await page.locator(key('cidr')).count(), 0, 'CloudFront takes no address range');
    await page.locator('[data-error-for="*"]:empty').waitFor({ state: 'attached' });
    await next.click();
    await page.locator('.step-title', { hasText: 'Step 6 of 6' }).waitFor();
    await page.locator(key('deploy')).click();
    for (let i = 0; i < 100 && !host.requests.some((r) => r.type === 'deploy'); i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const deploy = host.requests.find((r) => r.type === 'deploy');
    assert.ok(deploy?.type === 'deploy');
    assert.deepEqual([deploy.draft.tier, deploy.draft.access, deploy.draft.cloudFront], ['automation', { mode: 'load-balancer' }, true]);

    // gpu: CloudFront only, and a GPU instance type instead of t3.xlarge.
    await panel.send({ type: 'progress', progress: { ...sampleProgress('lab', 'done'), operation: 'delete-created' } });
    await page.locator(key('restart')).click();
    await page.locator(key('tier:gpu')).click();
    for (let step = 2; step <= 5; step++) {
      await page.locator('[data-error-for="*"]:empty').waitFor({ state: 'attached' });
      await page.locator(`${key('next')}:not([disabled])`).waitFor();
      await next.click();
      await page.locator('.step-title', { hasText: `Step ${step} of 6` }).waitFor();
    }
    assert.equal(await checked('cloudfront'), true);
    assert.deepEqual([await disabled('ssm'), await disabled('cidr'), await disabled('alb')], [true, true, true]);
    const state = wizardPanelStateSchema.parse(await panel.state());
    assert.deepEqual([state.draft.tier, state.draft.instanceType, state.draft.access, state.draft.cloudFront], ['gpu', 'g4dn.xlarge', { mode: 'load-balancer' }, undefined]);
    await host.stop();
    await page.close();
  });

  it('starts from the workspace\'s geusemaker.yaml: the steps show its settings, the others are listed as kept, a value it cannot hold is named', async () => {
    const panel = await harness.open('wizard', { theme: 'dark' });
    const { page } = panel;
    const host = fakeHost(panel);
    await panel.send({ ...INIT, configFile: 'geusemaker.yaml' } as HostToWizard);
    await page.locator(key('loadFile')).click();
    await page.locator('h2', { hasText: 'Started from a file' }).waitFor();
    assert.equal(await page.locator(`vscode-textfield${key('name')} input`).inputValue(), 'from-file');
    assert.deepEqual(await page.locator('.file-notes li').allTextContents(), [
      'market: the wizard cannot show 7; using "spot" instead',
      'rootVolumeGb: 100 (kept from the file)',
    ]);
    assert.equal(await page.locator(key('loadFile')).count(), 0, 'the button gives way to what was loaded');
    await page.locator(key('next')).click();
    await page.locator('.step-title', { hasText: 'Step 2 of 6' }).waitFor();
    await page.locator(`${key('next')}:not([disabled])`).click();
    await page.locator('.step-title', { hasText: 'Step 3 of 6' }).waitFor();
    assert.equal(await page.locator(key('instanceType:m7i.xlarge')).evaluate((r) => (r as unknown as { checked: boolean }).checked), true, 'the file\'s instance type is chosen');
    const state = wizardPanelStateSchema.parse(await panel.state());
    assert.equal(state.fromFile, 'geusemaker.yaml', 'a reload knows which file to read the kept settings from');
    await host.stop();
    assert.ok(host.requests.some((r) => r.type === 'loadFile'));
    await page.close();
  });

  it('the account step: a spinner while AWS is asked, the problem in plain words with its fix, Next disabled until the identity is verified', async () => {
    const panel = await harness.open('wizard', { theme: 'dark' });
    const { page } = panel;
    // The default credentials have none; the profile the fix chooses has them.
    const host = fakeHost(panel, {
      identity: (profile) => (profile === 'work-sso'
        ? { type: 'identity', region: 'us-east-1', profile, account: '123456789012', arn: ARN }
        : { type: 'identity', region: 'us-east-1', problem: { title: 'No AWS credentials were found.', detail: 'Choose an AWS profile, or sign in with the AWS CLI.', fixes: ['Choose AWS Profile'] } }),
    });
    await panel.send(INIT);
    await page.locator(`vscode-textfield${key('name')} input`).fill('demo');
    await page.locator(`${key('next')}:not([disabled])`).click();
    await page.locator('.step-title', { hasText: 'Step 2 of 6' }).waitFor();
    await page.locator('.identity-problem .problem-title', { hasText: 'No AWS credentials were found.' }).waitFor();
    assert.equal(await page.locator('.identity-problem .problem-detail').textContent(), 'Choose an AWS profile, or sign in with the AWS CLI.');
    assert.equal(await page.locator(key('next')).evaluate((b) => b.hasAttribute('disabled')), true, 'Next waits for verified credentials');
    await page.locator(key('network-mode:existing')).click();
    await page.locator('.hint', { hasText: 'VPCs are listed once the account above is verified.' }).waitFor();
    assert.equal(host.requests.some((r) => r.type === 'discover'), false, 'no discovery with credentials known not to work');
    await page.locator(key('fix:Choose AWS Profile')).click();
    await page.locator('.identity.verified', { hasText: 'Account 123456789012' }).waitFor();
    await page.locator(key('vpc:vpc-0def4017')).waitFor();
    await page.locator(key('vpc:vpc-0def4017')).click();
    await page.locator(`${key('next')}:not([disabled])`).waitFor();
    assert.equal(wizardPanelStateSchema.parse(await panel.state()).draft.profile, 'work-sso', 'the chosen profile is the wizard\'s');
    await host.stop();
    const identities = host.requests.filter((r) => r.type === 'identity');
    assert.deepEqual(identities.map((r) => (r.type === 'identity' ? r.profile : '')), [undefined, 'work-sso']);
    assert.ok(host.requests.some((r) => r.type === 'fix' && r.fix === 'Choose AWS Profile'));
    await page.close();
  });

  it('follows the bootstrap log once the instance is up: its lines as text, the step, and the end state', async () => {
    const panel = await harness.open('wizard', { theme: 'dark' });
    const { page } = panel;
    await panel.send(INIT);
    const img = '<img src=x onerror="window.pwned = 1">';
    const base = sampleProgress('demo', 'done');
    await panel.send({ type: 'progress', progress: { ...base, bootstrap: { state: 'waiting', lines: [], note: 'The instance is starting; its log appears once the SSM agent answers (usually within two minutes).' } } });
    await page.locator('.bootstrap .bootstrap-state', { hasText: 'Waiting for the instance to answer over SSM' }).waitFor();
    const lines = ['2025-06-01T12:02:01Z [install-docker] start', '2025-06-01T12:02:30Z [mount-efs] start', img];
    await panel.send({ type: 'progress', progress: { ...base, bootstrap: { state: 'running', step: 'pull-images', lines } } });
    await page.locator('.bootstrap .bootstrap-state', { hasText: 'Running (step pull-images)' }).waitFor();
    assert.equal(await page.locator('.bootstrap pre.log').textContent(), lines.join('\n'));
    assert.equal(await page.locator('body img').count(), 0, 'log lines are text, never HTML');
    await panel.send({ type: 'progress', progress: { ...base, bootstrap: { state: 'failed', step: 'compose-up', lines } } });
    await page.locator('.bootstrap[data-state="failed"] .bootstrap-state', { hasText: 'Failed (step compose-up)' }).waitFor();
    assert.equal(await page.evaluate('window.pwned'), undefined);
    await page.close();
  });

  it('rejects hostile and malformed messages from the host and renders nothing they carry as HTML', async () => {
    const panel = await harness.open('wizard', { theme: 'dark', state: { version: 1, step: '<img src=x onerror=alert(1)>' } });
    const { page } = panel;
    await page.locator('main').waitFor();
    assert.match((await page.locator('main').textContent()) ?? '', /Loading the wizard/, 'an invalid saved state is ignored');
    const good = INIT.type === 'init' ? INIT : undefined;
    assert.ok(good);
    const hostile: unknown[] = [
      { type: 'eval', code: 'window.pwned = 1' },
      { type: 'init' },
      { ...good, canSave: 'yes' },
      { ...good, draft: { ...good.draft, tier: '<script>' } },
      { ...good, extra: '<script>window.pwned = 1</script>' },
      { type: 'progress', progress: { ...sampleProgress('demo'), phase: 'exploded' } },
      { type: 'plan', review: { summary: ['x'.repeat(300_000)], items: [], warnings: [] } },
      { type: 'checked', id: 0, errors: [] },
      'init', null, 42,
    ];
    for (const message of hostile) await panel.send(message);
    const deadline = Date.now() + 10_000;
    let rejected: { reason: string }[] = [];
    while (Date.now() < deadline) {
      rejected = (await panel.posted()).filter((m): m is { type: 'rejected'; reason: string } => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'rejected');
      if (rejected.length >= hostile.length) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(rejected.length, hostile.length, `every hostile message was reported: ${JSON.stringify(rejected)}`);
    assert.ok(rejected.some((r) => /too large/.test(r.reason)));
    assert.ok(rejected.every((r) => !r.reason.includes('<')), 'reasons never echo the hostile content');
    assert.match((await page.locator('main').textContent()) ?? '', /Loading the wizard/, 'nothing rejected was rendered');

    // Valid messages whose strings carry markup: shown as text, never parsed.
    const img = '<img src=x onerror="window.pwned = 1">';
    await panel.send({ ...good, tiers: good.tiers.map((t) => ({ ...t, adds: `${img}${t.adds}` })), draft: { ...good.draft, name: img } });
    await page.locator(key('tier:dev')).waitFor();
    assert.match((await page.locator(key('tier:dev')).textContent()) ?? '', /^dev.*<img src=x/);
    await panel.send({ type: 'progress', progress: { ...sampleProgress(img), error: { message: `<script>window.pwned = 1</script>`, nextStep: img } } });
    await page.locator('.banner.error .error-message').waitFor();
    assert.equal(await page.locator('.banner.error .error-message').textContent(), '<script>window.pwned = 1</script>');
    assert.equal(await page.locator('body img').count(), 0);
    assert.equal(await page.locator('body script').count(), 1, 'only the bundle');
    assert.equal(await page.evaluate('window.pwned'), undefined);
    assert.deepEqual(await panel.violations(), []);
    await page.close();
  });

  for (const theme of ['dark', 'light', 'high-contrast'] as const) {
    it(`saves screenshots in the ${theme} theme (docs/images/wizard-${theme}.png, wizard-progress-${theme}.png)`, async () => {
      const panel = await harness.open('wizard', { theme, viewport: { width: 1080, height: 900 } });
      const host = fakeHost(panel);
      await panel.send(INIT);
      const { page } = panel;
      await page.locator(`vscode-textfield${key('name')} input`).fill('demo');
      for (let step = 2; step <= 6; step++) {
        await page.locator('[data-error-for="*"]:empty').waitFor({ state: 'attached' });
        await page.locator(`${key('next')}:not([disabled])`).click();
        await page.locator('.step-title', { hasText: `Step ${step} of 6` }).waitFor();
      }
      await page.locator('table.plan tbody tr').nth(7).waitFor();
      const dir = screenshotDir();
      await page.screenshot({ path: join(dir, `wizard-${theme}.png`), fullPage: true });
      // Started 3 min 25 s ago, so the ticking elapsed time reads like a real deploy.
      await panel.send({ type: 'progress', progress: {
        ...sampleProgress('demo'), startedAt: new Date(Date.now() - 205_000).toISOString(),
        rows: sampleProgress('demo').rows.map((row) => (row.step === 'instance' ? { ...row, state: 'done' as const, elapsedMs: 41_000, detail: 'created: i-0abc (spot, us-east-1a)' } : row)),
        bootstrap: { state: 'running', step: 'pull-images', lines: ['2025-06-01T12:02:01Z [install-docker] docker 27.5.1 and compose v2.32.4 installed', '2025-06-01T12:02:29Z [mount-efs] fs-0123 mounted at /mnt/efs (tls)', '2025-06-01T12:02:31Z [pull-images] pulling 5 images in parallel'] },
      } });
      await page.locator('table.progress tbody tr').nth(3).waitFor();
      await page.screenshot({ path: join(dir, `wizard-progress-${theme}.png`), fullPage: true });
      await host.stop();
      await page.close();
    });
  }
});
