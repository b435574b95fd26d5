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
ETC="$GM_ROOT/etc/geusemaker"
ENV_FILE="$ETC/stack.env"
COMPOSE_FILE="$ETC/docker-compose.yml"
EFS="$GM_ROOT/mnt/efs"
LOG_DIR="$GM_ROOT/var/log/geusemaker"
LOG="$LOG_DIR/bootstrap.log"
SELF="$GM_ROOT/usr/local/sbin/geusemaker-worker"
UNITS="$GM_ROOT/etc/systemd/system"
FAILS="$GM_ROOT/var/lib/geusemaker/health-failures"
IMDS=http://169.254.169.254/latest
# Every wait is bounded; the bounds are overridable so tests run in milliseconds.
EFS_TRIES="${GM_EFS_TRIES:-60}"
EFS_SLEEP="${GM_EFS_SLEEP:-10}"
HEALTH_TRIES="${GM_HEALTH_TRIES:-60}"
HEALTH_SLEEP="${GM_HEALTH_SLEEP:-10}"
STEP=start

mkdir -p "$LOG_DIR"
chmod 700 "$LOG_DIR"
exec >>"$LOG" 2>&1

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
step() { STEP="$1"; log "== step $1"; }
# No status parameter: the instance role may write the main instance's only. A failed worker is replaced instead
# (the watchdog, or the load balancer's health check for Ollama).
die() { trap - ERR; log "FAILED at step $STEP: $*"; exit 1; }
on_err() { trap - ERR; log "FAILED at step $STEP (exit $1)"; exit "$1"; }
compose() { docker compose --project-name geusemaker --env-file "$ENV_FILE" -f "$COMPOSE_FILE" "$@"; }
secret() { aws ssm get-parameter --region "$REGION" --with-decryption --name "$PARAM_PATH$1" --query Parameter.Value --output text; }
imds_token() { curl -fsS -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$IMDS/api/token"; }
instance_id() {
  ME="${GM_INSTANCE_ID:-$(curl -fsS -m 5 --retry 3 -H "X-aws-ec2-metadata-token: $(imds_token)" "$IMDS/meta-data/instance-id")}"
  [[ "$ME" == i-* ]]
}
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

if [ "$GPU" = 1 ]; then
  step gpu-check
  command -v nvidia-smi >/dev/null || die "nvidia-smi not found: GPU workers need a Deep Learning AMI with the NVIDIA driver"
  gpus=$(nvidia-smi -L) || die "nvidia-smi failed: the NVIDIA driver is not working"
  [[ "$gpus" == *"GPU "* ]] || die "no GPU visible to the NVIDIA driver"
  command -v nvidia-ctk >/dev/null || die "NVIDIA container toolkit (nvidia-ctk) not found"
  log "GPUs: $gpus"
fi

step install-packages
# Deep Learning AMIs ship Docker with the NVIDIA runtime configured; installing a second Docker would conflict.
if [ "$GPU" = 1 ] && docker compose version >/dev/null 2>&1; then
  log "Docker and compose already present"
else
  install_docker
fi
install_efs_client
systemctl enable --now docker

step mount-efs
{{MOUNT_EFS}}

step service-dirs
# The main instance's directories, owned as main's bootstrap leaves them, so a worker never changes them.
for spec in "${SERVICE_DIRS[@]}"; do
  IFS=: read -r dir uid mode <<<"$spec"
  mkdir -p "$EFS/$dir"
  chown "$uid:$uid" "$EFS/$dir"
  chmod "$mode" "$EFS/$dir"
done

step secrets
mkdir -p "$ETC"
chmod 700 "$ETC"
umask 077
: >"$ENV_FILE.tmp"
for pair in "${SECRET_ENV[@]}"; do
  value=$(secret "${pair#*=}") || die "cannot read parameter $PARAM_PATH${pair#*=}"
  [ -n "$value" ] || die "parameter $PARAM_PATH${pair#*=} is empty"
  printf '%s=%s\n' "${pair%%=*}" "$value" >>"$ENV_FILE.tmp"
done
unset value
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
cat >"$COMPOSE_FILE" <<'GM_COMPOSE_EOF'
{{COMPOSE}}
GM_COMPOSE_EOF
chmod 600 "$COMPOSE_FILE"
if [ "$RDS_CA" = 1 ]; then
  # n8n verifies RDS's certificate against this bundle (NODE_EXTRA_CA_CERTS). Fetched each boot, so rotated CAs arrive.
  curl -fsSL --retry 5 -m 60 -o "$GM_ROOT{{RDS_CA_PATH}}.tmp" '{{RDS_CA_URL}}' || die "cannot fetch Amazon RDS's CA bundle from {{RDS_CA_URL}}"
  grep -q 'BEGIN CERTIFICATE' "$GM_ROOT{{RDS_CA_PATH}}.tmp" || die "{{RDS_CA_URL}} gave no certificates"
  chmod 644 "$GM_ROOT{{RDS_CA_PATH}}.tmp"
  mv -f "$GM_ROOT{{RDS_CA_PATH}}.tmp" "$GM_ROOT{{RDS_CA_PATH}}"
fi
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
