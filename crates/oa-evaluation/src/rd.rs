//! Regression discontinuity at a selection cut: was the outcome different just on the
//! selected side of the line?
//!
//! Local linear regression on each side of the cut `c` with the triangular kernel
//! `K(u) = 1 - |u|` (`u = (x - c) / h`); the effect is the selected side's intercept at
//! `c` minus the other side's. Standard errors are the heteroskedasticity-robust (HC0)
//! sandwich of each side's weighted least squares, added in quadrature; intervals are
//! normal. (This is the conventional local-linear inference, not Calonico, Cattaneo and
//! Titiunik's bias-corrected robust intervals.)
//!
//! The default bandwidth is Imbens and Kalyanaraman's (2012) MSE-optimal one, computed as
//! the R package `rdd`'s `IKbandwidth` does:
//! 1. pilot `h1 = 1.84 sd(x) N^(-1/5)`; the density `f = (N-_h1 + N+_h1) / (2 N h1)` and
//!    the pooled variance of `y` around each side's mean within `h1`;
//! 2. a global cubic with a jump at `c`, fitted between the medians of `x` on each side,
//!    gives the third derivative `m3 = 6 gamma_3`; pilot bandwidths
//!    `h2 = 3.56 (var / (f m3^2))^(1/7) N_side^(-1/7)`; local quadratics within them give
//!    the second derivatives `m2` on each side;
//! 3. regularisation `r = 720 var / (N_h2 h2^4)` per side, and
//!    `h = 3.4375 (2 var / (f ((m2+ - m2-)^2 + r+ + r-)))^(1/5) N^(-1/5)`.
//!
//! A table re-estimates the effect at multiples of that bandwidth.

use crate::error::EvalError;
use crate::simplex::solve_augmented;
use crate::stats::{normal_interval, normal_p_value};

/// Which side of the cut was selected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SelectedSide {
    /// `x < c` was selected (e.g. ranks 1..54 with `c = 54.5`).
    Below,
    /// `x >= c` was selected.
    Above,
}

/// Options of the estimate.
#[derive(Debug, Clone, PartialEq)]
pub struct RdOptions {
    pub cutoff: f64,
    pub selected: SelectedSide,
    /// A bandwidth to use instead of Imbens-Kalyanaraman's.
    pub bandwidth: Option<f64>,
    /// Multiples of the bandwidth for the sensitivity table.
    pub multiples: Vec<f64>,
    pub level: f64,
}

impl RdOptions {
    pub fn new(cutoff: f64, selected: SelectedSide) -> RdOptions {
        RdOptions {
            cutoff,
            selected,
            bandwidth: None,
            multiples: vec![0.5, 0.75, 1.0, 1.5, 2.0],
            level: 0.95,
        }
    }
}

/// The effect at one bandwidth.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RdEstimate {
    pub bandwidth: f64,
    pub estimate: f64,
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p_value: f64,
    /// Observations with positive weight below and at/above the cut.
    pub n_below: usize,
    pub n_above: usize,
}

impl RdEstimate {
    /// (selected side, other side) observation counts.
    pub fn counts(&self, selected: SelectedSide) -> (usize, usize) {
        match selected {
            SelectedSide::Below => (self.n_below, self.n_above),
            SelectedSide::Above => (self.n_above, self.n_below),
        }
    }
}

/// The effect at the chosen bandwidth and the table over bandwidths.
#[derive(Debug, Clone, PartialEq)]
pub struct RdResult {
    pub selected: SelectedSide,
    /// Imbens-Kalyanaraman's bandwidth (also when another was used for `main`).
    pub ik_bandwidth: f64,
    pub main: RdEstimate,
    pub table: Vec<RdEstimate>,
}

