//! Synthetic difference-in-differences (Arkhangelsky, Athey, Hirshberg, Imbens and Wager
//! 2021) and its two special cases, as the R package `synthdid` computes them.
//!
//! On a block (`N0` comparison units, then `N1` treated; `T0` periods before, `T1` after):
//!
//! - unit weights `omega` solve `min zeta_w^2 ||w||^2 + ||A w - b||^2 / T0` on the simplex,
//!   `A` = comparison units' pre-period outcomes, `b` = the treated mean, both centred
//!   over time (an intercept), `zeta_w = (N1 T1)^(1/4) sigma`, `sigma` = the standard
//!   deviation of the comparison units' first differences before treatment;
//! - time weights `lambda` solve the same with periods for units (`b` = each comparison
//!   unit's post-period mean), centred over units, `zeta_l = 1e-6 sigma`;
//! - each by synthdid's Frank-Wolfe ([`crate::simplex::frank_wolfe`]): 100 iterations,
//!   then weights below a quarter of the largest set to 0 ([`crate::simplex::sparsify`]),
//!   then up to 10,000 iterations, stopping when the objective falls by less than
//!   `(1e-5 sigma)^2`;
//! - `tau = (mean treated - omega' comparison)` post-period mean minus its
//!   `lambda`-weighted pre-period mean.
//!
//! Synthetic control (`sc_estimate`) is the case `lambda = 0`, no unit intercept and
//! `zeta_w = 1e-6 sigma`; difference-in-differences (`did_estimate`) has `omega = 1/N0`
//! and `lambda = 1/T0`.
//!
//! Variance (synthdid's `vcov`): placebo (Algorithm 4: `N1` comparison units drawn at
//! random are called treated, the rest stay comparisons, weights re-estimated from the
//! fitted ones), bootstrap (Algorithm 2: units drawn with replacement, draws without a
//! treated or without a comparison unit redrawn) and jackknife (Algorithm 3: one unit left
//! out, weights fixed; undefined with one treated unit). Each replication has its own
//! seeded generator, so results do not depend on the thread count.
//!
//! Staggered adoption: each group of units first treated in the same period is a block
//! with the never-treated units as comparisons; the estimate is the average of the
//! blocks' weighted by treated unit-periods `N1 T1` (as Stata's `sdid` and Python
//! `synthdid` do). With one group this is exactly the block estimator.

use crate::error::EvalError;
use crate::panel::Panel;
use crate::simplex::{FwOptions, Matrix, frank_wolfe, sparsify, sum_normalize};
use crate::stats::{self, normal_interval, normal_p_value, sample_sd, sample_variance};
use crate::treatment::Treatment;
use rayon::prelude::*;

/// Which member of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SdidKind {
    /// Synthetic difference-in-differences.
    Sdid,
    /// Synthetic control, as synthdid's `sc_estimate`.
    Sc,
    /// Difference-in-differences, as synthdid's `did_estimate`.
    Did,
}

impl SdidKind {
    pub fn name(self) -> &'static str {
        match self {
            SdidKind::Sdid => "sdid",
            SdidKind::Sc => "sc",
            SdidKind::Did => "did",
        }
    }
}

/// How the standard error is estimated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variance {
    Placebo,
    Bootstrap,
    Jackknife,
    None,
}

/// Options (defaults: synthdid's).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SdidOptions {
    pub kind: SdidKind,
    pub variance: Variance,
    /// Placebo or bootstrap replications (synthdid's default is 200).
    pub replications: usize,
    pub seed: u64,
    pub level: f64,
}

impl SdidOptions {
    pub fn new(kind: SdidKind) -> SdidOptions {
        SdidOptions {
            kind,
            variance: Variance::Placebo,
            replications: 200,
            seed: 1,
            level: 0.95,
        }
    }
}

/// Regularisation and stopping, fixed from the original fit and reused by replications.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Params {
    kind: SdidKind,
    zeta_omega: f64,
    zeta_lambda: f64,
    min_decrease: f64,
    omega_intercept: bool,
    lambda_intercept: bool,
}

