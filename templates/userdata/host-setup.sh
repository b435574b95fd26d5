# The host's set-up, the same on the main instance and on workers: GPU check, Docker, EFS mounted, service directories.
if [ "$GPU" = 1 ]; then
  step gpu-check
  command -v nvidia-smi >/dev/null || die "nvidia-smi not found: GPU instances need a Deep Learning AMI with the NVIDIA driver"
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
# Owned by the user each image runs as, never world-writable (a worker leaves them as the main instance made them).
for spec in "${SERVICE_DIRS[@]}"; do
  IFS=: read -r dir uid mode <<<"$spec"
  mkdir -p "$EFS/$dir"
  chown "$uid:$uid" "$EFS/$dir"
  chmod "$mode" "$EFS/$dir"
done
