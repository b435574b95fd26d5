#!/bin/bash
# GeuseMaker worker bootstrap, rendered by src/engine/bootstrap/worker.ts. It names where secrets live, never their values.
# A worker runs only its pool's container; the stack's data stays with the main instance, RDS and the queue, so it
# takes no data lease. Every step is idempotent. GM_ROOT prefixes every path written (tests); empty on EC2.
set -euo pipefail
# errtrace so the ERR trap also fires inside functions; xtrace stays off because a traced line could show a secret.
set -o errtrace
set +x
umask 022
GM_ROOT="${GM_ROOT:-}"
STACK='{{STACK}}'
REGION='{{REGION}}'
EFS_ID='{{EFS_ID}}'
PARAM_PATH='{{PARAM_PATH}}'
POOL='{{POOL}}'
VARIANT='{{VARIANT}}'
GPU={{GPU}}
SERVICE_DIRS=({{SERVICE_DIRS}})
SECRET_ENV=({{SECRET_ENV}})
# Where the main instance publishes its private address, when this worker uses its PostgreSQL or queue (else empty).
MAIN_ADDRESS_PARAM='{{MAIN_ADDRESS_PARAM}}'
# n8n pool: --concurrency per vCPU (0: not n8n), and whether the watchdog checks HEALTH_URL.
PER_VCPU={{PER_VCPU}}
WATCHDOG={{WATCHDOG}}
HEALTH_URL='{{HEALTH_URL}}'
# n8n talks to RDS, and so needs its CA bundle.
RDS_CA={{RDS_CA}}
{{COMMON_PATHS}}
SELF="$GM_ROOT/usr/local/sbin/geusemaker-worker"
UNITS="$GM_ROOT/etc/systemd/system"
FAILS="$GM_ROOT/var/lib/geusemaker/health-failures"
STEP=start

{{COMMON_LOGGING}}
# No status parameter: the instance role may write the main instance's only. A failed worker is replaced instead
# (the watchdog, or the load balancer's health check for Ollama).
die() { trap - ERR; log "FAILED at step $STEP: $*"; exit 1; }
on_err() { trap - ERR; log "FAILED at step $STEP (exit $1)"; exit "$1"; }
compose() { docker compose --project-name geusemaker --env-file "$ENV_FILE" -f "$COMPOSE_FILE" "$@"; }
secret() { aws ssm get-parameter --region "$REGION" --with-decryption --name "$PARAM_PATH$1" --query Parameter.Value --output text; }
wait_for() {
  local what="$1" attempt=1
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$attempt" -lt "$HEALTH_TRIES" ] || die "$what not answering after $HEALTH_TRIES tries"
    attempt=$((attempt + 1))
    sleep "$HEALTH_SLEEP"
  done
}

# Runs from geusemaker-watchdog.timer each minute after the boot grace. {{WATCHDOG_FAILURES}} failed checks in a row
# mark this instance Unhealthy and its group replaces it: n8n workers have no load balancer to do that. A boot that
# failed never answers, so it is replaced too.
watchdog() {
  local fails
  mkdir -p "${FAILS%/*}"
  fails=$(cat "$FAILS" 2>/dev/null) || fails=0
  [[ "$fails" =~ ^[0-9]+$ ]] || fails=0
  if curl -fsS -m 5 -o /dev/null "$HEALTH_URL"; then
    [ "$fails" = 0 ] || log "watchdog: healthy again after $fails failed checks"
    echo 0 >"$FAILS"
    return 0
  fi
  fails=$((fails + 1))
  echo "$fails" >"$FAILS"
  log "watchdog: $HEALTH_URL failed ($fails in a row)"
  [ "$fails" -ge {{WATCHDOG_FAILURES}} ] || return 0
  instance_id || { log "watchdog: cannot read the instance id from IMDS"; return 1; }
  aws autoscaling set-instance-health --region "$REGION" --instance-id "$ME" --health-status Unhealthy --no-should-respect-grace-period
  log "watchdog: marked $ME Unhealthy; its group replaces it"
}

{{INSTALL}}

case "${1:-}" in
  watchdog) watchdog; exit 0 ;;
esac
trap 'on_err $?' ERR
log "GeuseMaker worker bootstrap for stack $STACK, pool $POOL ($VARIANT)"
step aws-cli
install_aws_cli

