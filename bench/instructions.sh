#!/usr/bin/env bash
# Noise-free cost per login: CPU instructions counted by valgrind (callgrind), not time. Runs
# bench/scenarios/cache-hit-100k.toml (SCENARIO=cache-hit, the default) or article-100k.toml
# (SCENARIO=article: the redirect flow, 2 executions and a Management API PATCH per login) cut
# to 2 000 and to 4 000 logins (same rate, same instances, same cold-start herd) and divides the
# difference by 2 000, so start-up, instance creation and the herd's token requests cancel out. The count does not depend on the load of
# the machine, so it compares builds where wall-clock figures cannot (2 cores shared with
# other work). It does not say how fast a CPU runs those instructions: see sim-throughput.sh.
# ACTION=FILE (with SCENARIO=article) runs FILE in place of the scenario's action, without the
# expectations about what the action does (cache hit ratio, continues): the cut-down actions in
# bench/actions/redirect-parts/ attribute a login's instructions to its parts (BENCHMARKS.md).
# Needs valgrind. Takes about a minute.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || { echo "bench/instructions.sh needs valgrind (apt-get install valgrind)" >&2; exit 1; }
action=""
if [[ -n "${ACTION:-}" ]]; then
  [[ -f "$ACTION" ]] || { echo "ACTION=$ACTION: no such file" >&2; exit 2; }
  action=$(realpath "$ACTION")
fi
name="${SCENARIO:-cache-hit}"
[[ -f "bench/scenarios/$name-100k.toml" ]] || { echo "SCENARIO=$name: no bench/scenarios/$name-100k.toml (use cache-hit or article)" >&2; exit 2; }
dir=$(mktemp -d /tmp/actsim-instr.XXXXXX)
trap 'rm -rf "$dir"' EXIT
count() {
  local n=$1
  # The scenario refers to files relative to itself: write the cut copies next to it.
  local scenario="bench/scenarios/.instr-$n.toml"
  local swap=()
  [[ -n "$action" ]] && swap=(-e "s|^file = .*|file = \"$action\"|" -e '/cache.hit_ratio/d' -e '/continues == logins/d')
  sed -e "s/^duration = .*/duration = \"$((n / 1000))s\"/" \
      -e "s/^max_logins = .*/max_logins = $n/" \
      -e "s/\"logins == 100000\"/\"logins == $n\"/" \
      "${swap[@]}" \
      "bench/scenarios/$name-100k.toml" > "$scenario"
  valgrind --tool=callgrind --callgrind-out-file="$dir/$n.out" "$bin" simulate "$scenario" > /dev/null 2> "$dir/$n.log" || { rm -f "$scenario"; cat "$dir/$n.log" >&2; exit 1; }
  rm -f "$scenario"
  grep -o 'Collected : [0-9]*' "$dir/$n.log" | grep -o '[0-9]*$'
}
a=$(count 2000)
b=$(count 4000)
# KEEP=DIR keeps the two callgrind profiles (2000.out, 4000.out) for callgrind_annotate.
if [[ -n "${KEEP:-}" ]]; then mkdir -p "$KEEP" && cp "$dir"/2000.out "$dir"/4000.out "$KEEP"/; fi
echo "$name${action:+ with $ACTION}: $(( (b - a) / 2000 )) instructions per login ((Ir(4000 logins) − Ir(2000 logins)) / 2000; Ir(2000) = $a)"
