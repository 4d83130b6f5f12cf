#!/usr/bin/env bash
# Installs the catalog's npm packages (jose, openid-client) when missing, checks the runner
# itself (selftest.js), then runs every catalog action under Node (check-all.js).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -d actions/catalog/node_modules ]; then (cd actions/catalog && npm ci --no-audit --no-fund); fi
node tests/node-runner/selftest.js
exec node tests/node-runner/check-all.js "$@"
