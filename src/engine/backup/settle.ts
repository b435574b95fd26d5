import { z } from 'zod';
import { COMPOSE_ENV_FILE } from '../bootstrap/compose';
import { GeuseError } from '../errors';
import { operationLine } from '../ssm/recorded-commands';
import type { CommandRunner } from '../ssm/run-command';

/**
 * AWS Backup never restores an EFS recovery point into the file system's root, not even into a new file system: it
 * puts everything in one directory `aws-backup-restore_<time>` off the root. The stack's services look for their
 * directories at the root (/mnt/efs/postgres, …), so the first boot on a restored file system finds them empty
 * and starts fresh. This script (run over SSM on the instance once it is in service) stops the containers, moves
 * what that first boot made aside (into .geusemaker-before-restore-<time>, kept, never deleted), moves the restored
 * tree up to the root (renames within one file system: instant), and starts the containers again. On a file system
 * without a restore directory it changes nothing. POSIX sh; GM_ROOT prefixes every path (tests).
 */

export const SETTLE_BEGIN = 'GM_SETTLE_V1';
export const SETTLE_END = 'GM_SETTLE_END';

export function settleScript(): string[] {
  return [
    operationLine('backup-restore-settle'),
    'set -u',
    `R="\${GM_ROOT:-}"; EFS="$R/mnt/efs"; gm_stamp=$(date -u +%Y%m%dT%H%M%SZ); gm_err=$(mktemp)`,
    `gm_compose() { docker compose --project-name geusemaker --env-file "$R${COMPOSE_ENV_FILE}" -f "$R/etc/geusemaker/docker-compose.yml" "$@"; }`,
    `gm_fail() { echo "error $(printf '%s' "$2" | tr '\\n' ' ' | cut -c1-600)"; echo "${SETTLE_END} failed step=$1"; rm -f "$gm_err"; exit 0; }`,
    `echo "${SETTLE_BEGIN}"`,
    `if [ -z "$R" ] && ! mountpoint -q "$EFS"; then gm_fail efs-mount "$EFS is not mounted"; fi`,
    'set -- "$EFS"/aws-backup-restore_*',
    `if [ ! -d "$1" ]; then rm -f "$gm_err"; echo "${SETTLE_END} ok moved=none"; exit 0; fi`,
    '[ $# -eq 1 ] || gm_fail find "the file system holds $# aws-backup-restore directories; which one is the data cannot be told"',
    'gm_from="$1"; gm_aside="$EFS/.geusemaker-before-restore-$gm_stamp"',
    '[ -n "$(ls -A "$gm_from")" ] || gm_fail find "${gm_from##*/} is empty"',
    // Nothing may hold the files while they move: the containers stop (the first boot's fresh databases with them).
    'gm_compose stop >"$gm_err" 2>&1 || gm_fail stop "docker compose stop failed: $(tail -n 3 "$gm_err" | tr \'\\n\' \' \')"',
    'mkdir -p "$gm_aside" || gm_fail move "cannot create ${gm_aside##*/}"',
    'for gm_e in "$EFS"/* "$EFS"/.[!.]* "$EFS"/..?*; do',
    '  [ -e "$gm_e" ] || continue',
    '  [ "$gm_e" = "$gm_from" ] || [ "$gm_e" = "$gm_aside" ] || mv "$gm_e" "$gm_aside/" || gm_fail move "moving ${gm_e##*/} aside failed"',
    'done',
    'for gm_e in "$gm_from"/* "$gm_from"/.[!.]* "$gm_from"/..?*; do',
    '  [ -e "$gm_e" ] || continue',
    '  mv "$gm_e" "$EFS/" || gm_fail move "moving ${gm_e##*/} to the root failed"',
    'done',
    'rmdir "$gm_from" || gm_fail move "${gm_from##*/} is not empty after the move"',
    'sync',
    'gm_compose up -d >"$gm_err" 2>&1 || gm_fail start "docker compose up failed: $(tail -n 3 "$gm_err" | tr \'\\n\' \' \')"',
    'rm -f "$gm_err"',
    `echo "${SETTLE_END} ok moved=\${gm_from##*/} aside=\${gm_aside##*/}"`,
  ];
}

const endSchema = z.union([
  z.object({ ok: z.literal(''), moved: z.literal('none') }).transform(() => ({ ok: true as const })),
  z.object({ ok: z.literal(''), moved: z.string().regex(/^aws-backup-restore_[A-Za-z0-9_.:+-]+$/), aside: z.string().regex(/^\.geusemaker-before-restore-\d{8}T\d{6}Z$/) })
    .transform((end) => ({ ok: true as const, moved: end.moved, aside: end.aside })),
  z.object({ failed: z.literal(''), step: z.enum(['efs-mount', 'find', 'stop', 'move', 'start']) }).transform((end) => ({ ok: false as const, step: end.step })),
]);

export type SettleOutput = { ok: true; moved?: string; aside?: string } | { ok: false; step: string; words: string };

/** The settle script's frame (pure); undefined when there is none. */
export function parseSettleOutput(stdout: string): SettleOutput | undefined {
  const lines = stdout.split('\n').map((line) => line.trimEnd());
  const begin = lines.indexOf(SETTLE_BEGIN);
  const last = lines.findIndex((line, index) => index > begin && line.startsWith(`${SETTLE_END} `));
  if (begin < 0 || last < 0) return undefined;
  const pairs = Object.fromEntries(lines[last]!.slice(SETTLE_END.length).trim().split(/\s+/).map((pair) => {
    const at = pair.indexOf('=');
    return at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
  }));
  const end = endSchema.safeParse(pairs);
  if (!end.success) return undefined;
  if (end.data.ok) return end.data;
  const words = lines.slice(begin + 1, last).filter((line) => line.startsWith('error ')).map((line) => line.slice(6)).join(' ');
  return { ok: false, step: end.data.step, words: words || 'no details' };
}

function settleFailed(stack: string, instanceId: string, words: string, cause?: unknown): GeuseError {
  return new GeuseError({
    code: 'RESTORE_SETTLE_FAILED', kind: 'unknown', operation: 'ssm:SendCommand', cause,
    message: `The restored data on stack ${stack}'s file system could not be moved into place on ${instanceId}: ${words}. AWS Backup restores into an aws-backup-restore_<time> directory, so until it is moved the services run on empty data; the restored files are untouched.`,
    nextStep: `Run the restore again (it continues from here), or open a terminal (\`geusemaker shell ${stack}\`) and move the contents of /mnt/efs/aws-backup-restore_* to /mnt/efs with the containers stopped.`,
  });
}

/** Moves the restored tree into place on the instance in service; returns the directory moved (none when it was already at the root). */
export async function settleRestoredData(runner: CommandRunner, stack: string, instanceId: string, signal?: AbortSignal): Promise<{ moved?: string; aside?: string }> {
  let stdout: string;
  try {
    ({ stdout } = await runner.run(instanceId, settleScript(), { timeoutSeconds: 900, signal, comment: `GeuseMaker restore of stack ${stack}: data into place` }));
  } catch (error) {
    if (error instanceof GeuseError && error.kind === 'cancelled') throw error;
    throw settleFailed(stack, instanceId, error instanceof Error ? error.message : String(error), error);
  }
  const output = parseSettleOutput(stdout);
  if (!output) throw settleFailed(stack, instanceId, stdout.trim() === '' ? 'the command printed nothing (it did not run on the instance)' : 'the command ended without its result');
  if (!output.ok) throw settleFailed(stack, instanceId, `step ${output.step}: ${output.words}`);
  return { moved: output.moved, aside: output.aside };
}
