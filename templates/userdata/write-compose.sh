# The compose file, and Amazon RDS's CA bundle when n8n talks to RDS: the main instance's bootstrap and the workers' share.
cat >"$COMPOSE_FILE" <<'GM_COMPOSE_EOF'
{{COMPOSE}}
GM_COMPOSE_EOF
chmod 600 "$COMPOSE_FILE"
if [ "$RDS_CA" = 1 ]; then
  # n8n verifies RDS's certificate against this bundle (NODE_EXTRA_CA_CERTS). Fetched each boot, so rotated CAs arrive.
  curl -fsSL --retry 5 -m 60 -o "$GM_ROOT{{RDS_CA_PATH}}.tmp" '{{RDS_CA_URL}}' || die "cannot fetch Amazon RDS's CA bundle from {{RDS_CA_URL}}"
  grep -q 'BEGIN CERTIFICATE' "$GM_ROOT{{RDS_CA_PATH}}.tmp" || die "{{RDS_CA_URL}} gave no certificates"
  chmod 644 "$GM_ROOT{{RDS_CA_PATH}}.tmp"
  mv -f "$GM_ROOT{{RDS_CA_PATH}}.tmp" "$GM_ROOT{{RDS_CA_PATH}}"
fi
