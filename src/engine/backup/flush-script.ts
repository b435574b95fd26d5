import { COMPOSE_ENV_FILE } from '../bootstrap/compose';
import { operationLine } from '../ssm/recorded-commands';

/**
 * The script that makes the data on EFS consistent before AWS Backup copies it (POSIX sh: AWS-RunShellScript runs
 * under sh). A file-level copy of live database files may catch them mid-write; these copies are made by the
 * databases themselves, so a restore always has a usable one:
 * - PostgreSQL: `pg_dump` (custom format) of every database into /mnt/efs/backups/postgres, written under a
 *   temporary name, fsync'd, renamed (atomic in one directory), the directory fsync'd; the two newest dumps of each
 *   database are kept (older ones are in older recovery points).
 * - Qdrant: a full snapshot (POST /snapshots). Qdrant writes it to its snapshots_path, /qdrant/snapshots in the
 *   container, which is NOT on EFS (only /qdrant/storage is), so it is downloaded (GET /snapshots/{name}) into
 *   /mnt/efs/backups/qdrant the same atomic way and deleted from the container. The api-key header goes to curl
 *   through its config on stdin, never on a command line.
 * It prints one frame: `GM_FLUSH_V1`, an `item` line per copy, `GM_FLUSH_END ok`, or `GM_FLUSH_END failed
 * step=<step>` after an `error <words>` line. GM_ROOT prefixes every path (tests); empty on the instance. No
 * double brace anywhere: SSM resolves {{ssm:…}} in command text.
 */

export const FLUSH_BEGIN = 'GM_FLUSH_V1';
export const FLUSH_END = 'GM_FLUSH_END';
/** Where the copies go on the file system (the instance mounts it at /mnt/efs). */
export const FLUSH_DIR = 'backups';
/** Dumps and snapshots kept per database (the newest ones). */
export const FLUSH_KEEP = 2;

/** The steps a flush can fail at, as the script names them. */
export const FLUSH_STEPS = ['efs-mount', 'postgres-list', 'postgres-name', 'postgres-dump', 'qdrant-key', 'qdrant-snapshot', 'qdrant-download'] as const;
export type FlushStep = (typeof FLUSH_STEPS)[number];

export interface FlushServices {
  postgres: boolean;
  qdrant: boolean;
}

const QDRANT = 'http://127.0.0.1:6333';

export function flushScript(services: FlushServices): string[] {
  const lines = [
    operationLine('backup-flush'),
    'set -u',
    `R="\${GM_ROOT:-}"; ENV_FILE="$R${COMPOSE_ENV_FILE}"; EFS="$R/mnt/efs"; OUT="$EFS/${FLUSH_DIR}"`,
    'gm_err=$(mktemp); gm_stamp=$(date -u +%Y%m%dT%H%M%SZ)',
    // As the bootstrap runs compose (same project, env file and compose file).
    'gm_compose() { docker compose --project-name geusemaker --env-file "$ENV_FILE" -f "$R/etc/geusemaker/docker-compose.yml" "$@"; }',
    // The frame's end with the step and the last words of what failed; exit 0 so the words reach the engine.
    `gm_fail() { echo "error $(printf '%s' "$2" | tr '\\n' ' ' | cut -c1-600)"; echo "${FLUSH_END} failed step=$1"; rm -f "$gm_err"; exit 0; }`,
    'gm_words() { tail -n 3 "$gm_err" 2>/dev/null | tr \'\\n\' \' \'; }',
    'gm_size() { wc -c <"$1" | tr -cd \'0-9\'; }',
    // fsync the file, then rename it into place and fsync the directory: after this the name means the whole copy.
    'gm_commit() { sync "$1" 2>/dev/null || sync; mv -f "$1" "$2" && { sync "${2%/*}" 2>/dev/null || sync; }; }',
    // Keeps the newest FLUSH_KEEP files matching a pattern (names sort by their UTC stamp).
    `gm_prune() { ls -1 "$1"/$2 2>/dev/null | sort -r | tail -n +${FLUSH_KEEP + 1} | while read -r old; do rm -f "$old"; done; }`,
    `echo "${FLUSH_BEGIN}"`,
    // Copies written to the root disk would not be in the backup: refuse unless the file system is mounted.
    `if [ -z "$R" ] && ! mountpoint -q "$EFS"; then gm_fail efs-mount "$EFS is not mounted, so copies made now would not be on EFS"; fi`,
    'mkdir -p "$OUT" && chmod 700 "$OUT"',
  ];
  if (services.postgres) lines.push(...postgresLines());
  if (services.qdrant) lines.push(...qdrantLines());
  lines.push('rm -f "$gm_err"', `echo "${FLUSH_END} ok"`);
  return lines;
}

