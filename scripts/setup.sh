#!/usr/bin/env bash
# Fresh-machine set-up for parity on Debian 12: installs the Debian packages that are missing (after
# `apt-get update`), installs the TF.js worker's npm packages from the committed lockfile (`npm ci`), and
# configures + builds a Release build in build/. Safe to re-run: it only does what is missing or stale.
#
#   scripts/setup.sh            # everything
#   PARITY_SKIP_NPM=1 ...       # skip the npm step (TF.js tests then skip with a reason)
#   PARITY_BUILD_DIR=dir ...    # build somewhere else than build/
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${PARITY_BUILD_DIR:-$root/build}
jobs=$(nproc 2>/dev/null || echo 2)
log() { printf '[setup] %s\n' "$*" >&2; }

# --- Debian packages -----------------------------------------------------------------------------------
packages=(g++ make cmake pkg-config nlohmann-json3-dev libfmt-dev libcli11-dev libhdf5-dev hdf5-tools
          librapidcheck-dev libgtest-dev libgmock-dev libbenchmark-dev git python3-yaml)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js: any node >= 18 will do (Debian 12's nodejs is 18); install Debian's only when none is on PATH.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if ((${#missing[@]})); then
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  log "installing Debian packages: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages: all present"
fi

# --- npm packages of the TF.js worker (pinned by the committed lockfile) ----------------------------------
worker=$root/oracles/tfjs/worker
if [ -z "${PARITY_SKIP_NPM:-}" ] && [ -f "$worker/package-lock.json" ]; then
  stamp=$worker/node_modules/.parity-lock-stamp
  if [ -f "$stamp" ] && cmp -s "$stamp" "$worker/package-lock.json"; then
    log "npm packages: up to date"
  else
    log "npm ci in oracles/tfjs/worker"
    if (cd "$worker" && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
      cp "$worker/package-lock.json" "$stamp"
    else
      log "warning: npm ci failed (no registry?); TF.js tests will skip"
    fi
  fi
fi

# --- configure + build ---------------------------------------------------------------------------------
if [ ! -f "$build/CMakeCache.txt" ]; then
  log "configuring $build"
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
log "building ($jobs jobs)"
cmake --build "$build" -j "$jobs" -- --no-print-directory | grep -E 'error|warning:' || true
test -x "$build/parity" || { log "build failed"; cmake --build "$build" -j 1; exit 1; }
log "built $build/parity"
