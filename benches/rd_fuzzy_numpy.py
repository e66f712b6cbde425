"""Reference for oa-evaluation's fuzzy regression discontinuity (rd::fuzzy_discontinuity).

The test `the_fuzzy_interval_is_that_of_weighted_two_stage_least_squares` builds these
200 units; here the same effect is estimated as kernel-weighted two-stage least squares:
the outcome on treatment, instrumented by the side of the cut, with an intercept and a
slope on each side, triangular kernel of bandwidth 40 around the cut 100.5, and the HC0
sandwich. The delta method over the two local linear jumps gives the same estimate and
standard error.

    benches/.venv/bin/python benches/rd_fuzzy_numpy.py
"""

import numpy as np

x = np.arange(1, 201, dtype=float)
i = np.arange(200)
noise = ((i * 7919) % 17) / 17.0 - 0.5
treated = np.where((i < 100) & (i % 5 < 3), 1.0, 0.0)
y = 1.0 + 0.02 * x + noise + 4.0 * treated + 0.3 * np.sin(i)

cut, bandwidth = 100.5, 40.0
weight = 1 - np.abs((x - cut) / bandwidth)
inside = weight > 0
dx = (x - cut)[inside]
below = (x < cut)[inside].astype(float)
w = weight[inside]
one = np.ones_like(dx)
regressors = np.column_stack([one, treated[inside], dx, dx * below])
instruments = np.column_stack([one, below, dx, dx * below])

bread = instruments.T @ (w[:, None] * regressors)
beta = np.linalg.solve(bread, instruments.T @ (w * y[inside]))
residual = y[inside] - regressors @ beta
scores = instruments * (w * residual)[:, None]
inverse = np.linalg.inv(bread)
variance = inverse @ (scores.T @ scores) @ inverse.T
print(f"effect {beta[1]:.12f}  standard error {np.sqrt(variance[1, 1]):.12f}")
