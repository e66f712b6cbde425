//! Sobol first-order and total indices from an N(d + 2) design, with bootstrap intervals.
//!
//! Runs: matrices A and B (N rows each) and, for each input i, AB_i = A with input i taken
//! from B. With V the variance of the outputs of A and B together (METHODS.md section 6):
//! first order `S_i = mean(y_B (y_ABi - y_A)) / V` (Saltelli 2010) and total
//! `ST_i = sum((y_A - y_ABi)^2) / (2 N V)` (Jansen). Intervals are bootstrap percentiles
//! over resampled rows of the design; the resampling is seeded, so reproducible.

use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;

/// Indices of one input, with bootstrap percentile intervals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SobolIndex {
    pub first_order: f64,
    pub first_order_low: f64,
    pub first_order_high: f64,
    pub total: f64,
    pub total_low: f64,
    pub total_high: f64,
}

/// Outputs of the design runs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Design {
    pub y_a: Vec<f64>,
    pub y_b: Vec<f64>,
    /// One vector per input.
    pub y_ab: Vec<Vec<f64>>,
}

/// Point estimates (first order, total) per input over the rows `rows`.
fn estimate(d: &Design, rows: &[usize], out: &mut Vec<(f64, f64)>) {
    out.clear();
    let n = rows.len() as f64;
    let mut sum = 0.0;
    let mut sum_sq = 0.0;
    for &j in rows {
        for y in [d.y_a[j], d.y_b[j]] {
            sum += y;
            sum_sq += y * y;
        }
    }
    let mean = sum / (2.0 * n);
    let var = (sum_sq / (2.0 * n) - mean * mean).max(0.0);
    for y_ab in &d.y_ab {
        if var <= f64::EPSILON * mean.abs().max(1.0) {
            // The output does not vary: no input explains anything.
            out.push((0.0, 0.0));
            continue;
        }
        let mut first = 0.0;
        let mut total = 0.0;
        for &j in rows {
            first += d.y_b[j] * (y_ab[j] - d.y_a[j]);
            let diff = d.y_a[j] - y_ab[j];
            total += diff * diff;
        }
        out.push((first / (n * var), total / (2.0 * n * var)));
    }
}

/// Sobol indices of each input with `bootstrap` replicates for `confidence` intervals.
///
/// # Panics
/// When the design's vectors differ in length or are empty.
pub fn sobol_indices(d: &Design, bootstrap: usize, confidence: f64, seed: u64) -> Vec<SobolIndex> {
    let n = d.y_a.len();
    assert!(n > 0 && d.y_b.len() == n && d.y_ab.iter().all(|v| v.len() == n));
    let all: Vec<usize> = (0..n).collect();
    let mut point = Vec::new();
    estimate(d, &all, &mut point);
    let inputs = d.y_ab.len();
    let mut firsts = vec![Vec::with_capacity(bootstrap); inputs];
    let mut totals = vec![Vec::with_capacity(bootstrap); inputs];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut rows = vec![0usize; n];
    let mut rep = Vec::new();
    for _ in 0..bootstrap {
        for r in rows.iter_mut() {
            *r = rng.random_range(0..n);
        }
        estimate(d, &rows, &mut rep);
        for (i, &(f, t)) in rep.iter().enumerate() {
            firsts[i].push(f);
            totals[i].push(t);
        }
    }
    let tail = (1.0 - confidence) / 2.0;
    (0..inputs)
        .map(|i| {
            let (fl, fh) = percentiles(&mut firsts[i], tail);
            let (tl, th) = percentiles(&mut totals[i], tail);
            SobolIndex {
                first_order: point[i].0,
                first_order_low: fl,
                first_order_high: fh,
                total: point[i].1,
                total_low: tl,
                total_high: th,
            }
        })
        .collect()
}

/// The `tail` and `1 - tail` type-1 percentiles (NaN when there are no replicates).
fn percentiles(v: &mut [f64], tail: f64) -> (f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    v.sort_unstable_by(f64::total_cmp);
    let at = |p: f64| v[((p * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    (at(tail), at(1.0 - tail))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    /// Runs the design on `f` with independent uniform inputs in [-pi, pi].
    fn design(f: impl Fn(&[f64]) -> f64, d: usize, n: usize, seed: u64) -> Design {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut draw = || -> Vec<f64> { (0..d).map(|_| rng.random_range(-PI..PI)).collect() };
        let a: Vec<Vec<f64>> = (0..n).map(|_| draw()).collect();
        let b: Vec<Vec<f64>> = (0..n).map(|_| draw()).collect();
        let y_ab = (0..d)
            .map(|i| {
                (0..n)
                    .map(|j| {
                        let mut x = a[j].clone();
                        x[i] = b[j][i];
                        f(&x)
                    })
                    .collect()
            })
            .collect();
        Design {
            y_a: a.iter().map(|x| f(x)).collect(),
            y_b: b.iter().map(|x| f(x)).collect(),
            y_ab,
        }
    }

    #[test]
    fn ishigami_known_indices() {
        // Ishigami with a = 7, b = 0.1: S = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437).
        let f = |x: &[f64]| x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin();
        let d = design(f, 3, 20_000, 11);
        let s = sobol_indices(&d, 100, 0.95, 5);
        let expect_first = [0.3139, 0.4424, 0.0];
        let expect_total = [0.5576, 0.4424, 0.2437];
        for i in 0..3 {
            assert!(
                (s[i].first_order - expect_first[i]).abs() < 0.03,
                "S{i} = {:?}",
                s[i]
            );
            assert!(
                (s[i].total - expect_total[i]).abs() < 0.03,
                "ST{i} = {:?}",
                s[i]
            );
            assert!(s[i].first_order_low <= s[i].first_order_high);
            assert!(s[i].total_low <= s[i].total + 0.02 && s[i].total_high >= s[i].total - 0.02);
        }
    }

    #[test]
    fn linear_model_indices_are_variance_shares() {
        // y = 1 x0 + 2 x1 + 0 x2 with iid inputs: S_i = ST_i = c_i^2 / sum c^2 = (0.2, 0.8, 0).
        let d = design(|x| x[0] + 2.0 * x[1], 3, 20_000, 3);
        let s = sobol_indices(&d, 50, 0.9, 1);
        for (i, want) in [0.2, 0.8, 0.0].into_iter().enumerate() {
            assert!((s[i].first_order - want).abs() < 0.03, "{:?}", s[i]);
            assert!((s[i].total - want).abs() < 0.03, "{:?}", s[i]);
        }
    }

    #[test]
    fn constant_output_gives_zero_indices() {
        let d = design(|_| 4.0, 2, 50, 3);
        let s = sobol_indices(&d, 40, 0.95, 1);
        assert!(
            s.iter()
                .all(|x| x.first_order == 0.0 && x.total == 0.0 && x.total_high == 0.0)
        );
    }

    #[test]
    fn bootstrap_is_reproducible() {
        let d = design(|x| x[0] * x[1], 2, 200, 9);
        assert_eq!(
            sobol_indices(&d, 60, 0.95, 4),
            sobol_indices(&d, 60, 0.95, 4)
        );
    }
}
