import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import {
  DescribeAutoScalingGroupsCommand, DescribeInstanceRefreshesCommand, StartInstanceRefreshCommand, UpdateAutoScalingGroupCommand,
  type StartInstanceRefreshCommandInput,
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateVersionCommand, DescribeInstancesCommand, DescribeLaunchTemplateVersionsCommand, type DescribeInstancesCommandOutput,
} from '@aws-sdk/client-ec2';
import { createClients, DEFAULT_MAX_ATTEMPTS, type AwsClients, type ClientInstrument } from '../../src/engine/aws/clients';
import { DEFAULT_TIMING, type PlanFacts, type StepContext } from '../../src/engine/context';
import type { Engine } from '../../src/engine/engine';
import { GeuseError } from '../../src/engine/errors';
import { refreshGroupInstance, type RefreshInput } from '../../src/engine/resources/instance-refresh';
import { Journal } from '../../src/engine/state/journal';
import type { StackState } from '../../src/engine/state/schema';
import { devConfig, FAST_TIMING, inspector, testEngine } from '../harness/engine';
import { FaultInjector, LOST_RESPONSE } from '../harness/faults';
import { launchRealism } from '../harness/launch-realism';
import { allOf } from '../harness/group-realism';
import { testEmulator } from '../harness/root-hooks';

const GROUP = 'gm-demo';

interface Deployed {
  engine: Engine;
  state: StackState;
  facts: PlanFacts;
  oldId: string;
  templateId: string;
}

async function deployed(): Promise<Deployed> {
  const engine = testEngine();
  const result = await engine.deploy(devConfig());
  return {
    engine, state: result.state, facts: result.plan.facts,
    oldId: result.state.resources.instance!.id!, templateId: result.state.resources['launch-template']!.id!,
  };
}

/** What StartInstanceRefresh was sent, and the errors AWS answered each attempt with (inside the SDK's retries). */
function startInputs(): { inputs: StartInstanceRefreshCommandInput[]; answered: string[]; instrument: ClientInstrument } {
  const inputs: StartInstanceRefreshCommandInput[] = [];
  const answered: string[] = [];
  const isStart = (context: unknown) => (context as { commandName?: string }).commandName === 'StartInstanceRefreshCommand';
  return {
    inputs,
    answered,
    instrument: (client, service) => {
      if (service !== 'autoscaling') return;
      client.middlewareStack.add((next, context) => async (args) => {
        if (isStart(context)) inputs.push((args as { input: StartInstanceRefreshCommandInput }).input);
        return next(args);
      }, { step: 'initialize', name: 'recordStartInstanceRefresh' });
      client.middlewareStack.add((next, context) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          if (isStart(context)) answered.push((error as Error).name);
          throw error;
        }
      }, { step: 'finalizeRequest', priority: 'low', name: 'recordStartInstanceRefreshErrors' });
    },
  };
}

interface Harness {
  ctx: StepContext;
  faults: FaultInjector;
  waits: string[];
  notes: string[];
  clients: AwsClients;
}

/**
 * A step's context as the deploy builds one (plan/stack-steps.ts), over the stack's state as stored: a new
 * Journal read from disk is what a resumed process would have. Calls are recorded by a FaultInjector.
 */
async function stepContext(stack: Deployed, options: { faults?: FaultInjector; signal?: AbortSignal; waiting?: (what: string, ctx: StepContext) => void; instrument?: ClientInstrument; maxAttempts?: number } = {}): Promise<Harness> {
  const state = (await stack.engine.store.read('demo'))!;
  const journal = new Journal(stack.engine.store, state);
  const faults = options.faults ?? new FaultInjector();
  const endpoint = testEmulator().endpoint;
  const clients = createClients({
    region: 'us-east-1', endpoint, maxAttempts: options.maxAttempts ?? 1,
    instrument: allOf(launchRealism(endpoint), faults.instrument, ...(options.instrument ? [options.instrument] : [])),
  });
  const waits: string[] = [];
  const notes: string[] = [];
  const ctx: StepContext = {
    clients, config: state.config, stack: 'demo', stackId: state.stackId, facts: stack.facts, journal,
    origin: { host: state.createdOn ?? hostname(), createdAt: state.createdAt, region: state.region },
    timing: { ...DEFAULT_TIMING, ...FAST_TIMING },
    report: {
      signal: options.signal,
      waiting: (what) => {
        waits.push(what);
        options.waiting?.(what, ctx);
      },
      note: async (message) => {
        notes.push(message);
        await journal.note(message);
      },
    },
  };
  return { ctx, faults, waits, notes, clients };
}

