#!/bin/bash
# GeuseMaker bootstrap, rendered by src/engine/bootstrap/userdata.ts. It names where secrets live, never their values.
# cloud-init runs it once per instance; every step is idempotent so a second run converges, and
# geusemaker.service brings the stack back after a reboot. GM_ROOT prefixes every path written (tests); empty on EC2.
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
STATUS_PARAM='{{STATUS_PARAM}}'
VARIANT='{{VARIANT}}'
GPU={{GPU}}
POSTGRES={{POSTGRES}}
N8N={{N8N}}
PROXY={{PROXY}}
PROXY_USER='{{PROXY_USER}}'
PROXY_SECRET='{{PROXY_SECRET}}'
SERVICE_DIRS=({{SERVICE_DIRS}})
SECRET_ENV=({{SECRET_ENV}})
HEALTH_URLS=({{HEALTH_URLS}})
OLLAMA_MODELS=({{OLLAMA_MODELS}})
# dir=commit=url of each ComfyUI custom node (GPU stacks), and the uid ComfyUI runs as.
COMFY_NODES=({{COMFY_NODES}})
COMFY_UID={{COMFY_UID}}
# Queue mode (a scaled stack): the parameter this instance publishes its private address to when workers use its
# PostgreSQL or queue (empty: they do not), whether a timer sends n8n's waiting jobs to CloudWatch, and whether n8n
# talks to RDS (and so needs its CA bundle).
MAIN_ADDRESS_PARAM='{{MAIN_ADDRESS_PARAM}}'
QUEUE_METRIC={{QUEUE_METRIC}}
RDS_CA={{RDS_CA}}
{{COMMON_PATHS}}
SELF="$GM_ROOT/usr/local/sbin/geusemaker-bootstrap"
UNITS="$GM_ROOT/etc/systemd/system"
SPOT_POLL="${GM_SPOT_POLL:-5}"
# The single-writer lease on the data: see lease_take.
LEASE="$EFS/.geusemaker/lease"
LEASE_STALE="${GM_LEASE_STALE_SECONDS:-90}"
LEASE_TRIES="${GM_LEASE_TRIES:-180}"
LEASE_SLEEP="${GM_LEASE_SLEEP:-10}"
LEASE_PAUSE="${GM_LEASE_PAUSE:-3}"
STEP=start

{{COMMON_LOGGING}}
# Status lives in an SSM parameter, not an instance tag: the engine already reads the stack's parameter path,
# the role needs only PutParameter on this one name, and tags are readable by anyone who can describe instances.
status() {
  aws ssm put-parameter --region "$REGION" --name "$STATUS_PARAM" --type String --overwrite \
    --value "{\"state\":\"$1\",\"step\":\"$STEP\",\"at\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}" >/dev/null ||
    log "could not write $STATUS_PARAM (state $1)"
}
die() { trap - ERR; log "FAILED at step $STEP: $*"; status failed; exit 1; }
on_err() { trap - ERR; log "FAILED at step $STEP (exit $1)"; status failed; exit "$1"; }
compose() { docker compose --project-name geusemaker --env-file "$ENV_FILE" -f "$COMPOSE_FILE" "$@"; }
secret() { aws ssm get-parameter --region "$REGION" --with-decryption --name "$PARAM_PATH$1" --query Parameter.Value --output text; }
wait_for() {
  local what="$1" attempt=1
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$attempt" -lt "$HEALTH_TRIES" ] || die "$what not healthy after $HEALTH_TRIES checks"
    attempt=$((attempt + 1))
    sleep "$HEALTH_SLEEP"
  done
  log "healthy: $what"
}

