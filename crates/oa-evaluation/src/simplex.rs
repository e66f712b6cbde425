//! Weights on the simplex (>= 0, summing to 1) that make a weighted sum of columns match a
//! target: the heart of synthetic control and synthetic DiD.
//!
//! - [`frank_wolfe`]: synthdid's solver (`sc.weight.fw`): Frank-Wolfe with exact line
//!   search on `zeta^2 ||x||^2 + ||A x - b||^2 / rows`, optional centring of every column
//!   (an intercept), stopped when an iteration lowers the objective by less than
//!   `min_decrease^2` or after `max_iter` iterations. The gradient is kept up to date in
//!   O(rows + cols) per iteration (exact rank-one updates, refreshed every
//!   [`REFRESH`] iterations against rounding) instead of R's O(rows x cols) products;
//!   the iterates are the same up to rounding.
//! - [`simplex_least_squares`]: the exact minimiser of `||A x - b||^2` on the simplex by an
//!   active-set method (Lawson and Hanson's NNLS with the sum-to-one constraint kept in
//!   each subproblem), for Abadie-Diamond-Hainmueller synthetic control. The solution has
//!   at most `rows + 1` non-zero weights; the method stops when the KKT conditions hold.

/// Matrix in row-major order.
#[derive(Debug, Clone, PartialEq)]
pub struct Matrix {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f64>,
}

impl Matrix {
    pub fn new(rows: usize, cols: usize, data: Vec<f64>) -> Matrix {
        assert_eq!(data.len(), rows * cols, "matrix shape");
        Matrix { rows, cols, data }
    }

    pub fn zeros(rows: usize, cols: usize) -> Matrix {
        Matrix::new(rows, cols, vec![0.0; rows * cols])
    }

    #[inline]
    pub fn at(&self, r: usize, c: usize) -> f64 {
        self.data[r * self.cols + c]
    }

    #[inline]
    pub fn set(&mut self, r: usize, c: usize, v: f64) {
        self.data[r * self.cols + c] = v;
    }

    pub fn row(&self, r: usize) -> &[f64] {
        &self.data[r * self.cols..(r + 1) * self.cols]
    }

    pub fn transpose(&self) -> Matrix {
        let mut t = Matrix::zeros(self.cols, self.rows);
        for r in 0..self.rows {
            for c in 0..self.cols {
                t.data[c * self.rows + r] = self.data[r * self.cols + c];
            }
        }
        t
    }
}

/// How often the Frank-Wolfe state is recomputed from scratch.
pub const REFRESH: usize = 64;

/// Options of one Frank-Wolfe solve (synthdid's `sc.weight.fw` arguments).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FwOptions {
    pub zeta: f64,
    pub intercept: bool,
    pub min_decrease: f64,
    pub max_iter: usize,
}

