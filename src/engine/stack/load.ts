import { readFile, stat } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { z } from 'zod';
import { LineCounter, isMap, isScalar, parseDocument } from 'yaml';
import { invalidInput } from '../errors';
import { accessSchema, stackConfigSchema, stackNameSchema, type StackConfig, type StackConfigInput } from './config';

export interface ConfigSources {
  flags: Partial<StackConfigInput>;
  env: NodeJS.ProcessEnv;
  file?: { path: string; text: string };
}

/** Looked for in this order; the first one that exists wins. */
export const CONFIG_FILE_NAMES = ['geusemaker.yaml', 'geusemaker.yml', 'geusemaker.json'] as const;

const INIT_HINT = '`geusemaker init` writes a commented sample geusemaker.yaml.';

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------
// Config file

/** Parses a config file's text; `.json` as JSON, anything else as YAML (JSON is valid YAML too). */
export function parseConfigFile(path: string, text: string): Record<string, unknown> {
  const body = text.replace(/^\uFEFF/, '');
  const isJson = extname(path).toLowerCase() === '.json';
  const value = isJson ? parseJson(path, body) : parseYaml(path, body);
  if (!isRecord(value)) {
    const found = Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`;
    throw invalidInput(
      'CONFIG_MALFORMED',
      `${path} must hold a mapping of settings (such as "name: demo") at the top level, but it holds ${found}.`,
      `Rewrite ${path} as key: value settings, then run again. ${INIT_HINT}`,
    );
  }
  return value;
}

function parseYaml(path: string, text: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const first = doc.errors[0]?.linePos?.[0];
    const lines = doc.errors.slice(0, 5).map((error) => {
      const pos = error.linePos?.[0];
      // The library's message repeats the position and appends a source excerpt; keep the first sentence.
      const text = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:?$/, '');
      return `  ${path}${pos ? `:${pos.line}:${pos.col}` : ''}: ${text}`;
    });
    throw invalidInput(
      'CONFIG_MALFORMED',
      `${path} is not valid YAML:\n${lines.join('\n')}`,
      `Fix the YAML ${first ? `at line ${first.line}, column ${first.col} ` : ''}of ${path} (check indentation, colons and quotes), then run again. ${INIT_HINT}`,
    );
  }
  try {
    // An empty or comments-only file sets nothing, like a file that isn't there.
    return doc.contents === null ? {} : doc.toJS();
  } catch (error) {
    throw invalidInput(
      'CONFIG_MALFORMED',
      `${path} could not be read as YAML: ${(error as Error).message}`,
      `Fix ${path}, then run again. ${INIT_HINT}`,
    );
  }
}

function parseJson(path: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message)?.[1];
    let where: { line: number; col: number } | undefined;
    if (position !== undefined) {
      const before = text.slice(0, Number(position)).split('\n');
      where = { line: before.length, col: (before[before.length - 1]?.length ?? 0) + 1 };
    }
    // V8 sometimes quotes the whole input in the message; keep the error on one line.
    const oneLine = message.replace(/\s*\n\s*/g, ' ');
    throw invalidInput(
      'CONFIG_MALFORMED',
      `${path} is not valid JSON:\n  ${path}${where ? `:${where.line}:${where.col}` : ''}: ${oneLine}`,
      `Fix the JSON ${where ? `at line ${where.line}, column ${where.col} ` : ''}of ${path}, then run again. ${INIT_HINT}`,
    );
  }
}

/** The first of geusemaker.yaml, geusemaker.yml, geusemaker.json that exists in `cwd`. */
export function findConfigFile(cwd: string): string | undefined {
  for (const name of CONFIG_FILE_NAMES) {
    const candidate = join(cwd, name);
    if (statSync(candidate, { throwIfNoEntry: false })?.isFile()) return candidate;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Environment

interface EnvReading {
  values: Partial<StackConfigInput>;
  /** Top-level key → the variable it came from. */
  variables: Map<string, string>;
  /** AWS_PROFILE, kept apart: it ranks below the config file (see resolveConfig). */
  awsProfile?: string;
}

const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

function readEnv(env: NodeJS.ProcessEnv): EnvReading {
  const values: Partial<StackConfigInput> = {};
  const variables = new Map<string, string>();
  const problems: string[] = [];
  const shape = stackConfigSchema.shape;

  // An empty variable (`GEUSEMAKER_REGION=`) is treated as unset, as shells make that easy to do by accident.
  const raw = (variable: string): string | undefined => {
    const value = env[variable]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  // Each value is checked by the same schema as the file, so the error can name the variable rather than a key.
  const check = <S extends z.ZodType>(schema: S, variable: string, value: unknown, text: string): z.output<S> | undefined => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    // The first issue is enough: later ones tend to restate it (a malformed CIDR also fails the width check).
    problems.push(`${variable}: ${result.error.issues[0]?.message ?? 'is not valid'} (got ${JSON.stringify(text)})`);
    return undefined;
  };
  const bool = (variable: string, text: string): boolean | undefined => {
    const word = text.toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    problems.push(`${variable} must be true or false (also accepted: 1/0, yes/no), got ${JSON.stringify(text)}`);
    return undefined;
  };
  const set = <K extends keyof StackConfigInput>(key: K, variable: string, value: StackConfigInput[K] | undefined): void => {
    if (value === undefined) return;
    values[key] = value;
    variables.set(key, variable);
  };

  let text: string | undefined;
  if ((text = raw('GEUSEMAKER_NAME')) !== undefined) set('name', 'GEUSEMAKER_NAME', check(stackNameSchema, 'GEUSEMAKER_NAME', text, text));
  if ((text = raw('GEUSEMAKER_TIER')) !== undefined) set('tier', 'GEUSEMAKER_TIER', check(shape.tier, 'GEUSEMAKER_TIER', text, text));
  if ((text = raw('GEUSEMAKER_REGION')) !== undefined) set('region', 'GEUSEMAKER_REGION', check(shape.region, 'GEUSEMAKER_REGION', text, text));
  if ((text = raw('GEUSEMAKER_INSTANCE_TYPE')) !== undefined) {
    set('instanceType', 'GEUSEMAKER_INSTANCE_TYPE', check(shape.instanceType, 'GEUSEMAKER_INSTANCE_TYPE', text, text));
  }
  if ((text = raw('GEUSEMAKER_MARKET')) !== undefined) set('market', 'GEUSEMAKER_MARKET', check(shape.market, 'GEUSEMAKER_MARKET', text, text));
  if ((text = raw('GEUSEMAKER_ON_DEMAND_FALLBACK')) !== undefined) {
    set('onDemandFallback', 'GEUSEMAKER_ON_DEMAND_FALLBACK', bool('GEUSEMAKER_ON_DEMAND_FALLBACK', text));
  }
  if ((text = raw('GEUSEMAKER_ROOT_VOLUME_GB')) !== undefined) {
    if (/^\d+$/.test(text)) {
      set('rootVolumeGb', 'GEUSEMAKER_ROOT_VOLUME_GB', check(shape.rootVolumeGb, 'GEUSEMAKER_ROOT_VOLUME_GB', Number(text), text));
    } else {
      problems.push(`GEUSEMAKER_ROOT_VOLUME_GB must be a whole number, got ${JSON.stringify(text)}`);
    }
  }
  if ((text = raw('GEUSEMAKER_KEEP_DATA')) !== undefined) set('keepDataOnDestroy', 'GEUSEMAKER_KEEP_DATA', bool('GEUSEMAKER_KEEP_DATA', text));
  if ((text = raw('GEUSEMAKER_MONTHLY_BUDGET_USD')) !== undefined) {
    if (/^\d+(\.\d+)?$/.test(text)) {
      set('monthlyBudgetUsd', 'GEUSEMAKER_MONTHLY_BUDGET_USD', check(shape.monthlyBudgetUsd, 'GEUSEMAKER_MONTHLY_BUDGET_USD', Number(text), text));
    } else {
      problems.push(`GEUSEMAKER_MONTHLY_BUDGET_USD must be a number of US dollars such as 50 or 49.99, got ${JSON.stringify(text)}`);
    }
  }
  if ((text = raw('GEUSEMAKER_PROFILE')) !== undefined) set('profile', 'GEUSEMAKER_PROFILE', text);
  if ((text = raw('GEUSEMAKER_NOTIFY_EMAIL')) !== undefined) set('notifyEmail', 'GEUSEMAKER_NOTIFY_EMAIL', check(shape.notifyEmail, 'GEUSEMAKER_NOTIFY_EMAIL', text, text));
  if ((text = raw('GEUSEMAKER_ACCESS_CIDR')) !== undefined) {
    set('access', 'GEUSEMAKER_ACCESS_CIDR', check(accessSchema, 'GEUSEMAKER_ACCESS_CIDR', { mode: 'cidr', cidr: text }, text));
  }
  if ((text = raw('GEUSEMAKER_OLLAMA_MODELS')) !== undefined) {
    const models = text.split(',').map((model) => model.trim()).filter((model) => model !== '');
    set('ollamaModels', 'GEUSEMAKER_OLLAMA_MODELS', check(shape.ollamaModels, 'GEUSEMAKER_OLLAMA_MODELS', models, text));
  }

  if (problems.length > 0) {
    throw invalidInput(
      'CONFIG_INVALID',
      problems.length === 1 ? (problems[0] ?? '') : `Environment variables hold invalid values:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      'Fix or unset these GEUSEMAKER_* environment variables, then run again. docs/configuration.md lists the allowed values.',
    );
  }
  return { values, variables, awsProfile: raw('GEUSEMAKER_PROFILE') === undefined ? raw('AWS_PROFILE') : undefined };
}

