import { parseArgs } from 'node:util';
import { type GeuseError, invalidInput, isGpuTier, type StackConfigInput, type StackStatus, type Tier, TIERS } from '../engine';
import type { Command, CommandAction } from './command';
import { COMMAND_TABLE, HELP, HELP_TEXT, VERSION } from './commands';
import type { OutputFormat } from './document';
import { checkFlagValues, FLAGS, GLOBAL_FLAGS, PARSE_OPTIONS } from './flags';

export { HELP_TEXT };

export interface CliArgs {
  /** What to run: a command of the table, or help / version. */
  command: CommandAction;
  /** The stack name argument, when given. */
  name?: string;
  /** Config settings from flags, for loadStackConfig (validated there, so its errors name the flag). */
  flags: Partial<StackConfigInput>;
  configPath?: string;
  stateDir?: string;
  endpoint?: string;
  maxAttempts?: number;
  /** A machine document is wanted (--json, or --output json|yaml): progress then goes as JSON lines. */
  json: boolean;
  /** How the result is printed (--json is --output json). */
  output: OutputFormat;
  /** --quiet: errors and warnings only. */
  quiet: boolean;
  /** The words after the stack name that the command's table entry names (restart's service). */
  operands: readonly string[];
  yes: boolean;
  adopt: boolean;
  deleteData: boolean;
  /** destroy --delete-backups. */
  deleteBackups?: boolean;
  /** destroy: false with --no-final-backup. */
  finalBackup?: boolean;
  /** Break a lock whose lease expired (its holder on another machine stopped renewing it). */
  takeOverLock: boolean;
  allowOverBudget?: boolean;
  /** `upgrade --skip-backup`. */
  skipBackup?: boolean;
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
  /** `secrets rotate --only`: the secrets named (checked by the engine, which says why one is refused). */
  only?: string[];
  /** `rollback --to`: the applied version to return to. */
  to?: number;
  /** `restore --from`: the recovery point; `--as`: a new stack to restore into. */
  from?: string;
  as?: string;
  /** `list --tier/--status`: only the stacks recorded so. */
  listFilter: { tier?: Tier; status?: StackStatus };
  /** `status --watch [--interval S]`. */
  watch: boolean;
  intervalSeconds?: number;
  /** `password --copy`. */
  copy: boolean;
  /** `logs`: keep reading; how much history (milliseconds back, last lines); the bootstrap log instead of a service's. */
  follow?: boolean;
  sinceMs?: number;
  tail?: number;
  bootstrap?: boolean;
  /** `tunnel`: the first service's local port; open the browser. */
  localPort?: number;
  open?: boolean;
  /** `workers set --pool`: the worker pool; `--min/--max/--desired`: its new sizes (checked by the engine). */
  pool?: 'n8n' | 'ollama';
  capacity?: { min?: number; max?: number; desired?: number };
}

const HELP_HINT = 'Run `geusemaker --help` for the commands and flags.';

/** Every flag the CLI has (for checking the flags hints mention). */
export const ALL_FLAGS: readonly string[] = Object.keys(FLAGS);

/** The names of the commands, in --help order. */
export const COMMANDS: readonly string[] = COMMAND_TABLE.map((command) => command.name);

/** The flags a command accepts: its own and the global ones. */
export function flagsOf(name: string): readonly string[] {
  const command = COMMAND_TABLE.find((each) => each.name === name);
  if (!command) throw new Error(`No command named ${name}`);
  return [...GLOBAL_FLAGS, ...command.flags];
}

/** `--gpu` is short for the tier that has a GPU. */
const GPU_TIER = TIERS.find(isGpuTier);

function usage(message: string): GeuseError {
  return invalidInput('USAGE', message, HELP_HINT);
}