function postgresLines(): string[] {
  return [
    'mkdir -p "$OUT/postgres" && chmod 700 "$OUT/postgres"',
    'gm_dbs=$(gm_compose exec -T postgres psql -U n8n -d postgres -AtX -c "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1" 2>"$gm_err") || gm_fail postgres-list "listing the databases failed: $(gm_words)"',
    '[ -n "$gm_dbs" ] || gm_fail postgres-list "PostgreSQL listed no databases"',
    'for gm_db in $gm_dbs; do',
    '  case "$gm_db" in *[!A-Za-z0-9_-]*) gm_fail postgres-name "database name $gm_db has characters a dump file name cannot carry" ;; esac',
    '  gm_tmp="$OUT/postgres/.$gm_db-$gm_stamp.dump.tmp"; gm_file="$OUT/postgres/$gm_db-$gm_stamp.dump"',
    '  if ! gm_compose exec -T postgres pg_dump -U n8n -Fc -d "$gm_db" >"$gm_tmp" 2>"$gm_err"; then rm -f "$gm_tmp"; gm_fail postgres-dump "pg_dump of $gm_db failed: $(gm_words)"; fi',
    '  [ -s "$gm_tmp" ] || { rm -f "$gm_tmp"; gm_fail postgres-dump "pg_dump of $gm_db wrote nothing"; }',
    '  gm_commit "$gm_tmp" "$gm_file" || gm_fail postgres-dump "the dump of $gm_db could not be renamed into place"',
    '  echo "item kind=postgres name=$gm_db file=postgres/${gm_file##*/} bytes=$(gm_size "$gm_file")"',
    '  gm_prune "$OUT/postgres" "$gm_db-*.dump"',
    'done',
  ];
}

function qdrantLines(): string[] {
  // curl reads `header = "api-key: …"` from stdin (-K -): the key never appears in a process list.
  const curl = (args: string) => `printf 'header = "api-key: %s"\\n' "$gm_key" | curl -sS -K - ${args}`;
  return [
    'mkdir -p "$OUT/qdrant" && chmod 700 "$OUT/qdrant"',
    'gm_key=$(sed -n \'s/^QDRANT_API_KEY=//p\' "$ENV_FILE" 2>/dev/null | head -n 1)',
    '[ -n "$gm_key" ] || gm_fail qdrant-key "QDRANT_API_KEY is not in $ENV_FILE"',
    'gm_body=$(mktemp)',
    `gm_code=$(${curl(`-o "$gm_body" -w '%{http_code}' -m 1800 -X POST '${QDRANT}/snapshots?wait=true'`)} 2>"$gm_err"); gm_exit=$?`,
    '[ "$gm_exit" = 0 ] || { rm -f "$gm_body"; gm_fail qdrant-snapshot "Qdrant did not answer the snapshot request (curl exit $gm_exit): $(gm_words)"; }',
    '[ "$gm_code" = 200 ] || { gm_said=$(head -c 300 "$gm_body"); rm -f "$gm_body"; gm_fail qdrant-snapshot "Qdrant answered the snapshot request with HTTP $gm_code: $gm_said"; }',
    'gm_name=$(tr -d \'\\n\' <"$gm_body" | sed -n \'s/.*"name" *: *"\\([^"]*\\)".*/\\1/p\'); rm -f "$gm_body"',
    'case "$gm_name" in ""|*[!A-Za-z0-9._-]*) gm_fail qdrant-snapshot "Qdrant\'s answer named no snapshot file" ;; esac',
    'gm_tmp="$OUT/qdrant/.$gm_name.tmp"; gm_file="$OUT/qdrant/$gm_name"',
    `gm_code=$(${curl(`-o "$gm_tmp" -w '%{http_code}' -m 3600 "${QDRANT}/snapshots/$gm_name"`)} 2>"$gm_err"); gm_exit=$?`,
    'if [ "$gm_exit" != 0 ] || [ "$gm_code" != 200 ] || [ ! -s "$gm_tmp" ]; then rm -f "$gm_tmp"; gm_fail qdrant-download "downloading snapshot $gm_name failed (curl exit $gm_exit, HTTP $gm_code): $(gm_words)"; fi',
    'gm_commit "$gm_tmp" "$gm_file" || gm_fail qdrant-download "snapshot $gm_name could not be renamed into place"',
    // The container's own copy is not on EFS and only fills its disk; its removal failing does not matter.
    `${curl(`-o /dev/null -m 120 -X DELETE "${QDRANT}/snapshots/$gm_name"`)} >/dev/null 2>&1`,
    'echo "item kind=qdrant name=full file=qdrant/$gm_name bytes=$(gm_size "$gm_file")"',
    'gm_prune "$OUT/qdrant" "full-snapshot-*.snapshot"',
  ];
}
