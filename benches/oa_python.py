#!/usr/bin/env python3
"""`oa` from Python, for the whole-process benchmarks in BENCHMARKS.md (benches/python.sh):
the same work as the command line and the pandas and numpy peers, through the package.

    python benches/oa_python.py imd2019 ../shared/data OUT      # run, DataFrames, write
    python benches/oa_python.py uncertainty STUDY ../shared/data SAMPLES SEED
"""

import sys

import oa


def imd2019(data_dir: str, out: str) -> None:
    results = oa.run("studies/imd2019.toml", data_dir=data_dir, progress=False)
    frames = [results[name] for name in results.tables]  # every table as pandas
    assert len(frames[0]) == 32_844
    results.write(out)


def uncertainty(study: str, data_dir: str, samples: str, seed: str) -> None:
    plan = oa.Study.from_file(study, data_dir, samples=int(samples), seed=int(seed))
    base = plan.run(progress=False)
    assert len(base["uncertainty"]) == 32_844


if __name__ == "__main__":
    {"imd2019": imd2019, "uncertainty": uncertainty}[sys.argv[1]](*sys.argv[2:])
