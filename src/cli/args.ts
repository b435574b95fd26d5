import { parseArgs } from 'node:util';
import { z } from 'zod';
import {
  DEFAULT_MAX_ATTEMPTS, DEFAULT_SPOT_MIN_SAVING, ENDPOINT_EXAMPLE, endpointUrlSchema, type GeuseError, invalidInput, type StackConfigInput, stackConfigSchema,
} from '../engine';

export type Command = 'init' | 'plan' | 'deploy' | 'destroy' | 'pause' | 'resume' | 'prices' | 'cost' | 'list' | 'show' | 'render' | 'state restore' | 'help' | 'version';

export interface CliArgs {
  command: Command;
  /** The stack name argument, when given. */
  name?: string;
  /** Config settings from flags, for loadStackConfig (validated there, so its errors name the flag). */
  flags: Partial<StackConfigInput>;
  configPath?: string;
  stateDir?: string;
  endpoint?: string;
  maxAttempts?: number;
  json: boolean;
  yes: boolean;
  adopt: boolean;
  deleteData: boolean;
  /** Break a lock whose lease expired (its holder on another machine stopped renewing it). */
  takeOverLock: boolean;
  allowOverBudget?: boolean;
  /** prices: just this type. */
  onlyInstanceType?: string;
  /** prices/cost: the least saving (percent) for which spot is recommended. */
  spotMinSavingPercent?: number;
  force: boolean;
  /** `init --name`. */
  initName?: string;
  /** `render`: OS, architecture and output folder. */
  os?: 'al2023' | 'ubuntu-22.04' | 'ubuntu-24.04';
  arch?: 'x86_64' | 'arm64';
  out?: string;
}

const HELP_HINT = 'Run `geusemaker --help` for the commands and flags.';

const MAX_ATTEMPTS = 20;
const ROOT_VOLUME = stackConfigSchema.shape.rootVolumeGb.unwrap();
const SPOT_MIN_SAVING_MAX = 90;

export const HELP_TEXT = `GeuseMaker: deploy a self-hosted AI stack (n8n, Ollama, Qdrant, Crawl4AI, PostgreSQL) to your AWS account.

Usage: geusemaker <command> [name] [flags]

Commands:
  init [--name N] [--force]   Write a commented geusemaker.yaml in this folder
  plan [name]                 Show what deploy would create, reuse and keep; changes nothing
  deploy [name]               Create or finish the stack (asks first; --yes skips the question)
  destroy [name]              Delete the stack; its data (EFS + secrets) is kept unless --delete-data
  pause [name]                Terminate the instance, keep network and data (stops the hourly compute cost)
  resume [name]               Launch the instance of a paused stack again, on the same data
  prices [--tier T | --gpu] [--instance-type T] [--spot-min-saving P]
                              Instance types in --region, cheapest first: on-demand, cheapest spot AZ, savings
  cost [name] [--spot-min-saving P]
                              Monthly estimate per stack and in total, broken down, with each price's source
  list                        Stacks known in the state folder
  show [name]                 A stack's state: status, resources, notes, last error
  render [name] --out DIR     Write exactly what would run on the instance (UserData, compose, env, nginx)
                              [--os al2023|ubuntu-22.04|ubuntu-24.04] [--arch x86_64|arm64]
  state restore [name]        Replace a corrupt state file with its newest good backup

The name may also come from the config file (name: ...) or GEUSEMAKER_NAME.

Stack settings (override the config file and GEUSEMAKER_* variables; see docs/configuration.md):
  --config <path>             Config file (default: ./geusemaker.yaml, .yml or .json)
  --tier <dev|automation|gpu> Stack size: dev (instance + EFS), automation (+ load balancer), gpu (+ GPU, CloudFront)
  --region <region>           AWS region, e.g. us-east-1
  --instance-type <type>      EC2 instance type, e.g. t3.xlarge
  --market <spot|on-demand>   How the instance is bought
  --no-on-demand-fallback     With spot, don't fall back to on-demand
  --root-volume-gb <n>        Root disk size in GiB (${ROOT_VOLUME.minValue ?? 1}-${ROOT_VOLUME.maxValue ?? ''})
  --access-cidr <cidr>        Open service ports to this CIDR only (default: none, use SSM)
  --profile <name>            AWS profile (SSO profiles work too)

Other flags:
  -y, --yes                   Don't ask for confirmation
  --json                      One JSON document on stdout; progress as JSON lines on stderr
  --adopt                     deploy/plan/destroy: take over the stack of this name that this machine has no state
                              for (deployed elsewhere, or state lost); its stack id is shown and confirmed first
  --take-over-lock            deploy/destroy/pause/resume: take the stack's lock from another machine whose lease
                              expired (it stopped renewing it); a lock still being renewed is never taken
  --delete-data               destroy: delete the EFS file system and secrets as well
  --allow-over-budget         deploy: go ahead although the estimate exceeds monthlyBudgetUsd
  --spot-min-saving <percent> prices/cost: recommend spot only when it saves at least this much (0-${SPOT_MIN_SAVING_MAX}, default ${DEFAULT_SPOT_MIN_SAVING * 100})
  --state-dir <dir>           Where stack state lives (default: $GEUSEMAKER_STATE_DIR, else ~/.geusemaker/stacks)
  --endpoint <url>            Send every AWS call to this endpoint (default: $GEUSEMAKER_AWS_ENDPOINT), e.g. a local emulator
  --max-attempts <n>          Attempts per AWS call, including the first (1-${MAX_ATTEMPTS}, default ${DEFAULT_MAX_ATTEMPTS})
  -h, --help                  This help
  --version                   Print the version

Exit codes: 0 success, 1 the operation failed, 2 invalid input, 3 refused (not confirmed, stack busy, name taken,
  not ours), 4 no such stack.
`;