/** "a, b and c". */
function listOf(words: readonly string[]): string {
  return words.length > 1 ? `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}` : words[0] ?? '';
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
    const option = word.startsWith('--') ? PARSE_OPTIONS[word.slice(2)] : undefined;
    if (option?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${word}=${next}`);
      i++;
    } else {
      out.push(word);
    }
  }
  return out;
}

/** The table's command named by the first words, and the words after it; an unknown one is a usage error. */
function findCommand(first: string, rest: readonly string[]): { command: Command; operands: readonly string[] } {
  const command = COMMAND_TABLE.find((each) => each.name === first);
  if (command) return { command, operands: rest };
  // A group such as `state`: its commands are named `state <sub>`.
  const group = COMMAND_TABLE.filter((each) => each.name.startsWith(`${first} `));
  if (group.length === 0) throw usage(`Unknown command "${first}". The commands are ${listOf(COMMANDS)}.`);
  const [sub, ...more] = rest;
  const subcommand = group.find((each) => each.name === `${first} ${sub}`);
  if (subcommand) return { command: subcommand, operands: more };
  // `models demo pull x`: the stack name may also come before the subcommand.
  const [after, ...others] = more;
  const late = group.find((each) => each.name === `${first} ${after}` && each.takesName);
  if (sub !== undefined && late) return { command: late, operands: [sub, ...others] };
  if (sub === undefined) throw usage(`\`geusemaker ${first}\` needs a subcommand: ${group.map((each) => `\`geusemaker ${each.usage}\``).join(' or ')}.`);
  const subs = group.map((each) => each.name.slice(first.length + 1));
  throw usage(`Unknown command "${first} ${sub}"; the ${first} command has ${subs.length === 1 ? 'one subcommand' : 'the subcommands'}, ${listOf(subs)}.`);
}

/** Turns argv into a command and its settings; every mistake is an invalid-input error naming the flag. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv), options: PARSE_OPTIONS, allowPositionals: true, strict: true });
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
  const raw: Record<string, unknown> = parsed.values;
  const checked = checkFlagValues(raw);
  if (!('values' in checked)) {
    const given = checked.flag !== undefined ? raw[checked.flag] : undefined;
    throw usage(`${checked.message}${typeof given === 'string' ? ` (got ${JSON.stringify(given)})` : ''}.`);
  }
  const values = checked.values;

  if (values.json && values.output !== undefined && values.output !== 'json') {
    throw usage(`--json is short for --output json, so it cannot go with --output ${values.output}; give one of them.`);
  }
  const output: OutputFormat = values.json ? 'json' : values.output ?? 'text';
  const base = {
    flags: {}, json: output !== 'text', output, quiet: values.quiet ?? false, operands: [], listFilter: {},
    yes: false, adopt: false, deleteData: false, takeOverLock: false, force: false, watch: false, copy: false,
  };
  if (values.help) return { ...base, command: HELP };
  if (values.version) return { ...base, command: VERSION };

  const [first, ...rest] = parsed.positionals;
  if (first === undefined || first === 'help') return { ...base, command: HELP };
  const { command, operands } = findCommand(first, rest);

  const allowed = new Set<string>([...GLOBAL_FLAGS, ...command.flags]);
  for (const flag of Object.keys(raw)) {
    if (!allowed.has(flag)) throw usage(`The flag --${flag} does not apply to \`geusemaker ${command.name}\`.`);
  }
  const { name, words } = splitOperands(command, operands);

  // Raw strings on purpose: resolveConfig's schema checks them and names the flag and value in its message.
  const flags: Record<string, unknown> = {};
  if (name !== undefined) flags.name = name;
  if (values.tier !== undefined) flags.tier = values.tier;
  if (values.gpu && GPU_TIER !== undefined) flags.tier = GPU_TIER;
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
    json: output !== 'text',
    output,
    quiet: values.quiet ?? false,
    operands: words,
    yes: values.yes ?? false,
    adopt: values.adopt ?? false,
    deleteData: values['delete-data'] ?? false,
    deleteBackups: values['delete-backups'] ?? false,
    finalBackup: !(values['no-final-backup'] ?? false),
    takeOverLock: values['take-over-lock'] ?? false,
    allowOverBudget: values['allow-over-budget'] ?? false,
    skipBackup: values['skip-backup'] ?? false,
    onlyInstanceType: values['instance-type'],
    spotMinSavingPercent: values['spot-min-saving'],
    force: values.force ?? false,
    initName: values.name,
    os: values.os,
    arch: values.arch,
    out: values.out,
    to: values.to,
    from: values.from,
    as: values.as,
    only: values.only,
    listFilter: { tier: listTier(values.tier, command), status: values.status },
    watch: values.watch ?? false,
    intervalSeconds: values.interval,
    copy: values.copy ?? false,
    follow: values.follow ?? false,
    sinceMs: values.since,
    tail: values.tail,
    bootstrap: values.bootstrap ?? false,
    localPort: values['local-port'],
    open: values.open ?? false,
    pool: values.pool,
    capacity: { min: values.min, max: values.max, desired: values.desired },
  };
}

/** The optional stack name and the words the command's entry names after it (`restart [name] <service>`). */
function splitOperands(command: Command, operands: readonly string[]): { name?: string; words: readonly string[] } {
  if (command.splitOperands) return command.splitOperands(operands);
  const wanted = command.operands ?? [];
  const maxOperands = (command.takesName ? 1 : 0) + wanted.length;
  if (operands.length > maxOperands) {
    const extra = operands.slice(maxOperands).map((operand) => `"${operand}"`).join(', ');
    const takes = wanted.length > 0 ? `; it takes \`geusemaker ${command.usage}\`` : maxOperands === 1 ? ', which takes at most one stack name' : '';
    throw usage(`Unexpected argument ${extra} for \`geusemaker ${command.name}\`${takes}.`);
  }
  if (operands.length < wanted.length) {
    const missing = wanted.slice(operands.length).map((word) => `<${word}>`).join(' ');
    throw usage(`\`geusemaker ${command.name}\` needs ${missing}: \`geusemaker ${command.usage}\`.`);
  }
  // The named words come last; a word before them is the stack name.
  const named = operands.length - wanted.length;
  return { name: named === 1 ? operands[0] : undefined, words: operands.slice(named) };
}

/** `list --tier`: checked here, since for the other commands the config schema checks it. */
function listTier(tier: string | undefined, command: Command): Tier | undefined {
  if (tier === undefined || command.name !== 'list') return undefined;
  const known = TIERS.find((each) => each === tier);
  if (!known) throw usage(`--tier must be one of ${TIERS.join(', ')} (got ${JSON.stringify(tier)}).`);
  return known;
}
