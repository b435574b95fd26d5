import { CreateBudgetCommand, DeleteBudgetCommand, DescribeBudgetCommand, ListTagsForResourceCommand, UpdateBudgetCommand, type Budget } from '@aws-sdk/client-budgets';
import { z } from 'zod';
import type { AwsClients } from '../aws/clients';
import { awsErrorCode, classifyAwsError, isNotFound } from '../aws/classify';
import type { StepContext } from '../context';
import { readCallerIdentity } from '../discovery/identity';
import { refused } from '../errors';
import type { StepResult } from '../graph/run-graph';
import { stackTags, tagValue, TAG_CREATED_AT, TAG_CREATED_ON, TAG_RESOURCE, TAG_STACK, TAG_STACK_ID } from '../stack/naming';
import { reconcileAlerts } from './budget-notifications';
import { budgetArn, budgetDifferences, budgetName, BUDGET_ALERTS, BUDGET_COST_FILTER_KEY, filtersStack, liveBudgetSchema, tagKeyValue, type LiveBudget } from './budget-spec';
import { ensureResource, type Found } from './ensure';
import type { SweptResource } from './sweep';
import type { TeardownContext } from './teardown';

export const BUDGET_KEY = 'budget';

/** Budgets answers "no such budget" as NotFoundException, which the generic rule does not take for not-found. */
function isGone(error: unknown): boolean {
  return isNotFound(error) || awsErrorCode(error) === 'NotFoundException';
}

function lacksApi(error: unknown): boolean {
  return classifyAwsError(error).code === 'ENDPOINT_API_MISSING';
}

/** Every Budgets call names the account: read once per set of clients (the sweep and destroy have no plan facts). */
const accounts = new WeakMap<AwsClients, Promise<string>>();
export function accountOf(clients: AwsClients): Promise<string> {
  let account = accounts.get(clients);
  if (!account) {
    account = readCallerIdentity(clients, clients.profile).then((identity) => identity.account);
    account.catch(() => accounts.delete(clients));
    accounts.set(clients, account);
  }
  return account;
}

export async function describeBudget(clients: AwsClients, AccountId: string, BudgetName: string): Promise<LiveBudget | undefined> {
  let answer;
  try {
    answer = (await clients.budgets.send(new DescribeBudgetCommand({ AccountId, BudgetName }))).Budget;
  } catch (error) {
    if (isGone(error)) return undefined;
    throw error;
  }
  return answer ? liveBudgetSchema.parse(answer) : undefined;
}

const tagsSchema = z.array(z.object({ Key: z.string(), Value: z.string() }));
type BudgetTags = { readable: true; tags: z.infer<typeof tagsSchema> } | { readable: false };

/** The budget's tags; unreadable on an endpoint without the API (an emulator), where only the journal proves ownership. */
async function budgetTags(clients: AwsClients, accountId: string, name: string): Promise<BudgetTags> {
  try {
    const answer = await clients.budgets.send(new ListTagsForResourceCommand({ ResourceARN: budgetArn(accountId, name) }));
    return { readable: true, tags: tagsSchema.parse(answer.ResourceTags ?? []) };
  } catch (error) {
    if (lacksApi(error)) return { readable: false };
    if (isGone(error)) return { readable: true, tags: [] };
    throw error;
  }
}

function wantedBudget(name: string, stack: string, limitUsd: number): Budget {
  return {
    BudgetName: name, BudgetType: 'COST', TimeUnit: 'MONTHLY',
    BudgetLimit: { Amount: String(limitUsd), Unit: 'USD' },
    CostFilters: { [BUDGET_COST_FILTER_KEY]: [tagKeyValue(stack)] },
  };
}

/**
 * The stack's monthly COST budget of `limitUsd`, counting costs tagged geusemaker:stack=<stack>, with its two alerts
 * mailed to `email` (none without one). Budgets has no idempotency token and a fixed name: "already exists" is our
 * own earlier attempt only when its tags carry our stack id (an endpoint that cannot read tags: when it counts our
 * tag, since the plan found no such budget before this deploy); else it is someone else's and is refused, untouched.
 * A reused budget is read first and written only where it differs.
 */