if [ "$WATCHDOG" = 1 ]; then
  step watchdog
  # Before anything that can fail, so a worker whose boot fails is replaced as well.
  mkdir -p "${SELF%/*}" "$UNITS"
  [ "$0" -ef "$SELF" ] || cp -f "$0" "$SELF"
  chmod 700 "$SELF"
  cat >"$UNITS/geusemaker-watchdog.service" <<'GM_UNIT_EOF'
[Unit]
Description=GeuseMaker worker watchdog: replaces this instance after repeated failed health checks

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/geusemaker-worker watchdog
GM_UNIT_EOF
  cat >"$UNITS/geusemaker-watchdog.timer" <<'GM_UNIT_EOF'
[Unit]
Description=GeuseMaker worker watchdog, every minute after the boot grace

[Timer]
OnBootSec={{WATCHDOG_GRACE}}s
OnUnitActiveSec={{WATCHDOG_INTERVAL}}s
AccuracySec=5s

[Install]
WantedBy=timers.target
GM_UNIT_EOF
  chmod 644 "$UNITS/geusemaker-watchdog.service" "$UNITS/geusemaker-watchdog.timer"
  systemctl daemon-reload
  systemctl enable --now geusemaker-watchdog.timer
fi

{{HOST_SETUP}}

{{READ_SECRETS}}
if [ "$PER_VCPU" -gt 0 ]; then
  vcpus=$(nproc)
  printf '{{CONCURRENCY_VAR}}=%s\n' "$((vcpus * PER_VCPU))" >>"$ENV_FILE.tmp"
  log "n8n worker concurrency $((vcpus * PER_VCPU)) ($vcpus vCPUs x $PER_VCPU)"
fi
if [ -n "$MAIN_ADDRESS_PARAM" ]; then
  # The main instance may still be booting: its address appears once it runs.
  attempt=1
  until main=$(aws ssm get-parameter --region "$REGION" --name "$MAIN_ADDRESS_PARAM" --query Parameter.Value --output text) && [[ "$main" =~ ^[0-9]+(\.[0-9]+){3}$ ]]; do
    [ "$attempt" -lt "$HEALTH_TRIES" ] || die "no address of the main instance in $MAIN_ADDRESS_PARAM after $HEALTH_TRIES tries"
    attempt=$((attempt + 1))
    sleep "$HEALTH_SLEEP"
  done
  printf '{{MAIN_ADDRESS_VAR}}=%s\n' "$main" >>"$ENV_FILE.tmp"
  log "main instance at $main"
fi
chmod 600 "$ENV_FILE.tmp"
mv -f "$ENV_FILE.tmp" "$ENV_FILE"
umask 022

step write-files
{{WRITE_COMPOSE}}
mkdir -p "$UNITS"
cat >"$UNITS/geusemaker-worker.service" <<'GM_UNIT_EOF'
[Unit]
Description=GeuseMaker worker
Requires=docker.service
After=docker.service network-online.target
Wants=network-online.target
RequiresMountsFor=/mnt/efs

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/bin/docker compose --project-name geusemaker --env-file /etc/geusemaker/stack.env -f /etc/geusemaker/docker-compose.yml up -d
# A scale-in or replacement shuts the instance down: n8n finishes its running executions first.
ExecStop=/usr/bin/docker compose --project-name geusemaker --env-file /etc/geusemaker/stack.env -f /etc/geusemaker/docker-compose.yml stop -t 90
TimeoutStopSec=120

[Install]
WantedBy=multi-user.target
GM_UNIT_EOF
chmod 644 "$UNITS/geusemaker-worker.service"
systemctl daemon-reload

step pull-images
for attempt in 1 2 3; do
  compose pull --quiet && break
  [ "$attempt" -lt 3 ] || die "docker compose pull failed 3 times"
  log "image pull failed (attempt $attempt/3); retrying"
  sleep "$HEALTH_SLEEP"
done

step start
compose up -d --remove-orphans
# Started, so its ExecStop runs at shutdown.
systemctl enable --now geusemaker-worker.service

step wait-health
wait_for "$HEALTH_URL" curl -fsS -m 5 "$HEALTH_URL"
log "healthy: $HEALTH_URL"

step finish
log "worker bootstrap complete for stack $STACK, pool $POOL"
