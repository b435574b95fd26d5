import assert from 'node:assert/strict';
import { CreateBudgetCommand, DescribeBudgetCommand, DescribeNotificationsForBudgetCommand, type ResourceTag } from '@aws-sdk/client-budgets';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { ClientInstrument } from '../../src/engine/aws/clients';
import { budgetPlanNotes } from '../../src/engine/resources/cost-allocation-tag';
import { FaultInjector } from '../harness/faults';
import { countByKind, devConfig, inspector, sweep, tempDir, testEngine } from '../harness/engine';
import { rejectsWith } from '../harness/refusal';
import { both } from '../harness/tier-checks';

const NAME = 'geusemaker-demo-us-east-1';
const METADATA = { httpStatusCode: 200, requestId: 'b1c2d3e4-0000-4000-8000-000000000001' };

/**
 * Budgets APIs moto lacks, answered as AWS answers them from what was asked (an empty 200 for UpdateBudget; the
 * tags CreateBudget carried for ListTagsForResource), and the inputs of CreateBudget and UpdateBudget kept.
 */
function recordedBudgets(options: { tags?: boolean; update?: boolean } = {}) {
  const tags = new Map<string, ResourceTag[]>();
  const creates: Record<string, unknown>[] = [];
  const updates: Record<string, unknown>[] = [];
  const arn = (input: Record<string, unknown>, name: string) => `arn:aws:budgets::${String(input.AccountId)}:budget/${name}`;
  const instrument: ClientInstrument = (client, service) => {
    if (service !== 'budgets') return;
    client.middlewareStack.add((next, context) => async (args) => {
      const command = (context as { commandName?: string }).commandName;
      const input = (args as { input: Record<string, unknown> }).input;
      if (command === 'CreateBudgetCommand') {
        const answer = await next(args);
        creates.push(input);
        const budget = input.Budget as { BudgetName: string };
        tags.set(arn(input, budget.BudgetName), (input.ResourceTags as ResourceTag[] | undefined) ?? []);
        return answer;
      }
      if (command === 'ListTagsForResourceCommand' && options.tags) {
        const wanted = String(input.ResourceARN);
        return { output: { $metadata: METADATA, ResourceTags: tags.get(wanted) ?? [] }, response: {} };
      }
      if (command === 'UpdateBudgetCommand' && options.update) {
        updates.push(input);
        return { output: { $metadata: METADATA }, response: {} };
      }
      return next(args);
    }, { step: 'initialize', name: 'recordedBudgets' });
  };
  return { instrument, creates, updates };
}

async function accountId(): Promise<string> {
  const aws = inspector();
  try {
    return (await aws.sts.send(new GetCallerIdentityCommand({}))).Account!;
  } finally {
    aws.destroy();
  }
}

async function liveBudget(name = NAME) {
  const aws = inspector();
  try {
    return (await aws.budgets.send(new DescribeBudgetCommand({ AccountId: await accountId(), BudgetName: name }))).Budget;
  } catch (error) {
    if ((error as { name?: string }).name === 'NotFoundException') return undefined;
    throw error;
  } finally {
    aws.destroy();
  }
}

async function liveAlerts(name = NAME) {
  const aws = inspector();
  try {
    return ((await aws.budgets.send(new DescribeNotificationsForBudgetCommand({ AccountId: await accountId(), BudgetName: name }))).Notifications ?? [])
      .map((n) => `${n.NotificationType} ${n.ComparisonOperator} ${n.Threshold} ${n.ThresholdType}`).sort();
  } finally {
    aws.destroy();
  }
}

const ALERTS = ['ACTUAL GREATER_THAN 80 PERCENTAGE', 'FORECASTED GREATER_THAN 100 PERCENTAGE'];

