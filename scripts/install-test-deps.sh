#!/usr/bin/env bash
# Installs the Debian packages the integration / UI tests need (see docs/testing.md):
#   chromium     headless browser driven by playwright-core (/usr/bin/chromium)
#   ruby, perl   interpreters the runner tests run for real (unbuffered output shims)
#   libkrb5-dev  code-server's `kerberos` module compiles against gssapi
#   ripgrep      /usr/bin/rg, used to pre-seed @vscode/ripgrep's download cache
#   fonts-*      so screenshots show text (Chromium with --no-install-recommends has no fonts)
#   python3 make g++  node-gyp builds (node-pty, kerberos) — normally already present
#   postgresql   the team hub's tests start a real server on a temporary cluster
#                (test/support/postgres.ts: initdb + postgres from /usr/lib/postgresql/*/bin)
#
# Idempotent and non-interactive: does nothing when everything is installed, runs
# `apt-get update` only when a package has no install candidate (no/old package lists).
# Usage: bash scripts/install-test-deps.sh        (root, or sudo available)
set -euo pipefail

PACKAGES=(chromium libkrb5-dev ripgrep fonts-dejavu-core fonts-liberation python3 make g++ ruby perl postgresql)

export DEBIAN_FRONTEND=noninteractive

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo -n); else
    echo "install-test-deps: not root and no sudo; cannot install ${PACKAGES[*]}" >&2
    exit 1
  fi
fi

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'; }

# One dpkg-query for all of them: this runs before every `npm test`, so it must be quick.
mapfile -t present < <(dpkg-query -W -f='${Status} ${Package}\n' "${PACKAGES[@]}" 2>/dev/null |
  awk '$1 == "install" && $2 == "ok" && $3 == "installed" { print $4 }' | sed 's/:.*//')
missing=()
for p in "${PACKAGES[@]}"; do
  [[ " ${present[*]} " == *" $p "* ]] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-test-deps: all present (${PACKAGES[*]})"
  exit 0
fi
echo "install-test-deps: missing: ${missing[*]}"

has_candidate() {
  local c
  c=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ {print $2}')
  [ -n "$c" ] && [ "$c" != "(none)" ]
}

need_update=0
for p in "${missing[@]}"; do
  has_candidate "$p" || { need_update=1; break; }
done

start=$(date +%s)
apt_opts=(-y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)

if [ $need_update -eq 1 ]; then
  echo "install-test-deps: apt-get update"
  "${SUDO[@]}" apt-get update -q
fi

if ! "${SUDO[@]}" apt-get install "${apt_opts[@]}" "${missing[@]}"; then
  # Stale lists (404 on a superseded .deb): refresh once and retry.
  echo "install-test-deps: install failed; refreshing package lists and retrying"
  "${SUDO[@]}" apt-get update -q
  "${SUDO[@]}" apt-get install "${apt_opts[@]}" "${missing[@]}"
fi

for p in "${PACKAGES[@]}"; do
  installed "$p" || { echo "install-test-deps: $p still not installed" >&2; exit 1; }
done
echo "install-test-deps: done in $(( $(date +%s) - start ))s"