const MAX_ITER: usize = 10_000;
const MAX_ITER_PRE_SPARSIFY: usize = 100;

/// A block: `y` is `(N0 + N1) x (T0 + T1)`, comparison units first.
#[derive(Debug, Clone)]
struct Block {
    y: Matrix,
    n0: usize,
    t0: usize,
}

/// Weights and estimate of one block.
#[derive(Debug, Clone, PartialEq)]
struct Fit {
    estimate: f64,
    omega: Vec<f64>,
    lambda: Vec<f64>,
}

/// One group of units first treated in the same period.
#[derive(Debug, Clone, PartialEq)]
pub struct Cohort {
    /// First treated period index.
    pub group: usize,
    pub treated: Vec<usize>,
    pub controls: Vec<usize>,
    /// Period indices before (excluding anticipation periods) and after.
    pub pre: Vec<usize>,
    pub post: Vec<usize>,
    pub estimate: f64,
    /// Share of the overall estimate (`N1 T1` over the total).
    pub weight: f64,
    /// Unit weight of each comparison unit (in `controls` order).
    pub omega: Vec<f64>,
    /// Time weight of each pre period (in `pre` order).
    pub lambda: Vec<f64>,
    /// The treated units' mean outcome, per period of `pre` then `post`.
    pub treated_path: Vec<f64>,
    /// The weighted comparison, shifted by the time-weighted pre-period difference, per
    /// period of `pre` then `post` (what the treated path is compared with).
    pub synthetic_path: Vec<f64>,
}

/// The estimate, its uncertainty and what it was made of.
#[derive(Debug, Clone, PartialEq)]
pub struct SdidResult {
    pub kind: SdidKind,
    pub estimate: f64,
    /// `NaN` when the variance method is undefined (jackknife with one treated unit).
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p_value: f64,
    pub variance: Variance,
    pub cohorts: Vec<Cohort>,
    /// The replications' estimates (placebo or bootstrap), in draw order.
    pub replications: Vec<f64>,
    pub n_treated: usize,
    pub n_control: usize,
}

fn noise_level(b: &Block) -> f64 {
    let mut diffs = Vec::with_capacity(b.n0 * b.t0.saturating_sub(1));
    for i in 0..b.n0 {
        for t in 1..b.t0 {
            diffs.push(b.y.at(i, t) - b.y.at(i, t - 1));
        }
    }
    sample_sd(&diffs)
}

fn params(kind: SdidKind, b: &Block) -> Params {
    let sigma = noise_level(b);
    let (n1, t1) = (b.y.rows - b.n0, b.y.cols - b.t0);
    let eta_omega = match kind {
        SdidKind::Sc => 1e-6,
        _ => ((n1 * t1) as f64).powf(0.25),
    };
    Params {
        kind,
        zeta_omega: eta_omega * sigma,
        zeta_lambda: 1e-6 * sigma,
        min_decrease: 1e-5 * sigma,
        omega_intercept: kind != SdidKind::Sc,
        lambda_intercept: true,
    }
}

/// synthdid's collapsed form: comparison rows with their post mean, and one row of the
/// treated means.
fn collapsed(b: &Block) -> Matrix {
    let (n, t) = (b.y.rows, b.y.cols);
    let (n0, t0) = (b.n0, b.t0);
    let mut c = Matrix::zeros(n0 + 1, t0 + 1);
    for i in 0..n0 {
        for s in 0..t0 {
            c.set(i, s, b.y.at(i, s));
        }
        let post: f64 = (t0..t).map(|s| b.y.at(i, s)).sum::<f64>() / (t - t0) as f64;
        c.set(i, t0, post);
    }
    let n1 = (n - n0) as f64;
    for s in 0..t0 {
        c.set(n0, s, (n0..n).map(|i| b.y.at(i, s)).sum::<f64>() / n1);
    }
    let total: f64 = (n0..n)
        .flat_map(|i| (t0..t).map(move |s| (i, s)))
        .map(|(i, s)| b.y.at(i, s))
        .sum();
    c.set(n0, t0, total / (n1 * (t - t0) as f64));
    c
}

