#!/usr/bin/env bash
# Starts Parley on the embedded offline stack (control plane, media plane, web client).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/parley.js serve "$@"
