import { defineKind, handle, provide, step } from './types';

const ARN = handle<string>('sns-topic', 'the notification topic');

/** With notifyEmail: an SNS topic the user's address subscribes to; the group sends its launch and termination notices there. */
export const snsTopic = defineKind({
  kind: 'sns-topic',
  part: 'instance',
  dependsOn: [],
  handles: { arn: ARN },
  journalKeys: (scope) => (scope.config.notifyEmail ? ['notify-topic'] : []),
  findByTag: async (clients, stack) => (await import('../resources/notifications')).sweepTopics(clients, stack),
  steps: (scope) => {
    const email = scope.config.notifyEmail;
    if (!email) return [];
    return [step({
      id: 'notify-topic', title: 'Notification topic (email)', keys: ['notify-topic'], uses: {}, provides: [ARN],
      run: async (ctx) => {
        const { arn, outcome, detail } = await (await import('../resources/notifications')).ensureNotifyTopic(ctx, email);
        return { outcome, detail, provided: [provide(ARN, arn)] };
      },
    })];
  },
  teardown: {
    step: { id: 'notify-topic', title: 'Notification topic' },
    delete: async (ctx, ids) => (await import('../resources/notifications')).deleteTopics(ctx, ids),
  },
  keptWithData: false,
  adoptable: true,
});
