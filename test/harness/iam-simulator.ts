import { z } from 'zod';

/**
 * A small IAM policy evaluator for one account, so tests can ask what a role may really do once every policy attached
 * to it is taken together (moto stores policies but enforces none). Semantics as AWS documents them: an explicit
 * Deny in any statement wins, otherwise a request is allowed iff some Allow matches. Anything it does not model
 * (other condition operators, set operators, IfExists, policy variables, NotPrincipal) throws, because a simulator
 * that skipped a condition would answer wrongly.
 *
 * Not modelled: permission boundaries, SCPs, session policies, and KMS's rule that a key policy must grant or
 * delegate access. Documents are one pool of statements; for the aws/ssm key the grant comes from the key policy
 * itself, so the pool gives the same answer.
 */

const stringOrList = z.union([z.string(), z.array(z.string()).min(1)]);
const conditionValue = z.union([z.string(), z.boolean(), z.number()]);
const principalSchema = z.union([
  z.literal('*'),
  z.strictObject({ AWS: stringOrList.optional(), Service: stringOrList.optional() }),
]);

const statementSchema = z
  .strictObject({
    Sid: z.string().optional(),
    Effect: z.enum(['Allow', 'Deny']),
    Principal: principalSchema.optional(),
    Action: stringOrList.optional(),
    NotAction: stringOrList.optional(),
    Resource: stringOrList.optional(),
    NotResource: stringOrList.optional(),
    Condition: z.record(z.string(), z.record(z.string(), z.union([conditionValue, z.array(conditionValue).min(1)]))).optional(),
  })
  .refine((s) => (s.Action === undefined) !== (s.NotAction === undefined), { message: 'a statement needs exactly one of Action and NotAction' })
  .refine((s) => (s.Resource === undefined) !== (s.NotResource === undefined), { message: 'a statement needs exactly one of Resource and NotResource' });

export const policyDocumentSchema = z.strictObject({
  Version: z.enum(['2012-10-17', '2008-10-17']).optional(),
  Id: z.string().optional(),
  Statement: z.union([statementSchema, z.array(statementSchema)]),
});

export type PolicyStatement = z.infer<typeof statementSchema>;
export type PolicyDocument = z.infer<typeof policyDocumentSchema>;

export interface IamRequest {
  /** e.g. "ssm:GetParameter". */
  action: string;
  /** The ARN the action is authorized against. */
  resource: string;
  /** The caller's ARN; needed only when a document has a Principal (a resource policy such as a key policy). */
  principal?: string;
  /** Condition keys of the request, e.g. { "kms:ViaService": "ssm.us-east-1.amazonaws.com" }. */
  context?: Record<string, string>;
}

export type Decision = 'allowed' | 'explicit-deny' | 'implicit-deny';

const list = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

