#!/usr/bin/env bash
# The stage timings `oa run` records in manifest.json (read data, compute index, write
# tables, ...), over N runs of a study: the minimum and median of each (BENCHMARKS.md).
#
#   benches/run_stages.sh [OA_BINARY] [RUNS] [STUDY]
#   benches/run_stages.sh target/release/oa 25 studies/imd2019.toml
set -euo pipefail
cd "$(dirname "$0")/.."
oa="${1:-target/release/oa}"
runs="${2:-25}"
study="${3:-studies/imd2019.toml}"
data="${OA_SHARED_DATA:-../shared/data}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
for _ in $(seq "$runs"); do
  "$oa" run "$study" --data-dir "$data" --out "$out/bundle" --quiet
  python3 -c 'import json, sys
for t in json.load(open(sys.argv[1]))["timings"]:
    print(t["stage"].replace(" ", "_"), t["ms"])' "$out/bundle/manifest.json"
done | python3 -c 'import statistics, sys
stages = {}
for line in sys.stdin:
    name, ms = line.split()
    stages.setdefault(name, []).append(float(ms))
for name, ms in stages.items():
    label = name.replace("_", " ")
    print(f"{label:<14} min {min(ms):6.1f} ms  median {statistics.median(ms):6.1f} ms")'
