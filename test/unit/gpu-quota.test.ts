import assert from 'node:assert/strict';
import { gpuQuotaPreflight } from '../../src/engine/plan/gpu-quota';
import { RecordedQuotas } from '../fixtures/quotas/recorded';
import { rejection } from '../harness/refusal';

const G5 = { instanceType: 'g5.xlarge', region: 'us-east-1' } as const;
const ON_DEMAND = { ...G5, market: 'on-demand', onDemandFallback: false } as const;
const SPOT_ONLY = { ...G5, market: 'spot', onDemandFallback: false } as const;
const SPOT_WITH_FALLBACK = { ...G5, market: 'spot', onDemandFallback: true } as const;


describe('GPU vCPU quota preflight (recorded GetServiceQuota responses: moto has no EC2 quotas)', () => {
  it('quota 0 → refused (kind quota, GPU_QUOTA), naming the quota, its value, the need and how to request more', async () => {
    const quotas = new RecordedQuotas({ 'L-DB2E81BA': 'g-on-demand-0.json' });
    const error = await rejection(gpuQuotaPreflight(quotas, ON_DEMAND, 4));
    assert.equal(error.code, 'GPU_QUOTA');
    assert.equal(error.kind, 'quota');
    assert.match(error.message, /g5\.xlarge needs 4 vCPUs of G and VT quota in us-east-1/);
    assert.match(error.message, /"Running On-Demand G and VT instances" \(L-DB2E81BA\) is 0 vCPUs/);
    assert.match(error.message, /new accounts start at 0/);
    assert.match(error.nextStep, /https:\/\/us-east-1\.console\.aws\.amazon\.com\/servicequotas\/home\/services\/ec2\/quotas\/L-DB2E81BA/);
    assert.match(error.nextStep, /aws service-quotas request-service-quota-increase --service-code ec2 --quota-code L-DB2E81BA --desired-value 4 --region us-east-1/);
    assert.deepEqual(quotas.calls, ['ec2/L-DB2E81BA'], 'on-demand reads only the on-demand quota');
  });

  it('a quota too small for the type → refused; enough → passes without warnings', async () => {
    const small = await rejection(gpuQuotaPreflight(new RecordedQuotas({ 'L-DB2E81BA': 'g-on-demand-2.json' }), ON_DEMAND, 4));
    assert.match(small.message, /is 2 vCPUs/);
    assert.deepEqual(await gpuQuotaPreflight(new RecordedQuotas({ 'L-DB2E81BA': 'g-on-demand-8.json' }), ON_DEMAND, 4), []);
    assert.deepEqual(await gpuQuotaPreflight(new RecordedQuotas({ 'L-DB2E81BA': 'g-on-demand-8.json' }), ON_DEMAND, 8), [], 'exactly enough is enough');
  });

  it('spot only reads the spot quota L-3819A6DF', async () => {
    const quotas = new RecordedQuotas({ 'L-3819A6DF': 'g-spot-0.json', 'L-DB2E81BA': 'g-on-demand-8.json' });
    const error = await rejection(gpuQuotaPreflight(quotas, SPOT_ONLY, 4));
    assert.match(error.message, /spot quota "All G and VT Spot Instance Requests" \(L-3819A6DF\) is 0 vCPUs/);
    assert.deepEqual(quotas.calls, ['ec2/L-3819A6DF']);
  });

  it('spot with on-demand fallback checks both: one with room is enough (a warning names the other); both short → refused', async () => {
    const spotShort = new RecordedQuotas({ 'L-3819A6DF': 'g-spot-0.json', 'L-DB2E81BA': 'g-on-demand-8.json' });
    const warnings = await gpuQuotaPreflight(spotShort, SPOT_WITH_FALLBACK, 4);
    assert.deepEqual(spotShort.calls.sort(), ['ec2/L-3819A6DF', 'ec2/L-DB2E81BA']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /spot quota .*L-3819A6DF.* is 0 vCPUs, below the 4 g5\.xlarge needs: deploy will launch on-demand instead/);
    const both = await rejection(gpuQuotaPreflight(new RecordedQuotas({ 'L-3819A6DF': 'g-spot-0.json', 'L-DB2E81BA': 'g-on-demand-0.json' }), SPOT_WITH_FALLBACK, 4));
    assert.match(both.message, /L-3819A6DF\) is 0 vCPUs and the on-demand quota .*L-DB2E81BA\) is 0 vCPUs/);
    assert.match(both.nextStep, /quota-code L-3819A6DF/);
    assert.match(both.nextStep, /or the on-demand quota L-DB2E81BA/);
  });

  it('AccessDenied on the quota call → a warning, not a refusal (EC2 enforces the quota at launch anyway)', async () => {
    const warnings = await gpuQuotaPreflight(new RecordedQuotas({ 'L-DB2E81BA': 'access-denied.json' }), ON_DEMAND, 4);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /Could not check the on-demand GPU quota L-DB2E81BA .*reading it failed \(AccessDeniedException\)/);
    assert.match(warnings[0]!, /VcpuLimitExceeded/);
  });

  it('NoSuchResourceException → the AWS default applies (GetAWSDefaultServiceQuota): 0 refuses, 8 passes', async () => {
    const zero = new RecordedQuotas({ 'L-DB2E81BA': 'no-such-resource.json' }, { 'L-DB2E81BA': 'g-on-demand-default-0.json' });
    const error = await rejection(gpuQuotaPreflight(zero, ON_DEMAND, 4));
    assert.match(error.message, /\(L-DB2E81BA\) is 0 vCPUs \(AWS default\)/);
    assert.deepEqual(zero.calls, ['ec2/L-DB2E81BA', 'ec2/L-DB2E81BA (AWS default)']);
    const eight = new RecordedQuotas({ 'L-DB2E81BA': 'no-such-resource.json' }, { 'L-DB2E81BA': 'g-on-demand-default-8.json' });
    assert.deepEqual(await gpuQuotaPreflight(eight, ON_DEMAND, 4), []);
  });

  it('NoSuchResourceException for the quota and its AWS default → a warning that says the region has no such quota', async () => {
    const quotas = new RecordedQuotas({ 'L-DB2E81BA': 'no-such-resource.json' });
    const warnings = await gpuQuotaPreflight(quotas, ON_DEMAND, 4);
    assert.match(warnings[0]!, /Service Quotas has no L-DB2E81BA in this region \(NoSuchResourceException; its AWS default: NoSuchResourceException\)/);
    assert.deepEqual(quotas.calls, ['ec2/L-DB2E81BA', 'ec2/L-DB2E81BA (AWS default)']);
  });

  it('an AWS default the service answers with an HTML page (an emulator without the call) reads "unknown", never "SyntaxError"', async () => {
    const quotas = new RecordedQuotas({ 'L-DB2E81BA': 'no-such-resource.json' });
    quotas.getAwsDefaultServiceQuota = async () => {
      throw Object.assign(new SyntaxError('Unexpected token \'<\', "<!doctype "... is not valid JSON\n  Deserialization error: …'), { $metadata: { httpStatusCode: 500 } });
    };
    const warnings = await gpuQuotaPreflight(quotas, ON_DEMAND, 4);
    assert.match(warnings[0]!, /its AWS default: unknown: Service Quotas sent an answer that is not its JSON \(HTTP 500\)\)/);
    assert.doesNotMatch(warnings[0]!, /SyntaxError/);
  });

  it('a quota answer without a value is unknown: a warning, never a number', async () => {
    const quotas = new RecordedQuotas({});
    quotas.getServiceQuota = async () => ({ Quota: { QuotaCode: 'L-DB2E81BA', QuotaName: 'Running On-Demand G and VT instances' } });
    const warnings = await gpuQuotaPreflight(quotas, ON_DEMAND, 4);
    assert.match(warnings[0]!, /its value is unknown: Service Quotas answered without one/);
  });

  it('vCPUs already in use count against the quota: 8 with 4 in use leaves no room for 8, and the refusal says so', async () => {
    const quotas = new RecordedQuotas({ 'L-DB2E81BA': 'g-on-demand-8.json' });
    assert.deepEqual(await gpuQuotaPreflight(quotas, ON_DEMAND, 4, { spot: 0, 'on-demand': 4 }), [], '8 − 4 in use leaves 4');
    const error = await rejection(gpuQuotaPreflight(quotas, ON_DEMAND, 8, { spot: 0, 'on-demand': 4 }));
    assert.match(error.message, /is 8 vCPUs with 4 already in use by running instances, leaving 4/);
    assert.match(error.nextStep, /--desired-value 12/);
    assert.match(error.nextStep, /or stop instances that use it/);
  });

  it('spot and on-demand use are counted apart: spot instances running do not use the on-demand quota', async () => {
    const quotas = new RecordedQuotas({ 'L-3819A6DF': 'g-spot-8.json', 'L-DB2E81BA': 'g-on-demand-8.json' });
    const warnings = await gpuQuotaPreflight(quotas, SPOT_WITH_FALLBACK, 8, { spot: 4, 'on-demand': 0 });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /spot quota .*is 8 vCPUs with 4 already in use.*deploy will launch on-demand instead.*--desired-value 12/);
  });

  it('one market unreadable and the other short → warnings only (it cannot be proven short)', async () => {
    const warnings = await gpuQuotaPreflight(new RecordedQuotas({ 'L-3819A6DF': 'access-denied.json', 'L-DB2E81BA': 'g-on-demand-0.json' }), SPOT_WITH_FALLBACK, 4);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /L-3819A6DF/);
  });

  it('types outside G, VT and P have no GPU quota to read', async () => {
    const quotas = new RecordedQuotas({});
    assert.deepEqual(await gpuQuotaPreflight(quotas, { ...ON_DEMAND, instanceType: 't3.xlarge' }, 4), []);
    assert.deepEqual(quotas.calls, []);
  });
});
