#!/usr/bin/env bash
# The whole test suite: setup, lint, typecheck, unit and engine tests, browser end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx biome check src web bench test scripts
npx tsc -p tsconfig.json
npx vitest run
npx vitest run --config vitest.e2e.config.ts --passWithNoTests
