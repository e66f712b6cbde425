//! Small statistics: means, sample standard deviations, normal quantiles, R's type-1
//! quantile, and seeded random streams that do not depend on the thread count.

use rand::{Rng, RngExt, SeedableRng};
use rand_xoshiro::{SplitMix64, Xoshiro256PlusPlus};
use statrs::distribution::{ContinuousCDF, Normal};

pub fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Sample variance (denominator `n - 1`, as R's `var`); `NaN` below two values.
pub fn sample_variance(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return f64::NAN;
    }
    let m = mean(x);
    x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (x.len() - 1) as f64
}

/// Sample standard deviation (R's `sd`).
pub fn sample_sd(x: &[f64]) -> f64 {
    sample_variance(x).sqrt()
}

fn standard_normal() -> Normal {
    Normal::new(0.0, 1.0).expect("the standard normal exists")
}

/// `Phi^-1(p)`.
pub fn normal_quantile(p: f64) -> f64 {
    standard_normal().inverse_cdf(p)
}

/// `Phi(x)`.
pub fn normal_cdf(x: f64) -> f64 {
    standard_normal().cdf(x)
}

/// Two-sided p-value of `estimate / se` against the standard normal.
pub fn normal_p_value(estimate: f64, se: f64) -> f64 {
    if se.is_nan() || se <= 0.0 || !se.is_finite() || !estimate.is_finite() {
        return f64::NAN;
    }
    2.0 * (1.0 - normal_cdf((estimate / se).abs()))
}

/// The normal interval `estimate -/+ z se` for coverage `level`.
pub fn normal_interval(estimate: f64, se: f64, level: f64) -> (f64, f64) {
    if !se.is_finite() {
        return (f64::NAN, f64::NAN);
    }
    let z = normal_quantile(0.5 + level / 2.0);
    (estimate - z * se, estimate + z * se)
}

/// R's `quantile(x, p, type = 1)`: the inverse of the empirical distribution function
/// (the smallest value with at least `p` of the sample at or below it). `NaN`s are skipped.
pub fn quantile_type1(x: &[f64], p: f64) -> f64 {
    let mut v: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    quantile_type1_sorted(&v, p)
}

/// [`quantile_type1`] of values already sorted ascending (no `NaN`).
pub fn quantile_type1_sorted(v: &[f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    let n = v.len() as f64;
    // R: j = floor(n p + m) with m = 0; g = n p - j; x[j] if g == 0 else x[j + 1] (1-based)
    let np = n * p;
    let j = np.floor();
    let index = if np - j > 4.0 * f64::EPSILON * np.max(1.0) {
        j as usize + 1
    } else {
        j as usize
    };
    v[index.clamp(1, v.len()) - 1]
}

/// The generator of draw `index` of stream `stream` for `seed`: each draw has its own, so
/// results do not depend on how draws are spread over threads. The three numbers are
/// mixed by SplitMix64 steps before seeding.
pub fn generator(seed: u64, stream: u64, index: u64) -> Xoshiro256PlusPlus {
    let step = |x: u64| SplitMix64::seed_from_u64(x).next_u64();
    Xoshiro256PlusPlus::seed_from_u64(step(step(step(seed) ^ stream) ^ index))
}

/// Streams, so that different uses of one seed never share draws.
pub mod stream {
    pub const SDID_PLACEBO: u64 = 1;
    pub const SDID_BOOTSTRAP: u64 = 2;
    pub const CS_BOOTSTRAP: u64 = 3;
    pub const RANDOMISATION: u64 = 4;
    pub const SC_AVERAGE: u64 = 5;
}

/// Fisher-Yates shuffle.
pub fn shuffle<T>(v: &mut [T], rng: &mut Xoshiro256PlusPlus) {
    for i in (1..v.len()).rev() {
        let j = rng.random_range(0..=i);
        v.swap(i, j);
    }
}

/// A uniform index below `n`.
pub fn index_below(n: usize, rng: &mut Xoshiro256PlusPlus) -> usize {
    rng.random_range(0..n)
}

/// 64 random bits.
pub fn bits(rng: &mut Xoshiro256PlusPlus) -> u64 {
    rng.next_u64()
}

/// A uniform number in [0, 1).
pub fn uniform(rng: &mut Xoshiro256PlusPlus) -> f64 {
    rng.random::<f64>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_type1_matches_r() {
        // R: quantile(c(1,2,3,4), c(.25,.5,.75,.9,1), type = 1) = 1 2 3 4 4
        let x = [4.0, 1.0, 3.0, 2.0];
        let got: Vec<f64> = [0.25, 0.5, 0.75, 0.9, 1.0]
            .iter()
            .map(|&p| quantile_type1(&x, p))
            .collect();
        assert_eq!(got, vec![1.0, 2.0, 3.0, 4.0, 4.0]);
        // quantile(1:10, .95, type = 1) = 10
        let y: Vec<f64> = (1..=10).map(f64::from).collect();
        assert_eq!(quantile_type1(&y, 0.95), 10.0);
        assert_eq!(quantile_type1(&y, 0.0), 1.0);
    }

    #[test]
    fn normal_helpers() {
        assert!((normal_quantile(0.975) - 1.959_963_984_540_054).abs() < 1e-9);
        assert!((normal_p_value(1.959_963_984_540_054, 1.0) - 0.05).abs() < 1e-9);
        assert!((sample_sd(&[1.0, 2.0, 3.0, 4.0]) - 1.290_994_448_735_805_6).abs() < 1e-15);
    }
}
