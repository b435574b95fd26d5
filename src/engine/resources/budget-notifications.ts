import {
  CreateNotificationCommand, CreateSubscriberCommand, DeleteNotificationCommand, DeleteSubscriberCommand, paginateDescribeNotificationsForBudget,
  paginateDescribeSubscribersForNotification,
} from '@aws-sdk/client-budgets';
import { z } from 'zod';
import { classifyAwsError } from '../aws/classify';
import type { StepContext } from '../context';
import { alertWords, BUDGET_ALERTS, liveNotificationSchema, liveSubscriberSchema, sameAlert, type BudgetAlert, type LiveNotification } from './budget-spec';

/** What the budget's alerts are once reconciled (read from AWS, or written and then known). */
export interface AlertsOutcome {
  /** Words for the step's detail, e.g. "alerts at 80% of actual spend, 100% of forecast spend → ops@example.com". */
  words: string;
  /** The address the alerts go to now, when AWS said so (or we just wrote it). */
  email?: string;
}

function lacksApi(error: unknown): boolean {
  return classifyAwsError(error).code === 'ENDPOINT_API_MISSING';
}

const emailTo = (email: string) => [{ SubscriptionType: 'EMAIL' as const, Address: email }];

async function liveAlerts(ctx: StepContext, AccountId: string, BudgetName: string): Promise<LiveNotification[]> {
  const found: LiveNotification[] = [];
  for await (const page of paginateDescribeNotificationsForBudget({ client: ctx.clients.budgets }, { AccountId, BudgetName })) {
    found.push(...z.array(liveNotificationSchema).parse(page.Notifications ?? []));
  }
  return found;
}

/** The alert's subscribers; undefined when the endpoint cannot say (an emulator without the API). */
async function subscribersOf(ctx: StepContext, AccountId: string, BudgetName: string, Notification: BudgetAlert): Promise<z.infer<typeof liveSubscriberSchema>[] | undefined> {
  try {
    const found: z.infer<typeof liveSubscriberSchema>[] = [];
    for await (const page of paginateDescribeSubscribersForNotification({ client: ctx.clients.budgets }, { AccountId, BudgetName, Notification })) {
      found.push(...z.array(liveSubscriberSchema).parse(page.Subscribers ?? []));
    }
    return found;
  } catch (error) {
    if (lacksApi(error)) return undefined;
    throw error;
  }
}

/**
 * Our two alerts (80% actual, 100% forecast) mailed to `email`, or none without one. Read first, written only
 * where they differ: a missing alert is created, an address the config no longer names is replaced. Alerts of
 * other shapes (added by hand) are left alone. An endpoint that cannot list subscribers (an emulator) falls back on
 * the address the journal recorded: a changed one has the alert made again with the new address.
 */
export async function reconcileAlerts(ctx: StepContext, accountId: string, name: string, email: string | undefined, recordedEmail: string | undefined): Promise<AlertsOutcome> {
  const live = await liveAlerts(ctx, accountId, name);
  const base = { AccountId: accountId, BudgetName: name };
  let unread = false;
  for (const alert of BUDGET_ALERTS) {
    const present = live.some((n) => sameAlert(n, alert));
    if (!email) {
      if (present) await ctx.clients.budgets.send(new DeleteNotificationCommand({ ...base, Notification: alert }));
      continue;
    }
    if (!present) {
      await ctx.clients.budgets.send(new CreateNotificationCommand({ ...base, Notification: alert, Subscribers: emailTo(email) }));
      continue;
    }
    const subscribers = await subscribersOf(ctx, accountId, name, alert);
    if (!subscribers) {
      unread = true;
      if (recordedEmail !== undefined && recordedEmail !== email) {
        await ctx.clients.budgets.send(new DeleteNotificationCommand({ ...base, Notification: alert }));
        await ctx.clients.budgets.send(new CreateNotificationCommand({ ...base, Notification: alert, Subscribers: emailTo(email) }));
      }
      continue;
    }
    if (!subscribers.some((s) => s.SubscriptionType === 'EMAIL' && s.Address === email)) {
      await ctx.clients.budgets.send(new CreateSubscriberCommand({ ...base, Notification: alert, Subscriber: emailTo(email)[0] }));
    }
    // An address the config no longer names stops getting the alert (SNS subscribers, added by hand, stay).
    for (const old of subscribers) {
      if (old.SubscriptionType === 'EMAIL' && old.Address !== email) {
        await ctx.clients.budgets.send(new DeleteSubscriberCommand({ ...base, Notification: alert, Subscriber: { SubscriptionType: 'EMAIL', Address: old.Address } }));
      }
    }
  }
  if (!email) return { words: 'no alerts: notifyEmail is not set' };
  if (unread) {
    await ctx.report.note('The endpoint does not implement budgets:DescribeSubscribersForNotification (an emulator): the budget alerts\' addresses were not read back; the address the journal recorded stands for them.');
  }
  return { words: `alerts at ${BUDGET_ALERTS.map(alertWords).join(', ')} → ${email}`, email };
}