describe('real budgets: an AWS Budgets budget per stack with monthlyBudgetUsd (moto has Budgets)', function () {
  this.timeout(240_000);

  it('created with the tag filter, the month and both alerts to notifyEmail (subscribers from the CreateBudget call: moto lacks DescribeSubscribersForNotification); a redeploy makes no mutating call; a new limit is an in-place UpdateBudget (its answer recorded: moto lacks it); no email drops the alerts; no budget deletes it', async () => {
    const budgets = recordedBudgets({ update: true });
    const faults = new FaultInjector();
    const engine = testEngine({ instrument: both(faults.instrument, budgets.instrument) });
    try {
      const first = await engine.deploy(devConfig({ monthlyBudgetUsd: 500, notifyEmail: 'ops@example.com' }));
      assert.equal(first.state.resources.budget?.id, NAME);
      const budget = await liveBudget();
      assert.deepEqual([budget?.BudgetType, budget?.TimeUnit, budget?.BudgetLimit?.Amount, budget?.BudgetLimit?.Unit], ['COST', 'MONTHLY', '500', 'USD']);
      assert.deepEqual(budget?.CostFilters, { TagKeyValue: ['user:geusemaker:stack$demo'] });
      assert.deepEqual(await liveAlerts(), ALERTS);
      const sent = budgets.creates[0]?.NotificationsWithSubscribers as { Subscribers: { SubscriptionType: string; Address: string }[] }[];
      assert.deepEqual(sent.map((n) => n.Subscribers), [[{ SubscriptionType: 'EMAIL', Address: 'ops@example.com' }], [{ SubscriptionType: 'EMAIL', Address: 'ops@example.com' }]]);
      const tags = budgets.creates[0]?.ResourceTags as ResourceTag[];
      assert.equal(tags.find((t) => t.Key === 'geusemaker:stack-id')?.Value, first.state.stackId, 'tagged with the stack id where the API allows');
      assert.ok(first.notes.some((n) => /DescribeSubscribersForNotification \(an emulator\)/.test(n)), first.notes.join('\n'));

      faults.calls.length = 0;
      await engine.deploy(devConfig({ monthlyBudgetUsd: 500, notifyEmail: 'ops@example.com' }));
      // The group's notices are written again on every deploy here only because moto cannot describe them (no-op-redeploy.test.ts records both).
      const again = faults.mutatingCalls().filter((call) => call !== 'autoscaling:PutNotificationConfiguration');
      assert.deepEqual(again, [], `mutating calls on an unchanged redeploy: ${again.join(', ')}`);

      faults.calls.length = 0;
      const raised = await engine.deploy(devConfig({ monthlyBudgetUsd: 650, notifyEmail: 'ops@example.com' }));
      assert.deepEqual(faults.mutatingCalls().filter((call) => call !== 'autoscaling:PutNotificationConfiguration'), ['budgets:UpdateBudget'], 'only the budget changes, in place');
      assert.deepEqual(budgets.updates.map((u) => (u.NewBudget as { BudgetName: string; BudgetLimit: unknown; CostFilters: unknown })), [
        { BudgetName: NAME, BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: '650', Unit: 'USD' }, CostFilters: { TagKeyValue: ['user:geusemaker:stack$demo'] } },
      ]);
      assert.equal(raised.state.resources.budget?.id, NAME, 'the same budget');

      faults.calls.length = 0;
      await engine.deploy(devConfig({ monthlyBudgetUsd: 650 }));
      assert.deepEqual(await liveAlerts(), [], 'without notifyEmail the alerts are gone');
      assert.deepEqual(faults.mutatingCalls().filter((call) => call.startsWith('budgets:')), ['budgets:UpdateBudget', 'budgets:DeleteNotification', 'budgets:DeleteNotification']);
      assert.ok(await liveBudget(), 'the budget itself stays');

      const removed = await engine.deploy(devConfig());
      assert.equal(await liveBudget(), undefined, 'monthlyBudgetUsd removed: the budget is deleted');
      assert.equal(removed.state.resources.budget?.status, 'deleted');
    } finally {
      engine.dispose();
    }
  });

  it('a destroy without state finds it by name (its stack id from recorded ListTagsForResource answers: moto lacks it) and deletes it with --adopt', async () => {
    const budgets = recordedBudgets({ tags: true });
    const deployer = testEngine({ instrument: budgets.instrument });
    const stateless = testEngine({ instrument: budgets.instrument, stateDir: tempDir('gm-other-') });
    try {
      await deployer.deploy(devConfig({ monthlyBudgetUsd: 500 }));
      assert.equal(countByKind(await sweep()).budget, 1, 'the sweep finds it by its name');
      const { plan } = await stateless.planDestroy('demo', { adopt: true });
      assert.ok(plan.toDelete.some((r) => r.kind === 'budget' && r.id === NAME), JSON.stringify(plan.toDelete));
      await stateless.destroy('demo', { adopt: true, confirm: async () => true });
      assert.equal(await liveBudget(), undefined);
      assert.equal(countByKind(await sweep()).budget, undefined, 'the final sweep finds no budget');
    } finally {
      deployer.dispose();
      stateless.dispose();
    }
  });

  it('against the emulator itself (no budget tags to read), a destroy without state reports the budget as no stack\'s and leaves it; destroy from the stack\'s own state deletes it', async () => {
    const deployer = testEngine();
    const stateless = testEngine({ stateDir: tempDir('gm-other-') });
    try {
      await deployer.deploy(devConfig({ monthlyBudgetUsd: 500 }));
      const { plan } = await stateless.planDestroy('demo', { adopt: true });
      assert.deepEqual(plan.foreign.filter((r) => r.kind === 'budget').map((r) => [r.id, r.reason]), [[NAME, 'untagged']]);
      assert.ok(!plan.toDelete.some((r) => r.kind === 'budget'));
      const destroyed = await deployer.destroy('demo');
      assert.equal(await liveBudget(), undefined, 'the stack that journaled it deletes it');
      assert.ok(!destroyed.kept.some((r) => r.kind === 'budget'), 'never kept with the data');
    } finally {
      deployer.dispose();
      stateless.dispose();
    }
  });

  it('a same-named budget that is not ours stops the deploy before anything exists and is left untouched', async () => {
    const aws = inspector();
    const engine = testEngine();
    try {
      await aws.budgets.send(new CreateBudgetCommand({
        AccountId: await accountId(),
        Budget: { BudgetName: NAME, BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: '5', Unit: 'USD' } },
      }));
      const error = await rejectsWith(engine.deploy(devConfig({ monthlyBudgetUsd: 500 })), 'NAME_TAKEN');
      assert.match(error.message, new RegExp(`budget ${NAME}: has this stack's name but no GeuseMaker stack id`));
      const budget = await liveBudget();
      assert.deepEqual([budget?.BudgetLimit?.Amount, budget?.CostFilters], ['5', undefined], 'untouched');
      assert.deepEqual(countByKind(await sweep()), { budget: 1 }, 'nothing else was created');
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });

  it('one made between the plan and the create (CreateBudget answers DuplicateRecordException) is not taken over: the step fails NAME_TAKEN and it stays as it was', async () => {
    const aws = inspector();
    const engine = testEngine();
    try {
      const account = await accountId();
      const error = await rejectsWith(engine.deploy(devConfig({ monthlyBudgetUsd: 500 }), {
        confirm: async () => {
          await aws.budgets.send(new CreateBudgetCommand({ AccountId: account, Budget: { BudgetName: NAME, BudgetType: 'COST', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: '5', Unit: 'USD' } } }));
          return true;
        },
      }), 'NAME_TAKEN');
      assert.match(error.message, new RegExp(`budget named ${NAME} already exists in this account and is not this stack's, so it was left alone`));
      const budget = await liveBudget();
      assert.deepEqual([budget?.BudgetLimit?.Amount, budget?.CostFilters], ['5', undefined], 'untouched');
      assert.equal((await engine.show('demo'))?.resources.budget?.id, undefined, 'not journaled as ours');
    } finally {
      aws.destroy();
      engine.dispose();
    }
  });
});