/// The discontinuity of `y` at `options.cutoff` along `x`.
pub fn regression_discontinuity(
    x: &[f64],
    y: &[f64],
    options: &RdOptions,
) -> Result<RdResult, EvalError> {
    if x.len() != y.len() {
        return Err(EvalError::invalid(
            "rd",
            format!("{} running values for {} outcomes", x.len(), y.len()),
        ));
    }
    if let Some(i) = (0..x.len()).find(|&i| !x[i].is_finite() || !y[i].is_finite()) {
        return Err(EvalError::invalid(
            "rd",
            format!(
                "observation {} has no running value or outcome; drop it",
                i + 1
            ),
        ));
    }
    let c = options.cutoff;
    let below = x.iter().filter(|&&v| v < c).count();
    if below < 3 || x.len() - below < 3 {
        return Err(EvalError::invalid(
            "rd",
            format!(
                "{below} observations below the cut {c} and {} at or above; each side needs at least 3",
                x.len() - below
            ),
        ));
    }
    let ik = ik_bandwidth(x, y, c)?;
    let h = match options.bandwidth {
        Some(h) if h > 0.0 && h.is_finite() => h,
        Some(h) => {
            return Err(EvalError::invalid(
                "rd",
                format!("bandwidth {h} must be a positive number"),
            ));
        }
        None => ik,
    };
    let main = local_linear(x, y, options, h)?;
    let table = options
        .multiples
        .iter()
        .map(|m| local_linear(x, y, options, m * h))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RdResult {
        selected: options.selected,
        ik_bandwidth: ik,
        main,
        table,
    })
}

/// Weighted least squares of `y` on powers `0..=degree` of `x - c`; returns the
/// coefficients and each point's term of the intercept's HC0 variance: the intercept is
/// `sum_i l_i y_i` with `l_i = w_i (x_i' a0)`, so its variance is `sum_i (l_i e_i)^2`
/// and its covariance with another outcome's intercept on the same points
/// `sum_i (l_i e_i)(l_i f_i)`.
fn wls(points: &[(f64, f64, f64)], degree: usize) -> Option<(Vec<f64>, Vec<f64>)> {
    let dim = degree + 1;
    let mut m = vec![0.0; dim * (dim + 1)];
    for &(d, yv, w) in points {
        let mut powers = vec![1.0; dim];
        for k in 1..dim {
            powers[k] = powers[k - 1] * d;
        }
        for r in 0..dim {
            for col in 0..dim {
                m[r * (dim + 1) + col] += w * powers[r] * powers[col];
            }
            m[r * (dim + 1) + dim] += w * powers[r] * yv;
        }
    }
    let xtwx: Vec<f64> = (0..dim)
        .flat_map(|r| (0..dim).map(move |c| (r, c)))
        .map(|(r, c)| m[r * (dim + 1) + c])
        .collect();
    let beta = solve_augmented(&mut m, dim)?;
    // Row 0 of (X'WX)^-1.
    let mut e = vec![0.0; dim * (dim + 1)];
    for r in 0..dim {
        for col in 0..dim {
            e[r * (dim + 1) + col] = xtwx[r * dim + col];
        }
        e[r * (dim + 1) + dim] = if r == 0 { 1.0 } else { 0.0 };
    }
    let a0 = solve_augmented(&mut e, dim)?;
    let influence = points
        .iter()
        .map(|&(d, yv, w)| {
            let mut p = 1.0;
            let mut fit = 0.0;
            let mut xa = 0.0;
            for k in 0..dim {
                fit += beta[k] * p;
                xa += a0[k] * p;
                p *= d;
            }
            w * (yv - fit) * xa
        })
        .collect();
    Some((beta, influence))
}

/// One side's local linear fit at the cut: its intercept and the intercept's influence
/// terms (see [`wls`]).
struct SideFit {
    intercept: f64,
    influence: Vec<f64>,
}

impl SideFit {
    fn variance(&self) -> f64 {
        self.influence.iter().map(|s| s * s).sum()
    }
}

