import { z } from 'zod';
import { DEFAULT_MAX_ATTEMPTS, DEFAULT_SPOT_MIN_SAVING, ENDPOINT_EXAMPLE, endpointUrlSchema, STACK_STATUSES, stackConfigSchema, TIERS } from '../engine';
import { OUTPUT_FORMATS } from './document';

/**
 * Every flag the CLI has, in one table: how Node parses it, how its value is checked, and its --help lines.
 * Which commands accept a flag is said by the command table (src/cli/commands), except for global flags.
 */
export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  /** How --help shows its value, e.g. `<path>`. */
  readonly value?: string;
  /** Its --help lines; a flag without them is shown in the usage of the commands that take it. */
  readonly help?: readonly string[];
  /** stack: a stack setting (overrides the config file); other: listed under "Other flags". */
  readonly section?: 'stack' | 'other';
  /** Accepted by every command. */
  readonly global?: boolean;
  /** Shapes and checks the parsed value; ranges of stack settings are left to the config schema. */
  readonly schema: z.ZodType;
}

const MAX_ATTEMPTS = 20;
const ROOT_VOLUME = stackConfigSchema.shape.rootVolumeGb.unwrap();
const SPOT_MIN_SAVING_MAX = 90;

const nonEmpty = (flag: string) => z.string().trim().min(1, { error: `--${flag} needs a value` });
/** One message for every wrong value (a word, a fraction, a negative, out of range), so it always says the range. */
const wholeNumber = (flag: string, min: number, max: number, what = `a whole number from ${min} to ${max}`) => {
  const error = `--${flag} must be ${what}`;
  return z.string().trim().regex(/^\d+$/, { error }).transform(Number).pipe(z.number().min(min, { error }).max(max, { error }));
};

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** `--since 10m`: a whole number and one unit (s, m, h, d), as milliseconds; at most a year. */
const duration = (flag: string) => {
  const error = `--${flag} must be a duration such as 30s, 10m, 2h or 1d (a whole number and one unit, at most 365d)`;
  return z.string().trim().regex(/^[1-9]\d{0,7}[smhd]$/, { error })
    .transform((text) => Number(text.slice(0, -1)) * (UNIT_MS[text.slice(-1)] ?? 0))
    .pipe(z.number().max(365 * UNIT_MS.d!, { error }));
};