/** Cost Explorer's ListCostAllocationTags as AWS answers it (moto lacks Cost Explorer's tag APIs). */
function recordedCostTags(status: 'Active' | 'Inactive' | 'unseen'): ClientInstrument {
  return (client, service) => {
    if (service !== 'ce') return;
    client.middlewareStack.add((next, context) => async (args) => {
      if ((context as { commandName?: string }).commandName !== 'ListCostAllocationTagsCommand') return next(args);
      const tags = status === 'unseen' ? [] : [{ TagKey: 'geusemaker:stack', Type: 'UserDefined', Status: status, LastUpdatedDate: '2026-11-20T00:00:00Z', LastUsedDate: '2026-11-30T00:00:00Z' }];
      return { output: { $metadata: METADATA, CostAllocationTags: tags }, response: {} };
    }, { step: 'initialize', name: 'recordedCostTags' });
  };
}

describe('the plan\'s budget notes: what the budget counts, the cost allocation tag, and Budgets\' own price', function () {
  this.timeout(60_000);

  it('against the emulator (no Cost Explorer tag API): the tag must be activated once per account, and it "could not check"', async () => {
    const aws = inspector();
    try {
      const notes = await budgetPlanNotes(aws, devConfig({ monthlyBudgetUsd: 500, notifyEmail: 'ops@example.com' }));
      assert.match(notes[0]!, /budget geusemaker-demo-us-east-1 of \$500\/month counts costs tagged geusemaker:stack=demo; alerts at 80% of actual spend and 100% of forecast spend are mailed to ops@example\.com/);
      assert.match(notes[1]!, /The tag geusemaker:stack must be activated as a cost allocation tag once per account \(Billing console → Cost allocation tags\).*could not check \(the endpoint does not implement ce:ListCostAllocationTags/);
      assert.match(notes[2]!, /first 2 budgets of an account are free, then \$0\.02 a day each/);
      const silent = await budgetPlanNotes(aws, devConfig({ monthlyBudgetUsd: 500 }));
      assert.match(silent[0]!, /no alert is sent: set notifyEmail/);
      assert.deepEqual(await budgetPlanNotes(aws, devConfig()), [], 'no budget, no notes');
    } finally {
      aws.destroy();
    }
  });

  it('the engine\'s plan carries them beside the backups\' schedule and monthly cost, as notes, not warnings', async () => {
    const plan = await testEngine().plan(devConfig({ monthlyBudgetUsd: 500, notifyEmail: 'ops@example.com', backup: { enabled: true, schedule: 'weekly', retentionDays: 30 } }));
    const notes = plan.notes ?? [];
    assert.ok(notes.some((note) => /^Backups: AWS Backup copies the file system weekly \(cron\(0 5 \? \* SUN \*\), UTC\), each copy kept 30 days: about \$\d+\.\d\d a month/.test(note)), notes.join('\n'));
    assert.ok(notes.some((note) => /must be activated as a cost allocation tag once per account/.test(note)), notes.join('\n'));
    assert.ok(!plan.warnings.some((warning) => /cost allocation tag|AWS Backup copies/.test(warning)), 'facts are not warnings');
    const off = await testEngine().plan(devConfig({ backup: { enabled: false } }));
    assert.ok((off.notes ?? []).some((note) => /Backups are off/.test(note)));
  });

  for (const [status, words] of [['Active', /it is active in this account/], ['Inactive', /it is INACTIVE in this account: activate it/], ['unseen', /AWS has not seen it on a bill yet/]] as const) {
    it(`a tag Cost Explorer reports ${status} is said so (ListCostAllocationTags answers recorded: moto lacks it)`, async () => {
      const { createClients } = await import('../../src/engine/aws/clients');
      const { testEmulator } = await import('../harness/root-hooks');
      const clients = createClients({ region: 'us-east-1', endpoint: testEmulator().endpoint, maxAttempts: 1, instrument: recordedCostTags(status) });
      try {
        const notes = await budgetPlanNotes(clients, devConfig({ monthlyBudgetUsd: 500 }));
        assert.match(notes[1]!, words);
      } finally {
        clients.destroy();
      }
    });
  }
});
