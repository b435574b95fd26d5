# Ubuntu: docker.io and docker-compose-v2 from the Ubuntu archive rather than Docker's apt repo: no third-party
# key to pin, and security fixes arrive with the normal Ubuntu updates.
install_docker() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q docker.io docker-compose-v2
}
# amazon-efs-utils is not in the Ubuntu archive, so AWS's own build-deb.sh makes the .deb from a pinned release
# (templates/userdata/efs-utils.json): python-only, it needs git and binutils (ar) to build; apt pulls in its
# runtime dependencies (nfs-common, stunnel4 for TLS, python3, openssl). The clone must be the pinned commit.
install_efs_client() {
  export DEBIAN_FRONTEND=noninteractive
  if [ "$(dpkg-query -W -f="\${Version}" amazon-efs-utils 2>/dev/null)" = '{{EFS_UTILS_VERSION}}' ]; then
    log "amazon-efs-utils {{EFS_UTILS_VERSION}} already installed"
    return 0
  fi
  # The Deep Learning AMI keeps its Docker, so install_docker's apt-get update may not have run.
  apt-get update -q
  apt-get install -y -q git binutils nfs-common stunnel4
  local src
  src=$(mktemp -d)
  git -c advice.detachedHead=false clone -q --depth 1 --branch '{{EFS_UTILS_TAG}}' https://github.com/aws/efs-utils.git "$src" ||
    die "cannot clone efs-utils {{EFS_UTILS_TAG}}"
  [ "$(git -C "$src" rev-parse HEAD)" = '{{EFS_UTILS_COMMIT}}' ] || die "efs-utils {{EFS_UTILS_TAG}} is not the pinned commit {{EFS_UTILS_COMMIT}}"
  # build-deb.sh traces every command (set -x); only its result matters here.
  (cd "$src" && ./build-deb.sh >/dev/null 2>&1) || die "efs-utils build-deb.sh failed"
  apt-get install -y -q "$src"/build/amazon-efs-utils*.deb
  rm -rf "$src"
}
install_git() {
  apt-get install -y -q git
}
# Ubuntu AMIs ship without the AWS CLI; the snap is Canonical's supported way to get v2.
install_aws_cli() {
  command -v aws >/dev/null 2>&1 || snap install aws-cli --classic
}
# efs-utils mounts over TLS (stunnel) and authorizes with the instance role, as on Amazon Linux.
FSTAB_LINE="$EFS_ID:/ /mnt/efs efs _netdev,tls,iam 0 0"
