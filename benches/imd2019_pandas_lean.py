#!/usr/bin/env python3
"""A lean pandas peer of `oa run studies/imd2019.toml`, for BENCHMARKS.md: the least a
script must do for the same headline result. Read the seven domain ranks of File 2 (only
the columns needed), apply the IoD exponential transformation, weight and sum, rank the
IMD score (1 = most deprived, ties 'min'), deciles, and write the scores table only (no
indicators, coverage or manifest, and no checks).

    benches/.venv/bin/python benches/imd2019_pandas_lean.py ../shared/data OUTDIR
"""

import math
import os
import sys

import numpy as np
import pandas as pd

CODE = "LSOA code (2011)"
NAME = "LSOA name (2011)"
DOMAINS = {
    "Income Rank (where 1 is most deprived)": 0.225,
    "Employment Rank (where 1 is most deprived)": 0.225,
    "Education, Skills and Training Rank (where 1 is most deprived)": 0.135,
    "Health Deprivation and Disability Rank (where 1 is most deprived)": 0.135,
    "Crime Rank (where 1 is most deprived)": 0.093,
    "Barriers to Housing and Services Rank (where 1 is most deprived)": 0.093,
    "Living Environment Rank (where 1 is most deprived)": 0.093,
}


def main() -> None:
    data_dir, out = sys.argv[1], sys.argv[2]
    path = os.path.join(data_dir, "imd2019/File_2_-_IoD2019_Domains_of_Deprivation.csv")
    df = pd.read_csv(path, usecols=[CODE, NAME, *DOMAINS], thousands=",")
    n = len(df)
    c = 1.0 - math.exp(-100.0 / 23.0)
    score = np.zeros(n)
    for column, weight in DOMAINS.items():
        # The published rank is re-ranked (ties 'min') so a higher rank is less deprived.
        rank = df[column].rank(method="min", ascending=True).to_numpy()
        score += weight * (-23.0 * np.log(1.0 - (n - rank + 1) / n * c))
    rank = pd.Series(score).rank(method="min", ascending=False).astype(int)
    scores = pd.DataFrame(
        {
            "area_code": df[CODE],
            "area_name": df[NAME],
            "score": score,
            "rank": rank,
            "quantile": np.ceil(rank * 10 / n).astype(int),
        }
    ).sort_values("rank", kind="stable")
    os.makedirs(out, exist_ok=True)
    scores.to_csv(os.path.join(out, "scores.csv"), index=False)


if __name__ == "__main__":
    main()
