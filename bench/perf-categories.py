#!/usr/bin/env python3
"""Group `perf script` samples (recorded with call graphs) into the categories BENCHMARKS.md
reports. Each sample goes to the first rule below that matches any frame of its stack.

    perf record -F 250 --call-graph dwarf,32768 -o /tmp/actsim.data \
        ./target/release/actsim simulate bench/scenarios/cache-hit-100k.toml
    perf script -i /tmp/actsim.data | python3 bench/perf-categories.py
"""
import collections
import re
import sys

RULES = [
    ("RSA in the mock tenant (signing tokens, verifying bearer tokens)", r"crypto_bigint|rsa::"),
    ("rest of the mock tenant", r"actsim_tenant"),
    ("JS: JSON.parse (event, secrets, HTTP responses)", r"js_json_parse|JS_ParseJSON"),
    ("JS: garbage collector", r"JS_RunGC|gc_decref|gc_scan|gc_free_cycles|mark_children"),
    ("Rust: serializing the event to a string (serde_json)", r"serde_json::ser|serialize"),
    ("Rust: cloning the event (serde_json::Value)",
     r"indexmap.*[Cc]lone|Value as core::clone|serde_json::value::Value.*clone|drop_in_place<serde_json"),
    ("JS: other (handler, api objects, fetch, stand-ins, prelude)",
     r"JS_Call|JS_ExecutePendingJob|js_async|JS_Eval"),
    ("Rust: rquickjs glue, execution reports", r"rquickjs|actsim_js"),
    ("Rust: the simulator (queue, flows, placement, metrics)", r"actsim_sim"),
]


def main():
    counts = collections.Counter()
    total = 0
    frames = []

    def flush():
        nonlocal total
        if not frames:
            return
        total += 1
        for name, rx in RULES:
            if any(re.search(rx, f) for f in frames):
                counts[name] += 1
                return
        counts["other (start-up, output, libc)"] += 1

    for line in sys.stdin:
        if not line.strip():
            flush()
            frames.clear()
            continue
        if line[0] in " \t":
            parts = line.strip().split(None, 1)
            if len(parts) == 2:
                frames.append(parts[1])
    flush()
    for name, n in counts.most_common():
        print(f"{100 * n / total:5.1f}%  {name}")
    print(f"({total} samples)")


if __name__ == "__main__":
    main()