/** Settings from GEUSEMAKER_* variables (and AWS_PROFILE when GEUSEMAKER_PROFILE is unset). Bad values throw CONFIG_INVALID naming the variable. */
export function envToConfig(env: NodeJS.ProcessEnv): Partial<StackConfigInput> {
  const reading = readEnv(env);
  return reading.awsProfile === undefined ? reading.values : { ...reading.values, profile: reading.awsProfile };
}

// ---------------------------------------------------------------------------
// Merge and validate

interface Origin {
  label: string;
  /** Set when the value came from the config file, so the message can point at its line. */
  filePath?: string;
}

const FLAG_NAMES: Readonly<Record<string, string>> = {
  name: 'the stack name argument',
  tier: '--tier',
  region: '--region',
  instanceType: '--instance-type',
  market: '--market',
  onDemandFallback: '--no-on-demand-fallback',
  rootVolumeGb: '--root-volume-gb',
  access: '--access-cidr',
  profile: '--profile',
};

interface Layer {
  values: Json;
  origin: (key: string) => Origin;
}

/**
 * Lays `layers` (lowest precedence first) over each other per top-level key. Mappings merge per field, so a flag
 * turning one service off keeps the file's other choices; a mapping with a different `mode` (network, access)
 * replaces the lower one, since fields of one mode are meaningless in another. Nulls count as unset, as YAML
 * writes an empty `key:` as null.
 */