export async function ensureBudget(ctx: StepContext, limitUsd: number, email: string | undefined): Promise<StepResult> {
  const name = budgetName(ctx.stack, ctx.clients.region);
  const accountId = ctx.facts.accountId;
  let live: LiveBudget | undefined;
  const ours = async (): Promise<Found | undefined> => {
    live = await describeBudget(ctx.clients, accountId, name);
    if (!live) return undefined;
    const tags = await budgetTags(ctx.clients, accountId, name);
    const mine = tags.readable ? tagValue(tags.tags, TAG_STACK_ID) === ctx.stackId : filtersStack(live, ctx.stack);
    return mine ? { id: name } : undefined;
  };
  const recordedEmail = ctx.journal.record(BUDGET_KEY)?.attrs.email;
  const { found, outcome } = await ensureResource(ctx, {
    key: BUDGET_KEY, kind: 'budget',
    describe: async (id) => {
      live = await describeBudget(ctx.clients, accountId, id);
      return live ? { id } : undefined;
    },
    findOrphan: ours,
    create: async () => {
      try {
        await ctx.clients.budgets.send(new CreateBudgetCommand({
          AccountId: accountId, Budget: wantedBudget(name, ctx.stack, limitUsd),
          NotificationsWithSubscribers: email ? BUDGET_ALERTS.map((alert) => ({ Notification: alert, Subscribers: [{ SubscriptionType: 'EMAIL', Address: email }] })) : undefined,
          ResourceTags: stackTags(ctx, BUDGET_KEY, name),
        }));
        live = undefined;
        return { id: name };
      } catch (error) {
        if (awsErrorCode(error) !== 'DuplicateRecordException') throw error;
        const mine = await ours();
        if (mine) return mine;
        throw refused('NAME_TAKEN', `An AWS Budgets budget named ${name} already exists in this account and is not this stack's, so it was left alone.`,
          `Rename or delete that budget in the Billing console if it is unused, remove monthlyBudgetUsd, or choose another stack name; if it is a stack of yours deployed from elsewhere, take that stack over with \`geusemaker deploy ${ctx.stack} --adopt\`.`);
      }
    },
  });
  let updated = '';
  const differences = live ? budgetDifferences(live, ctx.stack, limitUsd) : [];
  if (differences.length > 0) {
    try {
      await ctx.clients.budgets.send(new UpdateBudgetCommand({ AccountId: accountId, NewBudget: wantedBudget(name, ctx.stack, limitUsd) }));
      updated = `; updated: ${differences.join(', ')}`;
    } catch (error) {
      if (!lacksApi(error)) throw error;
      await ctx.report.note(`The endpoint does not implement budgets:UpdateBudget (an emulator): budget ${name} keeps its ${differences.join(', ')}.`);
      updated = '; not updated: the endpoint lacks the API';
    }
  }
  const alerts = await reconcileAlerts(ctx, accountId, name, email, recordedEmail);
  await ctx.journal.created(BUDGET_KEY, 'budget', found.id, { limitUsd: String(limitUsd), ...(alerts.email ? { email: alerts.email } : {}) });
  return { outcome, detail: `${name}: $${limitUsd}/month of costs tagged ${TAG_STACK}=${ctx.stack}${updated}; ${alerts.words}` };
}

/** The stack's budget by its fixed name, with the owner its tags say (none on an endpoint that cannot read them). */
export async function sweepBudgets(clients: AwsClients, stack: string): Promise<SweptResource[]> {
  const name = budgetName(stack, clients.region);
  try {
    const accountId = await accountOf(clients);
    if (!(await describeBudget(clients, accountId, name))) return [];
    const tags = await budgetTags(clients, accountId, name);
    if (!tags.readable) return [{ kind: 'budget', id: name }];
    const swept: SweptResource = { kind: 'budget', id: name, key: tagValue(tags.tags, TAG_RESOURCE), stackId: tagValue(tags.tags, TAG_STACK_ID) };
    const createdOn = tagValue(tags.tags, TAG_CREATED_ON);
    const createdAt = tagValue(tags.tags, TAG_CREATED_AT);
    if (createdOn) swept.createdOn = createdOn;
    if (createdAt) swept.createdAt = createdAt;
    return [swept];
  } catch (error) {
    // Budgets costs nothing by itself: credentials that may not read it (or an endpoint without it) hide no bill.
    const kind = classifyAwsError(error).kind;
    if (kind === 'permission' || lacksApi(error)) return [];
    throw error;
  }
}

/** Deleting a budget deletes its alerts and their subscribers; "not found" is done. */
export async function deleteBudgets(ctx: TeardownContext, names: readonly string[]): Promise<void> {
  const accountId = await accountOf(ctx.clients);
  for (const BudgetName of names) {
    try {
      await ctx.clients.budgets.send(new DeleteBudgetCommand({ AccountId: accountId, BudgetName }));
    } catch (error) {
      if (!isGone(error)) throw error;
    }
  }
}
