import { randomBytes } from 'node:crypto';
import { GeuseError } from '../errors';
import { sleep } from '../wait';
import { advanceContainerCursor, type LogChunk, type LogCursor, type LogLine } from './log-cursor';
import type { CommandRunner } from './run-command';

export { bootstrapCursor, containerCursor, type LogChunk, type LogCursor, type LogLine } from './log-cursor';

/**
 * Bytes of log per Run Command. SSM keeps 24,000 characters of stdout; a character is at least a byte, so
 * 20,000 bytes plus two marker lines always fit and nothing is dropped silently.
 */
export const DEFAULT_CHUNK_BYTES = 20_000;
const BOOTSTRAP_LOG = '/var/log/geusemaker/bootstrap.log';

export interface FetchOptions {
  signal?: AbortSignal;
  chunkBytes?: number;
}

function containerScript(cursor: Extract<LogCursor, { kind: 'container' }>, limit: number, nonce: string): string[] {
  if (!/^[a-z0-9_-]+$/.test(cursor.service)) throw new Error(`Not a compose service name: ${cursor.service}`);
  const since = cursor.since?.replace(/[^0-9A-Za-z:.+-]/g, '');
  const from = cursor.from?.replace(/[^0-9A-Za-z:.+-]/g, '');
  const tail = `--tail ${Math.max(0, Math.floor(cursor.tail))}`;
  const window = since !== undefined ? `--since '${since}'` : from !== undefined ? `--since '${from}' ${tail}` : tail;
  // Drops the lines at the cursor's instant that were delivered already, before cutting, so a burst of lines
  // sharing one timestamp can never fill a whole chunk with repeats.
  const skip = since === undefined || cursor.seenAtSince <= 0 ? ''
    : ` | awk -v t='${since} ' -v n=${Math.floor(cursor.seenAtSince)} 'n > 0 && index($0, t) == 1 { n--; next } { n = 0; print }'`;
  return [
    `gm_cid=$(docker ps -aq --filter label=com.docker.compose.project=geusemaker --filter label=com.docker.compose.service=${cursor.service} 2>/dev/null | head -n 1 | tr -cd '0-9a-f')`,
    'gm_tmp=$(mktemp)',
    // One byte past the limit tells whether more is waiting.
    `[ -z "$gm_cid" ] || docker logs --timestamps ${window} "$gm_cid" 2>&1${skip} | head -c ${limit + 1} >"$gm_tmp"`,
    `gm_size=$(wc -c <"$gm_tmp" | tr -cd '0-9')`,
    `echo "@@GM-BEGIN-${nonce} container=\${gm_cid:-none} size=$gm_size"`,
    `head -c ${limit} "$gm_tmp"`,
    'echo',
    `echo "@@GM-END-${nonce}"`,
    'rm -f "$gm_tmp"',
  ];
}