function mergeLayers(layers: readonly Layer[]): { merged: Json; origins: Map<string, Origin> } {
  const merged = new Map<string, unknown>();
  const origins = new Map<string, Origin>();
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer.values)) {
      if (value === undefined || value === null) continue;
      const origin = layer.origin(key);
      if (!isRecord(value)) {
        merged.set(key, value);
        clearOrigins(origins, key);
        origins.set(key, origin);
        continue;
      }
      const existing = merged.get(key);
      const keep = isRecord(existing) && (!('mode' in value) || value.mode === existing.mode);
      if (!keep) {
        clearOrigins(origins, key);
        origins.set(key, origin);
      }
      const fields = new Map<string, unknown>(keep ? Object.entries(existing) : []);
      for (const [field, fieldValue] of Object.entries(value)) {
        if (fieldValue === undefined || fieldValue === null) continue;
        fields.set(field, fieldValue);
        origins.set(`${key}.${field}`, origin);
      }
      // fromEntries defines own properties, so a "__proto__" key stays data (and zod reports it as unknown).
      merged.set(key, Object.fromEntries(fields));
    }
  }
  return { merged: Object.fromEntries(merged), origins };
}

function clearOrigins(origins: Map<string, Origin>, key: string): void {
  for (const path of [...origins.keys()]) if (path === key || path.startsWith(`${key}.`)) origins.delete(path);
}

function originOf(origins: Map<string, Origin>, path: readonly PropertyKey[]): Origin | undefined {
  const [first, second] = path.map(String);
  if (first === undefined) return undefined;
  return (second !== undefined ? origins.get(`${first}.${second}`) : undefined) ?? origins.get(first);
}

/** Settings merged flags > GEUSEMAKER_* env > config file > AWS_PROFILE > defaults, then validated. */
export function resolveConfig(sources: ConfigSources): StackConfig {
  return resolveConfigWithOrigins(sources).config;
}

