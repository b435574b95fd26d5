import { stackSecrets } from '../resources/secret-specs';
import { efs } from './efs';
import { defineKind, handle, provide, step } from './types';

const NAMES = handle<string[]>('ssm-parameter', "the stack's secrets");

/** The stack's generated secrets (SecureStrings). They protect or open the data on EFS, so they are kept with it. */
export const ssmParameter = defineKind({
  kind: 'ssm-parameter',
  part: 'secrets',
  dependsOn: [],
  handles: { names: NAMES },
  journalKeys: (scope) => stackSecrets(scope.config).map((secret) => secret.key),
  findByTag: async (clients, stack) => (await import('../resources/sweep')).sweepParameters(clients, stack),
  steps: (scope) => [step({
    id: 'secrets', title: 'Secrets in Parameter Store', keys: stackSecrets(scope.config).map((secret) => secret.key), uses: {}, provides: [NAMES],
    run: async (ctx) => {
      const result = await (await import('../resources/secrets')).ensureSecrets(ctx);
      return { ...result, provided: [provide(NAMES, result.parameterNames)] };
    },
  })],
  teardown: {
    step: { id: 'secrets', title: 'Secrets' },
    delete: async (ctx, ids) => (await import('../resources/teardown')).deleteParameters(ctx, ids),
    // Last: CloudFront's header and the instance read them, and they open the data on EFS; an interrupted destroy must leave them for a redeploy.
    after: [efs],
  },
  keptWithData: true,
  adoptable: true,
});