# PostgreSQL's and Qdrant's locks guard one host only, so the one instance that runs the stack holds $LEASE:
# "<instance id> <epoch of its last renewal>", written to a temporary file renamed over it (atomic on NFS). Last
# writer wins, so a taker re-reads after LEASE_PAUSE. Not flock: a lock dies with its process. docs/architecture.md
lease_read() {
  holder='' beat=''
  { read -r holder beat <"$LEASE"; } 2>/dev/null || true
  [[ "$beat" =~ ^[0-9]+$ ]] || beat=0
}
lease_write() { printf '%s %s\n' "$ME" "$(date +%s)" >"$LEASE.$ME" && mv -f "$LEASE.$ME" "$LEASE"; }
# Ours: renewed. Free, or stale (older than LEASE_STALE: a dead holder's): taken. Another's: waited for.
lease_take() {
  local tries=0 age
  instance_id || die "cannot read the instance id from IMDS"
  while lease_read; [ "$holder" != "$ME" ]; do
    age=$(($(date +%s) - beat))
    if [ "$age" -ge "$LEASE_STALE" ]; then
      [ -z "$holder" ] || log "taking over the stale lease of $holder (${age}s old)"
      lease_write
      sleep "$LEASE_PAUSE"
    else
      [ "$tries" -lt "$LEASE_TRIES" ] || die "instance $holder still holds the data lease (checked $LEASE_TRIES times, ${LEASE_SLEEP}s apart): stop it, then replace this instance"
      if [ "$holder" != "$WAITED" ]; then
        # Nothing of ours runs meanwhile (a second run, or containers Docker restarted after a crash).
        [ -n "$WAITED" ] || compose stop -t 60
        WAITED=$holder
        log "waiting for $holder to release the data"
        status running
      fi
      sleep "$LEASE_SLEEP"
    fi
    tries=$((tries + 1))
  done
  lease_write
  log "holding the data lease"
}
lease_release() {
  lease_read
  if [ -n "$holder" ] && [ "$holder" = "$ME" ]; then rm -f "$LEASE"; log "released the data lease"; fi
}

# Runs as geusemaker-spot-watch.service: renews the lease (and stops the containers if another instance took it);
# on a spot interruption notice (about two minutes ahead) stops the containers so PostgreSQL checkpoints to EFS,
# releases the lease and records the event.
spot_watch() {
  STEP=spot-watch
  log "spot interruption watcher started"
  instance_id || { log "cannot read the instance id from IMDS"; exit 1; }
  local token renewed=$((SECONDS - LEASE_STALE))
  while :; do
    token=$(imds_token) || token=
    # instance-action answers 404 until AWS schedules an interruption.
    if [ -n "$token" ] && curl -fsS -m 2 -o /dev/null -H "X-aws-ec2-metadata-token: $token" "$IMDS/meta-data/spot/instance-action" 2>/dev/null; then
      log "spot interruption notice: stopping the containers"
      if compose stop -t 60; then lease_release; else log "docker compose stop failed: lease kept"; fi
      status interrupted
      return 0
    fi
    if [ $((SECONDS - renewed)) -ge $((LEASE_STALE / 3)) ]; then
      renewed=$SECONDS
      lease_read
      if [ -n "$holder" ] && [ "$holder" != "$ME" ]; then
        log "instance $holder has taken the data lease: stopping the containers"
        compose stop -t 60 || log "docker compose stop failed"
        return 0
      fi
      lease_write || log "could not renew the data lease"
    fi
    sleep "$SPOT_POLL"
  done
}

# Runs from geusemaker-queue-metric.timer each minute: n8n's gauge of waiting jobs to CloudWatch, where the n8n
# workers' target tracking divides it by their number. No answer from n8n publishes nothing (no data: no scaling).
queue_metric() {
  local waiting
  waiting=$(curl -fsS -m 5 http://127.0.0.1:5678/metrics | awk '$1 == "n8n_scaling_mode_queue_jobs_waiting" { n += $2; seen = 1 } END { if (seen) print n }') || waiting=
  [ -n "$waiting" ] || { log "queue-metric: n8n reported no n8n_scaling_mode_queue_jobs_waiting"; return 0; }
  aws cloudwatch put-metric-data --region "$REGION" --namespace '{{METRIC_NAMESPACE}}' --metric-name '{{METRIC_NAME}}' \
    --dimensions "{{METRIC_DIMENSION}}=$STACK" --value "$waiting" --unit Count || log "queue-metric: put-metric-data failed"
}

{{INSTALL}}

# Modes: the watcher, the queue metric, and geusemaker.service's ExecStartPre and ExecStop.
WAITED=
case "${1:-}" in
  spot-watch) spot_watch; exit 0 ;;
  queue-metric) queue_metric; exit 0 ;;
  lease) STEP=wait-lease; lease_take; [ -z "$WAITED" ] || status ok; exit 0 ;;
  stop) compose stop -t 60 || { log "docker compose stop failed: lease kept"; exit 1; }
    instance_id && lease_release; exit 0 ;;
esac
trap 'on_err $?' ERR
log "GeuseMaker bootstrap for stack $STACK ($VARIANT)"
# First, so that every later step, failed ones included, can report its status.
step aws-cli
install_aws_cli
status running

