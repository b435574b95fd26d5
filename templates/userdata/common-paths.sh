# Paths and bounds the main instance's bootstrap and the workers' share.
ETC="$GM_ROOT/etc/geusemaker"
ENV_FILE="$ETC/stack.env"
COMPOSE_FILE="$ETC/docker-compose.yml"
EFS="$GM_ROOT/mnt/efs"
LOG_DIR="$GM_ROOT/var/log/geusemaker"
LOG="$LOG_DIR/bootstrap.log"
IMDS=http://169.254.169.254/latest
# Every wait is bounded; the bounds are overridable so tests run in milliseconds.
EFS_TRIES="${GM_EFS_TRIES:-60}"
EFS_SLEEP="${GM_EFS_SLEEP:-10}"
HEALTH_TRIES="${GM_HEALTH_TRIES:-60}"
HEALTH_SLEEP="${GM_HEALTH_SLEEP:-10}"