/// Two rounds of Frank-Wolfe with sparsification in between (synthdid's defaults).
fn solve_weights(
    y: &Matrix,
    init: Option<&[f64]>,
    zeta: f64,
    intercept: bool,
    p: &Params,
) -> Vec<f64> {
    let first = frank_wolfe(
        y,
        init,
        FwOptions {
            zeta,
            intercept,
            min_decrease: p.min_decrease,
            max_iter: MAX_ITER_PRE_SPARSIFY,
        },
    )
    .0;
    let start = sparsify(&first);
    frank_wolfe(
        y,
        Some(&start),
        FwOptions {
            zeta,
            intercept,
            min_decrease: p.min_decrease,
            max_iter: MAX_ITER,
        },
    )
    .0
}

/// Fits a block. `omega`/`lambda` are starting points when the kind estimates them and
/// the weights themselves when it fixes them (`fixed = true` fixes both, as the jackknife).
fn fit(b: &Block, p: &Params, omega: Option<&[f64]>, lambda: Option<&[f64]>, fixed: bool) -> Fit {
    let (n, t) = (b.y.rows, b.y.cols);
    let (n0, t0) = (b.n0, b.t0);
    let update_lambda = !fixed && p.kind == SdidKind::Sdid;
    let update_omega = !fixed && p.kind != SdidKind::Did;
    let yc = if update_lambda || update_omega {
        Some(collapsed(b))
    } else {
        None
    };
    let lambda: Vec<f64> = if update_lambda {
        let yc = yc.as_ref().expect("collapsed");
        let rows = Matrix::new(n0, t0 + 1, yc.data[..n0 * (t0 + 1)].to_vec());
        solve_weights(&rows, lambda, p.zeta_lambda, p.lambda_intercept, p)
    } else {
        match (lambda, p.kind) {
            (Some(l), _) => l.to_vec(),
            (None, SdidKind::Sc) => vec![0.0; t0],
            (None, _) => vec![1.0 / t0 as f64; t0],
        }
    };
    let omega: Vec<f64> = if update_omega {
        let yc = yc.as_ref().expect("collapsed");
        let mut m = Matrix::zeros(t0, n0 + 1);
        for s in 0..t0 {
            for i in 0..=n0 {
                m.set(s, i, yc.at(i, s));
            }
        }
        solve_weights(&m, omega, p.zeta_omega, p.omega_intercept, p)
    } else {
        match omega {
            Some(o) => o.to_vec(),
            None => vec![1.0 / n0 as f64; n0],
        }
    };
    let estimate = effect(&b.y, n0, t0, &omega, &lambda, n, t);
    Fit {
        estimate,
        omega,
        lambda,
    }
}

/// `(-omega, 1/N1)' Y (-lambda, 1/T1)`.
fn effect(
    y: &Matrix,
    n0: usize,
    t0: usize,
    omega: &[f64],
    lambda: &[f64],
    n: usize,
    t: usize,
) -> f64 {
    let n1 = (n - n0) as f64;
    let t1 = (t - t0) as f64;
    let mut total = 0.0;
    let column_weights = lambda.iter().map(|l| -l).chain((t0..t).map(|_| 1.0 / t1));
    for (s, ws) in column_weights.enumerate() {
        if ws == 0.0 {
            continue;
        }
        let comparison: f64 = omega.iter().enumerate().map(|(i, w)| w * y.at(i, s)).sum();
        let treated: f64 = (n0..n).map(|i| y.at(i, s)).sum::<f64>() / n1;
        total += ws * (treated - comparison);
    }
    total
}

