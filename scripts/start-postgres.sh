#!/usr/bin/env bash
# Starts (or reuses) a throwaway Postgres server for the test suite and prints its URL
# on stdout. Installs Debian's `postgresql` when no server binaries exist and we are root.
# Data lives in .cache/pgdata; the server listens on 127.0.0.1 only, trust auth.
set -euo pipefail
cd "$(dirname "$0")/.."
port="${WFB_TEST_PG_PORT:-54329}"
url="postgres://postgres@127.0.0.1:${port}/postgres"
log() { printf '%s\n' "$*" >&2; }

find_bin() {
  local dir
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
  done
  return 1
}

if pg_isready -q -h 127.0.0.1 -p "$port" 2>/dev/null; then echo "$url"; exit 0; fi

bindir="$(find_bin || true)"
if [ -z "$bindir" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing Debian postgresql …"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
    bindir="$(find_bin)"
  else
    log "no Postgres server binaries found; install postgresql (e.g. apt-get install postgresql) or set TEST_DATABASE_URL"
    exit 1
  fi
fi

data="$PWD/.cache/pgdata"
run_as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
mkdir -p .cache
if [ ! -f "$data/PG_VERSION" ]; then
  mkdir -p "$data"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$data"
  run_as_pg "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 >&2
fi
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$data"
sockdir="$data"
run_as_pg "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
  -o "-p $port -c listen_addresses=127.0.0.1 -k $sockdir -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >&2
echo "$url"
