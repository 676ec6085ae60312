# Sourced by scripts/*.sh: makes `pnpm` (the version pinned in package.json) available
# without root and without corepack (whose signature check fails on some machines), and
# installs the workspace's dependencies from the lockfile.
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
pnpm_version="$(node -p "require('$repo_root/package.json').packageManager.split('@')[1]")"
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$pnpm_version" ]; then
  if [ ! -x "$repo_root/.cache/pnpm/node_modules/.bin/pnpm" ] || \
     [ "$("$repo_root/.cache/pnpm/node_modules/.bin/pnpm" --version)" != "$pnpm_version" ]; then
    echo "installing pnpm@$pnpm_version into .cache/pnpm …" >&2
    npm install --silent --no-audit --no-fund --prefix "$repo_root/.cache/pnpm" "pnpm@$pnpm_version" >&2
  fi
  export PATH="$repo_root/.cache/pnpm/node_modules/.bin:$PATH"
fi
(cd "$repo_root" && pnpm install --frozen-lockfile --reporter=silent >&2)