/// The points of one side of the cut with positive weight: (x - c, outcome, weight).
fn side_points(x: &[f64], y: &[f64], c: f64, h: f64, below: bool) -> Vec<(f64, f64, f64)> {
    x.iter()
        .zip(y)
        .filter(|(xv, _)| (**xv < c) == below)
        .map(|(&xv, &yv)| (xv - c, yv, 1.0 - ((xv - c) / h).abs()))
        .filter(|p| p.2 > 0.0)
        .collect()
}

/// The local linear fits below and at or above the cut at bandwidth `h`, with the
/// points of each side.
fn side_fits(x: &[f64], y: &[f64], c: f64, h: f64) -> Result<[(SideFit, usize); 2], EvalError> {
    let fit = |below: bool| {
        let pts = side_points(x, y, c, h, below);
        let name = if below { "below" } else { "at or above" };
        let distinct = {
            let mut v: Vec<f64> = pts.iter().map(|p| p.0).collect();
            v.sort_by(f64::total_cmp);
            v.dedup();
            v.len()
        };
        if distinct < 2 {
            return Err(EvalError::invalid(
                "rd",
                format!(
                    "bandwidth {h:.4} leaves {} distinct running value(s) {name} the cut; widen it",
                    distinct
                ),
            ));
        }
        let (beta, influence) = wls(&pts, 1).ok_or_else(|| EvalError::Singular {
            what: "rd local linear fit".into(),
            why: format!("{name} the cut"),
        })?;
        Ok((
            SideFit {
                intercept: beta[0],
                influence,
            },
            pts.len(),
        ))
    };
    Ok([fit(true)?, fit(false)?])
}

/// The selected side's value minus the other side's.
fn jump(selected: SelectedSide, below: f64, above: f64) -> f64 {
    match selected {
        SelectedSide::Below => below - above,
        SelectedSide::Above => above - below,
    }
}

/// An estimate with its normal interval and p-value.
fn estimate_at(h: f64, estimate: f64, se: f64, level: f64, n: (usize, usize)) -> RdEstimate {
    let (ci_low, ci_high) = normal_interval(estimate, se, level);
    RdEstimate {
        bandwidth: h,
        estimate,
        se,
        ci_low,
        ci_high,
        p_value: normal_p_value(estimate, se),
        n_below: n.0,
        n_above: n.1,
    }
}

/// The fuzzy-design (Wald) estimate at bandwidth `h`: the jump of `y` at the cut divided
/// by the jump of `treated` (the share treated), both local linear with the same kernel
/// and points. Its standard error is the delta method's over the HC0 variances and the
/// covariance of the two intercepts on each side:
/// `Var = (Var(jump_y) - 2 t Cov(jump_y, jump_d) + t^2 Var(jump_d)) / jump_d^2`
/// (for a sharp design, treatment 0 or 1 by side, the sharp estimate and interval).
///
/// The ratio is unstable when the share treated hardly jumps; the caller decides how
/// large a jump to report it for.
pub fn fuzzy_discontinuity(
    x: &[f64],
    y: &[f64],
    treated: &[f64],
    options: &RdOptions,
    h: f64,
) -> Result<RdEstimate, EvalError> {
    if x.len() != y.len() || x.len() != treated.len() {
        return Err(EvalError::invalid(
            "rd",
            format!(
                "{} running values for {} outcomes and {} treatment values",
                x.len(),
                y.len(),
                treated.len()
            ),
        ));
    }
    let c = options.cutoff;
    let [(yl, nl), (yh, nh)] = side_fits(x, y, c, h)?;
    let [(dl, _), (dh, _)] = side_fits(x, treated, c, h)?;
    let jump_y = jump(options.selected, yl.intercept, yh.intercept);
    let jump_d = jump(options.selected, dl.intercept, dh.intercept);
    // A share jumps by at most 1: a jump this small is no jump, and dividing by it
    // would give an effect and an interval of any size.
    if jump_d.is_nan() || jump_d.abs() < 1e-9 {
        return Err(EvalError::invalid(
            "rd",
            "the share treated does not jump at the cut, so there is no effect of treatment to divide out",
        ));
    }
    let ratio = jump_y / jump_d;
    // The delta method's variance as a sum of squares of each point's term
    // `(l_i e_i - t l_i f_i) / jump_d` (the same points and weights fit both outcomes),
    // which cannot cancel as the expanded form's three terms can.
    let var: f64 = [(&yl, &dl), (&yh, &dh)]
        .iter()
        .flat_map(|(fy, fd)| fy.influence.iter().zip(&fd.influence))
        .map(|(iy, id)| ((iy - ratio * id) / jump_d).powi(2))
        .sum();
    Ok(estimate_at(h, ratio, var.sqrt(), options.level, (nl, nh)))
}

