import { COMPOSE_ENV_FILE } from '../bootstrap/compose';
import { operationLine } from '../ssm/recorded-commands';
import { names } from '../stack/naming';

/*
 * The Run Command scripts (POSIX sh, as AWS-RunShellScript runs them) that move n8n's database from the postgres
 * container on the instance into RDS. One script per step, so progress and the order of steps are visible in SSM's
 * command history:
 *   stop    `docker compose stop n8n`: nothing writes to the database from here on
 *   dump    pg_dump -Fc of database n8n onto EFS (backups/migration), under a temporary name, fsync'd, renamed
 *   restore pg_restore into RDS from inside the postgres container (its image has the client), sslmode=require
 *   count   exact row counts of every table, on the instance and on RDS
 *   start   `docker compose start n8n` and wait for /healthz: the rollback, on the instance's untouched data
 * The RDS password is read on the instance from Parameter Store (the stack's postgres-password, by name) into a
 * root-only file, and reaches psql/pg_restore as the first line of their stdin: never a command line, an
 * environment given to docker, this script or its output (SendCommand's parameters stay in SSM's history).
 * Every script ends with one line `GM_MIGRATE_V1 <json>` ({"step","ok":true,…} or {"step","ok":false,"error"}),
 * exit 0 even on failure so its words reach the engine. GM_ROOT prefixes every path (tests); empty on the
 * instance. No double brace anywhere: SSM resolves {{ssm:…}} in command text.
 */

export const MIGRATE_MARK = 'GM_MIGRATE_V1';
/** Where the dumps go on the file system (the instance mounts it at /mnt/efs). */
export const MIGRATION_DIR = 'backups/migration';
/** Dumps kept (the newest): each attempt writes one; older attempts' copies only fill EFS. */
export const MIGRATION_KEEP = 2;

export const MIGRATION_STEPS = ['stop', 'dump', 'restore', 'count', 'start'] as const;
export type MigrationStep = (typeof MIGRATION_STEPS)[number];

/** The operation each script names on its first line (ssm/recorded-commands.ts): `migrate-<step>`. */
export function migrationOperation(step: MigrationStep): string {
  return `migrate-${step}`;
}

/** Where RDS is, and how the instance reads its password. */
export interface RestoreTarget {
  stack: string;
  region: string;
  host: string;
  port: number;
}

/** A dump the dump step wrote: its path on the file system, e.g. backups/migration/n8n-20261207T101500Z.dump. */
export const DUMP_FILE = /^backups\/migration\/n8n-\d{8}T\d{6}Z\.dump$/;

const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;
const WORD = /^[A-Za-z0-9._/-]+$/;

function checked(value: string, pattern: RegExp, what: string): string {
  if (!pattern.test(value)) throw new Error(`${what} "${value}" cannot be placed in the migration script`);
  return value;
}

function port(value: number): number {
  if (!Number.isInteger(value) || value < 1 || value > 65_535) throw new Error(`port ${value} is not a TCP port`);
  return value;
}

/** Paths as the bootstrap has them, the failure frame, and a temporary folder only root reads (removed on exit). */
function preamble(step: MigrationStep): string[] {
  return [
    operationLine(migrationOperation(step)),
    'set -u',
    `R="\${GM_ROOT:-}"; ENV_FILE="$R${COMPOSE_ENV_FILE}"`,
    'umask 077',
    // Frames go through printf, never echo: dash's echo would turn the \\ of escaped JSON into \.
    `T=$(mktemp -d) || { printf '%s\\n' '${MIGRATE_MARK} {"step":"${step}","ok":false,"error":"no temporary folder"}'; exit 0; }`,
    'gm_tmp=""',
    // A cancelled command is signalled: exit through the EXIT trap, so no temporary file outlives it.
    'trap \'rm -rf "$T"; [ -z "$gm_tmp" ] || rm -f "$gm_tmp"\' EXIT',
    'trap \'exit 143\' INT TERM HUP',
    // As the bootstrap runs compose (same project, env file and compose file).
    'gm_compose() { docker compose --project-name geusemaker --env-file "$ENV_FILE" -f "$R/etc/geusemaker/docker-compose.yml" "$@"; }',
    // Words as a JSON string's body: one line, no control characters, at most 600 characters, \ and " escaped.
    'gm_json() { printf \'%s\' "$1" | tr \'\\n\\r\\t\' \'   \' | tr -d \'\\000-\\037\' | cut -c1-600 | sed \'s/\\\\/\\\\\\\\/g; s/"/\\\\"/g\'; }',
    `gm_fail() { printf '${MIGRATE_MARK} {"step":"${step}","ok":false,"error":"%s"}\\n' "$(gm_json "$*")"; exit 0; }`,
    'gm_words() { tail -n 4 "$T/err" 2>/dev/null | tr \'\\n\' \' \'; }',
    // pg_restore lists every statement that failed: the first ones say why.
    'gm_errors() { e=$(grep -m 3 -i "error" "$T/err" 2>/dev/null | tr \'\\n\' \' \'); if [ -n "$e" ]; then printf \'%s\' "$e"; else gm_words; fi; }',
  ];
}

