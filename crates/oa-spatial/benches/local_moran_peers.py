"""Peer for the local Moran benchmark: esda.Moran_Local (PySAL) with 999 conditional
permutations, on structures like those of `benches/local_moran.rs`:

    /tmp/venv/bin/pip install esda libpysal numba
    /tmp/venv/bin/python crates/oa-spatial/benches/local_moran_peers.py

326 areas: 5 nearest neighbours of random points, made mutual; 316 x 316 lattice: rook and
queen. esda computes Moran's I only (oa's timings include Gi* as well). Also prints the
3 x 3 example of oa's unit tests (values 1..9, rook): the corners' I is 16/15.
"""

import time

import esda
import libpysal
import numpy as np


def best_of(label, runs, fn):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    print(f"{label}: best {min(times) * 1000:.1f} ms of {runs} runs")
    return out


def values(n, seed):
    rng = np.random.default_rng(seed)
    i = np.arange(n)
    return np.sin((i % 97) / 10.0) * 10.0 + rng.random(n) * 5.0


w9 = libpysal.weights.lat2W(3, 3, rook=True)
w9.transform = "r"
m9 = esda.Moran_Local(np.arange(1.0, 10.0), w9, permutations=99, seed=1)
print("3x3 check, I of cell 0:", m9.Is[0], "expected", 16 / 15)

rng = np.random.default_rng(1)
pts = rng.random((326, 2))
knn = libpysal.weights.KNN.from_array(pts, k=5).symmetrize()
knn.transform = "r"
y = values(326, 2)
esda.Moran_Local(y, knn, permutations=99, seed=1, n_jobs=1)  # numba warm-up
best_of("esda Moran_Local 326 areas, 999 perms, 1 job", 3,
        lambda: esda.Moran_Local(y, knn, permutations=999, seed=42, n_jobs=1))
best_of("esda Moran_Local 326 areas, 999 perms, all cores", 3,
        lambda: esda.Moran_Local(y, knn, permutations=999, seed=42, n_jobs=-1))

y = values(316 * 316, 3)
for rook in (True, False):
    w = libpysal.weights.lat2W(316, 316, rook=rook)
    w.transform = "r"
    best_of(f"esda Moran_Local 316x316 {'rook' if rook else 'queen'}, 999 perms, all cores", 1,
            lambda: esda.Moran_Local(y, w, permutations=999, seed=42, n_jobs=-1))
