import { operationLine } from '../ssm/recorded-commands';
import { frameLines } from './frame';
import { checkModelName } from './names';

/**
 * The shell scripts that manage Ollama's models over SSM Run Command (POSIX sh: AWS-RunShellScript runs under
 * sh). Ollama listens on the host's 127.0.0.1:11434 (the compose file publishes it there). Each names its
 * operation on its first line, so recorded answers can replay it. No script writes a double brace: SSM resolves
 * {{ssm:…}} references in command text. GM_ROOT is empty on the instance; tests run the scripts in a scratch folder.
 */
const OLLAMA = 'http://127.0.0.1:11434';
/** Where a pull's NDJSON goes on the instance, one file per pull (kept a week, like a log). */
export const PULL_DIR = '/var/log/geusemaker/models';
/** /api/tags is printed as is unless it is this large; then each model's `details` are left out to fit SSM's 24,000 characters. */
const TAGS_COMPACT_BYTES = 20_000;
/** One poll reads at most this much of a pull's output (Ollama writes a progress line every 60 ms). */
const POLL_WINDOW_BYTES = 4_000_000;

const digits = (name: string) => `$(printf '%s' "$${name}" | tr -cd '0-9')`;
const body = (model: string) => `'{"model":"${checkModelName(model)}","name":"${model}"}'`;
const pullFile = (id: string) => {
  if (!/^[0-9a-f]{8,32}$/.test(id)) throw new Error(`Not a pull id: ${id}`);
  return `gm_f="\${GM_ROOT:-}${PULL_DIR}/pull-${id}.ndjson"`;
};

/** GET /api/tags: Ollama's models as its JSON. */
export function listScript(): string[] {
  return [
    operationLine('models-list'),
    'gm_body=$(mktemp)',
    `gm_code=$(curl -sS -o "$gm_body" -m 30 -w '%{http_code}' ${OLLAMA}/api/tags 2>/dev/null); gm_exit=$?`,
    `gm_size=$(wc -c <"$gm_body" | tr -cd '0-9')`,
    ...frameLines(`exit=$gm_exit code=${digits('gm_code')} size=$gm_size`, [
      `if [ "\${gm_size:-0}" -gt ${TAGS_COMPACT_BYTES} ]; then sed -e 's/,"details":{[^}]*}//g' "$gm_body"; else cat "$gm_body"; fi`,
    ]),
    'rm -f "$gm_body"',
  ];
}

/** DELETE /api/delete: the answer's status and body (an error's words). */
export function removeScript(model: string): string[] {
  return [
    operationLine('models-remove'),
    'gm_body=$(mktemp)',
    `gm_code=$(curl -sS -o "$gm_body" -m 120 -w '%{http_code}' -X DELETE -H 'Content-Type: application/json' -d ${body(model)} ${OLLAMA}/api/delete 2>/dev/null); gm_exit=$?`,
    ...frameLines(`exit=$gm_exit code=${digits('gm_code')}`, ['head -c 2000 "$gm_body"']),
    'rm -f "$gm_body"',
  ];
}

/**
 * Starts POST /api/pull detached (setsid, so it outlives this command and can be stopped as a group), its NDJSON
 * appended to a file and curl's exit code written beside it when it ends.
 */
export function pullStartScript(model: string, id: string): string[] {
  return [
    operationLine('models-pull-start'),
    pullFile(id),
    `mkdir -p "\${GM_ROOT:-}${PULL_DIR}"`,
    `find "\${GM_ROOT:-}${PULL_DIR}" -name 'pull-*' -mtime +7 -exec rm -f {} + 2>/dev/null`,
    ': >"$gm_f"',
    'if command -v setsid >/dev/null 2>&1; then gm_detach=setsid; else gm_detach=; fi',
    `nohup $gm_detach sh -c 'curl -sS -N -m 43200 -X POST -H "Content-Type: application/json" -d "$2" ${OLLAMA}/api/pull >>"$1" 2>>"$1.err"; echo $? >"$1.exit"' gm-pull "$gm_f" ${body(model)} </dev/null >/dev/null 2>&1 &`,
    'gm_pid=$!',
    'echo "$gm_pid" >"$gm_f.pid"',
    ...frameLines(`started=${id} pid=$gm_pid`, []),
  ];
}

/**
 * What the pull wrote since `offset`, up to the last full line, with each layer's progress lines folded into its
 * last one (so a poll's output stays small however far behind it is), and whether the pull still runs.
 */
export function pullPollScript(id: string, offset: number): string[] {
  const fold = [
    '{ if (match($0, /"digest":"[^"]*"/)) { d = substr($0, RSTART, RLENGTH); if (!(d in last)) { n++; kind[n] = "d"; key[n] = d } last[d] = $0 } else { n++; kind[n] = "l"; key[n] = $0 } }',
    'END { for (i = 1; i <= n; i++) print (kind[i] == "d" ? last[key[i]] : key[i]) }',
  ].join(' ');
  return [
    operationLine('models-pull-progress'),
    pullFile(id),
    `gm_off=${Math.max(0, Math.floor(offset))}; gm_exit=none`,
    // The state is read before the size: once the exit file exists, everything the pull wrote is in the file.
    'if [ -f "$gm_f.exit" ]; then gm_state=done; gm_exit=$(tr -cd \'0-9\' <"$gm_f.exit"); gm_exit=${gm_exit:-none}',
    'elif [ -f "$gm_f.pid" ] && kill -0 "$(tr -cd \'0-9\' <"$gm_f.pid")" 2>/dev/null; then gm_state=running',
    'else gm_state=gone; fi',
    'gm_size=$(stat -c %s "$gm_f" 2>/dev/null || echo -1)',
    'gm_tmp=$(mktemp)',
    `[ "$gm_size" -le "$gm_off" ] || tail -c +$((gm_off + 1)) "$gm_f" | head -c ${POLL_WINDOW_BYTES} >"$gm_tmp"`,
    `gm_len=$(wc -c <"$gm_tmp" | tr -cd '0-9'); gm_keep=$gm_len`,
    // A line still being written waits for the next poll (once the pull ended, nothing more comes).
    `if [ "$gm_state" != done ] && [ "$gm_len" -gt 0 ] && [ -n "$(tail -c 1 "$gm_tmp")" ]; then gm_keep=$((gm_len - $(tail -n 1 "$gm_tmp" | wc -c | tr -cd '0-9'))); fi`,
    ...frameLines('state=$gm_state exit=$gm_exit size=$gm_size offset=$gm_off next=$((gm_off + gm_keep))', [
      `head -c "$gm_keep" "$gm_tmp" | awk '${fold}'`,
    ]),
    'rm -f "$gm_tmp"',
  ];
}

/** Stops a pull: its process group (curl with it; Ollama then stops downloading and keeps what it has). */
export function pullStopScript(id: string): string[] {
  return [
    operationLine('models-pull-stop'),
    pullFile(id),
    `gm_pid=$(tr -cd '0-9' <"$gm_f.pid" 2>/dev/null); gm_was=idle`,
    'if [ -n "$gm_pid" ] && kill -0 "$gm_pid" 2>/dev/null; then',
    '  kill -TERM -- "-$gm_pid" 2>/dev/null; pkill -TERM -P "$gm_pid" 2>/dev/null; kill -TERM "$gm_pid" 2>/dev/null; gm_was=stopped',
    'fi',
    '[ -f "$gm_f.exit" ] || echo 143 >"$gm_f.exit"',
    ...frameLines('stopped=$gm_was', []),
  ];
}
