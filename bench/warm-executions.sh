#!/usr/bin/env bash
# Benchmark: 1 000 warm executions of the article's action (actions/article-esm.js) in one
# `actsim run`, against 1 execution, so that process start-up can be subtracted:
# per-execution time = (mean(--times 1000) - mean(--times 1)) / 999.
# Needs hyperfine (Debian: apt-get install hyperfine). ACTSIM=path uses that binary instead of
# building ./target/release/actsim. Prints hyperfine's table and the per-execution figure; the
# figures go into BENCHMARKS.md by hand, with the date and machine.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
csv=$(mktemp /tmp/actsim-warm.XXXXXX.csv)
hyperfine --warmup 3 --runs "${RUNS:-20}" -N \
  "$bin run actions/article-esm.js --times 1 --json" \
  "$bin run actions/article-esm.js --times 1000 --advance 1s --json" \
  --export-markdown /tmp/actsim-warm.md --export-csv "$csv"
cat /tmp/actsim-warm.md
awk -v one="$(mean_of "$csv" 1)" -v many="$(mean_of "$csv" 2)" -v u1="$(user_of "$csv" 1)" -v um="$(user_of "$csv" 2)" 'BEGIN {
  printf "per warm execution: %.1f µs wall, %.1f µs user CPU  ((1000 − 1 run) / 999)\n", (many - one) / 999 * 1e6, (um - u1) / 999 * 1e6 }'
rm -f "$csv"
