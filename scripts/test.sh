#!/usr/bin/env bash
# The test command: typecheck, lint, then unit and integration tests against a real PostgreSQL
# (the global setup starts one from the npm-shipped binary). Runs under the pinned Node 24.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
echo "node $(node --version)"
# The cluster tests run the real engines from Debian's packages: install the missing ones.
node bin/jivs.js doctor >/dev/null || bash scripts/install-engines.sh
tsc --noEmit
eslint . --max-warnings 0
# Everything but the cluster tests, two files at a time; then the cluster tests one at a time:
# each brings up ~40 engine processes, and two at once on a 2-core machine would starve the
# very failovers they measure.
node --test --test-global-setup=test/support/global-setup.ts --test-concurrency=2 --test-timeout=600000 \
  "src/**/*.test.ts" $(ls test/*.test.ts | grep -v '^test/cluster-')
node --test --test-global-setup=test/support/global-setup.ts --test-concurrency=1 --test-timeout=900000 \
  test/cluster-*.test.ts