/** A new version of the stack's launch template, as the deploy writes one when settings change (moto has no SourceVersion). */
async function newVersion(templateId: string, changes: { InstanceType?: string; ImageId?: string }): Promise<string> {
  const aws = inspector();
  try {
    const current = (await aws.ec2.send(new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: templateId, Versions: ['$Latest'] }))).LaunchTemplateVersions![0]!.LaunchTemplateData!;
    const out = await aws.ec2.send(new CreateLaunchTemplateVersionCommand({
      LaunchTemplateId: templateId, VersionDescription: 'GeuseMaker test: new settings',
      LaunchTemplateData: {
        ImageId: changes.ImageId ?? current.ImageId, InstanceType: (changes.InstanceType ?? current.InstanceType) as 't3.xlarge',
        IamInstanceProfile: current.IamInstanceProfile, MetadataOptions: current.MetadataOptions as never, UserData: current.UserData,
        BlockDeviceMappings: current.BlockDeviceMappings as never, NetworkInterfaces: current.NetworkInterfaces as never,
        TagSpecifications: current.TagSpecifications as never,
      },
    }));
    return String(out.LaunchTemplateVersion!.VersionNumber);
  } finally {
    aws.destroy();
  }
}

async function groupNow() {
  const aws = inspector();
  try {
    return (await aws.autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [GROUP] }))).AutoScalingGroups![0]!;
  } finally {
    aws.destroy();
  }
}

async function instance(id: string) {
  const aws = inspector();
  try {
    return (await aws.ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0]!.Instances![0]!;
  } finally {
    aws.destroy();
  }
}

async function refreshesNow() {
  const aws = inspector();
  try {
    return (await aws.autoscaling.send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: GROUP }))).InstanceRefreshes ?? [];
  } finally {
    aws.destroy();
  }
}

function journaledRefresh(ctx: StepContext): string | undefined {
  return ctx.journal.record('auto-scaling-group')?.attrs.refreshId;
}

const starts = (faults: FaultInjector) => faults.calls.filter((c) => c === 'autoscaling:StartInstanceRefresh').length;

