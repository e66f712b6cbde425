#!/usr/bin/env python3
"""Writes a synthetic SMI-like study for the uncertainty benchmark (BENCHMARKS.md,
"Uncertainty and sensitivity"): 324 districts x 16 indicators in four life stages
(2, 4, 5, 5 indicators, as the Social Mobility Index 2016), correlated within a stage, with
uncertain weights (Dirichlet), normalisation (min-max onto [1, 100] or rank), aggregation
(arithmetic or geometric) and one indicator left out at a time. Standard library only.

    python3 benches/uncertainty_smi_like.py /tmp/smi-like
    oa uncertainty /tmp/smi-like/smi-like.toml --samples 100000 --seed 1 --out /tmp/smi-out
"""
import os
import random
import sys

STAGES = [("early_years", ["EY1", "EY2"]), ("school", ["S1", "S2", "S3", "S4"]),
          ("youth", ["Y1", "Y2", "Y3", "Y4", "Y5"]), ("adulthood", ["A1", "A2", "A3", "A4", "A5"])]
WORSE = {"Y1", "A2", "A4"}


def main(out):
    os.makedirs(out, exist_ok=True)
    rng = random.Random(2016)
    ids = [i for _, inds in STAGES for i in inds]
    with open(os.path.join(out, "smi_like.csv"), "w") as f:
        f.write("code,name," + ",".join(ids) + "\n")
        for d in range(324):
            base = rng.gauss(0, 1)
            row = []
            for _, inds in STAGES:
                stage = 0.6 * base + 0.8 * rng.gauss(0, 1)
                for i in inds:
                    v = 50 + 10 * (0.7 * stage + 0.7 * rng.gauss(0, 1))
                    row.append(100 - v if i in WORSE else v)
            f.write(f"E07{d:06d},District {d + 1}," + ",".join(f"{v:.3f}" for v in row) + "\n")
    lines = ['schema = 1', '[study]', 'id = "smi-like"', 'title = "SMI-like synthetic study (324 x 16)"',
             '[geography]', 'area_type = "lad"', 'vintage = 2016',
             '[[sources]]', 'id = "data"', 'path = "smi_like.csv"', 'code_column = "code"', 'name_column = "name"']
    for g, _ in STAGES:
        lines += ['[[groups]]', f'id = "{g}"']
    for g, inds in STAGES:
        for i in inds:
            d = "higher_is_worse" if i in WORSE else "higher_is_better"
            lines += ['[[indicators]]', f'id = "{i}"', f'direction = "{d}"', f'group = "{g}"']
    lines += ['[method]', 'normalisation = { method = "min_max", low = 1, high = 100 }',
              '[scoring]', 'score = "higher_is_better"', 'rank_1 = "best"',
              '[[bands.named]]', 'name = "hotspot"', 'end = "best"', 'share = 0.2',
              '[[bands.named]]', 'name = "coldspot"', 'end = "worst"', 'share = 0.2',
              '[uncertainty]', 'samples = 100000', 'seed = 1',
              'weights = { noise = "dirichlet", concentration = 30 }',
              'normalisations = [{ method = "min_max", low = 1, high = 100 }, { method = "rank" }]',
              'aggregations = [{ method = "arithmetic" }, { method = "geometric" }]',
              'leave_one_out = true']
    with open(os.path.join(out, "smi-like.toml"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/smi-like")
