#!/usr/bin/env bash
# Benchmark (issue 3): `actsim simulate` on 100 000 logins over 8 instances, in virtual time.
#   bench/scenarios/cache-hit-100k.toml  the article's cache get / jwt-decode / set-on-miss only
#   bench/scenarios/article-100k.toml    the article's caching in a redirect flow
#                                        (onExecutePostLogin + redirect + onContinuePostLogin
#                                        with a Management API PATCH): 2 executions per login
# Reports logins per second of wall time (100 000 / mean) and per second of user CPU time.
# The redirect scenario takes minutes per run on a 2-core machine: RUNS (default 3) sets the
# number of runs; ONLY=cache-hit or ONLY=article runs one of them.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs="${RUNS:-3}"
for name in cache-hit article; do
  [[ -n "${ONLY:-}" && "$ONLY" != "$name" ]] && continue
  scenario="bench/scenarios/$name-100k.toml"
  "$bin" test "$scenario" >/dev/null || { echo "$scenario: an expectation failed; run: $bin test $scenario" >&2; exit 1; }
  csv=$(mktemp /tmp/actsim-sim.XXXXXX.csv)
  hyperfine --runs "$runs" -N "$bin simulate $scenario" --export-csv "$csv"
  awk -v s="$scenario" -v m="$(mean_of "$csv" 1)" -v u="$(user_of "$csv" 1)" -v y="$(sys_of "$csv" 1)" 'BEGIN {
    printf "%s: 100000 logins in %.2f s wall (%.2f s user, %.2f s sys) → %.0f logins/s wall, %.0f logins/s of CPU, %.1f µs CPU per login\n",
      s, m, u, y, 100000 / m, 100000 / (u + y), (u + y) / 100000 * 1e6 }'
  rm -f "$csv"
done