{{HOST_SETUP}}
mkdir -p "$EFS/.geusemaker"
chmod 700 "$EFS/.geusemaker"

{{READ_SECRETS}}
chmod 600 "$ENV_FILE.tmp"
mv -f "$ENV_FILE.tmp" "$ENV_FILE"
umask 022

step write-files
{{WRITE_COMPOSE}}
if [ "$PROXY" = 1 ]; then
  cat >"$ETC/nginx-site.conf" <<'GM_NGINX_EOF'
{{NGINX}}
GM_NGINX_EOF
  chmod 644 "$ETC/nginx-site.conf"
  proxy_password=$(secret "$PROXY_SECRET") || die "cannot read parameter $PARAM_PATH$PROXY_SECRET"
  # {SHA} (base64 SHA-1) is a scheme nginx reads natively; its workers run as gid 101 and must read the file.
  proxy_hash=$(printf '%s' "$proxy_password" | openssl dgst -sha1 -binary | base64)
  unset proxy_password
  umask 077
  printf '%s:{SHA}%s\n' "$PROXY_USER" "$proxy_hash" >"$ETC/htpasswd.tmp"
  umask 022
  chown 0:101 "$ETC/htpasswd.tmp"
  chmod 640 "$ETC/htpasswd.tmp"
  mv -f "$ETC/htpasswd.tmp" "$ETC/htpasswd"
fi
# The watcher service runs this same script in spot-watch mode.
mkdir -p "${SELF%/*}" "$UNITS"
[ "$0" -ef "$SELF" ] || cp -f "$0" "$SELF"
chmod 700 "$SELF"
cat >"$UNITS/geusemaker.service" <<'GM_UNIT_EOF'
[Unit]
Description=GeuseMaker stack
Requires=docker.service
After=docker.service network-online.target
Wants=network-online.target
RequiresMountsFor=/mnt/efs

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStartPre=/usr/local/sbin/geusemaker-bootstrap lease
ExecStart=/usr/bin/docker compose --project-name geusemaker --env-file /etc/geusemaker/stack.env -f /etc/geusemaker/docker-compose.yml up -d
ExecStop=/usr/local/sbin/geusemaker-bootstrap stop
TimeoutStopSec=120

[Install]
WantedBy=multi-user.target
GM_UNIT_EOF
cat >"$UNITS/geusemaker-spot-watch.service" <<'GM_UNIT_EOF'
[Unit]
Description=GeuseMaker spot interruption watcher
# Stops before geusemaker.service: no renewal after the release.
After=docker.service geusemaker.service

[Service]
ExecStart=/usr/local/sbin/geusemaker-bootstrap spot-watch
Restart=on-failure
RestartSec=5

[Install]
WantedBy=multi-user.target
GM_UNIT_EOF
chmod 644 "$UNITS/geusemaker.service" "$UNITS/geusemaker-spot-watch.service"
if [ "$QUEUE_METRIC" = 1 ]; then
  cat >"$UNITS/geusemaker-queue-metric.service" <<'GM_UNIT_EOF'
[Unit]
Description=GeuseMaker: n8n's waiting jobs to CloudWatch

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/geusemaker-bootstrap queue-metric
GM_UNIT_EOF
  cat >"$UNITS/geusemaker-queue-metric.timer" <<'GM_UNIT_EOF'
[Unit]
Description=GeuseMaker: n8n's waiting jobs to CloudWatch every minute

[Timer]
OnBootSec=2min
OnUnitActiveSec=1min
AccuracySec=5s

[Install]
WantedBy=timers.target
GM_UNIT_EOF
  chmod 644 "$UNITS/geusemaker-queue-metric.service" "$UNITS/geusemaker-queue-metric.timer"
elif [ -e "$UNITS/geusemaker-queue-metric.timer" ]; then
  # Scaling on queue depth was turned off since an earlier bootstrap.
  systemctl disable --now geusemaker-queue-metric.timer || log "could not stop the queue metric timer"
  rm -f "$UNITS/geusemaker-queue-metric.service" "$UNITS/geusemaker-queue-metric.timer"
fi
systemctl daemon-reload

