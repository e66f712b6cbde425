#!/usr/bin/env python3
"""The pandas peer of `oa run studies/imd2019.toml`, for BENCHMARKS.md.

A plain pandas script doing the same work as oa: read File 2 (the seven IoD 2019 domain
ranks), re-rank each domain (ties 'min'), apply the IoD exponential transformation, weight
and sum, rank the IMD score (1 = most deprived, ties 'min'), deciles from the rank end,
the `coldspot` band (most deprived 20%), and write scores.csv, indicators.csv and
coverage.csv.

    benches/.venv/bin/python benches/imd2019_pandas.py ../shared/data OUTDIR
"""

import math
import os
import sys

import numpy as np
import pandas as pd

DOMAINS = [
    ("income", "Income Rank (where 1 is most deprived)", 0.225),
    ("employment", "Employment Rank (where 1 is most deprived)", 0.225),
    ("education", "Education, Skills and Training Rank (where 1 is most deprived)", 0.135),
    ("health", "Health Deprivation and Disability Rank (where 1 is most deprived)", 0.135),
    ("crime", "Crime Rank (where 1 is most deprived)", 0.093),
    ("barriers", "Barriers to Housing and Services Rank (where 1 is most deprived)", 0.093),
    ("living_environment", "Living Environment Rank (where 1 is most deprived)", 0.093),
]


def exponential(rank: pd.Series, n: int) -> pd.Series:
    r = (n - rank + 1) / n
    return -23.0 * np.log(1.0 - r * (1.0 - math.exp(-100.0 / 23.0)))


def main() -> None:
    data_dir, out = sys.argv[1], sys.argv[2]
    path = os.path.join(data_dir, "imd2019/File_2_-_IoD2019_Domains_of_Deprivation.csv")
    df = pd.read_csv(path, encoding="utf-8-sig", thousands=",")
    n = len(df)
    out_df = pd.DataFrame({"area_code": df["LSOA code (2011)"], "area_name": df["LSOA name (2011)"]})
    indicators = out_df.copy()
    score = pd.Series(0.0, index=df.index)
    for ident, column, weight in DOMAINS:
        rank = df[column].rank(method="min", ascending=True)
        x = exponential(rank, n)
        indicators[ident] = x
        score += weight * x
    out_df["score"] = score
    out_df["rank"] = score.rank(method="min", ascending=False).astype(int)
    coldspot = math.ceil(0.2 * n)
    out_df["band"] = np.where(out_df["rank"] <= coldspot, "coldspot", "")
    out_df["quantile"] = (out_df["rank"] * 10 + n - 1) // n
    order = out_df.sort_values(["rank"], kind="stable").index
    os.makedirs(out, exist_ok=True)
    out_df.loc[order].to_csv(os.path.join(out, "scores.csv"), index=False)
    indicators.loc[order].to_csv(os.path.join(out, "indicators.csv"), index=False)
    coverage = out_df[["area_code", "area_name"]].copy()
    coverage["indicators"] = len(DOMAINS)
    coverage["present"] = df[[c for _, c, _ in DOMAINS]].notna().sum(axis=1)
    coverage["coverage"] = coverage["present"] / len(DOMAINS)
    coverage["imputed"] = 0
    coverage["status"] = "kept"
    coverage.to_csv(os.path.join(out, "coverage.csv"), index=False)


if __name__ == "__main__":
    main()