fn local_linear(
    x: &[f64],
    y: &[f64],
    options: &RdOptions,
    h: f64,
) -> Result<RdEstimate, EvalError> {
    let [(below, nl), (above, nh)] = side_fits(x, y, options.cutoff, h)?;
    let estimate = jump(options.selected, below.intercept, above.intercept);
    let se = (below.variance() + above.variance()).sqrt();
    Ok(estimate_at(h, estimate, se, options.level, (nl, nh)))
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Imbens and Kalyanaraman's bandwidth (see the module documentation).
pub fn ik_bandwidth(x: &[f64], y: &[f64], c: f64) -> Result<f64, EvalError> {
    let n = x.len() as f64;
    let sd = crate::stats::sample_sd(x);
    let h1 = 1.84 * sd * n.powf(-0.2);
    let within = |lo: f64, hi: f64, below: bool| -> Vec<(f64, f64)> {
        x.iter()
            .zip(y)
            .filter(|(xv, _)| {
                if below {
                    **xv >= lo && **xv < c
                } else {
                    **xv >= c && **xv <= hi
                }
            })
            .map(|(a, b)| (*a, *b))
            .collect()
    };
    let (l1, r1) = (within(c - h1, c, true), within(c, c + h1, false));
    if l1.is_empty() || r1.is_empty() {
        return Err(EvalError::invalid(
            "rd bandwidth",
            "the pilot window holds no observation on one side of the cut; give a bandwidth",
        ));
    }
    let mean = |p: &[(f64, f64)]| p.iter().map(|q| q.1).sum::<f64>() / p.len() as f64;
    let (ml, mr) = (mean(&l1), mean(&r1));
    let f = (l1.len() + r1.len()) as f64 / (2.0 * n * h1);
    let var = (l1.iter().map(|q| (q.1 - ml).powi(2)).sum::<f64>()
        + r1.iter().map(|q| (q.1 - mr).powi(2)).sum::<f64>())
        / (l1.len() + r1.len()) as f64;
    // Global cubic with a jump, between the medians of each side.
    let med_l = median(&mut x.iter().copied().filter(|&v| v < c).collect::<Vec<_>>());
    let med_r = median(&mut x.iter().copied().filter(|&v| v >= c).collect::<Vec<_>>());
    let cubic: Vec<(f64, f64)> = x
        .iter()
        .zip(y)
        .filter(|(xv, _)| **xv >= med_l && **xv <= med_r)
        .map(|(a, b)| (*a, *b))
        .collect();
    let dim = 5;
    let mut m = vec![0.0; dim * (dim + 1)];
    for &(xv, yv) in &cubic {
        let d = xv - c;
        let row = [1.0, f64::from(u8::from(xv >= c)), d, d * d, d * d * d];
        for r in 0..dim {
            for col in 0..dim {
                m[r * (dim + 1) + col] += row[r] * row[col];
            }
            m[r * (dim + 1) + dim] += row[r] * yv;
        }
    }
    let gamma = solve_augmented(&mut m, dim).ok_or_else(|| EvalError::Singular {
        what: "rd bandwidth (global cubic)".into(),
        why: "too few distinct running values between the medians".into(),
    })?;
    let m3 = 6.0 * gamma[4];
    let n_l = x.iter().filter(|&&v| v < c).count() as f64;
    let n_r = n - n_l;
    let base = (var / (f * m3 * m3)).powf(1.0 / 7.0);
    let (h2l, h2r) = (
        3.56 * base * n_l.powf(-1.0 / 7.0),
        3.56 * base * n_r.powf(-1.0 / 7.0),
    );
    let second = |pts: Vec<(f64, f64)>| -> Option<(f64, usize)> {
        let w: Vec<(f64, f64, f64)> = pts.iter().map(|&(a, b)| (a - c, b, 1.0)).collect();
        let (beta, _) = wls(&w, 2)?;
        Some((2.0 * beta[2], pts.len()))
    };
    let (m2l, nl2) = second(within(c - h2l, c, true)).ok_or_else(|| EvalError::Singular {
        what: "rd bandwidth (local quadratic below the cut)".into(),
        why: "fewer than three distinct running values".into(),
    })?;
    let (m2r, nr2) = second(within(c, c + h2r, false)).ok_or_else(|| EvalError::Singular {
        what: "rd bandwidth (local quadratic above the cut)".into(),
        why: "fewer than three distinct running values".into(),
    })?;
    let rl = 720.0 * var / (nl2 as f64 * h2l.powi(4));
    let rr = 720.0 * var / (nr2 as f64 * h2r.powi(4));
    let h = 3.4375 * (2.0 * var / (f * ((m2r - m2l).powi(2) + rr + rl))).powf(0.2) * n.powf(-0.2);
    if !(h > 0.0 && h.is_finite()) {
        return Err(EvalError::invalid(
            "rd bandwidth",
            "the Imbens-Kalyanaraman bandwidth is not a positive number for these data; give a bandwidth",
        ));
    }
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jump_on_a_line_is_recovered_exactly() {
        let x: Vec<f64> = (1..=200).map(f64::from).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|&v| 2.0 + 0.05 * v + if v < 100.5 { 3.0 } else { 0.0 })
            .collect();
        let mut o = RdOptions::new(100.5, SelectedSide::Below);
        o.bandwidth = Some(30.0);
        let r = regression_discontinuity(&x, &y, &o).unwrap();
        assert!((r.main.estimate - 3.0).abs() < 1e-9, "{:?}", r.main);
        assert!(r.main.se < 1e-9);
        for row in &r.table {
            assert!((row.estimate - 3.0).abs() < 1e-9);
        }
        assert_eq!(r.table.len(), 5);
    }

    /// 200 units along x, the lower 100 inside the cut; some noise on y.
    fn units() -> (Vec<f64>, Vec<f64>) {
        let x: Vec<f64> = (1..=200).map(f64::from).collect();
        let noise = |i: usize| ((i * 7919) % 17) as f64 / 17.0 - 0.5;
        let y = x
            .iter()
            .enumerate()
            .map(|(i, &v)| 1.0 + 0.02 * v + noise(i))
            .collect();
        (x, y)
    }

    /// Inside the cut 3 units in 5 are treated, outside none.
    fn three_in_five_inside() -> Vec<f64> {
        (0..200)
            .map(|i| if i < 100 && i % 5 < 3 { 1.0 } else { 0.0 })
            .collect()
    }

    #[test]
    fn a_fuzzy_effect_is_the_outcome_jump_over_the_treatment_jump() {
        // Treatment adds 4 to y.
        let (x, base) = units();
        let treated = three_in_five_inside();
        let y: Vec<f64> = base
            .iter()
            .zip(&treated)
            .map(|(b, d)| b + 4.0 * d)
            .collect();
        let mut o = RdOptions::new(100.5, SelectedSide::Below);
        o.bandwidth = Some(40.0);
        let sharp = regression_discontinuity(&x, &y, &o).unwrap().main;
        let share = regression_discontinuity(&x, &treated, &o).unwrap().main;
        let f = fuzzy_discontinuity(&x, &y, &treated, &o, 40.0).unwrap();
        assert!((f.estimate - sharp.estimate / share.estimate).abs() < 1e-12);
        assert!(f.se > 0.0 && f.ci_low < f.estimate && f.estimate < f.ci_high);
        assert_eq!((f.n_below, f.n_above), (sharp.n_below, sharp.n_above));
        // y exactly 4 x treatment plus a line: the ratio is 4 and nothing is uncertain,
        // which only holds when the covariance of the two jumps is taken into account.
        let exact: Vec<f64> = x
            .iter()
            .zip(&treated)
            .map(|(v, d)| 0.5 * v + 4.0 * d)
            .collect();
        let f = fuzzy_discontinuity(&x, &exact, &treated, &o, 40.0).unwrap();
        assert!((f.estimate - 4.0).abs() < 1e-9, "{f:?}");
        assert!(f.se < 1e-9, "{f:?}");
    }

    #[test]
    fn the_fuzzy_interval_is_that_of_weighted_two_stage_least_squares() {
        // benches/rd_fuzzy_numpy.py: the same data through kernel-weighted 2SLS of y on
        // treatment, instrumented by the side of the cut, with side-specific slopes and
        // the HC0 sandwich, in numpy.
        let (x, base) = units();
        let treated = three_in_five_inside();
        let y: Vec<f64> = (0..200)
            .map(|i| base[i] + 4.0 * treated[i] + 0.3 * (i as f64).sin())
            .collect();
        let mut o = RdOptions::new(100.5, SelectedSide::Below);
        o.bandwidth = Some(40.0);
        let f = fuzzy_discontinuity(&x, &y, &treated, &o, 40.0).unwrap();
        assert!((f.estimate - 4.113225772426).abs() < 1e-9, "{f:?}");
        assert!((f.se - 0.281601635709).abs() < 1e-9, "{f:?}");
    }

    #[test]
    fn a_sharp_design_gives_the_sharp_estimate_and_interval() {
        let (x, y) = units();
        let treated: Vec<f64> = (0..200).map(|i| if i < 100 { 1.0 } else { 0.0 }).collect();
        let mut o = RdOptions::new(100.5, SelectedSide::Below);
        o.bandwidth = Some(40.0);
        let sharp = regression_discontinuity(&x, &y, &o).unwrap().main;
        let f = fuzzy_discontinuity(&x, &y, &treated, &o, 40.0).unwrap();
        assert!((f.estimate - sharp.estimate).abs() < 1e-12);
        assert!((f.se - sharp.se).abs() < 1e-12);
        let flat = vec![0.0; 200];
        let e = fuzzy_discontinuity(&x, &y, &flat, &o, 40.0).unwrap_err();
        assert!(e.to_string().contains("does not jump"), "{e}");
    }

    #[test]
    fn the_ik_bandwidth_scales_with_x_and_ignores_the_scale_of_y() {
        let x: Vec<f64> = (0..400).map(|i| -1.0 + i as f64 / 200.0).collect();
        let y: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(i, &v)| v * v * v - 0.5 * v + ((i * 7919) % 13) as f64 / 13.0)
            .collect();
        let h = ik_bandwidth(&x, &y, 0.0).unwrap();
        assert!(h > 0.0 && h < 2.0, "{h}");
        let x3: Vec<f64> = x.iter().map(|v| 3.0 * v).collect();
        let h3 = ik_bandwidth(&x3, &y, 0.0).unwrap();
        assert!((h3 - 3.0 * h).abs() < 1e-9 * h, "{h} {h3}");
        let y5: Vec<f64> = y.iter().map(|v| 10.0 - 5.0 * v).collect();
        let h5 = ik_bandwidth(&x, &y5, 0.0).unwrap();
        assert!((h5 - h).abs() < 1e-9 * h, "{h} {h5}");
    }
}
