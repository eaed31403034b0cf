#!/usr/bin/env bash
# Installs everything Parley needs on Debian 12 with Node 20, idempotently:
# Debian packages (speech engines, headers, chromium for browser tests), npm packages, native addons, web bundle.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  make g++ python3 pkgconf
  pocketsphinx pocketsphinx-en-us pocketsphinx-testdata libpocketsphinx-dev libsphinxbase-dev sphinxbase-utils
  flite flite1-dev espeak-ng libespeak-ng-dev sox
  chromium fonts-dejavu-core
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi

# npm ci only when the lockfile changed since the last install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund </dev/null
fi

node scripts/build-native.mjs
if [ -f scripts/build-web.mjs ]; then node scripts/build-web.mjs; fi
