#!/usr/bin/env bash
# Quickstart 2 and CI: install everything (pnpm, dependencies, a Postgres server, the
# Temporal CLI), then lint, type-check and run the whole test suite against PGlite,
# the Postgres server and a real Temporal dev server. Ends with "N passed, N failed".
set -euo pipefail
source "$(dirname "$0")/lib/ensure-pnpm.sh"
cd "$repo_root"

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if TEST_DATABASE_URL="$(bash scripts/start-postgres.sh)"; then
    export TEST_DATABASE_URL
  elif [ "${CI:-}" = "true" ]; then
    echo "CI needs a Postgres server and none could be started" >&2
    exit 1
  else
    echo "warning: no Postgres server; database tests run on PGlite only" >&2
  fi
fi
TEMPORAL_CLI_PATH="${TEMPORAL_CLI_PATH:-$(bash scripts/install-temporal.sh)}"
export TEMPORAL_CLI_PATH

# docker-compose.yml is validated by a real Compose parser (Debian's docker-compose; its
# `config` needs no Docker engine). Installed as root like postgresql; CI must have it.
if ! command -v docker-compose >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing Debian docker-compose …" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends docker-compose >&2
  elif [ "${CI:-}" = "true" ]; then
    echo "CI needs docker-compose (apt-get install docker-compose) to validate docker-compose.yml" >&2
    exit 1
  else
    echo "warning: no docker-compose; the compose test is skipped" >&2
  fi
fi

echo "== lint" >&2
pnpm lint
echo "== typecheck" >&2
pnpm typecheck
echo "== tests" >&2
mkdir -p .cache
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest-report.json || status=$?
node -e '
  const fs = require("fs");
  const file = ".cache/vitest-report.json";
  if (!fs.existsSync(file)) { console.log("0 passed, 1 failed"); process.exit(0); }
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  const skipped = (r.numPendingTests || 0) + (r.numTodoTests || 0);
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  if (r.numTotalTests === 0) process.exit(1);
' || status=1
exit "$status"