const OPTIONS = {
  config: { type: 'string' },
  tier: { type: 'string' },
  region: { type: 'string' },
  'instance-type': { type: 'string' },
  market: { type: 'string' },
  'no-on-demand-fallback': { type: 'boolean' },
  'root-volume-gb': { type: 'string' },
  'access-cidr': { type: 'string' },
  profile: { type: 'string' },
  'state-dir': { type: 'string' },
  endpoint: { type: 'string' },
  'max-attempts': { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  json: { type: 'boolean' },
  adopt: { type: 'boolean' },
  'take-over-lock': { type: 'boolean' },
  'delete-data': { type: 'boolean' },
  'allow-over-budget': { type: 'boolean' },
  'spot-min-saving': { type: 'string' },
  gpu: { type: 'boolean' },
  name: { type: 'string' },
  force: { type: 'boolean' },
  os: { type: 'string' },
  arch: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

type Flag = keyof typeof OPTIONS;

/** Every flag the CLI has, with its one-letter alias where it has one (for checking the flags hints mention). */
export const ALL_FLAGS: readonly string[] = Object.keys(OPTIONS);

const GLOBAL_FLAGS: readonly Flag[] = ['json', 'state-dir', 'endpoint', 'max-attempts', 'help', 'version'];
const CONFIG_FLAGS: readonly Flag[] = ['config', 'tier', 'region', 'instance-type', 'market', 'no-on-demand-fallback', 'root-volume-gb', 'access-cidr', 'profile'];

/** Flags each command accepts besides the global ones; anything else is an error rather than silently ignored. */
const COMMAND_FLAGS: Record<Exclude<Command, 'help' | 'version'>, readonly Flag[]> = {
  init: ['name', 'force', 'config'],
  plan: [...CONFIG_FLAGS, 'adopt'],
  deploy: [...CONFIG_FLAGS, 'adopt', 'yes', 'allow-over-budget', 'take-over-lock'],
  destroy: ['config', 'region', 'profile', 'yes', 'delete-data', 'adopt', 'take-over-lock'],
  pause: ['config', 'take-over-lock'],
  prices: ['tier', 'gpu', 'instance-type', 'region', 'profile', 'spot-min-saving'],
  cost: ['config', 'spot-min-saving'],
  resume: ['config', 'take-over-lock'],
  list: [],
  show: ['config'],
  render: [...CONFIG_FLAGS, 'os', 'arch', 'out'],
  'state restore': ['config'],
};

/** Commands that take an optional stack name argument. */
const TAKES_NAME: ReadonlySet<Command> = new Set(['plan', 'deploy', 'destroy', 'pause', 'resume', 'cost', 'show', 'render', 'state restore']);

/** The flags a command accepts: its own and the global ones. */
export function flagsOf(command: Exclude<Command, 'help' | 'version'>): readonly string[] {
  return [...GLOBAL_FLAGS, ...COMMAND_FLAGS[command]];
}

export const COMMANDS: readonly Exclude<Command, 'help' | 'version'>[] = Object.keys(COMMAND_FLAGS) as Exclude<Command, 'help' | 'version'>[];

const nonEmpty = (flag: string) => z.string().trim().min(1, { error: `--${flag} needs a value` });
/** One message for every wrong value (a word, a fraction, a negative, out of range), so it always says the range. */
const wholeNumber = (flag: string, min: number, max: number, what = `a whole number from ${min} to ${max}`) => {
  const error = `--${flag} must be ${what}`;
  return z.string().trim().regex(/^\d+$/, { error }).transform(Number).pipe(z.number().min(min, { error }).max(max, { error }));
};

/** Shapes and checks the parsed values; ranges of stack settings are left to the config schema. */
const valuesSchema = z.object({
  config: nonEmpty('config').optional(),
  tier: z.string().optional(),
  region: z.string().optional(),
  'instance-type': z.string().optional(),
  market: z.string().optional(),
  'no-on-demand-fallback': z.boolean().optional(),
  'root-volume-gb': wholeNumber('root-volume-gb', ROOT_VOLUME.minValue ?? 1, ROOT_VOLUME.maxValue ?? Number.MAX_SAFE_INTEGER).optional(),
  'access-cidr': z.string().optional(),
  profile: nonEmpty('profile').optional(),
  'state-dir': nonEmpty('state-dir').optional(),
  endpoint: z.string().refine((url) => endpointUrlSchema.safeParse(url.trim()).success, {
    error: `--endpoint must be an http(s) URL such as ${ENDPOINT_EXAMPLE} (leave it out to talk to AWS itself)`,
  }).optional(),
  'max-attempts': wholeNumber('max-attempts', 1, MAX_ATTEMPTS).optional(),
  yes: z.boolean().optional(),
  json: z.boolean().optional(),
  adopt: z.boolean().optional(),
  'take-over-lock': z.boolean().optional(),
  'delete-data': z.boolean().optional(),
  'allow-over-budget': z.boolean().optional(),
  'spot-min-saving': wholeNumber('spot-min-saving', 0, SPOT_MIN_SAVING_MAX, `a percentage from 0 to ${SPOT_MIN_SAVING_MAX} (a whole number)`).optional(),
  gpu: z.boolean().optional(),
  name: z.string().optional(),
  force: z.boolean().optional(),
  os: z.enum(['al2023', 'ubuntu-22.04', 'ubuntu-24.04'], { error: '--os must be al2023, ubuntu-22.04 or ubuntu-24.04' }).optional(),
  arch: z.enum(['x86_64', 'arm64'], { error: '--arch must be x86_64 or arm64' }).optional(),
  out: nonEmpty('out').optional(),
  help: z.boolean().optional(),
  version: z.boolean().optional(),
});

function usage(message: string): GeuseError {
  return invalidInput('USAGE', message, HELP_HINT);
}

/**
 * `--max-attempts -1`: Node reads "-1" as a flag and calls the value ambiguous. A value-taking flag followed by a
 * negative number gets it as its value, so the range check can say what is wrong.
 */
function joinNegativeValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] ?? '';
    const next = argv[i + 1];
    const option = word.startsWith('--') ? (OPTIONS as Record<string, { type: string }>)[word.slice(2)] : undefined;
    if (option?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${word}=${next}`);
      i++;
    } else {
      out.push(word);
    }
  }
  return out;
}

/** Turns argv into a command and its settings; every mistake is an invalid-input error naming the flag. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv), options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const flag = /'([^']+)'/.exec(message)?.[1] ?? message;
      throw usage(`Unknown flag ${flag}.`);
    }
    // Node's own wording ("Option '--tier <value>' argument missing") already names the flag.
    throw usage(`${message.split('\n')[0] ?? message}.`.replace(/\.\.$/, '.'));
  }
  const checked = valuesSchema.safeParse(parsed.values);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const flag = issue?.path[0];
    const given = typeof flag === 'string' ? (parsed.values as Record<string, unknown>)[flag] : undefined;
    throw usage(`${issue?.message ?? 'Invalid flags'}${typeof given === 'string' ? ` (got ${JSON.stringify(given)})` : ''}.`);
  }
  const values = checked.data;
  const positionals = parsed.positionals;

  const base = { flags: {}, json: values.json ?? false, yes: false, adopt: false, deleteData: false, takeOverLock: false, force: false };
  if (values.help) return { ...base, command: 'help' };
  if (values.version) return { ...base, command: 'version' };

  const [first, ...rest] = positionals;
  if (first === undefined) return { ...base, command: 'help' };
  let command: Command;
  let operands: string[];
  if (first === 'state') {
    const [sub, ...more] = rest;
    if (sub !== 'restore') {
      throw usage(sub === undefined ? '`geusemaker state` needs a subcommand: `geusemaker state restore [name]`.' : `Unknown command "state ${sub}"; the state command has one subcommand, restore.`);
    }
    command = 'state restore';
    operands = more;
  } else if (first === 'help') {
    return { ...base, command: 'help' };
  } else if (isCommand(first)) {
    command = first;
    operands = rest;
  } else {
    throw usage(`Unknown command "${first}". The commands are init, plan, deploy, destroy, pause, resume, prices, cost, list, show, render and state restore.`);
  }

  const allowed = new Set<Flag>([...GLOBAL_FLAGS, ...COMMAND_FLAGS[command]]);
  for (const flag of Object.keys(parsed.values) as Flag[]) {
    if (!allowed.has(flag)) throw usage(`The flag --${flag} does not apply to \`geusemaker ${command}\`.`);
  }
  const maxOperands = TAKES_NAME.has(command) ? 1 : 0;
  if (operands.length > maxOperands) {
    const extra = operands.slice(maxOperands).map((operand) => `"${operand}"`).join(', ');
    throw usage(`Unexpected argument ${extra} for \`geusemaker ${command}\`${maxOperands === 1 ? ', which takes at most one stack name' : ''}.`);
  }
  const name = operands[0];

  // Raw strings on purpose: resolveConfig's schema checks them and names the flag and value in its message.
  const flags: Record<string, unknown> = {};
  if (name !== undefined) flags.name = name;
  if (values.tier !== undefined) flags.tier = values.tier;
  if (values.gpu) flags.tier = 'gpu';
  if (values.region !== undefined) flags.region = values.region;
  if (values['instance-type'] !== undefined) flags.instanceType = values['instance-type'];
  if (values.market !== undefined) flags.market = values.market;
  if (values['no-on-demand-fallback']) flags.onDemandFallback = false;
  if (values['root-volume-gb'] !== undefined) flags.rootVolumeGb = values['root-volume-gb'];
  if (values['access-cidr'] !== undefined) flags.access = { mode: 'cidr', cidr: values['access-cidr'] };
  if (values.profile !== undefined) flags.profile = values.profile;

  return {
    command,
    name,
    flags: flags as Partial<StackConfigInput>,
    configPath: values.config,
    stateDir: values['state-dir'],
    endpoint: values.endpoint,
    maxAttempts: values['max-attempts'],
    json: values.json ?? false,
    yes: values.yes ?? false,
    adopt: values.adopt ?? false,
    deleteData: values['delete-data'] ?? false,
    takeOverLock: values['take-over-lock'] ?? false,
    allowOverBudget: values['allow-over-budget'] ?? false,
    onlyInstanceType: values['instance-type'],
    spotMinSavingPercent: values['spot-min-saving'],
    force: values.force ?? false,
    initName: values.name,
    os: values.os,
    arch: values.arch,
    out: values.out,
  };
}

function isCommand(word: string): word is Exclude<Command, 'state restore' | 'help' | 'version'> {
  return word === 'init' || word === 'plan' || word === 'deploy' || word === 'destroy' || word === 'pause' || word === 'resume' || word === 'prices' || word === 'cost' || word === 'list' || word === 'show' || word === 'render';
}
