import { GeuseError } from '../errors';
import type { StepContext } from '../context';
import type { CommandRunner } from '../ssm/run-command';
import { scriptDigest } from './instance-check';

/** What the instance prints when the new bootstrap ran to its end (its own log holds the details). */
export const UPDATE_OK = 'GM_UPDATE_OK';
export const UPDATE_FAILED = 'GM_UPDATE_FAILED';

/**
 * The shell lines that give a running instance a new bootstrap: the same script a replacement boots (every step
 * idempotent; compose recreates only the services whose definition changed and removes the ones turned off). The
 * files it replaces are kept first, and put back and started again when the new one fails, so a failed update
 * leaves the instance on its previous settings. The script names where secrets live, never their values.
 */
export function inPlaceScript(payloadBase64: string): string[] {
  if (!/^[A-Za-z0-9+/=]+$/.test(payloadBase64)) throw new Error('The bootstrap payload is not base64');
  return [
    'set -uo pipefail',
    // GM_ROOT prefixes every path, as in the bootstrap (tests); empty on EC2.
    'R="${GM_ROOT:-}"; ETC="$R/etc/geusemaker"; SELF="$R/usr/local/sbin/geusemaker-bootstrap"; LOG="$R/var/log/geusemaker/bootstrap.log"; UNITS="$R/etc/systemd/system"',
    'umask 077',
    'backup=$(mktemp -d "$R/root/geusemaker-update.XXXXXX") || exit 1',
    // The units call the script's modes (lease, stop): they go back together with the script they call.
    'mkdir -p "$backup/etc" "$backup/units" "${SELF%/*}" && cp -a "$ETC/." "$backup/etc/" 2>/dev/null; cp -a "$SELF" "$backup/bootstrap" 2>/dev/null; cp -a "$UNITS"/geusemaker*.service "$backup/units/" 2>/dev/null',
    'next=$(mktemp "$SELF.XXXXXX") || exit 1',
    `printf %s '${payloadBase64}' | base64 -d | gunzip >"$next" || { echo "${UPDATE_FAILED} unpack: the new bootstrap could not be unpacked; nothing changed" >&2; rm -f "$next"; rm -rf "$backup"; exit 1; }`,
    'chmod 700 "$next" && mv -f "$next" "$SELF"',
    `if "$SELF"; then rm -rf "$backup"; echo "${UPDATE_OK}"; exit 0; fi`,
    'failed=$(grep -o "FAILED at step [a-z0-9-]*" "$LOG" 2>/dev/null | tail -n1)',
    'cp -a "$backup/etc/." "$ETC/" 2>/dev/null; [ -e "$backup/bootstrap" ] && cp -a "$backup/bootstrap" "$SELF"',
    'if ls "$backup/units/"*.service >/dev/null 2>&1; then cp -a "$backup/units/." "$UNITS/"; systemctl daemon-reload 2>/dev/null; fi; rm -rf "$backup"',
    // Another instance holds the data (the lease): starting the databases here would open them twice.
    `if [ "\${failed##* }" = wait-lease ]; then echo "${UPDATE_FAILED} \${failed}: another instance holds the data, so nothing was started here" >&2; exit 1; fi`,
    'docker compose --project-name geusemaker --env-file "$ETC/stack.env" -f "$ETC/docker-compose.yml" up -d --remove-orphans >&2',
    `echo "${UPDATE_FAILED} \${failed:-unknown step}: the previous settings are running again" >&2`,
    'exit 1',
  ];
}

export interface InPlaceResult {
  instanceId: string;
  digest: string;
}

/**
 * Pushes the launch template's bootstrap to the running instance over SSM Run Command and waits for it to finish
 * (images are pulled first, so allow long). The instance record carries the digest afterwards: the next plan knows
 * the instance runs it although its UserData is still the one it was launched with.
 */
export async function updateInPlace(ctx: StepContext, runner: CommandRunner, instanceId: string, script: string, payloadBase64: string): Promise<InPlaceResult> {
  const digest = scriptDigest(script);
  ctx.report.waiting(`instance ${instanceId} to run the new bootstrap (only changed services restart)`);
  const result = await runner.run(instanceId, inPlaceScript(payloadBase64), {
    timeoutSeconds: ctx.config.tier === 'gpu' ? 3600 : 1800, signal: ctx.report.signal, comment: `GeuseMaker update of stack ${ctx.stack}`,
  });
  if (!result.stdout.includes(UPDATE_OK)) {
    throw new GeuseError({
      code: 'UPDATE_NOT_CONFIRMED', kind: 'unknown', operation: 'ssm:SendCommand',
      message: `The update ran on ${instanceId} but did not confirm it finished (no ${UPDATE_OK} in its output), so it is not recorded as applied.`,
      nextStep: 'Look at /var/log/geusemaker/bootstrap.log on the instance (GeuseMaker: Open Terminal), then run deploy again.',
    });
  }
  await ctx.journal.created('instance', 'instance', instanceId, { bootstrap: digest });
  return { instanceId, digest };
}