function bootstrapScript(offset: number, limit: number, nonce: string, tail?: number): string[] {
  return [
    `gm_f="\${GM_ROOT:-}${BOOTSTRAP_LOG}"`,
    `gm_off=${Math.max(0, Math.floor(offset))}; gm_reset=0; gm_cut=0`,
    `gm_size=$(stat -c %s "$gm_f" 2>/dev/null || echo -1)`,
    // --tail: start where the last N lines begin, counted in bytes so the offset stays exact.
    ...(tail !== undefined && offset === 0
      ? [`[ "$gm_size" -lt 0 ] || gm_off=$((gm_size - $(tail -n ${Math.max(0, Math.floor(tail))} "$gm_f" | wc -c | tr -cd '0-9')))`]
      : []),
    // A file shorter than our offset was replaced (a new instance): start again from its beginning.
    'if [ "$gm_size" -ge 0 ] && [ "$gm_size" -lt "$gm_off" ]; then gm_off=0; gm_reset=1; fi',
    'gm_tmp=$(mktemp)',
    `[ "$gm_size" -lt 0 ] || tail -c +$((gm_off + 1)) "$gm_f" | head -c ${limit} >"$gm_tmp"`,
    `gm_len=$(wc -c <"$gm_tmp" | tr -cd '0-9'); gm_keep=$gm_len`,
    // Cut back to the last full line, in bytes, so the offset stays exact; a single line longer than a chunk goes out cut.
    'if [ -n "$(tail -c 1 "$gm_tmp")" ]; then',
    `  gm_part=$(tail -n 1 "$gm_tmp" | wc -c | tr -cd '0-9')`,
    '  if [ "$gm_part" -lt "$gm_len" ]; then gm_keep=$((gm_len - gm_part))',
    `  elif [ "$gm_len" -ge ${limit} ]; then gm_cut=1`,
    '  else gm_keep=0; fi',
    'fi',
    `echo "@@GM-BEGIN-${nonce} size=$gm_size offset=$gm_off next=$((gm_off + gm_keep)) reset=$gm_reset cut=$gm_cut"`,
    'head -c "$gm_keep" "$gm_tmp"',
    'echo',
    `echo "@@GM-END-${nonce}"`,
    'rm -f "$gm_tmp"',
  ];
}

interface Framed {
  header: Record<string, string>;
  content: string;
}

/** Where to look when a log read keeps failing: docker only matters for a container's log. */
const LOOK_CLOSER: Record<LogCursor['kind'], string> = {
  container: 'open a terminal on the instance and check that docker runs',
  bootstrap: `open a terminal on the instance and read ${BOOTSTRAP_LOG}`,
};

/** Finds the framed content between our markers; throws when SSM cut the output or the script did not run. */
function unframe(stdout: string, nonce: string, truncated: boolean, instanceId: string, kind: LogCursor['kind']): Framed {
  const begin = `@@GM-BEGIN-${nonce} `;
  const end = `\n@@GM-END-${nonce}`;
  const start = stdout.indexOf(begin);
  const headerEnd = start < 0 ? -1 : stdout.indexOf('\n', start);
  const stop = stdout.lastIndexOf(end);
  if (!truncated && stdout.trim() === '') {
    // Our script always prints its markers, so "success" with no output at all means nothing ran (an emulator).
    throw new GeuseError({
      code: 'SSM_COMMAND_NOT_RUN', kind: 'unknown', operation: 'ssm:SendCommand',
      message: `SSM reported the log command on ${instanceId} as done, but it printed nothing: it did not run on the instance.`,
      nextStep: 'Check that the instance is running and its SSM agent is online. An emulator accepts commands without running them: follow logs against real AWS.',
    });
  }
  if (start < 0 || headerEnd < 0 || stop < headerEnd) {
    throw new GeuseError({
      code: truncated ? 'SSM_OUTPUT_TRUNCATED' : 'SSM_OUTPUT_MISSING', kind: 'transient', operation: 'ssm:GetCommandInvocation',
      message: truncated
        ? `SSM cut the log output from ${instanceId}; nothing was taken from this piece, so no line is lost.`
        : `The log command on ${instanceId} returned no log output.`,
      nextStep: `Try again; the log continues from where it stopped. If it keeps happening, ${LOOK_CLOSER[kind]}.`,
    });
  }
  const header = Object.fromEntries(stdout.slice(start + begin.length, headerEnd).split(' ').map((pair) => {
    const at = pair.indexOf('=');
    return [pair.slice(0, at), pair.slice(at + 1)];
  }));
  // The script adds one newline after the content, so the end marker is on its own line.
  const content = stdout.slice(headerEnd + 1, stop);
  return { header, content: content.endsWith('\n') ? content.slice(0, -1) : content };
}

