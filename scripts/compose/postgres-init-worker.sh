#!/usr/bin/env bash
# Runs once, when the compose Postgres initialises its data directory: creates the worker's
# read-only login role with its password. Migration 20261201000700_project_connectors.sql
# grants it select on the two wfb_worker views (and nothing else). An existing volume skips
# this script: run `alter role wfb_worker login password '…'` once as postgres instead.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$WFB_WORKER_PASSWORD" <<'SQL'
create role wfb_worker login noinherit password :'password';
SQL
