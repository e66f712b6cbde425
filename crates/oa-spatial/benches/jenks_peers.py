"""Peers for the Fisher-Jenks benchmark: mapclassify and jenkspy on the same 32,844 IMD
2019 LSOA scores, k = 5. Run beside `cargo bench -p oa-spatial --bench map_classes`:

    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install mapclassify jenkspy numba
    /tmp/venv/bin/python crates/oa-spatial/benches/jenks_peers.py [SHARED_DATA_DIR]

Prints the best of a few wall-clock runs for each peer (after a warm-up, so numba's
compilation is not counted) and the breaks each finds, for comparison with oa's.
"""

import csv
import os
import sys
import time

import jenkspy
import mapclassify
import numpy as np

here = os.path.dirname(os.path.abspath(__file__))
data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "../../../../shared/data")
path = os.path.join(data, "imd2019/imd2019_lsoa_combined.csv")
with open(path, newline="") as f:
    values = np.array([float(r["imd_score"]) for r in csv.DictReader(f)])
assert len(values) == 32_844, len(values)


def best_of(label, runs, fn):
    times = []
    result = None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    print(f"{label}: best {min(times) * 1000:.1f} ms of {runs} runs")
    return result


# Warm-up on a small sample so numba compiles before timing.
mapclassify.FisherJenks(values[:500], k=5)
jenkspy.jenks_breaks(values[:500].tolist(), n_classes=5)

b = best_of("jenkspy.jenks_breaks k=5", 3, lambda: jenkspy.jenks_breaks(values, n_classes=5))
print("  breaks", [round(float(x), 3) for x in b[1:]])
fj = best_of("mapclassify.FisherJenks k=5", 3, lambda: mapclassify.FisherJenks(values, k=5))
print("  breaks", [round(float(x), 3) for x in fj.bins])
fjs = best_of(
    "mapclassify.FisherJenksSampled k=5 (10% sample, heuristic)",
    3,
    lambda: mapclassify.FisherJenksSampled(values, k=5),
)
print("  breaks", [round(float(x), 3) for x in fjs.bins])
