import type { ServiceSpec } from './catalogue';
import { DISK_PRELUDE, DISK_PROBES } from './disks';

/** The one line the script prints, so it can be found among anything else on stdout. */
export const HEALTH_MARKER = 'GM_HEALTH_V1 ';
export const BOOTSTRAP_LOG = '/var/log/geusemaker/bootstrap.log';
const COMPOSE = 'docker compose --project-name geusemaker --env-file /etc/geusemaker/stack.env -f /etc/geusemaker/docker-compose.yml';

function shq(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Helpers of the generated script. POSIX sh, because AWS-RunShellScript runs under sh (dash on Ubuntu).
 * It never writes a double brace: SSM resolves {{ssm:…}} references in command text, so the Go templates
 * docker inspect needs are assembled from printf'd braces at run time.
 */
// `@{` stands for the shell's `${` inside this template literal.
const PRELUDE = String.raw`gm_p=geusemaker
gm_json=''
gm_l=$(printf '\173\173'); gm_r=$(printf '\175\175')
gm_fmt="@{gm_l}.State.Status@{gm_r} @{gm_l}if .State.Health@{gm_r}@{gm_l}.State.Health.Status@{gm_r}@{gm_l}else@{gm_r}none@{gm_l}end@{gm_r} @{gm_l}.RestartCount@{gm_r}"
gm_add() { if [ -n "$gm_json" ]; then gm_json="$gm_json,$1"; else gm_json="$1"; fi; }
gm_word() { printf '%s' "$1" | tr -cd 'a-z' | cut -c1-20; }
# JSON numbers have no leading zeros, and curl reports a failed connection as HTTP code 000.
gm_num() { gm_v=$(printf '%s' "$1" | tr -cd '0-9' | cut -c1-9 | sed 's/^0*//'); printf '%s' "@{gm_v:-0}"; }
gm_container() {
  gm_state=missing; gm_health=none; gm_restarts=0
  gm_cid=$(docker ps -aq --filter "label=com.docker.compose.project=$gm_p" --filter "label=com.docker.compose.service=$1" 2>/dev/null | head -n 1)
  [ -n "$gm_cid" ] || return 0
  set -- $(docker inspect -f "$gm_fmt" "$gm_cid" 2>/dev/null)
  gm_state=$(gm_word "@{1:-unknown}"); gm_health=$(gm_word "@{2:-none}"); gm_restarts=$(gm_num "@{3:-0}")
}
gm_http() {
  gm_container "$1"
  gm_body=$(mktemp)
  gm_w=$(curl -sS -o "$gm_body" -m "$4" -w '%{http_code} %{time_total}' "http://127.0.0.1:$2$3" 2>/dev/null)
  gm_exit=$?
  gm_code=$(gm_num "@{gm_w%% *}")
  gm_secs=$(printf '%s' "@{gm_w#* }" | tr -cd '0-9.')
  gm_ms=$(awk -v s="@{gm_secs:-0}" 'BEGIN { printf "%d", s * 1000 }')
  if [ -z "$5" ] || grep -qF -- "$5" "$gm_body"; then gm_bok=true; else gm_bok=false; fi
  rm -f "$gm_body"
  gm_add "{\"name\":\"$1\",\"probe\":\"http\",\"state\":\"$gm_state\",\"health\":\"$gm_health\",\"restarts\":$gm_restarts,\"exit\":$gm_exit,\"code\":$gm_code,\"ms\":$gm_ms,\"bodyOk\":$gm_bok}"
}
gm_pg() {
  gm_container "$1"
  gm_t0=$(date +%s%N)
  timeout $(( $4 + 5 )) ${COMPOSE} exec -T "$1" pg_isready -q -U "$2" -d "$3" -t "$4" >/dev/null 2>&1
  gm_exit=$?
  gm_ms=$(( ($(date +%s%N) - gm_t0) / 1000000 ))
  gm_add "{\"name\":\"$1\",\"probe\":\"pg_isready\",\"state\":\"$gm_state\",\"health\":\"$gm_health\",\"restarts\":$gm_restarts,\"exit\":$gm_exit,\"ms\":$gm_ms}"
}
# GM_ROOT lets tests run the script against a scratch directory; empty on the instance.
gm_log="@{GM_ROOT:-}${BOOTSTRAP_LOG}"
gm_last=$(grep -E 'GeuseMaker bootstrap for stack|FAILED at step|bootstrap complete' "$gm_log" 2>/dev/null | tail -n 1)
case "$gm_last" in
  *FAILED*) gm_boot=failed ;;
  *complete*) gm_boot=done ;;
  '') gm_boot=absent ;;
  *) gm_boot=running ;;
esac
gm_step=$(grep -o '== step [a-z0-9-]*' "$gm_log" 2>/dev/null | tail -n 1 | cut -c9- | tr -cd 'a-z0-9-')
if command -v docker >/dev/null 2>&1; then gm_docker=true; else gm_docker=false; fi`.replaceAll('@{', '${');

function probeLine(spec: ServiceSpec): string {
  const { probe } = spec;
  if (probe.kind === 'http') {
    return `gm_http ${spec.name} ${spec.port} ${shq(probe.path)} ${spec.timeoutSeconds} ${shq(probe.bodyContains ?? '')}`;
  }
  return `gm_pg ${spec.name} ${shq(probe.user)} ${shq(probe.database)} ${spec.timeoutSeconds}`;
}

/** The script for one SSM Run Command that checks every given service locally and prints one JSON line. */
export function renderHealthScript(services: readonly ServiceSpec[]): string[] {
  const probes = services.map(probeLine);
  return [
    ...PRELUDE.split('\n'),
    ...DISK_PRELUDE.split('\n'),
    'if [ "$gm_docker" = true ]; then',
    ...probes.map((line) => `  ${line}`),
    'fi',
    ...DISK_PROBES,
    `printf '%s\\n' "${HEALTH_MARKER}{\\"docker\\":$gm_docker,\\"bootstrap\\":\\"$gm_boot\\",\\"step\\":\\"$gm_step\\",\\"services\\":[$gm_json],\\"disks\\":[$gm_disks]}"`,
    'exit 0',
  ];
}

/** Seconds the whole script may take: every probe in turn, plus docker's own overhead and the two df (5 s each at most). */
export function healthScriptTimeoutSeconds(services: readonly ServiceSpec[]): number {
  return 40 + services.reduce((sum, spec) => sum + spec.timeoutSeconds + 5, 0);
}
