#!/usr/bin/env bash
# Quickstart 1: install what is needed and run the whole stack locally on embedded
# defaults: PGlite, a Temporal dev server, the example worker, the API on :3000.
set -euo pipefail
source "$(dirname "$0")/lib/ensure-pnpm.sh"
cd "$repo_root"
TEMPORAL_CLI_PATH="${TEMPORAL_CLI_PATH:-$(bash scripts/install-temporal.sh)}"
export TEMPORAL_CLI_PATH
exec pnpm dev
