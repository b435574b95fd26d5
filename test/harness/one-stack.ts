import assert from 'node:assert/strict';
import { stackSecrets } from '../../src/engine/resources/secrets';
import { usesCloudFront, type StackConfig } from '../../src/engine/stack/config';
import { LOAD_BALANCED_TIERS } from '../../src/engine/tiers';
import { countByKind, sweep } from './engine';

/** What AWS holds is exactly one complete stack of this config's shape: nothing missing, nothing twice. */
export async function assertExactlyOneStack(config: StackConfig): Promise<void> {
  const balanced = LOAD_BALANCED_TIERS.includes(config.tier);
  const expected: Record<string, number> = {
    vpc: 1, 'internet-gateway': 1, 'route-table': 1, subnet: 2, efs: 1, 'mount-target': 2, instance: 1, 'launch-template': 1, 'auto-scaling-group': 1,
    'security-group': balanced ? 3 : 2, 'ssm-parameter': stackSecrets(config).length,
    'backup-vault': config.backup.enabled ? 1 : 0, 'backup-plan': config.backup.enabled ? 1 : 0,
    'load-balancer': balanced ? 1 : 0, 'target-group': balanced ? 1 : 0, 'cloudfront-distribution': usesCloudFront(config) ? 1 : 0,
  };
  const counts = countByKind(await sweep(config.name, config.region));
  const actual = Object.fromEntries(Object.keys(expected).map((kind) => [kind, counts[kind] ?? 0]));
  assert.deepEqual(actual, expected, 'exactly one of each resource of the stack');
}