if [ "${#COMFY_NODES[@]}" -gt 0 ]; then
  step comfyui-nodes
  # Each node is checked out at its pinned commit before ComfyUI starts; one already there is left alone. The
  # image's first-start script only clones nodes that are missing, and its pull cannot move a detached HEAD.
  command -v git >/dev/null 2>&1 || install_git
  for spec in "${COMFY_NODES[@]}"; do
    IFS='=' read -r dir commit url <<<"$spec"
    node="$EFS/comfyui/custom_nodes/$dir"
    if [ "$(git -C "$node" rev-parse HEAD 2>/dev/null)" = "$commit" ]; then
      log "$dir already at $commit"
      continue
    fi
    if [ ! -d "$node/.git" ]; then
      rm -rf "$node"
      git -c advice.detachedHead=false clone -q --no-checkout "$url" "$node" || die "cannot clone $url"
    else
      git -C "$node" fetch -q origin "$commit" || die "cannot fetch $commit from $url"
    fi
    git -c advice.detachedHead=false -C "$node" checkout -q --detach "$commit" || die "$url has no commit $commit"
    chown -R "$COMFY_UID:$COMFY_UID" "$node"
    log "$dir checked out at $commit"
  done
fi

step pull-images
# compose pulls the services concurrently; the limit keeps a small instance's disk and network from thrashing.
export COMPOSE_PARALLEL_LIMIT=4
for attempt in 1 2 3; do
  compose pull --quiet && break
  [ "$attempt" -lt 3 ] || die "docker compose pull failed 3 times"
  log "image pull failed (attempt $attempt/3); retrying"
  sleep "$HEALTH_SLEEP"
done

step wait-lease
lease_take

step start
compose up -d --remove-orphans
# Started, so its ExecStop runs at shutdown; the watcher restarted, so a second run leaves the new one running.
systemctl enable --now geusemaker.service
systemctl enable geusemaker-spot-watch.service
systemctl restart geusemaker-spot-watch.service
[ "$QUEUE_METRIC" = 0 ] || systemctl enable --now geusemaker-queue-metric.timer

if [ -n "$MAIN_ADDRESS_PARAM" ]; then
  step main-address
  # Workers reach this instance's PostgreSQL or queue at its private address, read at each worker's boot.
  address=$(curl -fsS -m 5 --retry 3 -H "X-aws-ec2-metadata-token: $(imds_token)" "$IMDS/meta-data/local-ipv4")
  [[ "$address" =~ ^[0-9]+(\.[0-9]+){3}$ ]] || die "IMDS gave no private IPv4 address"
  aws ssm put-parameter --region "$REGION" --name "$MAIN_ADDRESS_PARAM" --type String --overwrite --value "$address" >/dev/null
  log "private address $address published to $MAIN_ADDRESS_PARAM"
fi

step wait-health
[ "$POSTGRES" = 0 ] || wait_for postgres compose exec -T postgres pg_isready -q -U n8n
for url in "${HEALTH_URLS[@]}"; do
  wait_for "$url" curl -fsS -m 5 "$url"
done

if [ "$N8N" = 1 ]; then
  step n8n-owner
  # n8n has no CLI command that creates the owner, so this is the REST call its setup screen makes. The owner
  # lives in PostgreSQL on EFS, so a marker on EFS keeps the call to once per stack, across instances.
  marker="$EFS/.geusemaker/n8n-owner-set"
  if [ -e "$marker" ]; then
    log "n8n owner already set up"
  else
    owner_password=$(secret n8n-owner-password)
    # The body goes through stdin: the password never reaches a process list or this log.
    printf '{"email":"admin@%s.local","firstName":"GeuseMaker","lastName":"Admin","password":"%s"}' "$STACK" "$owner_password" |
      curl -fsS -m 30 -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary @- http://127.0.0.1:5678/rest/owner/setup
    unset owner_password
    touch "$marker"
    log "n8n owner admin@$STACK.local set up"
  fi
fi

if [ "${#OLLAMA_MODELS[@]}" -gt 0 ]; then
  step ollama-models
  # Pulls take minutes to hours, so they run detached; a failed pull is logged and does not fail the boot.
  (
    trap - ERR
    set +e
    for model in "${OLLAMA_MODELS[@]}"; do
      log "pulling $model"
      compose exec -T ollama ollama pull "$model" || log "pull of $model failed"
    done
    log "model pulls finished"
  ) >>"$LOG_DIR/ollama-pull.log" 2>&1 </dev/null &
  disown
  log "model pulls running in the background, progress in $LOG_DIR/ollama-pull.log"
fi

step finish
status ok
log "bootstrap complete for stack $STACK"
