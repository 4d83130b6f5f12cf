#!/usr/bin/env bash
# Benchmark: 1 000 warm executions of the article's action (actions/article-esm.js) in one
# `actsim run`, against 1 execution, so that process start-up can be subtracted.
# Needs hyperfine (Debian: apt-get install hyperfine). Prints hyperfine's table; the figures go
# into BENCHMARKS.md by hand, with the date and machine.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p actsim-cli >/dev/null
bin=./target/release/actsim
hyperfine --warmup 3 --runs 20 -N \
  "$bin run actions/article-esm.js --times 1 --json" \
  "$bin run actions/article-esm.js --times 1000 --advance 1s --json" \
  --export-markdown /tmp/actsim-warm.md
cat /tmp/actsim-warm.md
