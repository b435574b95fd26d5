# The env file's secrets, read from Parameter Store at boot (root-only until it is complete): the main instance's
# bootstrap and the workers' share. The file is moved into place by the script after its own lines.
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
