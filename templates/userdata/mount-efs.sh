# The main instance's bootstrap and the workers' mount EFS the same way (FSTAB_LINE comes from the install part).
mkdir -p "$EFS" "$GM_ROOT/etc"
grep -qs ' /mnt/efs ' "$GM_ROOT/etc/fstab" || echo "$FSTAB_LINE" >>"$GM_ROOT/etc/fstab"
# A new file system's mount targets take minutes to become reachable.
attempt=1
until mountpoint -q "$EFS"; do
  [ "$attempt" -le "$EFS_TRIES" ] || die "EFS $EFS_ID not mounted after $EFS_TRIES attempts: check its mount targets and NFS (2049) from this instance"
  mount "$EFS" && break
  log "EFS not reachable yet (attempt $attempt/$EFS_TRIES); retrying in ${EFS_SLEEP}s"
  attempt=$((attempt + 1))
  sleep "$EFS_SLEEP"
done
