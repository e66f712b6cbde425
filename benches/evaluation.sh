#!/usr/bin/env bash
# The evaluation engine and its Python peers, one after the other on this machine
# (BENCHMARKS.md, "Evaluation"). Needs the peers in benches/.venv (see
# benches/evaluation_peers.py) and the shared data (OA_SHARED_DATA or ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."
data=${OA_SHARED_DATA:-../shared/data}
py=benches/.venv/bin/python
cargo bench -p oa-evaluation --bench estimators 2>&1 | grep -E "^evaluation/|time:"
"$py" benches/evaluation_peers.py sdid "$data" 200
"$py" benches/evaluation_peers.py sc "$data" "${SC_FITS:-10}"
"$py" benches/evaluation_peers.py cs "$data"