/// Frank-Wolfe for `zeta^2 ||x||^2 + ||A x - b||^2 / rows` on the simplex, where `y` is
/// `[A | b]` (`rows x (k + 1)`). Starts from `init` (default uniform). Returns the weights
/// and the number of iterations.
pub fn frank_wolfe(y: &Matrix, init: Option<&[f64]>, opt: FwOptions) -> (Vec<f64>, usize) {
    let (n, k) = (y.rows, y.cols - 1);
    // Columns of A (col-major, centred when asked) and b.
    let mut a = vec![0.0; n * k];
    let mut b = vec![0.0; n];
    for j in 0..=k {
        let mean = if opt.intercept {
            (0..n).map(|i| y.at(i, j)).sum::<f64>() / n as f64
        } else {
            0.0
        };
        for i in 0..n {
            let v = y.at(i, j) - mean;
            if j < k {
                a[j * n + i] = v;
            } else {
                b[i] = v;
            }
        }
    }
    let col = |j: usize| &a[j * n..(j + 1) * n];
    let dot = |p: &[f64], q: &[f64]| p.iter().zip(q).map(|(x, y)| x * y).sum::<f64>();
    // Gram matrix and A'b.
    let mut gram = vec![0.0; k * k];
    for i in 0..k {
        for j in i..k {
            let v = dot(col(i), col(j));
            gram[i * k + j] = v;
            gram[j * k + i] = v;
        }
    }
    let atb: Vec<f64> = (0..k).map(|j| dot(col(j), &b)).collect();
    let z2 = opt.zeta * opt.zeta;
    let eta = n as f64 * z2;
    let mut x: Vec<f64> = match init {
        Some(v) => v.to_vec(),
        None => vec![1.0 / k as f64; k],
    };
    // State kept between iterations: ax = A x, gx = A'A x, and from the last pass over
    // the weights the half gradient's smallest entry (best, best_g), hg . x and x . x.
    let mut ax = vec![0.0; n];
    let mut gx = vec![0.0; k];
    let refresh = |x: &[f64], ax: &mut [f64], gx: &mut [f64]| {
        ax.iter_mut().for_each(|v| *v = 0.0);
        for (j, &xj) in x.iter().enumerate() {
            if xj != 0.0 {
                for (v, c) in ax.iter_mut().zip(col(j)) {
                    *v += xj * c;
                }
            }
        }
        for (i, g) in gx.iter_mut().enumerate() {
            *g = dot(&gram[i * k..(i + 1) * k], x);
        }
    };
    // The half gradient A'(Ax - b) + eta x into `hg`, then its argmin (first on ties, as
    // R's which.min), hg . x and x . x (with four partial sums: these loops are the cost
    // of every iteration).
    let mut hg = vec![0.0; k];
    let fill = |hg: &mut [f64], x: &[f64], gx: &[f64]| {
        for j in 0..k {
            hg[j] = gx[j] - atb[j] + eta * x[j];
        }
    };
    let scan = |hg: &[f64], x: &[f64]| {
        let (mut best, mut best_g) = (0, f64::INFINITY);
        for (j, &h) in hg.iter().enumerate() {
            if h < best_g {
                best_g = h;
                best = j;
            }
        }
        (best, best_g, dot4(hg, x), dot4(x, x))
    };
    refresh(&x, &mut ax, &mut gx);
    fill(&mut hg, &x, &gx);
    let (mut best, mut best_g, mut hg_x, mut xx) = scan(&hg, &x);
    let threshold = opt.min_decrease * opt.min_decrease;
    let (mut previous, mut current) = (f64::NAN, f64::NAN);
    let mut t = 0;
    while t < opt.max_iter && (t < 2 || previous - current > threshold) {
        t += 1;
        if t % REFRESH == 0 {
            refresh(&x, &mut ax, &mut gx);
            fill(&mut hg, &x, &gx);
            (best, best_g, hg_x, xx) = scan(&hg, &x);
        }
        let i = best;
        // At the vertex e_i the direction is 0 and x stays (R's `all(d.x == 0)`).
        let at_vertex = x[i] == 1.0 && x.iter().enumerate().all(|(j, &v)| j == i || v == 0.0);
        let err;
        if at_vertex {
            err = sq_dist4(&ax, &b);
        } else {
            // d = e_i - x; step = -hg.d / (||A d||^2 + eta ||d||^2)
            let numerator = -(best_g - hg_x);
            let ci = col(i);
            let derr = sq_dist4(ci, &ax);
            let dd = xx - 2.0 * x[i] + 1.0;
            // 0/0 (every direction flat, e.g. identical centred columns and no ridge) is
            // no step, where R would carry NaN into the weights.
            let step = numerator / (derr + eta * dd);
            let s = if step.is_nan() {
                0.0
            } else {
                step.clamp(0.0, 1.0)
            };
            // x + s d (d_j = -x_j, d_i = 1 - x_i), A'A x by the same step, then the
            // next half gradient.
            let gi = &gram[i * k..(i + 1) * k];
            for j in 0..k {
                x[j] -= s * x[j];
                gx[j] += s * (gi[j] - gx[j]);
            }
            x[i] += s;
            fill(&mut hg, &x, &gx);
            (best, best_g, hg_x, xx) = scan(&hg, &x);
            for (v, c) in ax.iter_mut().zip(ci) {
                *v += s * (c - *v);
            }
            err = sq_dist4(&ax, &b);
        }
        previous = current;
        current = z2 * xx + err / n as f64;
    }
    (x, t)
}