async function fetchContainer(runner: CommandRunner, instanceId: string, cursor: Extract<LogCursor, { kind: 'container' }>, limit: number, options: FetchOptions): Promise<LogChunk> {
  const nonce = randomBytes(6).toString('hex');
  const result = await runner.run(instanceId, containerScript(cursor, limit, nonce), { signal: options.signal, timeoutSeconds: 60, comment: `GeuseMaker logs ${cursor.service}` });
  const { header, content } = unframe(result.stdout, nonce, result.truncated, instanceId, 'container');
  if (header.container === 'none') {
    return { lines: [], cursor, more: false, note: `There is no ${cursor.service} container yet; the stack may still be starting.` };
  }
  const more = Number(header.size) > limit;
  const raw = content === '' ? [] : content.split('\n');
  let lastCut = false;
  if (more) {
    // The last piece may be a line cut by the chunk limit: leave it to the next fetch, unless it is the only line.
    if (raw.length > 1) raw.pop();
    else lastCut = raw.length === 1;
  }
  const next = advanceContainerCursor(cursor, raw, lastCut);
  return { lines: next.lines, cursor: next.cursor, more };
}

async function fetchBootstrap(runner: CommandRunner, instanceId: string, cursor: Extract<LogCursor, { kind: 'bootstrap' }>, limit: number, options: FetchOptions): Promise<LogChunk> {
  const nonce = randomBytes(6).toString('hex');
  const result = await runner.run(instanceId, bootstrapScript(cursor.offset, limit, nonce, cursor.tail), { signal: options.signal, timeoutSeconds: 60, comment: 'GeuseMaker bootstrap log' });
  const { header, content } = unframe(result.stdout, nonce, result.truncated, instanceId, 'bootstrap');
  const size = Number(header.size);
  if (size < 0) return { lines: [], cursor, more: false, note: 'There is no bootstrap log yet; the instance may still be booting.' };
  const next = Number(header.next);
  const cut = header.cut === '1';
  const lines: LogLine[] = content === '' ? [] : content.split('\n').map((text) => ({ text }));
  if (cut && lines.length > 0) lines[lines.length - 1] = { text: lines[lines.length - 1]?.text ?? '', cut: true };
  return {
    lines,
    cursor: { kind: 'bootstrap', offset: next },
    more: next < size,
    ...(header.reset === '1' ? { note: 'The bootstrap log was replaced (a new instance?); reading it from the start.' } : {}),
  };
}

/** Fetches the next piece of a log over one Run Command: at most chunkBytes, ending on a full line. */
export async function fetchLogs(runner: CommandRunner, instanceId: string, cursor: LogCursor, options: FetchOptions = {}): Promise<LogChunk> {
  const limit = Math.min(options.chunkBytes ?? DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_BYTES);
  return cursor.kind === 'container'
    ? fetchContainer(runner, instanceId, cursor, limit, options)
    : fetchBootstrap(runner, instanceId, cursor, limit, options);
}

export interface FollowOptions extends FetchOptions {
  /** Pause between fetches once caught up. */
  intervalMs?: number;
}

/**
 * Follows a log until the signal aborts: yields every chunk with lines (and notes), fetching again at once
 * while more is waiting. Keep the last chunk's cursor to resume after an error or a restart.
 */
export async function* follow(runner: CommandRunner, instanceId: string, cursor: LogCursor, options: FollowOptions = {}): AsyncGenerator<LogChunk, void, undefined> {
  let current = cursor;
  let lastNote: string | undefined;
  const intervalMs = options.intervalMs ?? 5_000;
  while (!options.signal?.aborted) {
    let chunk: LogChunk;
    try {
      chunk = await fetchLogs(runner, instanceId, current, options);
    } catch (error) {
      if (error instanceof GeuseError && error.kind === 'cancelled' && options.signal?.aborted) return;
      throw error;
    }
    current = chunk.cursor;
    const newNote = chunk.note !== undefined && chunk.note !== lastNote;
    lastNote = chunk.note;
    if (chunk.lines.length > 0 || newNote) yield chunk;
    if (chunk.more) continue;
    try {
      await sleep(intervalMs, options.signal);
    } catch (error) {
      if (options.signal?.aborted) return;
      throw error;
    }
  }
}