/** The success frame; `format` adds fields filled by printf from `args` (so no value is reinterpreted). */
function ok(step: MigrationStep, format = '', args = ''): string {
  return `printf '${MIGRATE_MARK} {"step":"${step}","ok":true${format}}\\n'${args ? ` ${args}` : ''}`;
}

/** The stack's postgres-password (RDS's master password), read on the instance into $T/pw, one line. */
function passwordLines(target: RestoreTarget): string[] {
  const parameter = checked(names.parameter(target.stack, 'postgres-password'), WORD, 'parameter');
  return [
    `REGION='${checked(target.region, WORD, 'region')}'; PARAM='${parameter}'`,
    'aws ssm get-parameter --region "$REGION" --with-decryption --name "$PARAM" --query Parameter.Value --output text >"$T/pw" 2>"$T/err" || gm_fail "cannot read $PARAM from Parameter Store: $(gm_words)"',
    'v=$(cat "$T/pw")',
    'case "$v" in \'\'|*[!A-Za-z0-9_-]*) gm_fail "$PARAM is not a value GeuseMaker generated" ;; esac',
    // printf is the shell's own: the value is in no process's arguments.
    'printf \'%s\\n\' "$v" >"$T/pw"; unset v',
    // Runs a client in the postgres container with PGPASSWORD from the first line of stdin; the rest of stdin is the
    // client's (sh reads a pipe one byte at a time, so nothing past that line is taken).
    `gm_rds() { gm_compose exec -T postgres sh -c 'IFS= read -r PGPASSWORD; export PGPASSWORD; exec "$@"' gm-rds "$@"; }`,
    `CONN='host=${checked(target.host, HOST, 'host')} port=${port(target.port)} dbname=n8n user=n8n sslmode=require connect_timeout=20'`,
  ];
}

/** (a) n8n stops, and is checked stopped: nothing may write after the dump. */
export function stopScript(): string[] {
  return [
    ...preamble('stop'),
    'gm_compose stop n8n >"$T/err" 2>&1 || gm_fail "docker compose stop n8n failed: $(gm_words)"',
    'gm_running=$(gm_compose ps --status running --services 2>"$T/err") || gm_fail "docker compose ps failed: $(gm_words)"',
    'for gm_s in $gm_running; do [ "$gm_s" != n8n ] || gm_fail "n8n is still running after docker compose stop n8n"; done',
    ok('stop'),
  ];
}

/** (b) pg_dump -Fc of n8n onto EFS: complete under its final name, or not there at all. */
export function dumpScript(): string[] {
  return [
    ...preamble('dump'),
    'EFS="$R/mnt/efs"',
    // A dump on the root disk would be lost with the instance: refuse unless the file system is mounted.
    'if [ -z "$R" ] && ! mountpoint -q "$EFS"; then gm_fail "$EFS is not mounted, so the dump would not be on EFS"; fi',
    `DIR="$EFS/${MIGRATION_DIR}"`,
    'if ! { mkdir -p "$DIR" && chmod 700 "$DIR"; }; then gm_fail "cannot make $DIR"; fi',
    'gm_stamp=$(date -u +%Y%m%dT%H%M%SZ)',
    'gm_tmp="$DIR/.n8n-$gm_stamp.dump.tmp"; gm_file="$DIR/n8n-$gm_stamp.dump"',
    'gm_compose exec -T postgres pg_dump -U n8n -Fc -d n8n >"$gm_tmp" 2>"$T/err" || gm_fail "pg_dump of n8n failed: $(gm_words)"',
    '[ -s "$gm_tmp" ] || gm_fail "pg_dump of n8n wrote nothing"',
    // fsync the file, rename it into place, fsync the directory: after this the name means the whole dump.
    'sync "$gm_tmp" 2>/dev/null || sync',
    'mv -f "$gm_tmp" "$gm_file" || gm_fail "the dump could not be renamed into place in $DIR"',
    'sync "$DIR" 2>/dev/null || sync',
    'gm_tmp=""',
    // The glob lists the dumps oldest first (their names sort by the UTC stamp): all but the newest are removed.
    'set -- "$DIR"/n8n-*.dump; gm_n=$#',
    `for old in "$@"; do [ "$gm_n" -gt ${MIGRATION_KEEP} ] || break; [ ! -e "$old" ] || rm -f "$old"; gm_n=$((gm_n - 1)); done`,
    ok('dump', ',"file":"%s","bytes":%s', `"${MIGRATION_DIR}/\${gm_file##*/}" "$(wc -c <"$gm_file" | tr -cd 0-9)"`),
  ];
}