/** The resolved config and which top-level settings some source set (the rest are defaults). */
export function resolveConfigWithOrigins(sources: ConfigSources): { config: StackConfig; explicit: ReadonlySet<string> } {
  const env = readEnv(sources.env);
  const file = sources.file;
  const layers: Layer[] = [];
  // AWS_PROFILE is ambient shell state; a profile written in the project's file should beat it.
  if (env.awsProfile !== undefined) layers.push({ values: { profile: env.awsProfile }, origin: () => ({ label: 'environment variable AWS_PROFILE' }) });
  if (file) layers.push({ values: parseConfigFile(file.path, file.text), origin: () => ({ label: file.path, filePath: file.path }) });
  layers.push({ values: env.values, origin: (key) => ({ label: `environment variable ${env.variables.get(key) ?? 'GEUSEMAKER_*'}` }) });
  layers.push({ values: sources.flags, origin: (key) => ({ label: FLAG_NAMES[key] ?? 'a command-line flag' }) });

  const { merged, origins } = mergeLayers(layers);
  const result = stackConfigSchema.safeParse(merged);
  if (result.success) return { config: result.data, explicit: new Set([...origins.keys()].map((key) => key.split('.')[0] ?? key)) };

  const locate = file ? yamlLocator(file.text) : undefined;
  const lines: string[] = [];
  for (const issue of result.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeysAt(issue.path, merged);
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        const suggestion = closest(key, known);
        const hint = suggestion ? `did you mean ${suggestion}?` : known.length > 0 ? `allowed here: ${known.join(', ')}` : '';
        const origin = describeOrigin(originOf(origins, path), path, locate, true);
        lines.push(`${formatPath(path)}: unknown setting${hint ? `; ${hint}` : ''}${origin ? ` (${origin})` : ''}`);
      }
      continue;
    }
    const value = valueAt(merged, issue.path);
    const got = value === null || ['string', 'number', 'boolean'].includes(typeof value) ? `got ${JSON.stringify(value)}` : '';
    const details = [got, describeOrigin(originOf(origins, issue.path), issue.path, locate, false)].filter((part) => part !== '');
    lines.push(`${formatPath(issue.path)}: ${issue.message}${details.length > 0 ? ` (${details.join('; ')})` : ''}`);
  }
  throw invalidInput(
    'CONFIG_INVALID',
    `The stack configuration is invalid:\n${lines.map((line) => `  - ${line}`).join('\n')}`,
    file
      ? `Fix these in ${file.path}, the command-line flags or the GEUSEMAKER_* environment variables, then run again. ${INIT_HINT}`
      : `Fix these in the command-line flags or GEUSEMAKER_* environment variables, or put the settings in geusemaker.yaml, then run again. ${INIT_HINT}`,
  );
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(top level)';
  return path.reduce<string>((out, segment) => (typeof segment === 'number' ? `${out}[${segment}]` : out === '' ? String(segment) : `${out}.${String(segment)}`), '');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const segment of path) {
    if (Array.isArray(value) && typeof segment === 'number') value = value[segment];
    else if (isRecord(value) && typeof segment === 'string' && Object.hasOwn(value, segment)) value = value[segment];
    else return undefined;
  }
  return value;
}

/** "from X" or "from geusemaker.yaml line 3", or "" when no source set it (a missing setting). */
function describeOrigin(origin: Origin | undefined, path: readonly PropertyKey[], locate: YamlLocator | undefined, isKey: boolean): string {
  if (!origin) return '';
  const line = origin.filePath !== undefined ? locate?.(path, isKey) : undefined;
  return `from ${origin.label}${line !== undefined ? ` line ${line}` : ''}`;
}

type YamlLocator = (path: readonly PropertyKey[], isKey: boolean) => number | undefined;

/** Finds the line of a value (or of its key) in the file; JSON files parse as YAML too, so this serves both. */
function yamlLocator(text: string): YamlLocator | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) return undefined;
  return (path, isKey) => {
    const parent = doc.getIn(path.slice(0, -1), true);
    const last = path[path.length - 1];
    if (!isMap(parent) || last === undefined) {
      // Array elements and the like: use the value node itself.
      const node = doc.getIn(path, true);
      const offset = isScalar(node) || isMap(node) ? node.range?.[0] : undefined;
      return offset === undefined ? undefined : lineCounter.linePos(offset).line;
    }
    const pair = parent.items.find((item) => isScalar(item.key) && String(item.key.value) === String(last));
    if (!pair) return undefined;
    const node = isKey ? pair.key : pair.value;
    const range = (isScalar(node) || isMap(node) ? node.range : undefined) ?? (isScalar(pair.key) ? pair.key.range : undefined);
    return range ? lineCounter.linePos(range[0]).line : undefined;
  };
}

