#!/usr/bin/env bash
# Installs the catalog's npm packages (jose, openid-client) when missing and runs check-all.js.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -d actions/catalog/node_modules ]; then (cd actions/catalog && npm ci --no-audit --no-fund); fi
exec node tests/node-runner/check-all.js "$@"
