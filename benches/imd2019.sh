#!/usr/bin/env bash
# Whole-process benchmark of `oa run studies/imd2019.toml` (release) against two pandas
# peers timed in the same hyperfine run (BENCHMARKS.md): benches/imd2019_pandas.py does the
# same work (scores, indicators, coverage), benches/imd2019_pandas_lean.py the least (the
# scores table only).
#
#   benches/imd2019.sh            # needs ../shared/data, hyperfine and python3
set -euo pipefail
cd "$(dirname "$0")/.."
data="${OA_SHARED_DATA:-../shared/data}"
command -v hyperfine >/dev/null || { echo "install hyperfine: apt-get install -y hyperfine" >&2; exit 1; }
if [ ! -x benches/.venv/bin/python ]; then
  python3 -m venv benches/.venv
  benches/.venv/bin/pip install -q pandas
fi
cargo build --release -p oa
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
hyperfine -N --warmup 3 --runs 30 \
  --export-markdown "$out/imd2019.md" \
  -n "oa run studies/imd2019.toml" \
  "target/release/oa run studies/imd2019.toml --data-dir $data --out $out/oa --quiet" \
  -n "pandas (benches/imd2019_pandas.py)" \
  "benches/.venv/bin/python benches/imd2019_pandas.py $data $out/pandas" \
  -n "lean pandas (benches/imd2019_pandas_lean.py)" \
  "benches/.venv/bin/python benches/imd2019_pandas_lean.py $data $out/lean"
cat "$out/imd2019.md"