/// The block matrix for comparison rows `controls` then `treated`, columns `cols`.
fn block(panel: &Panel, controls: &[usize], treated: &[usize], cols: &[usize], t0: usize) -> Block {
    let rows: Vec<usize> = controls.iter().chain(treated).copied().collect();
    let mut y = Matrix::zeros(rows.len(), cols.len());
    for (r, &u) in rows.iter().enumerate() {
        for (c, &t) in cols.iter().enumerate() {
            y.set(r, c, panel.value(u, t));
        }
    }
    Block {
        y,
        n0: controls.len(),
        t0,
    }
}

/// A block's rows re-chosen: `controls` and `treated` index the block's own rows.
fn subblock(b: &Block, controls: &[usize], treated: &[usize]) -> Block {
    let t = b.y.cols;
    let mut data = Vec::with_capacity((controls.len() + treated.len()) * t);
    for &r in controls.iter().chain(treated) {
        data.extend_from_slice(b.y.row(r));
    }
    Block {
        y: Matrix::new(controls.len() + treated.len(), t, data),
        n0: controls.len(),
        t0: b.t0,
    }
}

struct Prepared {
    cohort: Cohort,
    block: Block,
    params: Params,
    fit: Fit,
    t1: usize,
}

/// Estimates `kind` for the treated units of `treatment` against the comparison units
/// `controls` (never treated within the panel), with its variance.
pub fn synthdid(
    panel: &Panel,
    treatment: &Treatment,
    controls: &[usize],
    comparison: &str,
    options: &SdidOptions,
) -> Result<SdidResult, EvalError> {
    let method = options.kind.name();
    if matches!(options.variance, Variance::Placebo | Variance::Bootstrap)
        && options.replications < 2
    {
        return Err(EvalError::invalid(
            method,
            "the placebo and bootstrap variances need at least 2 replications (synthdid's default is 200)",
        ));
    }
    let controls: Vec<usize> = controls
        .iter()
        .copied()
        .filter(|&u| treatment.first_treated(u).is_none() && !treatment.is_excluded(u))
        .collect();
    if controls.is_empty() {
        return Err(EvalError::NoControls {
            method,
            comparison: comparison.to_string(),
            why: " among units never treated in the panel".into(),
        });
    }
    let treated = treatment.treated_units();
    let a = treatment.anticipation();
    let nt = panel.n_periods();
    panel.check_no_break(method, comparison, 0, nt - 1)?;
    let mut prepared = Vec::new();
    for g in treatment.groups() {
        let cohort_units: Vec<usize> = treated
            .iter()
            .copied()
            .filter(|&u| treatment.first_treated(u) == Some(g))
            .collect();
        let pre: Vec<usize> = (0..g - a).collect();
        let post: Vec<usize> = (g..nt).collect();
        if options.kind != SdidKind::Did && pre.len() < 2 {
            return Err(EvalError::invalid(
                method,
                format!(
                    "units first treated in {} have {} period(s) before treatment; the weights need at least two (use `did` or start the panel earlier)",
                    panel.periods()[g],
                    pre.len()
                ),
            ));
        }
        let cols: Vec<usize> = pre.iter().chain(&post).copied().collect();
        let b = block(panel, &controls, &cohort_units, &cols, pre.len());
        let p = params(options.kind, &b);
        let f = fit(&b, &p, None, None, false);
        prepared.push(Prepared {
            cohort: Cohort {
                group: g,
                treated: cohort_units,
                controls: controls.clone(),
                pre,
                post: post.clone(),
                estimate: f.estimate,
                weight: 0.0,
                omega: Vec::new(),
                lambda: Vec::new(),
                treated_path: Vec::new(),
                synthetic_path: Vec::new(),
            },
            block: b,
            params: p,
            fit: f,
            t1: post.len(),
        });
    }
    let total: f64 = prepared
        .iter()
        .map(|p| (p.cohort.treated.len() * p.t1) as f64)
        .sum();
    for p in &mut prepared {
        p.cohort.weight = (p.cohort.treated.len() * p.t1) as f64 / total;
        p.cohort.omega = p.fit.omega.clone();
        p.cohort.lambda = p.fit.lambda.clone();
        let (tp, sp) = paths(&p.block, &p.fit);
        p.cohort.treated_path = tp;
        p.cohort.synthetic_path = sp;
    }
    let estimate: f64 = prepared
        .iter()
        .map(|p| p.cohort.weight * p.fit.estimate)
        .sum();
    let n_treated = treated.len();
    let (se, replications) = match options.variance {
        Variance::None => (f64::NAN, Vec::new()),
        Variance::Placebo => {
            if controls.len() <= n_treated {
                return Err(EvalError::TooFewDonors {
                    method,
                    what: format!("the placebo variance with {n_treated} treated units"),
                    comparison: comparison.to_string(),
                    donors: controls.len(),
                    needed: n_treated + 1,
                    fix: "use the bootstrap or jackknife variance",
                });
            }
            let reps = replicate(options, stats::stream::SDID_PLACEBO, |rng| {
                placebo_draw(&prepared, controls.len(), rng)
            });
            (replication_se(&reps), reps)
        }
        Variance::Bootstrap => {
            let reps = replicate(options, stats::stream::SDID_BOOTSTRAP, |rng| {
                bootstrap_draw(&prepared, controls.len(), rng)
            });
            (replication_se(&reps), reps)
        }
        Variance::Jackknife => (jackknife(&prepared, controls.len()), Vec::new()),
    };
    let (ci_low, ci_high) = normal_interval(estimate, se, options.level);
    Ok(SdidResult {
        kind: options.kind,
        estimate,
        se,
        ci_low,
        ci_high,
        p_value: normal_p_value(estimate, se),
        variance: options.variance,
        cohorts: prepared.into_iter().map(|p| p.cohort).collect(),
        replications,
        n_treated,
        n_control: controls.len(),
    })
}