describe('instance refresh: a changed instance is replaced through the group, the old one terminated before the new one starts', function () {
  this.timeout(180_000);

  it('replaces the instance with one of the new type (new id in service, old one terminated), journals the refresh id while it runs and clears it; a second call starts no refresh', async () => {
    const stack = await deployed();
    try {
      const version = await newVersion(stack.templateId, { InstanceType: 't3.2xlarge' });
      const sent = startInputs();
      const journaledWhileWaiting: (string | undefined)[] = [];
      const { ctx, faults, waits, notes, clients } = await stepContext(stack, { instrument: sent.instrument, waiting: (what, c) => {
        if (/^instance refresh \d+%/.test(what)) journaledWhileWaiting.push(journaledRefresh(c));
      } });
      const input: RefreshInput = { template: { id: stack.templateId, version }, instanceTypes: ['t3.2xlarge'], reason: 'instance type t3.xlarge → t3.2xlarge' };
      const result = await refreshGroupInstance(ctx, input);

      assert.equal(result.status, 'Successful');
      assert.ok(result.refreshId);
      assert.deepEqual(result.oldInstanceIds, [stack.oldId]);
      assert.notEqual(result.newInstanceId, stack.oldId);
      assert.deepEqual({ type: result.instance.instanceType, image: result.instance.imageId }, { type: 't3.2xlarge', image: (await instance(stack.oldId)).ImageId });

      // What AWS says now, read with the SDK.
      const group = await groupNow();
      const inService = (group.Instances ?? []).filter((i) => i.LifecycleState === 'InService');
      assert.deepEqual(inService.map((i) => i.InstanceId), [result.newInstanceId], 'the group\'s one instance in service is the new one');
      assert.equal(inService[0]!.InstanceType, 't3.2xlarge');
      assert.equal(inService[0]!.LaunchTemplate?.Version, version, 'launched from the new version');
      const fresh = await instance(result.newInstanceId);
      assert.equal(fresh.InstanceType, 't3.2xlarge');
      assert.equal(fresh.State?.Name, 'running');
      assert.equal(fresh.Tags?.find((t) => t.Key === 'aws:ec2launchtemplate:version')?.Value, version);
      assert.equal(fresh.Tags?.find((t) => t.Key === 'aws:autoscaling:groupName')?.Value, GROUP);
      assert.equal((await instance(stack.oldId)).State?.Name, 'terminated');
      const spec = group.MixedInstancesPolicy?.LaunchTemplate;
      assert.deepEqual({ version: spec?.LaunchTemplateSpecification?.Version, types: spec?.Overrides?.map((o) => o.InstanceType) }, { version, types: ['t3.2xlarge'] },
        'the group took the desired configuration');
      assert.equal(group.MixedInstancesPolicy?.InstancesDistribution?.OnDemandPercentageAboveBaseCapacity, 0, 'and kept its market (spot)');

      // Terminate before launch (the data on EFS is never open twice), with the group's mixed-instances policy as the desired configuration.
      assert.equal(sent.inputs.length, 1);
      assert.deepEqual(
        { min: sent.inputs[0]!.Preferences?.MinHealthyPercentage, max: sent.inputs[0]!.Preferences?.MaxHealthyPercentage, skip: sent.inputs[0]!.Preferences?.SkipMatching },
        { min: 0, max: 100, skip: true },
      );
      assert.equal(sent.inputs[0]!.Preferences?.InstanceWarmup, 30 * 60, 'warm-up sized from the bootstrap (targetHealthyMinutes 20 + 10)');
      const desired = sent.inputs[0]!.DesiredConfiguration?.MixedInstancesPolicy?.LaunchTemplate;
      assert.deepEqual({ id: desired?.LaunchTemplateSpecification?.LaunchTemplateId, version: desired?.LaunchTemplateSpecification?.Version, types: desired?.Overrides?.map((o) => o.InstanceType) },
        { id: stack.templateId, version, types: ['t3.2xlarge'] });

      // Journaled the moment AWS answered, seen by every progress report; cleared at the end, on disk too.
      assert.ok(journaledWhileWaiting.length > 0 && journaledWhileWaiting.every((id) => id === result.refreshId), `journaled while waiting: ${journaledWhileWaiting.join(', ')}`);
      assert.match(waits[0]!, new RegExp(`^instance refresh of ${GROUP}: replacing ${stack.oldId} \\(launched from version \\d+, not ${version}; runs t3\\.xlarge, not t3\\.2xlarge\\)$`));
      assert.equal(journaledRefresh(ctx), '');
      assert.equal((await stack.engine.store.read('demo'))!.resources['auto-scaling-group']!.attrs.refreshId, '');
      assert.ok(waits.some((w) => new RegExp(`^instance refresh 0% — ${result.newInstanceId} \\(t3\\.2xlarge\\) warming up \\(booting the services on the same data\\)$`).test(w)), waits.join('\n'));
      assert.ok(notes.some((n) => n.includes(`Replaced ${stack.oldId} with ${result.newInstanceId}`) && n.includes(input.reason)), notes.join('\n'));
      assert.equal(ctx.journal.state.compute.find((run) => run.instanceId === stack.oldId)?.endedAt !== undefined, true, 'the old instance\'s run ended');

      // Nothing left to replace: no StartInstanceRefresh at all.
      const again = await stepContext(stack);
      const second = await refreshGroupInstance(again.ctx, input);
      assert.deepEqual({ status: second.status, refreshId: second.refreshId, id: second.newInstanceId, old: second.oldInstanceIds }, { status: 'NotNeeded', refreshId: undefined, id: result.newInstanceId, old: [] });
      assert.equal(starts(again.faults), 0, again.faults.calls.join(', '));
      assert.equal(starts(faults), 1);
      assert.equal((await refreshesNow()).length, 1, 'one refresh in the group\'s history');
      clients.destroy();
      again.clients.destroy();
    } finally {
      stack.engine.dispose();
    }
  });

  it('a deploy with unchanged settings starts no refresh (the instance already runs the group\'s version and types)', async () => {
    const stack = await deployed();
    try {
      const group = await groupNow();
      const spec = group.MixedInstancesPolicy!.LaunchTemplate!;
      const { ctx, faults, clients } = await stepContext(stack);
      const result = await refreshGroupInstance(ctx, {
        template: { id: stack.templateId, version: spec.LaunchTemplateSpecification!.Version! },
        instanceTypes: spec.Overrides!.map((o) => o.InstanceType!), reason: 'nothing changed',
      });
      assert.deepEqual({ status: result.status, id: result.newInstanceId }, { status: 'NotNeeded', id: stack.oldId });
      assert.equal(starts(faults), 0);
      assert.deepEqual(await refreshesNow(), []);
      clients.destroy();
    } finally {
      stack.engine.dispose();
    }
  });

  it('a market change alone (spot → on-demand, same version and type) is replaced with skip matching off, since AWS\'s matching ignores the market', async () => {
    const stack = await deployed();
    const aws = inspector();
    try {
      const group = await groupNow();
      const spec = group.MixedInstancesPolicy!.LaunchTemplate!;
      const types = spec.Overrides!.map((o) => o.InstanceType!);
      // The group step has set the group's market already (UpdateAutoScalingGroup); the running instance is still spot.
      await aws.autoscaling.send(new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: GROUP,
        MixedInstancesPolicy: {
          LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: stack.templateId, Version: spec.LaunchTemplateSpecification!.Version }, Overrides: spec.Overrides },
          InstancesDistribution: { OnDemandBaseCapacity: 0, OnDemandPercentageAboveBaseCapacity: 100, OnDemandAllocationStrategy: 'prioritized' },
        },
      }));
      const sent = startInputs();
      // EC2 says an instance launched as spot stays spot (launch-realism derives it from the group's market now).
      const launchedSpot: ClientInstrument = (client, service) => {
        if (service !== 'ec2') return;
        client.middlewareStack.add((next, context) => async (args) => {
          const result = await next(args);
          if ((context as { commandName?: string }).commandName !== 'DescribeInstancesCommand') return result;
          for (const one of ((result.output as DescribeInstancesCommandOutput).Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
            if (one.InstanceId === stack.oldId) one.InstanceLifecycle = 'spot';
          }
          return result;
        }, { step: 'initialize', name: 'launchedSpot' });
      };
      const { ctx, clients } = await stepContext(stack, { instrument: allOf(sent.instrument, launchedSpot) });
      const input: RefreshInput = { template: { id: stack.templateId, version: spec.LaunchTemplateSpecification!.Version! }, instanceTypes: types, reason: 'market spot → on-demand', market: 'on-demand' };
      const result = await refreshGroupInstance(ctx, input);
      assert.equal(sent.inputs[0]?.Preferences?.SkipMatching, false);
      assert.equal(sent.inputs[0]?.DesiredConfiguration?.MixedInstancesPolicy?.InstancesDistribution?.OnDemandPercentageAboveBaseCapacity, 100, 'the group\'s market is carried as it is');
      assert.deepEqual({ old: result.oldInstanceIds, market: result.instance.market }, { old: [stack.oldId], market: 'on-demand' });
      assert.equal((await instance(stack.oldId)).State?.Name, 'terminated');
      // Without the market, the same call finds nothing to replace: version and types match.
      const again = await stepContext(stack);
      assert.equal((await refreshGroupInstance(again.ctx, { ...input, market: undefined })).status, 'NotNeeded');
      clients.destroy();
      again.clients.destroy();
    } finally {
      aws.destroy();
      stack.engine.dispose();
    }
  });

  it('an abort while the new instance warms up cancels the refresh: the old one was terminated first (never two on the same data), the new one serves alone; running again starts no second refresh', async () => {
    const stack = await deployed();
    try {
      const version = await newVersion(stack.templateId, { InstanceType: 't3.2xlarge' });
      const input: RefreshInput = { template: { id: stack.templateId, version }, instanceTypes: ['t3.2xlarge'], reason: 'instance type t3.xlarge → t3.2xlarge' };
      const abort = new AbortController();
      let launched: string | undefined;
      const { ctx, faults, clients } = await stepContext(stack, {
        signal: abort.signal,
        waiting: (what) => {
          const warming = /— (i-\w+) \(t3\.2xlarge\) warming up/.exec(what);
          if (warming) {
            launched = warming[1];
            abort.abort();
          }
        },
      });
      await assert.rejects(refreshGroupInstance(ctx, input), (error: unknown) => error instanceof GeuseError && error.code === 'CANCELLED');
      assert.ok(launched, 'the refresh had launched the new instance');
      assert.ok(faults.calls.includes('autoscaling:CancelInstanceRefresh'), faults.calls.join(', '));
      assert.equal((await instance(stack.oldId)).State?.Name, 'terminated', 'the old instance went first');
      const group = await groupNow();
      assert.deepEqual((group.Instances ?? []).map((i) => i.InstanceId), [launched], 'the replacement serves, alone');
      assert.equal((await instance(launched!)).State?.Name, 'running');
      assert.equal(journaledRefresh(ctx), '', 'a cancelled refresh is not waited on again');
      assert.ok(['Cancelling', 'Cancelled'].includes((await refreshesNow())[0]!.Status!));
      clients.destroy();

      // The deploy run again: the replacement already runs the new version and type, so nothing is started.
      const resumed = await stepContext(stack);
      const result = await refreshGroupInstance(resumed.ctx, input);
      assert.equal(result.status, 'NotNeeded');
      assert.equal(result.newInstanceId, launched);
      assert.equal((await instance(result.newInstanceId)).InstanceType, 't3.2xlarge');
      assert.equal(starts(resumed.faults), 0);
      resumed.clients.destroy();
    } finally {
      stack.engine.dispose();
    }
  });

  it('a crash while waiting: the resumed call waits on the journaled refresh and starts none', async () => {
    const stack = await deployed();
    try {
      const version = await newVersion(stack.templateId, { InstanceType: 't3.2xlarge' });
      const input: RefreshInput = { template: { id: stack.templateId, version }, instanceTypes: ['t3.2xlarge'], reason: 'instance type t3.xlarge → t3.2xlarge' };
      // The process dies at the first report of the refresh's progress: after it started and its id was journaled.
      const first = await stepContext(stack, {
        waiting: (what) => {
          if (/^instance refresh \d+%/.test(what)) throw new Error('killed');
        },
      });
      await assert.rejects(refreshGroupInstance(first.ctx, input), /killed/);
      assert.equal(starts(first.faults), 1);
      const journaled = (await stack.engine.store.read('demo'))!.resources['auto-scaling-group']!.attrs;
      assert.ok(journaled.refreshId, 'the refresh id is on disk');
      assert.equal(journaled.refreshReplacing, stack.oldId);
      first.clients.destroy();

      const resumed = await stepContext(stack);
      const result = await refreshGroupInstance(resumed.ctx, input);
      assert.equal(starts(resumed.faults), 0, 'no second StartInstanceRefresh (AWS would answer InstanceRefreshInProgress)');
      assert.deepEqual({ id: result.refreshId, old: result.oldInstanceIds, status: result.status }, { id: journaled.refreshId, old: [stack.oldId], status: 'Successful' });
      assert.equal((await instance(result.newInstanceId)).InstanceType, 't3.2xlarge');
      assert.equal((await instance(stack.oldId)).State?.Name, 'terminated');
      assert.equal(journaledRefresh(resumed.ctx), '');
      assert.equal((await refreshesNow()).length, 1);
      resumed.clients.destroy();
    } finally {
      stack.engine.dispose();
    }
  });

  it('a lost StartInstanceRefresh answer: the SDK\'s retry meets InstanceRefreshInProgress, and the call adopts the running refresh; without retries, the next call does', async () => {
    const stack = await deployed();
    try {
      const version = await newVersion(stack.templateId, { InstanceType: 't3.2xlarge' });
      const input: RefreshInput = { template: { id: stack.templateId, version }, instanceTypes: ['t3.2xlarge'], reason: 'instance type t3.xlarge → t3.2xlarge' };
      const lost = new FaultInjector([{ operation: 'autoscaling:StartInstanceRefresh', mode: 'after', error: LOST_RESPONSE }]);
      const sent = startInputs();
      const retried = await stepContext(stack, { faults: lost, maxAttempts: DEFAULT_MAX_ATTEMPTS, instrument: sent.instrument });
      const result = await refreshGroupInstance(retried.ctx, input);
      assert.equal(lost.failures.length, 1, 'the answer was lost once');
      assert.deepEqual(sent.answered.filter((name) => name !== LOST_RESPONSE.name), ['InstanceRefreshInProgressFault'], 'the SDK sent it again and AWS refused a second refresh');
      assert.equal(result.status, 'Successful');
      assert.equal((await refreshesNow()).length, 1, 'AWS ran one refresh');
      assert.equal((await instance(result.newInstanceId)).InstanceType, 't3.2xlarge');
      // As the deploy does after a refresh: the group's new instance is the stack's recorded one.
      await retried.ctx.journal.created('instance', 'instance', result.newInstanceId, { group: GROUP });
      retried.clients.destroy();

      // Without retries the lost answer fails the call; the resumed call finds the refresh by describing the group's.
      const next = await newVersion(stack.templateId, { InstanceType: 't3.xlarge' });
      const back: RefreshInput = { template: { id: stack.templateId, version: next }, instanceTypes: ['t3.xlarge'], reason: 'instance type t3.2xlarge → t3.xlarge' };
      const once = new FaultInjector([{ operation: 'autoscaling:StartInstanceRefresh', mode: 'after', error: LOST_RESPONSE }]);
      const failed = await stepContext(stack, { faults: once });
      await assert.rejects(refreshGroupInstance(failed.ctx, back), (error: unknown) => !/InstanceRefreshInProgress/.test(String(error)));
      assert.equal(journaledRefresh(failed.ctx) ?? '', '', 'no id was heard, so none is journaled');
      failed.clients.destroy();
      const resumed = await stepContext(stack);
      const again = await refreshGroupInstance(resumed.ctx, back);
      assert.equal(starts(resumed.faults), 0);
      assert.equal(again.status, 'Successful');
      assert.deepEqual(again.oldInstanceIds, [result.newInstanceId]);
      assert.equal((await instance(again.newInstanceId)).InstanceType, 't3.xlarge');
      assert.equal((await refreshesNow()).length, 2);
      resumed.clients.destroy();
    } finally {
      stack.engine.dispose();
    }
  });

  it('a refresh that fails (EC2 cannot launch the new AMI) is INSTANCE_REFRESH_FAILED, naming the instance still serving and AWS\'s reason', async () => {
    const stack = await deployed();
    try {
      const version = await newVersion(stack.templateId, { ImageId: 'ami-0123456789abcdef0' });
      const { ctx, clients } = await stepContext(stack);
      await assert.rejects(refreshGroupInstance(ctx, { template: { id: stack.templateId, version }, instanceTypes: ['t3.xlarge'], reason: 'a new AMI' }), (error: unknown) => {
        assert.ok(error instanceof GeuseError);
        assert.equal(error.code, 'INSTANCE_REFRESH_FAILED');
        assert.match(error.message, /ended Failed\. AWS said: An instance failed to launch: .*ami-0123456789abcdef0.* The instance i-\w+ \(t3\.xlarge\) serves the stack on its previous settings/);
        assert.match(error.nextStep, /run deploy again/);
        return true;
      });
      const group = await groupNow();
      const serving = (group.Instances ?? []).filter((i) => i.LifecycleState === 'InService');
      assert.equal(serving.length, 1, 'the group launched one instance from its previous configuration');
      assert.equal((await instance(serving[0]!.InstanceId!)).ImageId === 'ami-0123456789abcdef0', false, 'not from the AMI that failed');
      assert.equal(journaledRefresh(ctx), '');
      clients.destroy();
    } finally {
      stack.engine.dispose();
    }
  });

  it('the emulator answers a second StartInstanceRefresh while one runs with AWS\'s InstanceRefreshInProgress (400)', async () => {
    const stack = await deployed();
    const aws = inspector();
    try {
      const start = new StartInstanceRefreshCommand({ AutoScalingGroupName: GROUP, Preferences: { MinHealthyPercentage: 100, MaxHealthyPercentage: 200 } });
      await aws.autoscaling.send(start);
      await assert.rejects(aws.autoscaling.send(start), (error: unknown) => {
        const e = error as { name?: string; $metadata?: { httpStatusCode?: number }; message?: string };
        assert.equal(e.name, 'InstanceRefreshInProgressFault');
        assert.equal(e.$metadata?.httpStatusCode, 400);
        return true;
      });
    } finally {
      aws.destroy();
      stack.engine.dispose();
    }
  });
});
