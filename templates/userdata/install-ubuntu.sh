# Ubuntu: docker.io and docker-compose-v2 from the Ubuntu archive rather than Docker's apt repo: no third-party
# key to pin, and security fixes arrive with the normal Ubuntu updates.
install_docker() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q docker.io docker-compose-v2
}
# amazon-efs-utils is not in the Ubuntu archive and building it needs a Rust toolchain at boot, so Ubuntu mounts
# with the kernel NFS client and the options AWS recommends for EFS. This mount is NOT encrypted in transit
# (traffic stays inside the VPC, the data is encrypted at rest) and cannot use IAM authorization.
install_efs_client() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q nfs-common
}
# Ubuntu AMIs ship without the AWS CLI; the snap is Canonical's supported way to get v2.
install_aws_cli() {
  command -v aws >/dev/null 2>&1 || snap install aws-cli --classic
}
FSTAB_LINE="$EFS_ID.efs.$REGION.amazonaws.com:/ /mnt/efs nfs4 nfsvers=4.1,rsize=1048576,wsize=1048576,hard,timeo=600,retrans=2,noresvport,_netdev 0 0"
