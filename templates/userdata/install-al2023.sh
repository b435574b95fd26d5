# Amazon Linux 2023: Docker and efs-utils come from dnf. The compose plugin is not packaged for AL2023,
# so a pinned release binary is installed and its sha256 checked before it is trusted.
install_docker() {
  dnf install -y -q docker
  local plugin="${GM_ROOT}/usr/local/lib/docker/cli-plugins/docker-compose"
  mkdir -p "${plugin%/*}"
  if ! echo "{{COMPOSE_SHA256}}  $plugin" | sha256sum -c --status - 2>/dev/null; then
    curl -fsSL --retry 5 -o "$plugin.tmp" "https://github.com/docker/compose/releases/download/{{COMPOSE_VERSION}}/docker-compose-linux-{{COMPOSE_ARCH}}"
    echo "{{COMPOSE_SHA256}}  $plugin.tmp" | sha256sum -c -
    install -m 755 "$plugin.tmp" "$plugin"
    rm -f "$plugin.tmp"
  fi
}
# Standard AL2023 AMIs include the AWS CLI; minimal ones do not.
install_aws_cli() {
  command -v aws >/dev/null 2>&1 || dnf install -y -q awscli-2
}
install_efs_client() {
  dnf install -y -q amazon-efs-utils
}
install_git() {
  dnf install -y -q git
}
# efs-utils mounts over TLS (stunnel) and authorizes with the instance role.
FSTAB_LINE="$EFS_ID:/ /mnt/efs efs _netdev,tls,iam 0 0"