/// `p . q` with four partial sums (independent chains the processor can overlap).
fn dot4(p: &[f64], q: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (pc, qc) = (p.chunks_exact(4), q.chunks_exact(4));
    let (pr, qr) = (pc.remainder(), qc.remainder());
    for (a, b) in pc.zip(qc) {
        for l in 0..4 {
            acc[l] += a[l] * b[l];
        }
    }
    let tail: f64 = pr.iter().zip(qr).map(|(a, b)| a * b).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// `||p - q||^2` with four partial sums.
fn sq_dist4(p: &[f64], q: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let (pc, qc) = (p.chunks_exact(4), q.chunks_exact(4));
    let (pr, qr) = (pc.remainder(), qc.remainder());
    for (a, b) in pc.zip(qc) {
        for l in 0..4 {
            let d = a[l] - b[l];
            acc[l] += d * d;
        }
    }
    let tail: f64 = pr.iter().zip(qr).map(|(a, b)| (a - b) * (a - b)).sum();
    (acc[0] + acc[1]) + (acc[2] + acc[3]) + tail
}

/// synthdid's sparsification: weights at most a quarter of the largest become 0, and the
/// rest are rescaled to sum to 1.
pub fn sparsify(v: &[f64]) -> Vec<f64> {
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let kept: Vec<f64> = v
        .iter()
        .map(|&x| if x <= max / 4.0 { 0.0 } else { x })
        .collect();
    let sum: f64 = kept.iter().sum();
    kept.iter().map(|x| x / sum).collect()
}

/// `x / sum(x)`, or uniform weights when the sum is 0 (synthdid's `sum_normalize`).
pub fn sum_normalize(x: &[f64]) -> Vec<f64> {
    let s: f64 = x.iter().sum();
    if s != 0.0 {
        x.iter().map(|v| v / s).collect()
    } else {
        vec![1.0 / x.len() as f64; x.len()]
    }
}

/// The minimiser of `||A w - b||^2` over `w >= 0, sum(w) = 1` (`a`: `rows x cols`, one
/// column per candidate). Deterministic: ties go to the lower column index.
pub fn simplex_least_squares(a: &Matrix, b: &[f64]) -> Vec<f64> {
    let (m, n) = (a.rows, a.cols);
    assert_eq!(b.len(), m);
    if n == 1 {
        return vec![1.0];
    }
    let column = |j: usize| (0..m).map(move |i| a.at(i, j));
    let scale = (a.data.iter().map(|v| v * v).sum::<f64>() / n as f64).max(f64::MIN_POSITIVE);
    let tol = 1e-11 * scale.max(b.iter().map(|v| v * v).sum::<f64>());
    // Start at the single best column.
    let best = (0..n)
        .map(|j| {
            let d: f64 = column(j).zip(b).map(|(x, y)| (x - y) * (x - y)).sum();
            (d, j)
        })
        .fold(
            (f64::INFINITY, 0),
            |acc, c| if c.0 < acc.0 { c } else { acc },
        );
    let mut w = vec![0.0; n];
    w[best.1] = 1.0;
    let mut passive: Vec<usize> = vec![best.1];
    let mut residual = vec![0.0; m];
    let mut gradient = vec![0.0; n];
    let max_outer = 4 * n + 20;
    for _ in 0..max_outer {
        // r = A w - b; g = A'r
        for (i, r) in residual.iter_mut().enumerate() {
            *r = passive.iter().map(|&j| a.at(i, j) * w[j]).sum::<f64>() - b[i];
        }
        for (j, g) in gradient.iter_mut().enumerate() {
            *g = column(j).zip(&residual).map(|(x, r)| x * r).sum();
        }
        let level = passive.iter().map(|&j| gradient[j]).sum::<f64>() / passive.len() as f64;
        // Candidates in order of most negative reduced gradient.
        let mut candidates: Vec<(f64, usize)> = (0..n)
            .filter(|j| !passive.contains(j))
            .map(|j| (gradient[j] - level, j))
            .filter(|(d, _)| *d < -tol)
            .collect();
        candidates.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
        let mut improved = false;
        for &(_, j) in &candidates {
            let mut trial = passive.clone();
            trial.push(j);
            let mut wt = w.clone();
            if inner_loop(a, b, &mut trial, &mut wt, j) == Some(true) {
                passive = trial;
                w = wt;
                improved = true;
                break;
            }
        }
        if !improved {
            break;
        }
    }
    // Clean rounding: exact zeros outside the passive set, renormalised.
    let sum: f64 = w.iter().map(|v| v.max(0.0)).sum();
    w.iter().map(|v| v.max(0.0) / sum).collect()
}

/// Lawson-Hanson inner loop after `entering` joined `passive`: solves the equality-
/// constrained subproblem and steps back towards feasibility. `Some(true)` when the new
/// column kept a positive weight; `Some(false)`/`None` when it could not enter.
fn inner_loop(
    a: &Matrix,
    b: &[f64],
    passive: &mut Vec<usize>,
    w: &mut [f64],
    entering: usize,
) -> Option<bool> {
    for _ in 0..=(2 * passive.len() + 4) {
        let z = constrained_solve(a, b, passive)?;
        if passive.iter().zip(&z).all(|(_, &v)| v > 0.0) {
            for (&j, &v) in passive.iter().zip(&z) {
                w[j] = v;
            }
            return Some(passive.contains(&entering));
        }
        // Step from w towards z until the first weight reaches 0.
        let mut alpha = 1.0f64;
        for (&j, &v) in passive.iter().zip(&z) {
            if v <= 0.0 {
                let denom = w[j] - v;
                let t = if denom > 0.0 { w[j] / denom } else { 0.0 };
                alpha = alpha.min(t);
            }
        }
        for (&j, &v) in passive.iter().zip(&z) {
            w[j] += alpha * (v - w[j]);
        }
        let before = passive.len();
        passive.retain(|&j| w[j] > 1e-14);
        for (j, v) in w.iter_mut().enumerate() {
            if !passive.contains(&j) {
                *v = 0.0;
            }
        }
        if !passive.contains(&entering) {
            return Some(false);
        }
        if passive.len() == before {
            return None;
        }
        if passive.is_empty() {
            return None;
        }
    }
    None
}

/// `argmin ||A_P z - b||^2` subject to `sum z = 1`, by the KKT system; `None` when singular.
fn constrained_solve(a: &Matrix, b: &[f64], passive: &[usize]) -> Option<Vec<f64>> {
    let p = passive.len();
    let dim = p + 1;
    let mut k = vec![0.0; dim * (dim + 1)];
    let w = dim + 1;
    for (r, &i) in passive.iter().enumerate() {
        for (c, &j) in passive.iter().enumerate() {
            k[r * w + c] = (0..a.rows).map(|t| a.at(t, i) * a.at(t, j)).sum();
        }
        k[r * w + p] = 1.0;
        k[r * w + dim] = (0..a.rows).map(|t| a.at(t, i) * b[t]).sum();
        k[p * w + r] = 1.0;
    }
    k[p * w + dim] = 1.0;
    let x = solve_augmented(&mut k, dim)?;
    Some(x[..p].to_vec())
}

/// Gaussian elimination with partial pivoting on an augmented `dim x (dim + 1)` system.
pub(crate) fn solve_augmented(k: &mut [f64], dim: usize) -> Option<Vec<f64>> {
    let w = dim + 1;
    let norm = k
        .iter()
        .map(|v| v.abs())
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    for col in 0..dim {
        let pivot = (col..dim)
            .max_by(|&x, &y| k[x * w + col].abs().total_cmp(&k[y * w + col].abs()))
            .expect("non-empty");
        if k[pivot * w + col].abs() <= 1e-13 * norm {
            return None;
        }
        if pivot != col {
            for c in 0..w {
                k.swap(col * w + c, pivot * w + c);
            }
        }
        for r in 0..dim {
            if r != col {
                let f = k[r * w + col] / k[col * w + col];
                if f != 0.0 {
                    for c in col..w {
                        k[r * w + c] -= f * k[col * w + c];
                    }
                }
            }
        }
    }
    Some((0..dim).map(|r| k[r * w + dim] / k[r * w + r]).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn brute_objective(a: &Matrix, b: &[f64], w: &[f64]) -> f64 {
        (0..a.rows)
            .map(|i| {
                let p: f64 = (0..a.cols).map(|j| a.at(i, j) * w[j]).sum();
                (p - b[i]) * (p - b[i])
            })
            .sum()
    }

    #[test]
    fn a_point_inside_the_hull_is_matched_exactly() {
        // Columns (0,0), (2,0), (0,2); target (0.5, 0.5).
        let a = Matrix::new(2, 3, vec![0.0, 2.0, 0.0, 0.0, 0.0, 2.0]);
        let w = simplex_least_squares(&a, &[0.5, 0.5]);
        assert!(brute_objective(&a, &[0.5, 0.5], &w) < 1e-20, "{w:?}");
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((w[1] - 0.25).abs() < 1e-12 && (w[2] - 0.25).abs() < 1e-12);
    }

    #[test]
    fn a_point_outside_is_projected_onto_the_nearest_face() {
        let a = Matrix::new(2, 3, vec![0.0, 2.0, 0.0, 0.0, 0.0, 2.0]);
        let w = simplex_least_squares(&a, &[3.0, 3.0]);
        // Nearest point of the triangle to (3,3) is (1,1) on the edge between (2,0), (0,2).
        assert!((w[0]).abs() < 1e-12 && (w[1] - 0.5).abs() < 1e-12, "{w:?}");
    }

    #[test]
    fn sparsify_keeps_the_large_weights() {
        let s = sparsify(&[0.5, 0.1, 0.4]);
        assert_eq!(s[1], 0.0);
        assert!((s[0] - 5.0 / 9.0).abs() < 1e-15);
        assert_eq!(sum_normalize(&[0.0, 0.0]), vec![0.5, 0.5]);
    }

    proptest! {
        /// The active-set solution is feasible and no worse than a fine Frank-Wolfe run or
        /// any vertex (the optimum of a convex problem).
        #[test]
        fn active_set_is_optimal(
            m in 1usize..5, n in 1usize..9,
            seed in proptest::collection::vec(-5.0f64..5.0, 60),
        ) {
            let a = Matrix::new(m, n, seed[..m * n].to_vec());
            let b: Vec<f64> = seed[40..40 + m].to_vec();
            let w = simplex_least_squares(&a, &b);
            prop_assert!(w.iter().all(|&v| v >= 0.0));
            prop_assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-9);
            let f = brute_objective(&a, &b, &w);
            let mut y = Matrix::zeros(m, n + 1);
            for (i, bi) in b.iter().enumerate() {
                for j in 0..n { y.set(i, j, a.at(i, j)); }
                y.set(i, n, *bi);
            }
            let (fw, _) = frank_wolfe(&y, None, FwOptions { zeta: 0.0, intercept: false, min_decrease: 0.0, max_iter: 20_000 });
            prop_assert!(f <= brute_objective(&a, &b, &fw) + 1e-7 * (1.0 + f));
            for j in 0..n {
                let mut e = vec![0.0; n];
                e[j] = 1.0;
                prop_assert!(f <= brute_objective(&a, &b, &e) + 1e-9 * (1.0 + f));
            }
        }

        /// Frank-Wolfe keeps its iterates on the simplex.
        #[test]
        fn frank_wolfe_stays_on_the_simplex(
            m in 1usize..6, n in 2usize..8,
            seed in proptest::collection::vec(-5.0f64..5.0, 60),
            zeta in 0.0f64..2.0, intercept: bool,
        ) {
            let y = Matrix::new(m, n, seed[..m * n].to_vec());
            let (w, _) = frank_wolfe(&y, None, FwOptions { zeta, intercept, min_decrease: 1e-6, max_iter: 500 });
            prop_assert!(w.iter().all(|&v| v >= 0.0));
            prop_assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
    }
}
