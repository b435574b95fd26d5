#!/bin/bash
# GeuseMaker bootstrap (first version): mount EFS, fetch secrets, start the containers.
# Rendered by src/engine/bootstrap/userdata.ts. Holds no secret: they are read from SSM at boot.
set -euo pipefail
STACK='{{STACK}}'
REGION='{{REGION}}'
EFS_ID='{{EFS_ID}}'
PARAM_PATH='{{PARAM_PATH}}'
LOG=/var/log/geusemaker/bootstrap.log
mkdir -p /var/log/geusemaker && chmod 700 /var/log/geusemaker
exec > >(while IFS= read -r line; do printf '%s %s\n' "$(date -u +%FT%TZ)" "$line"; done >>"$LOG") 2>&1
STEP=start
trap 'echo "FAILED at step: $STEP (exit $?)"' ERR
step() { STEP="$1"; echo "== $1"; }

step install-packages
dnf install -y -q docker amazon-efs-utils
mkdir -p /usr/local/lib/docker/cli-plugins
if ! docker compose version >/dev/null 2>&1; then
  arch=$(uname -m); [ "$arch" = aarch64 ] || arch=x86_64
  curl -fsSL --retry 5 -o /usr/local/lib/docker/cli-plugins/docker-compose \
    "https://github.com/docker/compose/releases/download/v2.32.4/docker-compose-linux-$arch"
  chmod 755 /usr/local/lib/docker/cli-plugins/docker-compose
fi
systemctl enable --now docker

step mount-efs
mkdir -p /mnt/efs
grep -q "^$EFS_ID:/ /mnt/efs " /etc/fstab || echo "$EFS_ID:/ /mnt/efs efs _netdev,tls,iam 0 0" >>/etc/fstab
# Mount targets take minutes to become reachable in a new VPC: retry for up to 10 minutes.
for attempt in $(seq 1 60); do
  mountpoint -q /mnt/efs && break
  mount /mnt/efs && break
  echo "EFS not reachable yet (attempt $attempt/60); retrying in 10 s"
  sleep 10
done
mountpoint -q /mnt/efs || { echo "EFS $EFS_ID could not be mounted"; exit 1; }

step secrets
install -d -m 700 /etc/geusemaker
umask 077
{
  printf 'POSTGRES_PASSWORD=%s\n' "$(aws ssm get-parameter --region "$REGION" --with-decryption --name "${PARAM_PATH}postgres-password" --query Parameter.Value --output text)"
  printf 'N8N_ENCRYPTION_KEY=%s\n' "$(aws ssm get-parameter --region "$REGION" --with-decryption --name "${PARAM_PATH}n8n-encryption-key" --query Parameter.Value --output text)"
} >/etc/geusemaker/stack.env
chmod 600 /etc/geusemaker/stack.env

step write-compose
echo '{{COMPOSE_B64}}' | base64 -d >/etc/geusemaker/docker-compose.yml
for dir in {{SERVICE_DIRS}}; do mkdir -p "/mnt/efs/$dir"; done

step start
docker compose --project-name geusemaker --env-file /etc/geusemaker/stack.env -f /etc/geusemaker/docker-compose.yml up -d
echo "bootstrap complete for stack $STACK"
