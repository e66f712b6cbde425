#!/usr/bin/env bash
# The Python package against the command line and the pandas and numpy peers, in one run
# (BENCHMARKS.md, "Python package"): installs `oa` with a plain `pip install
# ./crates/oa-python` (maturin, release profile) into benches/.venv, then
#   1. the IMD 2019 study: `oa run`, `oa` from Python (run, every table as pandas,
#      write the bundle) and the pandas peer, in one hyperfine run;
#   2. the IMD Monte Carlo (10,000 samples, no Sobol): `oa uncertainty`, `oa` from
#      Python and the numpy peer, in one hyperfine run;
#   3. in process: the Arrow crossings of a 32,844-row table, and the IMD 2019 study
#      through `oa` against the pandas peer's work (benches/python_timings.py).
#
#   benches/python.sh            # needs ../shared/data, hyperfine, python3, Rust
set -euo pipefail
cd "$(dirname "$0")/.."
data="${OA_SHARED_DATA:-../shared/data}"
command -v hyperfine >/dev/null || { echo "install hyperfine: apt-get install -y hyperfine" >&2; exit 1; }
[ -x benches/.venv/bin/python ] || python3 -m venv benches/.venv
benches/.venv/bin/pip install -q pandas pyarrow polars
benches/.venv/bin/pip install -q ./crates/oa-python
cargo build --release --locked -p oa
py=benches/.venv/bin/python
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
# The Monte Carlo alone, as the numpy peer does it.
sed '/^\[uncertainty.sobol\]/,$d' studies/imd2019-uncertainty.toml > "$out/imd-mc.toml"

hyperfine -N --warmup 3 --runs 30 --export-markdown "$out/imd2019.md" \
  -n "oa run studies/imd2019.toml" \
  "target/release/oa run studies/imd2019.toml --data-dir $data --out $out/cli --quiet" \
  -n "oa from Python (benches/oa_python.py)" \
  "$py benches/oa_python.py imd2019 $data $out/python" \
  -n "pandas (benches/imd2019_pandas.py)" \
  "$py benches/imd2019_pandas.py $data $out/pandas"

hyperfine -N --warmup 1 --runs 3 --export-markdown "$out/uncertainty.md" \
  -n "oa uncertainty (IMD, 10,000 samples)" \
  "target/release/oa uncertainty $out/imd-mc.toml --data-dir $data --samples 10000 --seed 2019 --out $out/mc --quiet" \
  -n "oa from Python (Study.run, 10,000 samples)" \
  "$py benches/oa_python.py uncertainty $out/imd-mc.toml $data 10000 2019" \
  -n "numpy (benches/uncertainty_numpy.py)" \
  "$py benches/uncertainty_numpy.py $data/imd2019/File_2_-_IoD2019_Domains_of_Deprivation.csv --samples 10000 --seed 2019"

$py benches/python_timings.py "$data" > "$out/timings.md"
cat "$out/imd2019.md" "$out/uncertainty.md" "$out/timings.md"
