"""esda's global Moran's I with 999 permutations on the 316 x 316 rook lattice of
`local_moran.rs`'s `global_moran` group (values: the same smooth surface plus noise,
drawn with numpy, so the statistic differs but the work is the same). Run in the
git-ignored venv: benches/.venv/bin/python crates/oa-spatial/benches/global_moran_peer.py
"""
import time

import numpy as np
from esda.moran import Moran
from libpysal.weights import lat2W

n = 316
i = np.arange(n * n)
y = np.sin((i % 97) / 10.0) * 10.0 + np.random.default_rng(3).random(n * n) * 5.0
w = lat2W(n, n, rook=True)
w.transform = "r"
best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    m = Moran(y, w, permutations=999)
    best = min(best, time.perf_counter() - t)
print(f"esda Moran 316x316 rook, 999 permutations: best of 3 {best:.3f} s (I = {m.I:.4f})")
