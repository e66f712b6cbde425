#!/usr/bin/env python3
"""Vectorised numpy peer of `oa uncertainty` for the IMD 2019 benchmark (BENCHMARKS.md,
"Uncertainty and sensitivity"): the same Monte Carlo as studies/imd2019-uncertainty.toml
without the Sobol design. Weight noise +-25%, a choice of two normalisations (IoD
exponential transformation, min-max onto [1, 100]) and two aggregations (weighted
arithmetic, weighted geometric); per area the median and 5th/95th percentile rank and
P(coldspot = most deprived 20%), streamed into rank histograms like the Rust code.

    python3 benches/uncertainty_numpy.py ../shared/data/imd2019/File_2_-_IoD2019_Domains_of_Deprivation.csv \
        --samples 10000 --seed 2019 --out /tmp/numpy-uncertainty.csv

Samples are processed in batches: one matrix product per (normalisation, aggregation)
gives the scores of the whole batch, one argsort per batch ranks them.
"""
import argparse
import csv
import time

import numpy as np

DOMAINS = [
    "Income Rank (where 1 is most deprived)",
    "Employment Rank (where 1 is most deprived)",
    "Education, Skills and Training Rank (where 1 is most deprived)",
    "Health Deprivation and Disability Rank (where 1 is most deprived)",
    "Crime Rank (where 1 is most deprived)",
    "Barriers to Housing and Services Rank (where 1 is most deprived)",
    "Living Environment Rank (where 1 is most deprived)",
]
WEIGHTS = np.array([0.225, 0.225, 0.135, 0.135, 0.093, 0.093, 0.093])
SPREAD = 0.25
BINS = 1000


def read(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    codes = [r["LSOA code (2011)"] for r in rows]
    x = np.array([[float(r[d]) for d in DOMAINS] for r in rows])
    return codes, x


def ranks_min_desc(scores):
    """Ranks per row, rank 1 = highest score, ties 'min' (rows = samples)."""
    order = np.argsort(-scores, axis=1, kind="stable")
    s = np.take_along_axis(scores, order, axis=1)
    n = scores.shape[1]
    new_run = np.ones_like(s, dtype=bool)
    new_run[:, 1:] = s[:, 1:] != s[:, :-1]
    pos = np.where(new_run, np.arange(n)[None, :], 0)
    run_start = np.maximum.accumulate(pos, axis=1) + 1
    ranks = np.empty_like(run_start)
    np.put_along_axis(ranks, order, run_start, axis=1)
    return ranks, order


def normalisations(x):
    n = x.shape[0]
    oriented = -x  # domain rank 1 = most deprived; the score runs higher = more deprived
    r, _ = ranks_min_desc(oriented.T)  # rank 1 = highest oriented value
    rr = (n - r.T + 1) / n
    c = 1.0 - np.exp(-100.0 / 23.0)
    expo = -23.0 * np.log(1.0 - rr * c)
    lo, hi = oriented.min(axis=0), oriented.max(axis=0)
    minmax = 1.0 + (oriented - lo) * 99.0 / (hi - lo)
    return [expo, minmax]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("csv")
    ap.add_argument("--samples", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=2019)
    ap.add_argument("--batch", type=int, default=250)
    ap.add_argument("--out")
    a = ap.parse_args()
    t0 = time.perf_counter()
    codes, x = read(a.csv)
    t_read = time.perf_counter() - t0
    t1 = time.perf_counter()
    n = x.shape[0]
    norms = normalisations(x)
    logs = [np.log(m) for m in norms]
    nominal = norms[0] @ WEIGHTS
    nominal_rank, _ = ranks_min_desc(nominal[None, :])
    nominal_rank = nominal_rank[0]
    width = -(-n // BINS)
    bins = -(-n // width)
    hist = np.zeros(n * bins, dtype=np.int64)
    cold = np.zeros(n, dtype=np.int64)
    size = int(np.ceil(0.2 * n - 1e-9))
    rng = np.random.default_rng(a.seed)
    area_offset = (np.arange(n) * bins)[None, :]
    shift = []
    done = 0
    while done < a.samples:
        b = min(a.batch, a.samples - done)
        w = WEIGHTS[None, :] * (1.0 + SPREAD * rng.uniform(-1.0, 1.0, size=(b, 7)))
        w /= w.sum(axis=1, keepdims=True)
        norm = rng.integers(0, 2, size=b)
        agg = rng.integers(0, 2, size=b)
        scores = np.empty((b, n))
        for k in range(2):
            for g in range(2):
                sel = np.nonzero((norm == k) & (agg == g))[0]
                if sel.size == 0:
                    continue
                if g == 0:
                    scores[sel] = (norms[k] @ w[sel].T).T
                else:
                    scores[sel] = np.exp((logs[k] @ w[sel].T).T)
        ranks, order = ranks_min_desc(scores)
        hist += np.bincount((area_offset + (ranks - 1) // width).ravel(), minlength=n * bins)
        cold += np.bincount(order[:, :size].ravel(), minlength=n)
        shift.extend(np.abs(ranks - nominal_rank[None, :]).mean(axis=1))
        done += b
    hist = hist.reshape(n, bins)
    cum = np.cumsum(hist, axis=1)

    def quantile(p):
        k = max(int(np.ceil(p * a.samples)), 1)
        bin_ = np.argmax(cum >= k, axis=1)
        return bin_ * width + 1  # bin start (the Rust code interpolates inside the bin)

    med, p05, p95 = quantile(0.5), quantile(0.05), quantile(0.95)
    t_mc = time.perf_counter() - t1
    if a.out:
        with open(a.out, "w", newline="") as f:
            wr = csv.writer(f)
            wr.writerow(["area_code", "nominal_rank", "median_rank", "p05_rank", "p95_rank", "p_coldspot"])
            for i in range(n):
                wr.writerow([codes[i], nominal_rank[i], med[i], p05[i], p95[i], cold[i] / a.samples])
    print(
        f"numpy: {a.samples} samples on {n} areas: read {t_read:.2f} s, Monte Carlo {t_mc:.2f} s, "
        f"mean rank shift {np.mean(shift):.1f}, areas with 0<P(coldspot)<1: {int(((cold > 0) & (cold < a.samples)).sum())}"
    )


if __name__ == "__main__":
    main()
