import { PROXY_USER } from '../bootstrap/userdata';
import { operationLine } from '../ssm/recorded-commands';
import { ROTATABLE, type RotatableSecret } from './rotatable';

/** What a step prints when it finished, and (on stderr, exit 1) when it did not. */
export const ROTATE_OK = 'GM_ROTATE_OK';
export const ROTATE_FAILED = 'GM_ROTATE_FAILED';

export interface RotationStepInput {
  secret: RotatableSecret;
  stack: string;
  region: string;
  /** The parameter's full name, /geusemaker/<stack>/<secret>. */
  parameter: string;
  /** The version the instance runs now, and the version it is to run (the script reads both values itself). */
  from: number;
  to: number;
  /** postgres: n8n runs on the database and is recreated with the new password. */
  n8n: boolean;
  /** proxy: the path behind basic auth the old and new passwords are tried at. */
  guardedPath?: string;
  /** n8n-owner: the owner's login (the bootstrap's admin@<stack>.local). */
  ownerEmail?: string;
}

const SAFE = /^[A-Za-z0-9._:/@-]+$/;
function safe(value: string, what: string): string {
  if (!SAFE.test(value)) throw new Error(`${what} "${value}" cannot be placed in the rotation script`);
  return value;
}

function version(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${what} ${value} is not a parameter version`);
  return value;
}

/** Runs in every step: paths as the bootstrap has them, the log, and reading a version's value into a root-only file. */
function preamble(input: RotationStepInput): string[] {
  return [
    operationLine(`rotate-${input.secret}`),
    'set -u',
    // GM_ROOT prefixes every path, as in the bootstrap (tests); empty on EC2.
    'R="${GM_ROOT:-}"; ETC="$R/etc/geusemaker"; ENV_FILE="$R/etc/geusemaker/stack.env"; LOG="$R/var/log/geusemaker/rotation.log"',
    `SECRET='${input.secret}'; REGION='${safe(input.region, 'region')}'; PARAM='${safe(input.parameter, 'parameter')}'; FROM=${version(input.from, 'from')}; TO=${version(input.to, 'to')}`,
    'umask 077',
    'mkdir -p "${LOG%/*}"',
    `T=$(mktemp -d) || { echo "${ROTATE_FAILED} $SECRET: no temporary folder" >&2; exit 1; }`,
    'trap \'rm -rf "$T"\' EXIT',
    'note() { printf \'%s rotate %s: %s\\n\' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$SECRET" "$*" | tee -a "$LOG"; }',
    `fail() { note "FAILED: $*" >/dev/null; echo "${ROTATE_FAILED} $SECRET: $*" >&2; exit 1; }`,
    'compose() { docker compose --project-name geusemaker --env-file "$ENV_FILE" -f "$ETC/docker-compose.yml" "$@"; }',
    // Values go from Parameter Store into files under $T, never into a command line, this script or its output.
    'fetch() {',
    '  aws ssm get-parameter --region "$REGION" --with-decryption --name "$PARAM:$1" --query Parameter.Value --output text >"$T/$2" 2>"$T/err" || fail "cannot read $PARAM version $1: $(head -c 300 "$T/err")"',
    '  v=$(cat "$T/$2")',
    '  case "$v" in \'\'|*[!A-Za-z0-9_-]*) fail "$PARAM version $1 is not a value GeuseMaker generated" ;; esac',
    '  unset v',
    '}',
    // The containers read stack.env: its one line is replaced, the rest kept in order, the file swapped atomically.
    'set_env() {',
    '  grep -q "^$1=" "$ENV_FILE" 2>/dev/null || fail "$ENV_FILE has no $1 line"',
    '  v=$(cat "$T/$2")',
    '  while IFS= read -r line || [ -n "$line" ]; do',
    '    case "$line" in "$1="*) printf \'%s=%s\\n\' "$1" "$v" ;; *) printf \'%s\\n\' "$line" ;; esac',
    '  done <"$ENV_FILE" >"$ENV_FILE.tmp" || fail "cannot write $ENV_FILE.tmp"',
    '  unset v line',
    '  chmod 600 "$ENV_FILE.tmp" && mv -f "$ENV_FILE.tmp" "$ENV_FILE" || fail "cannot replace $ENV_FILE"',
    '  note "$1 in stack.env now holds version $3"',
    '}',
    // A new container, not a restart: a container keeps the environment it was created with.
    'recreate() { docker compose --project-name geusemaker --env-file "$ENV_FILE" -f "$ETC/docker-compose.yml" up -d --no-deps --force-recreate "$1" >"$T/err" 2>&1 || fail "docker compose could not recreate $1: $(tail -c 300 "$T/err")"; note "$1 recreated"; }',
    'wait_http() {',
    '  i=0',
    '  until curl -fsS -o /dev/null -m 5 "$1" 2>/dev/null; do',
    '    i=$((i + 1)); [ "$i" -lt "${GM_ROTATE_TRIES:-60}" ] || fail "$2 did not answer at $1 after it was recreated"',
    '    sleep "${GM_ROTATE_SLEEP:-5}"',
    '  done',
    '}',
    'fetch "$TO" new',
    'fetch "$FROM" old',
    'note "applying version $TO (the instance ran version $FROM)"',
  ];
}

/** ALTER USER first (over the container's own socket), checked over the network as n8n connects; then PostgreSQL and n8n recreated. */
function postgresLines(input: RotationStepInput): string[] {
  return [
    // The statement goes on stdin: the password never reaches a command line.
    'v=$(cat "$T/new")',
    'printf "ALTER USER n8n WITH PASSWORD \'%s\';\\n" "$v" | compose exec -T postgres psql -q -v ON_ERROR_STOP=1 -U n8n -d n8n >/dev/null 2>"$T/err" || fail "ALTER USER failed: $(head -c 300 "$T/err")"',
    'unset v',
    'note "ALTER USER n8n: PostgreSQL has the new password"',
    // -h postgres: over the compose network, where pg_hba asks for the password (the socket trusts local users).
    'pg_login() { compose exec -T postgres sh -c \'IFS= read -r PGPASSWORD; export PGPASSWORD; psql -h postgres -U n8n -d n8n -tAc "select 1"\' <"$T/$1" >/dev/null 2>&1; }',
    'pg_login new || fail "PostgreSQL refuses the new password after ALTER USER"',
    'if pg_login old; then fail "PostgreSQL still accepts the old password"; fi',
    'note "PostgreSQL accepts the new password and refuses the old one"',
    'set_env POSTGRES_PASSWORD new "$TO"',
    'recreate postgres',
    'i=0',
    'until compose exec -T postgres pg_isready -q -U n8n >/dev/null 2>&1; do',
    '  i=$((i + 1)); [ "$i" -lt "${GM_ROTATE_TRIES:-60}" ] || fail "PostgreSQL did not accept connections after it was recreated"',
    '  sleep "${GM_ROTATE_SLEEP:-5}"',
    'done',
    ...(input.n8n ? [
      // Only now: n8n restarts with a password PostgreSQL already has.
      'recreate n8n',
      'wait_http http://127.0.0.1:5678/healthz n8n',
    ] : []),
  ];
}

function qdrantLines(): string[] {
  return [
    'set_env QDRANT_API_KEY new "$TO"',
    'recreate qdrant',
    'wait_http http://127.0.0.1:6333/healthz Qdrant',
    // The key goes in a header file (curl -H @file), never on curl's command line.
    'key_code() { printf \'api-key: %s\\n\' "$(cat "$T/$1")" >"$T/h"; curl -s -o /dev/null -m 10 -w \'%{http_code}\' -H @"$T/h" http://127.0.0.1:6333/collections; }',
    'code=$(key_code new); [ "$code" = 200 ] || fail "Qdrant refuses the new API key (HTTP $code)"',
    'code=$(key_code old); case "$code" in 401|403) ;; *) fail "Qdrant still accepts the old API key (HTTP $code)" ;; esac',
    'note "Qdrant accepts the new key and refuses the old one"',
  ];
}

function crawl4aiLines(): string[] {
  return [
    'set_env CRAWL4AI_API_TOKEN new "$TO"',
    'recreate crawl4ai',
    'wait_http http://127.0.0.1:11235/health Crawl4AI',
  ];
}

/** The basic-auth file as the bootstrap writes it ({SHA}, readable by nginx's group 101), then nginx recreated to read it. */
function proxyLines(input: RotationStepInput): string[] {
  if (input.guardedPath === undefined) throw new Error('The proxy step needs the path behind basic auth');
  return [
    'v=$(cat "$T/new")',
    'hash=$(printf \'%s\' "$v" | openssl dgst -sha1 -binary | base64) || fail "cannot hash the new password"',
    'unset v',
    `printf '${PROXY_USER}:{SHA}%s\\n' "$hash" >"$ETC/htpasswd.tmp" && chown 0:101 "$ETC/htpasswd.tmp" && chmod 640 "$ETC/htpasswd.tmp" && mv -f "$ETC/htpasswd.tmp" "$ETC/htpasswd" || fail "cannot write $ETC/htpasswd"`,
    'note "htpasswd now holds version $TO"',
    // A bind-mounted file keeps its old inode in a running container: only a new container reads the new file.
    'recreate nginx',
    'wait_http http://127.0.0.1:80/healthz proxy',
    `basic_code() { printf 'Authorization: Basic %s\\n' "$(printf '${PROXY_USER}:%s' "$(cat "$T/$1")" | base64 | tr -d '\\n')" >"$T/h"; curl -s -o /dev/null -m 10 -w '%{http_code}' -H @"$T/h" 'http://127.0.0.1:80${safe(input.guardedPath, 'path')}'; }`,
    'code=$(basic_code new); case "$code" in 401|000) fail "the proxy refuses the new password (HTTP $code)" ;; esac',
    'code=$(basic_code old); [ "$code" = 401 ] || fail "the proxy still accepts the old password (HTTP $code)"',
    'note "the proxy accepts the new password and refuses the old one"',
  ];
}

/**
 * n8n's own REST API, as its editor uses it: POST /rest/login (the body carries the login as `email`, which n8n
 * 1.80 reads, and as `emailOrLdapLoginId`, which later versions read; each ignores the other), then PATCH
 * /rest/me/password with the n8n-auth cookie and the same browser-id header the login was made with. Bodies go on
 * stdin and the cookie in a header file. When the owner already has the target password (a step re-run) it is left.
 */
function ownerLines(input: RotationStepInput): string[] {
  if (input.ownerEmail === undefined) throw new Error('The n8n owner step needs the owner\'s login');
  return [
    'wait_http http://127.0.0.1:5678/healthz n8n',
    `EMAIL='${safe(input.ownerEmail, 'owner login')}'; BID="geusemaker-rotate-$$"`,
    'login() { v=$(cat "$T/$1"); printf \'{"email":"%s","emailOrLdapLoginId":"%s","password":"%s"}\' "$EMAIL" "$EMAIL" "$v" | curl -s -o /dev/null -D "$T/headers" -m 30 -w \'%{http_code}\' -X POST -H \'Content-Type: application/json\' -H "browser-id: $BID" --data-binary @- http://127.0.0.1:5678/rest/login; unset v; }',
    'code=$(login old)',
    'if [ "$code" = 200 ]; then',
    '  sed -n \'s/^[Ss]et-[Cc]ookie: *\\(n8n-auth=[^;]*\\).*/Cookie: \\1/p\' "$T/headers" | head -n 1 >"$T/cookie"',
    '  [ -s "$T/cookie" ] || fail "n8n\'s login answered without an n8n-auth cookie"',
    '  a=$(cat "$T/old"); b=$(cat "$T/new")',
    '  code=$(printf \'{"currentPassword":"%s","newPassword":"%s"}\' "$a" "$b" | curl -s -o "$T/body" -m 30 -w \'%{http_code}\' -X PATCH -H \'Content-Type: application/json\' -H "browser-id: $BID" -H @"$T/cookie" --data-binary @- http://127.0.0.1:5678/rest/me/password)',
    '  unset a b',
    '  [ "$code" = 200 ] || fail "n8n refused the password change (HTTP $code): $(head -c 300 "$T/body")"',
    '  note "the owner password is changed through n8n\'s API"',
    'elif [ "$(login new)" = 200 ]; then',
    '  note "the owner already has the password of version $TO"',
    'else',
    '  fail "n8n refused the owner password of version $FROM (HTTP $code): was it changed in n8n itself?"',
    'fi',
    'code=$(login old); [ "$code" = 401 ] || fail "n8n still accepts the old owner password (HTTP $code)"',
    'note "n8n refuses the old owner password"',
  ];
}

const BODIES: Record<RotatableSecret, (input: RotationStepInput) => string[]> = {
  postgres: postgresLines, qdrant: qdrantLines, crawl4ai: crawl4aiLines, proxy: proxyLines, 'n8n-owner': ownerLines,
};

/**
 * One secret's step on the instance, for Run Command (POSIX sh, as AWS-RunShellScript runs it). It names the
 * parameter and two versions, never a value: SendCommand's parameters stay in SSM's command history. The values are
 * read from Parameter Store on the instance, as the bootstrap reads them. The same script puts an old value back
 * (from = the rotated version, to = the restored one). No line holds a double brace: SSM would resolve it.
 */
export function rotationScript(input: RotationStepInput): string[] {
  if (ROTATABLE[input.secret] === undefined) throw new Error(`Not a rotatable secret: ${input.secret}`);
  return [...preamble(input), ...BODIES[input.secret](input), 'rm -f "$T/new" "$T/old"', 'note "done"', `echo "${ROTATE_OK} $SECRET"`];
}

/** How long a step may run on the instance: recreating PostgreSQL and n8n takes minutes on a small instance. */
export function rotationTimeoutSeconds(secret: RotatableSecret): number {
  return secret === 'postgres' ? 900 : 600;
}
