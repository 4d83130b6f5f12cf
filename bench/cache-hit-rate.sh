#!/usr/bin/env bash
# Benchmark (issue 3's target, "logins/s on one core on the cache-hit path"): the wall-clock
# rate of cache-hit logins alone. bench/scenarios/cache-hit-100k.toml runs at its own length
# (100 000 logins) and cut to 200 000 logins (same rate, instances and cold-start herd, twice
# the duration); hyperfine runs the two alternately (RUNS each, default 10). Then:
#   whole run:      100 000 / T(100 000)                   start-up and the cold-start herd included
#   cache-hit path: 100 000 / (T(200 000) − T(100 000))    only the extra 100 000 logins, all hits
# The start-up (process, scenario, 8 instances, the prelude's lazy scripts) and the herd (about
# 350 logins that miss and fetch a token through JavaScript's fetch during the cold start) are
# the same in both runs and cancel out of the second figure. The simulator is single-threaded:
# one core.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs="${RUNS:-10}"
scenario=bench/scenarios/cache-hit-100k.toml
"$bin" test "$scenario" >/dev/null || { echo "$scenario: an expectation failed; run: $bin test $scenario" >&2; exit 1; }
# The cut copy refers to files relative to itself: write it next to the original.
double=bench/scenarios/.cache-hit-200k.toml
trap 'rm -f "$double"' EXIT
sed -e 's/^duration = .*/duration = "200s"/' \
    -e 's/^max_logins = .*/max_logins = 200000/' \
    -e 's/"logins == 100000"/"logins == 200000"/' "$scenario" > "$double"
csv=$(mktemp /tmp/actsim-rate.XXXXXX.csv)
hyperfine --runs "$runs" -N "$bin simulate $scenario" "$bin simulate $double" --export-csv "$csv"
# Mean, median and fastest run: on a shared machine the fastest run is the one least disturbed.
for stat in mean median min; do
  a=$("${stat}_of" "$csv" 1); b=$("${stat}_of" "$csv" 2)
  awk -v s="$stat" -v a="$a" -v b="$b" 'BEGIN {
    printf "%-6s whole run: 100000 logins in %.3f s → %6.0f logins/s · cache-hit path: 100000 more in %.3f s → %6.0f logins/s (%.2f µs per login)\n",
      s, a, 100000 / a, b - a, 100000 / (b - a), (b - a) / 100000 * 1e6 }'
done
rm -f "$csv"
