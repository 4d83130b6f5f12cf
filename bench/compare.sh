#!/usr/bin/env bash
# Side by side, in one invocation: the article's cache-hit path 100 000 times
#   1. in plain Node.js (bench/node-baseline.js: one process, a plain-object cache, a token stub),
#   2. in actsim (bench/scenarios/cache-hit-100k.toml: 8 simulated instances, virtual clock,
#      placement, metrics, the mock tenant; same handler code, bench/actions/cache-hit.js),
# one after the other, and prints both figures in executions (= logins) per second of wall time.
# Needs node (20+). ACTSIM=path uses that binary instead of building ./target/release/actsim.
# No hyperfine needed; each side runs once (REPEAT=n runs the pair n times).
set -euo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1
if [[ -n "${ACTSIM:-}" ]]; then bin="$ACTSIM"; else cargo build --quiet --release -p actsim-cli; bin=./target/release/actsim; fi
for i in $(seq "${REPEAT:-1}"); do
  node bench/node-baseline.js 100000
  t0=$(date +%s%N)
  "$bin" simulate bench/scenarios/cache-hit-100k.toml --json > /tmp/actsim-compare.json
  t1=$(date +%s%N)
  node -e '
    const r = JSON.parse(require("fs").readFileSync("/tmp/actsim-compare.json", "utf8"));
    const ms = Number(process.argv[1]) / 1e6;
    const n = r.metrics.executions;
    console.log(`actsim simulate: ${n} executions (${r.metrics.logins} logins, ${r.metrics["cache.hits"]} cache hits, 8 instances) in ${ms.toFixed(1)} ms → ${Math.round(n / (ms / 1000))} executions/s`);
  ' "$((t1 - t0))"
done