/// The treated mean path and its synthetic comparison (shifted by the time-weighted
/// pre-period difference).
fn paths(b: &Block, f: &Fit) -> (Vec<f64>, Vec<f64>) {
    let (n, t, n0, t0) = (b.y.rows, b.y.cols, b.n0, b.t0);
    let n1 = (n - n0) as f64;
    let treated: Vec<f64> = (0..t)
        .map(|s| (n0..n).map(|i| b.y.at(i, s)).sum::<f64>() / n1)
        .collect();
    let weighted: Vec<f64> = (0..t)
        .map(|s| (0..n0).map(|i| f.omega[i] * b.y.at(i, s)).sum())
        .collect();
    let offset: f64 = (0..t0)
        .map(|s| f.lambda[s] * (treated[s] - weighted[s]))
        .sum();
    (treated, weighted.iter().map(|w| w + offset).collect())
}

fn replicate<F>(options: &SdidOptions, stream: u64, draw: F) -> Vec<f64>
where
    F: Fn(&mut rand_xoshiro::Xoshiro256PlusPlus) -> f64 + Sync,
{
    (0..options.replications)
        .into_par_iter()
        .map(|r| {
            let mut rng = stats::generator(options.seed, stream, r as u64);
            draw(&mut rng)
        })
        .collect()
}

/// `sqrt((R - 1) / R) sd(replications)`.
fn replication_se(reps: &[f64]) -> f64 {
    let r = reps.len() as f64;
    ((r - 1.0) / r).sqrt() * sample_sd(reps)
}

/// One placebo replication: `N1` comparison units at random become treated (split over
/// the cohorts in order), the rest stay comparisons.
fn placebo_draw(
    prepared: &[Prepared],
    n0: usize,
    rng: &mut rand_xoshiro::Xoshiro256PlusPlus,
) -> f64 {
    let mut order: Vec<usize> = (0..n0).collect();
    stats::shuffle(&mut order, rng);
    let n1: usize = prepared.iter().map(|p| p.cohort.treated.len()).sum();
    let keep = &order[..n0 - n1];
    let mut next = n0 - n1;
    let mut total = 0.0;
    for p in prepared {
        let k = p.cohort.treated.len();
        let fake = &order[next..next + k];
        next += k;
        let b = subblock(&p.block, keep, fake);
        let omega0 = sum_normalize(&keep.iter().map(|&i| p.fit.omega[i]).collect::<Vec<_>>());
        let f = fit(&b, &p.params, Some(&omega0), Some(&p.fit.lambda), false);
        total += p.cohort.weight * f.estimate;
    }
    total
}

