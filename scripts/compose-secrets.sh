#!/usr/bin/env bash
# Writes the secrets docker-compose.yml requires into .env (next to it, or the path given),
# each a fresh random value. Keys already in the file are kept, so running it again never
# rotates a secret the stack already uses. The compose file has no default for any of
# them on purpose: a missing one stops `docker compose` with its name.
set -euo pipefail
target="${1:-$(cd "$(dirname "$0")/.." && pwd)/.env}"
hex() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }
touch "$target"
chmod 600 "$target"
add() {
  if ! grep -q "^$1=" "$target"; then printf '%s=%s\n' "$1" "$2" >> "$target"; echo "added $1" >&2; fi
}
add AUTHENTICATOR_PASSWORD "$(hex 24)"
add WFB_WORKER_PASSWORD "$(hex 24)"
add SUPABASE_JWT_SECRET "$(hex 32)"
add API_KEY_PEPPER "$(hex 32)"
add METRICS_TOKEN "$(hex 16)"
add ENCRYPTION_KEYS "k1:$(head -c 32 /dev/urandom | base64 | tr -d '\n')"
echo "secrets in $target (mode 0600); keep it out of version control" >&2