function wildcardRegex(pattern: string, flags: string): RegExp {
  if (pattern.includes('${')) throw new Error(`Policy variables are not supported by the simulator: ${pattern}`);
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

/** Wildcards match within one of the six colon-separated parts of an ARN, never across them. */
function splitArn(arn: string): string[] | undefined {
  const parts = arn.split(':');
  if (parts.length < 6 || parts[0] !== 'arn') return undefined;
  return [...parts.slice(0, 5), parts.slice(5).join(':')];
}

function arnMatches(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  const want = splitArn(pattern);
  const have = splitArn(value);
  if (!want || !have) return wildcardRegex(pattern, '').test(value);
  return want.every((part, index) => wildcardRegex(part, '').test(have[index] ?? ''));
}

function actionMatches(pattern: string, action: string): boolean {
  if (pattern !== '*' && !pattern.includes(':')) throw new Error(`Not an IAM action: ${pattern}`);
  return wildcardRegex(pattern, 'i').test(action);
}

function principalMatches(principal: PolicyStatement['Principal'], request: IamRequest): boolean {
  if (principal === undefined) return true;
  if (principal === '*') return true;
  const named = [...list(principal.AWS ?? []), ...list(principal.Service ?? [])];
  if (named.includes('*')) return true;
  if (request.principal === undefined) throw new Error(`A statement names principals (${named.join(', ')}); the request needs a principal`);
  // An account root here would delegate to the account's IAM policies, which are in the pool anyway.
  return named.includes(request.principal);
}

type Matcher = (wanted: string, actual: string) => boolean;
const POSITIVE: Record<string, Matcher> = {
  StringEquals: (wanted, actual) => wanted === actual,
  StringLike: (wanted, actual) => wildcardRegex(wanted, '').test(actual),
  ArnEquals: arnMatches,
  ArnLike: arnMatches,
  Bool: (wanted, actual) => wanted.toLowerCase() === actual.toLowerCase(),
};
const NEGATED: Record<string, string> = {
  StringNotEquals: 'StringEquals',
  StringNotLike: 'StringLike',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike',
};

/** Condition key names are case-insensitive; values are compared as the operator says. */
function contextValue(context: Record<string, string>, key: string): string | undefined {
  const found = Object.keys(context).find((name) => name.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : context[found];
}

function conditionsHold(condition: PolicyStatement['Condition'], context: Record<string, string>): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    const positive = NEGATED[operator] ?? operator;
    const match = POSITIVE[positive];
    if (!match) throw new Error(`Condition operator ${operator} is not supported by the simulator`);
    const negated = positive !== operator;
    for (const [key, raw] of Object.entries(keys)) {
      const wanted = (Array.isArray(raw) ? raw : [raw]).map(String);
      const actual = contextValue(context, key);
      // A missing key fails every positive operator and satisfies every negated one (AWS's documented behaviour).
      const anyMatch = actual !== undefined && wanted.some((value) => match(value, actual));
      const holds = negated ? !anyMatch : anyMatch;
      if (!holds) return false;
    }
  }
  return true;
}

function statementApplies(statement: PolicyStatement, request: IamRequest): boolean {
  if (!principalMatches(statement.Principal, request)) return false;
  const actionHit = list(statement.Action ?? statement.NotAction ?? []).some((pattern) => actionMatches(pattern, request.action));
  if (statement.Action !== undefined ? !actionHit : actionHit) return false;
  const resourceHit = list(statement.Resource ?? statement.NotResource ?? []).some((pattern) => arnMatches(pattern, request.resource));
  if (statement.Resource !== undefined ? !resourceHit : resourceHit) return false;
  return conditionsHold(statement.Condition, request.context ?? {});
}

/** Parses (and so validates) every document, then evaluates the request against all of their statements together. */
export function evaluate(documents: readonly unknown[], request: IamRequest): Decision {
  const statements = documents.flatMap((document) => {
    const parsed = policyDocumentSchema.parse(document);
    return Array.isArray(parsed.Statement) ? parsed.Statement : [parsed.Statement];
  });
  // No early return on the first Deny: an unsupported condition in any statement that could apply still throws.
  const applying = statements.filter((statement) => statementApplies(statement, request));
  if (applying.some((statement) => statement.Effect === 'Deny')) return 'explicit-deny';
  return applying.some((statement) => statement.Effect === 'Allow') ? 'allowed' : 'implicit-deny';
}

/**
 * The default key policy of the AWS managed key aws/ssm, transcribed from AWS's documentation (not read from an
 * account; moto has no such key). Any principal of the account may use the key, as long as it goes through SSM.
 */
export function awsSsmKeyPolicy(accountId: string, region: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Id: 'auto-ssm-2',
    Statement: [
      {
        Sid: 'Allow access through Systems Manager for all principals in the account that are authorized to use Systems Manager',
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant', 'kms:DescribeKey'],
        Resource: '*',
        Condition: { StringEquals: { 'kms:CallerAccount': accountId, 'kms:ViaService': `ssm.${region}.amazonaws.com` } },
      },
      {
        Sid: 'Allow direct access to key metadata to the account',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
        Resource: '*',
      },
    ],
  };
}
