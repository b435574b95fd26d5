import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { ALL_FLAGS, COMMANDS, flagsOf, HELP_TEXT } from '../../src/cli/args';
import { sampleConfigYaml } from '../../src/engine/stack/sample';

const ROOT = join(__dirname, '..', '..');

/** Files whose strings are pieces of shell run on the instance (`docker logs --since …`, pg_restore's flags), never shown to the user. */
const INSTANCE_SHELL = new Set(['src/engine/ssm/logs.ts', 'src/engine/scale/migrate-script.ts']);

/** Programs whose own flags our hints and scripts quote (`aws sso login --profile work`, `docker compose --env-file`). */
const OTHER_TOOLS = ['aws', 'docker', 'curl', 'session-manager-plugin', 'systemctl', 'mount', 'ollama', 'tar', 'gzip', 'sha256sum', 'dnf', 'apt-get', 'pip', 'git'];
const PROGRAMS = new RegExp(`(?<![\\w.-])(geusemaker|${OTHER_TOOLS.join('|')})(?![\\w.-])(?:\\s+(state restore|[a-z]+))?`, 'g');
const FLAG = /(?<![\w-])--([a-z][a-z0-9-]*)/g;
/** Where one shell command ends and prose or another command begins. */
const SEGMENT_END = /[`\n;|]|&&|\$\(/g;

interface Mention {
  flag: string;
  where: string;
  /** The geusemaker command it is said of, when the text names one. */
  command?: string;
}

/** Every `--flag` in a piece of text, with the program named before it in the same command, if any. */
function mentions(text: string, where: string): Mention[] {
  const found: Mention[] = [];
  for (const match of text.matchAll(FLAG)) {
    const before = text.slice(0, match.index);
    const segmentStart = Math.max(0, ...[...before.matchAll(SEGMENT_END)].map((m) => m.index + m[0].length));
    // The command's own program comes first; a later "geusemaker" is an argument (`--project-name geusemaker`).
    const program = [...before.slice(segmentStart).matchAll(PROGRAMS)][0];
    if (program && program[1] !== 'geusemaker') continue;
    const command = program?.[2] !== undefined && (COMMANDS as readonly string[]).includes(program[2]) ? program[2] : undefined;
    found.push({ flag: match[1] ?? '', where, command });
  }
  return found;
}

function problems(found: readonly Mention[]): string[] {
  return found.flatMap(({ flag, where, command }) => {
    if (!ALL_FLAGS.includes(flag)) return [`${where}: --${flag} is not a geusemaker flag`];
    if (command && !flagsOf(command as (typeof COMMANDS)[number]).includes(flag)) return [`${where}: --${flag} does not apply to \`geusemaker ${command}\``];
    return [];
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The text of every string literal and template in a file; a template's `${…}` parts read as "…". */
function literals(path: string): { text: string; line: number }[] {
  const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
  const out: { text: string; line: number }[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
      out.push({ text: node.text, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    } else if (ts.isTemplateExpression(node)) {
      out.push({ text: [node.head.text, ...node.templateSpans.map((span) => span.literal.text)].join('…'), line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

/** Help lines that say which commands a flag is for ("--adopt  deploy/plan/destroy: …") or which command a line is. */
function helpMentions(): Mention[] {
  const found: Mention[] = [];
  let command: string | undefined;
  for (const [index, line] of HELP_TEXT.split('\n').entries()) {
    const where = `--help line ${index + 1}`;
    const commandLine = /^ {2}(state restore|[a-z]+)\b/.exec(line);
    if (commandLine && (COMMANDS as readonly string[]).includes(commandLine[1] ?? '')) command = commandLine[1];
    else if (!/^ {20,}/.test(line)) command = undefined;
    const flagLine = /^ {2}(?:-\w, )?--([a-z][a-z0-9-]*)(?: <[^>]+>)?\s+(?:([a-z]+(?:\/[a-z]+)*): )?/.exec(line);
    if (flagLine) {
      const flag = flagLine[1] ?? '';
      const forCommands = (flagLine[2] ?? '').split('/').filter((word) => (COMMANDS as readonly string[]).includes(word));
      found.push({ flag, where });
      for (const each of forCommands) found.push({ flag, where, command: each });
      continue;
    }
    for (const mention of mentions(line, where)) found.push({ ...mention, command: mention.command ?? command });
  }
  return found;
}

describe('every --flag the user is told about exists', () => {
  it('the check itself catches a made-up flag, a flag of the wrong command, and lets other tools\' flags be', () => {
    assert.deepEqual(problems(mentions('Run `geusemaker destroy demo --keep-data`.', 'x')), ['x: --keep-data is not a geusemaker flag']);
    assert.deepEqual(problems(mentions('Run `geusemaker list --delete-data`.', 'x')), ['x: --delete-data does not apply to `geusemaker list`']);
    assert.deepEqual(problems(mentions('Run `aws sso login --profile work` or `docker compose --env-file f up`, then pass --yes.', 'x')), []);
    assert.deepEqual(problems(mentions('(the --allow-expensive rule)', 'x')), ['x: --allow-expensive is not a geusemaker flag']);
  });

  it('--help names only real flags, each with the commands it says it applies to', () => {
    const found = helpMentions();
    assert.ok(found.length > 30, `the help was read (${found.length} mentions)`);
    // Each claim is checked against its command: "--adopt  deploy/plan/destroy: …", "render [name] --out DIR".
    for (const [flag, command] of [['adopt', 'destroy'], ['take-over-lock', 'resume'], ['out', 'render'], ['arch', 'render'], ['region', 'prices']]) {
      assert.ok(found.some((m) => m.flag === flag && m.command === command), `--${flag} is checked against ${command}`);
    }
    assert.deepEqual(problems(found), []);
  });

  it('the sample geusemaker.yaml names only real flags', () => {
    const found = sampleConfigYaml('demo').split('\n').flatMap((line, index) => mentions(line, `sample line ${index + 1}`));
    assert.ok(found.length > 5, 'the sample mentions flags');
    assert.deepEqual(problems(found), []);
  });

  it('every message, next step and hint in src/ names only real flags (other programs\' flags after their name)', () => {
    const found = sourceFiles(join(ROOT, 'src')).filter((path) => !INSTANCE_SHELL.has(relative(ROOT, path).split('\\').join('/'))).flatMap((path) =>
      literals(path).flatMap(({ text, line }) => mentions(text, `${relative(ROOT, path)}:${line}`)));
    assert.ok(found.length > 50, `the sources were read (${found.length} mentions)`);
    assert.deepEqual(problems(found), []);
  });
});
