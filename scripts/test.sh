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
node --test --test-global-setup=test/support/global-setup.ts --test-concurrency=2 --test-timeout=600000 \
  "src/**/*.test.ts" "test/**/*.test.ts"