// In --help order: the stack settings, then the other documented flags, then those shown in command usages.
export const FLAGS = {
  config: { type: 'string', value: '<path>', section: 'stack', help: ['Config file (default: ./geusemaker.yaml, .yml or .json)'], schema: nonEmpty('config') },
  tier: { type: 'string', value: `<${TIERS.join('|')}>`, section: 'stack', help: ['Stack size: dev (instance + EFS), automation (+ load balancer), gpu (+ GPU, CloudFront)'], schema: z.string() },
  region: { type: 'string', value: '<region>', section: 'stack', help: ['AWS region, e.g. us-east-1'], schema: z.string() },
  'instance-type': { type: 'string', value: '<type>', section: 'stack', help: ['EC2 instance type, e.g. t3.xlarge'], schema: z.string() },
  market: { type: 'string', value: '<spot|on-demand>', section: 'stack', help: ['How the instance is bought'], schema: z.string() },
  'no-on-demand-fallback': { type: 'boolean', section: 'stack', help: ['With spot, don\'t fall back to on-demand'], schema: z.boolean() },
  'root-volume-gb': {
    type: 'string', value: '<n>', section: 'stack', help: [`Root disk size in GiB (${ROOT_VOLUME.minValue ?? 1}-${ROOT_VOLUME.maxValue ?? ''})`],
    schema: wholeNumber('root-volume-gb', ROOT_VOLUME.minValue ?? 1, ROOT_VOLUME.maxValue ?? Number.MAX_SAFE_INTEGER),
  },
  'access-cidr': { type: 'string', value: '<cidr>', section: 'stack', help: ['Open service ports to this CIDR only (default: none, use SSM)'], schema: z.string() },
  profile: { type: 'string', value: '<name>', section: 'stack', help: ['AWS profile (SSO profiles work too)'], schema: nonEmpty('profile') },

  yes: { type: 'boolean', short: 'y', section: 'other', help: ['Don\'t ask for confirmation'], schema: z.boolean() },
  json: { type: 'boolean', global: true, section: 'other', help: ['One JSON document on stdout; progress as JSON lines on stderr'], schema: z.boolean() },
  output: {
    type: 'string', value: `<${OUTPUT_FORMATS.join('|')}>`, global: true, section: 'other', help: ['The result as words (default), JSON (same as --json) or YAML (the same data as the JSON)'],
    schema: z.enum(OUTPUT_FORMATS, { error: `--output must be ${OUTPUT_FORMATS.join(', ')}` }),
  },
  quiet: { type: 'boolean', short: 'q', global: true, section: 'other', help: ['Errors and warnings only (on stderr): no progress lines or summaries'], schema: z.boolean() },
  adopt: {
    type: 'boolean', section: 'other', schema: z.boolean(), help: [
      'deploy/plan/destroy: take over the stack of this name that this machine has no state',
      'for (deployed elsewhere, or state lost); its stack id is shown and confirmed first',
    ],
  },
  'take-over-lock': {
    type: 'boolean', section: 'other', schema: z.boolean(), help: [
      'deploy/destroy/pause/resume: take the stack\'s lock from another machine whose lease',
      'expired (it stopped renewing it); a lock still being renewed is never taken',
    ],
  },
  'delete-data': { type: 'boolean', section: 'other', help: ['destroy: delete the EFS file system and secrets as well'], schema: z.boolean() },
  'delete-backups': { type: 'boolean', section: 'other', help: ['destroy: delete the stack\'s recovery points and its backup vault as well'], schema: z.boolean() },
  'no-final-backup': { type: 'boolean', section: 'other', help: ['destroy --delete-data: skip the backup taken before the data is deleted'], schema: z.boolean() },
  'allow-over-budget': { type: 'boolean', section: 'other', help: ['deploy: go ahead although the estimate exceeds monthlyBudgetUsd'], schema: z.boolean() },
  'skip-backup': { type: 'boolean', section: 'other', help: ['upgrade, rollback: go ahead without the backup taken first (upgrade needs it when backups are off)'], schema: z.boolean() },
  'spot-min-saving': {
    type: 'string', value: '<percent>', section: 'other',
    help: [`prices/cost: recommend spot only when it saves at least this much (0-${SPOT_MIN_SAVING_MAX}, default ${DEFAULT_SPOT_MIN_SAVING * 100})`],
    schema: wholeNumber('spot-min-saving', 0, SPOT_MIN_SAVING_MAX, `a percentage from 0 to ${SPOT_MIN_SAVING_MAX} (a whole number)`),
  },
  'state-dir': {
    type: 'string', value: '<dir>', global: true, section: 'other', help: ['Where stack state lives (default: $GEUSEMAKER_STATE_DIR, else ~/.geusemaker/stacks)'],
    schema: nonEmpty('state-dir'),
  },
  endpoint: {
    type: 'string', value: '<url>', global: true, section: 'other',
    help: ['Send every AWS call to this endpoint (default: $GEUSEMAKER_AWS_ENDPOINT), e.g. a local emulator'],
    schema: z.string().refine((url) => endpointUrlSchema.safeParse(url.trim()).success, {
      error: `--endpoint must be an http(s) URL such as ${ENDPOINT_EXAMPLE} (leave it out to talk to AWS itself)`,
    }),
  },
  'max-attempts': {
    type: 'string', value: '<n>', global: true, section: 'other',
    help: [`Attempts per AWS call, including the first (1-${MAX_ATTEMPTS}, default ${DEFAULT_MAX_ATTEMPTS})`],
    schema: wholeNumber('max-attempts', 1, MAX_ATTEMPTS),
  },
  help: { type: 'boolean', short: 'h', global: true, section: 'other', help: ['This help'], schema: z.boolean() },
  version: { type: 'boolean', global: true, section: 'other', help: ['Print the version'], schema: z.boolean() },

  only: {
    type: 'string', value: '<secrets>', section: 'other', help: ['secrets rotate: only these, comma-separated (postgres, qdrant, crawl4ai, proxy, n8n-owner)'],
    schema: z.string().transform((text) => text.split(',').map((word) => word.trim())).pipe(z.array(z.string().min(1, { error: '--only names an empty secret (a stray comma?)' }))),
  },
  from: {
    type: 'string', value: '<recovery point ARN>', section: 'other', help: ['restore: the recovery point to restore (an ARN `geusemaker backup <name> list` shows)'],
    schema: z.string().trim().regex(/^arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:recovery-point:[A-Za-z0-9-]+$/, { error: '--from must be a recovery point ARN such as arn:aws:backup:us-east-1:123456789012:recovery-point:1EB3B5E7-9EB0-435A-A80B-108B488B0D45 (`geusemaker backup <name> list` shows them)' }),
  },
  as: { type: 'string', value: '<new stack>', section: 'other', help: ['restore: into a new stack of this name (without it, the stack itself is switched)'], schema: nonEmpty('as') },
  to: { type: 'string', value: '<version>', section: 'other', help: ['rollback: the applied version to return to (default: the one before the current)'], schema: wholeNumber('to', 1, 1_000_000, 'a version number from `geusemaker history`') },
  status: { type: 'string', value: '<status>', schema: z.enum(STACK_STATUSES, { error: `--status must be one of ${STACK_STATUSES.join(', ')}` }) },
  watch: { type: 'boolean', schema: z.boolean() },
  interval: { type: 'string', value: '<seconds>', schema: wholeNumber('interval', 1, 3600, 'a whole number of seconds from 1 to 3600') },
  copy: { type: 'boolean', schema: z.boolean() },
  follow: { type: 'boolean', short: 'f', schema: z.boolean() },
  since: { type: 'string', value: '<30s|10m|2h|1d>', schema: duration('since') },
  tail: { type: 'string', value: '<lines>', schema: wholeNumber('tail', 1, 1_000_000, 'a positive whole number of lines (1 to 1000000)') },
  bootstrap: { type: 'boolean', schema: z.boolean() },
  'local-port': { type: 'string', value: '<port>', schema: wholeNumber('local-port', 1, 65_535, 'a port number from 1 to 65535') },
  open: { type: 'boolean', schema: z.boolean() },
  gpu: { type: 'boolean', schema: z.boolean() },
  name: { type: 'string', schema: z.string() },
  force: { type: 'boolean', schema: z.boolean() },
  os: { type: 'string', schema: z.enum(['al2023', 'ubuntu-22.04', 'ubuntu-24.04'], { error: '--os must be al2023, ubuntu-22.04 or ubuntu-24.04' }) },
  arch: { type: 'string', schema: z.enum(['x86_64', 'arm64'], { error: '--arch must be x86_64 or arm64' }) },
  out: { type: 'string', schema: nonEmpty('out') },
  pool: { type: 'string', value: '<n8n|ollama>', schema: z.enum(['n8n', 'ollama'], { error: '--pool must be n8n or ollama' }) },
  // 0 passes here so the engine can say why it is refused (that is what pause does).
  min: { type: 'string', value: '<n>', schema: wholeNumber('min', 0, 100, 'a whole number of workers from 1 to 100') },
  max: { type: 'string', value: '<n>', schema: wholeNumber('max', 0, 100, 'a whole number of workers from 1 to 100') },
  desired: { type: 'string', value: '<n>', schema: wholeNumber('desired', 0, 100, 'a whole number of workers from 1 to 100') },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

const FLAG_NAMES = Object.keys(FLAGS) as FlagName[];

export function isFlagName(word: string): word is FlagName {
  return Object.hasOwn(FLAGS, word);
}

/** A flag's entry, widened so its optional fields can be read. */
export function specOf(flag: FlagName): FlagSpec {
  return FLAGS[flag];
}

/** Flags every command accepts. */
export const GLOBAL_FLAGS: readonly FlagName[] = FLAG_NAMES.filter((flag) => specOf(flag).global === true);
/** The stack settings: the commands that read a stack's config accept them all. */
export const STACK_SETTING_FLAGS: readonly FlagName[] = FLAG_NAMES.filter((flag) => specOf(flag).section === 'stack');

/** The options node:util parseArgs takes. */
export const PARSE_OPTIONS: Record<string, { type: 'string' | 'boolean'; short?: string }> = Object.fromEntries(
  FLAG_NAMES.map((flag) => {
    const spec = specOf(flag);
    return [flag, spec.short !== undefined ? { type: spec.type, short: spec.short } : { type: spec.type }];
  }),
);

type FlagValues = { [F in FlagName]?: z.output<(typeof FLAGS)[F]['schema']> };

const valuesSchema = z.object(Object.fromEntries(FLAG_NAMES.map((flag) => [flag, FLAGS[flag].schema.optional()])));

/** Checks parsed flag values against their schemas; the first problem, if any, is returned with its flag. */
export function checkFlagValues(values: Record<string, unknown>): { values: FlagValues } | { message: string; flag?: string } {
  const checked = valuesSchema.safeParse(values);
  if (checked.success) return { values: checked.data as FlagValues };
  const issue = checked.error.issues[0];
  const flag = issue?.path[0];
  return { message: issue?.message ?? 'Invalid flags', flag: typeof flag === 'string' ? flag : undefined };
}
