# The log every step writes to, and the IMDS helpers: the main instance's bootstrap and the workers' share.
mkdir -p "$LOG_DIR"
chmod 700 "$LOG_DIR"
exec >>"$LOG" 2>&1

log() { printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*"; }
step() { STEP="$1"; log "== step $1"; }

imds_token() { curl -fsS -m 2 -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 300' "$IMDS/api/token"; }
instance_id() {
  ME="${GM_INSTANCE_ID:-$(curl -fsS -m 5 --retry 3 -H "X-aws-ec2-metadata-token: $(imds_token)" "$IMDS/meta-data/instance-id")}"
  [[ "$ME" == i-* ]]
}
