#!/usr/bin/env bash
# Benchmark: what a fresh instance costs (a QuickJS runtime and realm, actsim's prelude, the
# action's module evaluated, its first execution, and its teardown at the end of the run),
# measured through the CLI without writing Rust. Two scenarios with the same 1 000 logins:
#   instances-fresh-ACTION.toml  1 000 instances, round robin: every login on a NEW instance
#   instances-warm-ACTION.toml   1 instance: 1 creation, then 999 warm executions
# per fresh instance = (mean(fresh) - mean(warm)) / 999, for two actions: bench/actions/minimal.js
# (no require) and bench/actions/requires-only.js (loads the article's `auth0` and `jwt-decode`).
# Also prints `actsim run ACTION --times 1` (process start + 1 instance + 1 execution + output)
# for reference.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
for action in minimal requires-only; do
  csv=$(mktemp /tmp/actsim-inst.XXXXXX.csv)
  hyperfine --warmup 1 --runs "${RUNS:-10}" -N \
    "$bin run bench/actions/$action.js --times 1" \
    "$bin simulate bench/scenarios/instances-warm-$action.toml" \
    "$bin simulate bench/scenarios/instances-fresh-$action.toml" \
    --export-csv "$csv"
  awk -v a="$action" -v r="$(mean_of "$csv" 1)" -v w="$(mean_of "$csv" 2)" -v f="$(mean_of "$csv" 3)" \
      -v wu="$(user_of "$csv" 2)" -v fu="$(user_of "$csv" 3)" -v ws="$(sys_of "$csv" 2)" -v fs="$(sys_of "$csv" 3)" 'BEGIN {
    printf "%s: run --times 1 %.1f ms · 1 instance × 1000 logins %.1f ms · 1000 instances × 1 login %.1f ms\n", a, r * 1e3, w * 1e3, f * 1e3
    printf "%s: per fresh instance %.0f µs wall, %.0f µs CPU (user+sys)  ((fresh − warm) / 999)\n", a, (f - w) / 999 * 1e6, ((fu + fs) - (wu + ws)) / 999 * 1e6 }'
  rm -f "$csv"
done
