import assert from 'node:assert/strict';
import type { DestroyPlan } from '../../src/engine';
import { countsByKind, deletesData, destroyDetails, destroySummary, monthly } from '../../src/vscode/commands/destroy-dialog';

const r = (kind: DestroyPlan['toDelete'][number]['kind'], id: string) => ({ kind, id });

function plan(patch: Partial<DestroyPlan> = {}): DestroyPlan {
  return {
    stack: 'demo', region: 'us-east-1', keepData: true,
    toDelete: [r('subnet', 'subnet-b'), r('instance', 'i-0a'), r('vpc', 'vpc-1'), r('subnet', 'subnet-a'), r('security-group', 'sg-1')],
    toKeep: [r('efs', 'fs-1'), r('ssm-parameter', '/geusemaker/demo/postgres-password'), r('ssm-parameter', '/geusemaker/demo/n8n-key')],
    foreign: [],
    ...patch,
  };
}

describe('the destroy dialog words', () => {
  it('counts by kind in words, in a fixed order (compute first), with plurals', () => {
    assert.equal(countsByKind(plan().toDelete), '1 EC2 instance, 1 VPC, 2 subnets and 1 security group');
    assert.equal(countsByKind([r('vpc', 'v')]), '1 VPC');
    assert.equal(countsByKind([]), '');
  });

  it('the summary: what goes, what stays and its monthly cost; no ids, flags or padded columns', () => {
    const text = destroySummary(plan(), { usd: 1.234, basis: '4 GB on EFS' });
    assert.equal(text, [
      'Deletes 5 resources in us-east-1: 1 EC2 instance, 1 VPC, 2 subnets and 1 security group.',
      '',
      'Keeps your data (1 EFS file system and 2 secrets), about $1.23 a month, so a later deploy of demo reattaches it. Destroy Everything deletes the data too.',
    ].join('\n'));
    assert.doesNotMatch(text, /i-0a|--| {2}/);
    assert.match(destroySummary(plan(), { usd: 0, basis: '' }), /under \$0\.01 a month/, 'a kept empty file system is not "$0.00"');
    assert.match(destroySummary(plan(), undefined), /its monthly cost could not be worked out/);
  });

  it('data deleted with the stack (keepDataOnDestroy off) is said plainly and asks for the name', () => {
    const noKeep = plan({ keepData: false, toDelete: [...plan().toDelete, ...plan().toKeep], toKeep: [] });
    assert.ok(deletesData(noKeep));
    assert.ok(!deletesData(plan()));
    assert.match(destroySummary(noKeep, undefined), /The data is deleted too: .*This cannot be undone\./);
  });

  it('nothing left in AWS, and resources that are not ours, are said so', () => {
    assert.equal(destroySummary(plan({ toDelete: [], toKeep: [] }), undefined), 'Nothing of this stack is left in AWS: only its record here is removed.');
    const foreign = plan({ foreign: [{ kind: 'vpc', id: 'vpc-9', reason: 'untagged' }] });
    assert.match(destroySummary(foreign, undefined), /Leaves alone 1 resource that carries the name but is not this stack's\./);
    assert.match(destroyDetails(foreign, undefined), /\| VPC \| vpc-9 \| made outside GeuseMaker \|/);
  });

  it('the details document lists every resource by kind with its id, the kept data and its cost basis', () => {
    const doc = destroyDetails(plan(), { usd: 1.2, basis: '4.00 GB on EFS Standard' });
    assert.match(doc, /^# Destroy stack demo\n\nRegion: us-east-1\n\n## Deleted \(5\)\n\n\| What \| ID \|\n\| --- \| --- \|\n\| EC2 instance \| i-0a \|/);
    assert.match(doc, /\| subnet \| subnet-a \|\n\| subnet \| subnet-b \|/);
    assert.match(doc, /## Kept with Destroy, Keep Data \(3\)[\s\S]*about \$1\.20 a month \(4\.00 GB on EFS Standard\)[\s\S]*\| secret \| \/geusemaker\/demo\/n8n-key \|/);
    assert.equal(monthly({ usd: 12, basis: '' }), 'about $12.00 a month');
  });
});