// ---------------------------------------------------------------------------
// Unknown-key suggestions

type AnySchema = z.core.$ZodType;

function unwrapSchema(schema: AnySchema): AnySchema {
  let current = schema;
  while (current instanceof z.core.$ZodDefault || current instanceof z.core.$ZodOptional || current instanceof z.core.$ZodNullable) {
    current = current._zod.def.innerType;
  }
  return current;
}

/** The object schemas `value` could be checked against; for a union, the option its `mode` picks. */
function objectOptions(schema: AnySchema, value: unknown): z.core.$ZodObject[] {
  const inner = unwrapSchema(schema);
  if (inner instanceof z.core.$ZodObject) return [inner];
  if (!(inner instanceof z.core.$ZodUnion)) return [];
  const objects = inner._zod.def.options.filter((option): option is z.core.$ZodObject => option instanceof z.core.$ZodObject);
  const mode = isRecord(value) ? value.mode : undefined;
  const matching = objects.filter((option) => {
    const discriminator = option._zod.def.shape.mode;
    return discriminator instanceof z.core.$ZodLiteral && (discriminator._zod.def.values as readonly unknown[]).includes(mode);
  });
  return matching.length > 0 ? matching : objects;
}

function knownKeysAt(path: readonly PropertyKey[], input: unknown): string[] {
  let schemas: AnySchema[] = [stackConfigSchema];
  let value = input;
  for (const segment of path) {
    const next: AnySchema[] = [];
    for (const schema of schemas) {
      const inner = unwrapSchema(schema);
      if (inner instanceof z.core.$ZodArray && typeof segment === 'number') next.push(inner._zod.def.element);
      for (const option of objectOptions(inner, value)) {
        const child = option._zod.def.shape[String(segment)];
        if (child) next.push(child);
      }
    }
    schemas = next;
    value = valueAt(value, [segment]);
  }
  const keys = new Set<string>();
  for (const schema of schemas) for (const option of objectOptions(schema, value)) for (const key of Object.keys(option._zod.def.shape)) keys.add(key);
  return [...keys];
}

/** The known key nearest to `key` (ignoring case, dashes and underscores) when within 2 edits. */
function closest(key: string, known: readonly string[]): string | undefined {
  const normalize = (text: string): string => text.toLowerCase().replace(/[-_\s]/g, '');
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(normalize(key), normalize(candidate));
    if (distance <= 2 && (!best || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

// ---------------------------------------------------------------------------
// Loading

/** Reads the config file (explicit `configPath`, else the first found in `cwd`) and resolves it with flags and env. */
export async function loadStackConfig(opts: {
  cwd: string;
  configPath?: string;
  flags: Partial<StackConfigInput>;
  env: NodeJS.ProcessEnv;
}): Promise<{ config: StackConfig; configPath?: string; explicit: ReadonlySet<string> }> {
  const configPath = opts.configPath !== undefined ? resolve(opts.cwd, opts.configPath) : findConfigFile(opts.cwd);
  if (configPath === undefined) return resolveConfigWithOrigins({ flags: opts.flags, env: opts.env });
  const text = await readConfigText(configPath);
  return { ...resolveConfigWithOrigins({ flags: opts.flags, env: opts.env, file: { path: configPath, text } }), configPath };
}

async function readConfigText(path: string): Promise<string> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw unreadable(path, error);
  });
  if (!info?.isFile()) {
    throw invalidInput(
      'CONFIG_NOT_FOUND',
      info ? `The config file ${path} is a directory, not a file.` : `The config file ${path} does not exist.`,
      `Check the --config path, or leave it out to use geusemaker.yaml in the current folder. ${INIT_HINT}`,
    );
  }
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw unreadable(path, error as NodeJS.ErrnoException);
  }
}

function unreadable(path: string, error: NodeJS.ErrnoException): Error {
  return invalidInput(
    'CONFIG_UNREADABLE',
    `The config file ${path} could not be read: ${error.code ?? error.message}.`,
    `Check that ${path} is readable by you, then run again.`,
  );
}
