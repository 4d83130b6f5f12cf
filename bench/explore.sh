#!/usr/bin/env bash
# Benchmark (issue 16): `actsim explore` seeds per minute on bench/scenarios/explore-100.toml
# (100 logins, 4 instances, perturbations), with --jobs 1 and --jobs 2, and the speed-up; then
# `actsim test fixtures/scenarios fixtures/lessons` with --jobs 1 and the default (every core).
# SEEDS (default 2000) sets the seeds per exploration, RUNS (default 3) the hyperfine runs.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
seeds="${SEEDS:-2000}"
runs="${RUNS:-3}"
scenario=bench/scenarios/explore-100.toml
"$bin" explore "$scenario" --seeds 20 --quiet >/dev/null || { echo "$scenario: a seed failed; run: $bin explore $scenario --seeds 20" >&2; exit 1; }
csv=$(mktemp /tmp/actsim-explore.XXXXXX.csv)
hyperfine --runs "$runs" -N \
  "$bin explore $scenario --seeds $seeds --jobs 1 --quiet" \
  "$bin explore $scenario --seeds $seeds --jobs 2 --quiet" --export-csv "$csv"
awk -v n="$seeds" -v a="$(mean_of "$csv" 1)" -v b="$(mean_of "$csv" 2)" 'BEGIN {
  printf "explore, %d seeds: --jobs 1 %.2f s (%.0f seeds/min), --jobs 2 %.2f s (%.0f seeds/min), speed-up %.2f×\n",
    n, a, n / a * 60, b, n / b * 60, a / b }'
hyperfine --runs "$runs" -N \
  "$bin test fixtures/scenarios fixtures/lessons --jobs 1 --quiet" \
  "$bin test fixtures/scenarios fixtures/lessons --quiet" --export-csv "$csv"
awk -v a="$(mean_of "$csv" 1)" -v b="$(mean_of "$csv" 2)" 'BEGIN {
  printf "test fixtures/scenarios fixtures/lessons: --jobs 1 %.2f s, default %.2f s, speed-up %.2f×\n", a, b, a / b }'
rm -f "$csv"
