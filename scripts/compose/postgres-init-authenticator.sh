#!/usr/bin/env bash
# Runs once, when the compose Postgres initialises its data directory: creates the app's
# least-privilege login role with its password. Migration 20261201000300_login_role.sql
# (run by the app as the owner, DATABASE_ADMIN_URL) grants it the roles it may switch to.
# An existing volume skips this script: run `alter role authenticator login password '…'`
# once as postgres instead.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v password="$AUTHENTICATOR_PASSWORD" <<'SQL'
create role authenticator login noinherit password :'password';
SQL
