#!/usr/bin/env bash
# The whole test suite: setup, lint, typecheck, unit and engine tests, browser end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx biome check src web bench test scripts
npx tsc -p tsconfig.json
mkdir -p test-output
rm -f test-output/vitest-unit.json test-output/vitest-e2e.json
npx vitest run --reporter=default --reporter=json --outputFile=test-output/vitest-unit.json
npx vitest run --config vitest.e2e.config.ts --passWithNoTests \
  --reporter=default --reporter=json --outputFile=test-output/vitest-e2e.json
node scripts/test-summary.mjs test-output/vitest-unit.json test-output/vitest-e2e.json