/**
 * (c) pg_restore of the dump into RDS. --no-owner: every object belongs to the connecting user (n8n, RDS's master
 * user); --no-privileges: grants name roles of the instance's server; --clean --if-exists: a repeated attempt
 * replaces what an earlier one restored. Any statement pg_restore reports failed fails the step (a table may be
 * there without an index or constraint, which row counts would not see).
 */
export function restoreScript(target: RestoreTarget, dumpFile: string): string[] {
  return [
    ...preamble('restore'),
    'EFS="$R/mnt/efs"',
    `FILE="$EFS/${checked(dumpFile, DUMP_FILE, 'dump file')}"`,
    '[ -s "$FILE" ] || gm_fail "the dump $FILE is missing or empty"',
    ...passwordLines(target),
    '{ cat "$T/pw"; cat "$FILE"; } | gm_rds pg_restore --no-owner --no-privileges --clean --if-exists --dbname "$CONN" >"$T/out" 2>"$T/err" || gm_fail "pg_restore into RDS failed: $(gm_errors)"',
    ok('restore'),
  ];
}

/**
 * One statement that writes the counting statement, run by psql's \gexec: exact count(*) of every table (plain and
 * partitioned) outside the system schemas, as one JSON object {"schema.table": rows}; {} when there are none.
 */
export const COUNT_SQL = [
  'SELECT \'SELECT coalesce(json_object_agg(t, n ORDER BY t), \'\'{}\'\'::json) FROM (\'',
  '  || coalesce(string_agg(format(\'SELECT %L::text AS t, count(*) AS n FROM %I.%I\', n.nspname || \'.\' || c.relname, n.nspname, c.relname), \' UNION ALL \'),',
  '              \'SELECT NULL::text AS t, 0::bigint AS n WHERE false\')',
  '  || \') AS counts\'',
  'FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace',
  'WHERE c.relkind IN (\'r\', \'p\') AND n.nspname NOT IN (\'pg_catalog\', \'information_schema\')',
  '  AND n.nspname NOT LIKE \'pg\\_toast%\' AND n.nspname NOT LIKE \'pg\\_temp%\'',
  '\\gexec',
];

/** (d) Exact row counts per table on both sides, printed as two JSON objects. */
export function countScript(target: RestoreTarget): string[] {
  return [
    ...preamble('count'),
    ...passwordLines(target),
    // A quoted here-document: the shell expands nothing in it.
    'cat >"$T/count.sql" <<\'GM_SQL\'',
    ...COUNT_SQL,
    'GM_SQL',
    'gm_compose exec -T postgres psql -U n8n -d n8n -AtX -v ON_ERROR_STOP=1 <"$T/count.sql" >"$T/source" 2>"$T/err" || gm_fail "counting rows on the instance failed: $(gm_words)"',
    '{ cat "$T/pw"; cat "$T/count.sql"; } | gm_rds psql "$CONN" -AtX -v ON_ERROR_STOP=1 >"$T/target" 2>"$T/err" || gm_fail "counting rows on RDS failed: $(gm_words)"',
    'gm_src=$(cat "$T/source"); gm_dst=$(cat "$T/target")',
    'case "$gm_src" in "{"*"}") ;; *) gm_fail "the instance\'s count is not a JSON object: $gm_src" ;; esac',
    'case "$gm_dst" in "{"*"}") ;; *) gm_fail "the count on RDS is not a JSON object: $gm_dst" ;; esac',
    ok('count', ',"source":%s,"target":%s', '"$gm_src" "$gm_dst"'),
  ];
}

/** (e) The rollback: n8n starts again on the instance's PostgreSQL (its data never changed) and answers /healthz. */
export function startScript(): string[] {
  return [
    ...preamble('start'),
    'gm_compose start n8n >"$T/err" 2>&1 || gm_compose up -d --no-deps n8n >"$T/err" 2>&1 || gm_fail "docker compose could not start n8n: $(gm_words)"',
    'i=0',
    'until curl -fsS -o /dev/null -m 5 http://127.0.0.1:5678/healthz 2>/dev/null; do',
    '  i=$((i + 1)); [ "$i" -lt "${GM_MIGRATE_TRIES:-60}" ] || gm_fail "n8n was started but did not answer http://127.0.0.1:5678/healthz"',
    '  sleep "${GM_MIGRATE_SLEEP:-5}"',
    'done',
    ok('start'),
  ];
}

/** How long each step may run on the instance: dump and restore of a large execution history take a while. */
export const MIGRATION_TIMEOUT_SECONDS: Record<MigrationStep, number> = { stop: 300, dump: 3600, restore: 7200, count: 1800, start: 900 };