/// One bootstrap replication: all units drawn with replacement; a draw without a treated
/// or a comparison unit is drawn again (from the same generator).
fn bootstrap_draw(
    prepared: &[Prepared],
    n0: usize,
    rng: &mut rand_xoshiro::Xoshiro256PlusPlus,
) -> f64 {
    let sizes: Vec<usize> = prepared.iter().map(|p| p.cohort.treated.len()).collect();
    let n = n0 + sizes.iter().sum::<usize>();
    loop {
        let mut draw: Vec<usize> = (0..n).map(|_| stats::index_below(n, rng)).collect();
        draw.sort_unstable();
        let controls: Vec<usize> = draw.iter().copied().filter(|&i| i < n0).collect();
        if controls.is_empty() || controls.len() == n {
            continue;
        }
        // Treated draws by cohort (treated units are numbered after the comparisons).
        let mut offset = n0;
        let mut parts = Vec::new();
        for (p, &k) in prepared.iter().zip(&sizes) {
            let fake: Vec<usize> = draw
                .iter()
                .filter(|&&i| i >= offset && i < offset + k)
                .map(|&i| n0 + (i - offset))
                .collect();
            offset += k;
            if !fake.is_empty() {
                parts.push((p, fake));
            }
        }
        let weight: f64 = parts
            .iter()
            .map(|(p, fake)| (fake.len() * p.t1) as f64)
            .sum();
        let mut total = 0.0;
        for (p, fake) in &parts {
            let b = subblock(&p.block, &controls, fake);
            let omega0 =
                sum_normalize(&controls.iter().map(|&i| p.fit.omega[i]).collect::<Vec<_>>());
            let f = fit(&b, &p.params, Some(&omega0), Some(&p.fit.lambda), false);
            total += (fake.len() * p.t1) as f64 / weight * f.estimate;
        }
        return total;
    }
}

/// The fixed-weights jackknife; `NaN` with one treated unit or one non-zero unit weight
/// (where synthdid returns `NA`).
fn jackknife(prepared: &[Prepared], n0: usize) -> f64 {
    let sizes: Vec<usize> = prepared.iter().map(|p| p.cohort.treated.len()).collect();
    let n1: usize = sizes.iter().sum();
    if n1 == 1
        || prepared
            .iter()
            .any(|p| p.fit.omega.iter().filter(|&&w| w != 0.0).count() == 1)
    {
        return f64::NAN;
    }
    let n = n0 + n1;
    let estimates: Vec<f64> = (0..n)
        .into_par_iter()
        .map(|out| {
            let controls: Vec<usize> = (0..n0).filter(|&i| i != out).collect();
            let mut offset = n0;
            let mut parts = Vec::new();
            for (p, &k) in prepared.iter().zip(&sizes) {
                let treated: Vec<usize> =
                    (n0..n0 + k).filter(|&i| i - n0 + offset != out).collect();
                offset += k;
                if !treated.is_empty() {
                    parts.push((p, treated));
                }
            }
            let weight: f64 = parts.iter().map(|(p, t)| (t.len() * p.t1) as f64).sum();
            parts
                .iter()
                .map(|(p, treated)| {
                    let b = subblock(&p.block, &controls, treated);
                    let omega = sum_normalize(
                        &controls.iter().map(|&i| p.fit.omega[i]).collect::<Vec<_>>(),
                    );
                    let f = fit(&b, &p.params, Some(&omega), Some(&p.fit.lambda), true);
                    (treated.len() * p.t1) as f64 / weight * f.estimate
                })
                .sum()
        })
        .collect();
    let nf = n as f64;
    (((nf - 1.0) / nf) * (nf - 1.0) * sample_variance(&estimates)).sqrt()
}
