#!/usr/bin/env python3
"""In-process timings of the Python package (BENCHMARKS.md, "Python package"), imports
excluded: how long a table takes to cross between oa and Python through the Arrow C
stream interface (medians of repeated crossings), and the IMD 2019 study through `oa`
against the pandas peer's own work (benches/imd2019_pandas.py), in the same process.

    python benches/python_timings.py ../shared/data
"""

import statistics
import sys
import time

import pandas as pd
import polars as pl
import pyarrow as pa

import oa
from oa import _oa

sys.path.insert(0, "benches")
import imd2019_pandas  # noqa: E402

FILE_2 = "imd2019/File_2_-_IoD2019_Domains_of_Deprivation.csv"
COLUMNS = {
    "income": "Income Rank (where 1 is most deprived)",
    "employment": "Employment Rank (where 1 is most deprived)",
    "education": "Education, Skills and Training Rank (where 1 is most deprived)",
    "health": "Health Deprivation and Disability Rank (where 1 is most deprived)",
    "crime": "Crime Rank (where 1 is most deprived)",
    "barriers": "Barriers to Housing and Services Rank (where 1 is most deprived)",
}


def median_ms(f, repeat=200):
    times = []
    for _ in range(repeat):
        t = time.perf_counter_ns()
        f()
        times.append(time.perf_counter_ns() - t)
    return statistics.median(times) / 1e6


def main(data_dir: str) -> None:
    results = oa.run("studies/imd2019.toml", data_dir=data_dir, progress=False)
    native = results._native
    native.table_names()  # the Arrow tables are made once per Results
    scores = native.table("scores")
    rows = []
    rows.append(("out: scores (32,844 x 6) -> pyarrow.Table", median_ms(lambda: pa.table(native.table("scores")))))
    rows.append(("out: scores -> polars.DataFrame", median_ms(lambda: pl.DataFrame(scores))))
    rows.append(("out: scores -> pandas.DataFrame (via pyarrow)", median_ms(lambda: pa.table(scores).to_pandas(), 50)))
    fresh = []
    for _ in range(10):
        r = oa.run("studies/imd2019.toml", data_dir=data_dir, progress=False)._native
        t = time.perf_counter_ns()
        r.table_names()
        fresh.append(time.perf_counter_ns() - t)
    rows.append(("out: make every table of a run as Arrow (scores, indicators, coverage; once)", statistics.median(fresh) / 1e6))

    frame = pd.read_csv(f"{data_dir}/{FILE_2}", encoding="utf-8-sig", thousands=",")
    table = pa.Table.from_pandas(frame[["LSOA code (2011)", *COLUMNS.values()]], preserve_index=False)
    assert table.shape == (32_844, 7)
    spec = dict(
        code="LSOA code (2011)",
        area_type="lsoa",
        vintage=2011,
        indicators={k: {"column": c, "direction": "higher_is_better"} for k, c in COLUMNS.items()},
    )
    polars_frame = pl.from_arrow(table)
    rows.append(("in: pyarrow.Table (32,844 x 7) -> Study.from_frame", median_ms(lambda: _oa.Study.from_frame(table, spec))))
    rows.append(("in: polars.DataFrame (32,844 x 7) -> Study.from_frame", median_ms(lambda: _oa.Study.from_frame(polars_frame, spec))))
    pandas7 = frame[["LSOA code (2011)", *COLUMNS.values()]]
    rows.append(("in: pandas.DataFrame (32,844 x 7) -> oa.Study.from_frame (via pyarrow)", median_ms(lambda: oa.Study.from_frame(pandas7, **spec), 50)))
    numbers = table.drop_columns(["LSOA code (2011)"])
    spec_numbers = dict(spec, code="code")
    coded = numbers.append_column("code", pa.array(frame["LSOA code (2011)"]).dictionary_encode())
    rows.append(("in: pyarrow.Table, codes dictionary-encoded", median_ms(lambda: _oa.Study.from_frame(coded, spec_numbers))))
    print("| crossing | median |")
    print("|---|---:|")
    for what, ms in rows:
        print(f"| {what} | {ms:.3f} ms |")

    import tempfile

    with tempfile.TemporaryDirectory() as out:
        def with_oa():
            r = oa.run("studies/imd2019.toml", data_dir=data_dir, progress=False)
            [r[name] for name in r.tables]
            r.write(f"{out}/oa")

        def with_pandas():
            sys.argv = ["imd2019_pandas.py", data_dir, f"{out}/pandas"]
            imd2019_pandas.main()

        def run_only():
            oa.run("studies/imd2019.toml", data_dir=data_dir, progress=False)

        print()
        print("| IMD 2019 in process (imports excluded) | median of 20 |")
        print("|---|---:|")
        print(f"| oa.run only (read File 2, compute; typed results in memory) | {median_ms(run_only, 20):.1f} ms |")
        print(f"| oa: run, every table as pandas, write the bundle | {median_ms(with_oa, 20):.1f} ms |")
        print(f"| pandas peer: read, compute, write the three tables | {median_ms(with_pandas, 20):.1f} ms |")


if __name__ == "__main__":
    main(sys.argv[1])
