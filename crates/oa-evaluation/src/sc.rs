//! Synthetic control (Abadie, Diamond and Hainmueller 2010) with placebo-in-space
//! inference.
//!
//! For each treated unit, donor weights `w >= 0, sum w = 1` minimise
//! `(X1 - X0 w)' V (X1 - X0 w)` ([`crate::simplex::simplex_least_squares`], exact):
//!
//! - on the pre-period outcome path alone (`X` = the outcome in every period before
//!   treatment, `V = I`; no predictor search is needed, since `V = I` already minimises
//!   the pre-period error the search would minimise);
//! - or with predictors (covariates, and the outcome lags unless turned off), each scaled
//!   by its standard deviation over treated and donor units, and the diagonal `V` chosen as
//!   `Synth` chooses it: `V = |v| / sum |v|` minimising the pre-period mean squared error
//!   of the outcome, by Nelder-Mead from equal weights and from the regression-based start
//!   (`diag(B B')` of the regression of outcomes on predictors), keeping the better.
//!
//! The gap is `Y1 - Y0 w` in every period; the unit's effect is its mean post-period gap.
//! Placebo in space: every donor in turn is treated as if it were treated (its donors are
//! the other donors), and `p = (1 + #{placebos with post/pre RMSPE ratio >= the unit's})
//! / (1 + placebos)`. The average effect over the `k` treated units is tested against
//! sets of `k` distinct placebos drawn at random (Cavallo et al. 2013), seeded, on the
//! mean rank of their post/pre RMSPE ratios among the placebos': the per-unit statistic,
//! averaged. Not on the raw effects: a poorly fitted unit's gap carries its misfit into
//! the post-period, and treated areas (at the edge of the donors' range, as the most
//! deprived are) fit worse than most placebos; averaging shrinks the placebos' noise but
//! not the treated units' shared misfit, so raw averages called the misfit an effect
//! whatever its sign. Ranks, not ratios, because with few periods before treatment some
//! placebos fit exactly and their ratios are unbounded. Like the per-unit test, the
//! ratio says how unusual the post-period is, not its direction, which the estimate gives.
//! Placebos run in parallel and are collected in donor order: results do not depend on
//! threads.

use crate::error::EvalError;
use crate::panel::Panel;
use crate::simplex::{Matrix, simplex_least_squares, solve_augmented};
use crate::stats;
use crate::treatment::Treatment;
use rayon::prelude::*;

/// A time-invariant unit characteristic used as a predictor.
#[derive(Debug, Clone, PartialEq)]
pub struct Predictor {
    pub name: String,
    /// One value per panel unit (panel order).
    pub values: Vec<f64>,
}

/// Options of the synthetic control.
#[derive(Debug, Clone, PartialEq)]
pub struct ScOptions {
    pub predictors: Vec<Predictor>,
    /// Use every pre-period outcome as a predictor (always, when there are no predictors).
    pub outcome_lags: bool,
    /// Run placebos over every donor.
    pub placebos: bool,
    /// Random averages of placebos for the p-value of the average effect.
    pub average_draws: usize,
    pub seed: u64,
}

impl Default for ScOptions {
    fn default() -> Self {
        ScOptions {
            predictors: Vec::new(),
            outcome_lags: true,
            placebos: true,
            average_draws: 10_000,
            seed: 1,
        }
    }
}

/// One unit's synthetic control.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitFit {
    pub unit: usize,
    /// First treated period index (the placebo's, for placebos).
    pub group: usize,
    pub donors: Vec<usize>,
    pub weights: Vec<f64>,
    /// Predictor weights `V` (empty for the outcome path alone).
    pub v: Vec<f64>,
    /// The unit's outcome and its synthetic comparison in every period.
    pub actual: Vec<f64>,
    pub synthetic: Vec<f64>,
    pub pre_rmspe: f64,
    pub post_rmspe: f64,
    /// Mean gap after treatment: the unit's estimated effect.
    pub effect: f64,
    /// Placebo-in-space p-value (`NaN` for placebos or without placebos).
    pub p_value: f64,
}

impl UnitFit {
    /// `post / pre` RMSPE (infinite when the pre-period fit is exact and the post is not).
    pub fn ratio(&self) -> f64 {
        self.post_rmspe / self.pre_rmspe
    }

    /// The gap (actual minus synthetic) per period.
    pub fn gaps(&self) -> Vec<f64> {
        self.actual
            .iter()
            .zip(&self.synthetic)
            .map(|(a, s)| a - s)
            .collect()
    }
}

/// The synthetic controls of every treated unit and the placebos.
#[derive(Debug, Clone, PartialEq)]
pub struct ScResult {
    pub treated: Vec<UnitFit>,
    pub placebos: Vec<UnitFit>,
    /// Mean of the treated units' effects.
    pub att: f64,
    /// Share of random placebo sets whose mean rank of RMSPE ratios is at least the
    /// treated units' (see the module documentation).
    pub att_p_value: f64,
    pub n_control: usize,
}

/// Fits a synthetic control for every treated unit against `donors` (never treated).
pub fn synthetic_control(
    panel: &Panel,
    treatment: &Treatment,
    donors: &[usize],
    comparison: &str,
    options: &ScOptions,
) -> Result<ScResult, EvalError> {
    let donors: Vec<usize> = donors
        .iter()
        .copied()
        .filter(|&u| treatment.first_treated(u).is_none() && !treatment.is_excluded(u))
        .collect();
    if donors.is_empty() {
        return Err(EvalError::NoControls {
            method: "sc",
            comparison: comparison.to_string(),
            why: " among units never treated in the panel".into(),
        });
    }
    for p in &options.predictors {
        if p.values.len() != panel.n_units() {
            return Err(EvalError::invalid(
                format!("sc predictor `{}`", p.name),
                format!("{} values for {} units", p.values.len(), panel.n_units()),
            ));
        }
        if let Some(u) = p.values.iter().position(|v| !v.is_finite()) {
            return Err(EvalError::invalid(
                format!("sc predictor `{}`", p.name),
                format!(
                    "unit `{}` has no value; fill it or drop the predictor",
                    panel.units()[u]
                ),
            ));
        }
    }
    panel.check_no_break("sc", comparison, 0, panel.n_periods() - 1)?;
    let treated = treatment.treated_units();
    let fits: Vec<Result<UnitFit, EvalError>> = treated
        .par_iter()
        .map(|&u| {
            let g = treatment.first_treated(u).expect("treated");
            fit_unit(panel, u, g, treatment.anticipation(), &donors, options)
        })
        .collect();
    let mut fits: Vec<UnitFit> = fits.into_iter().collect::<Result<_, _>>()?;
    let mut placebos = Vec::new();
    if options.placebos {
        if donors.len() < 2 {
            return Err(EvalError::TooFewDonors {
                method: "sc",
                what: "placebos in space".into(),
                comparison: comparison.to_string(),
                donors: donors.len(),
                needed: 2,
                fix: "turn placebos off",
            });
        }
        let groups = treatment.groups();
        let jobs: Vec<(usize, usize)> = groups
            .iter()
            .flat_map(|&g| donors.iter().map(move |&d| (g, d)))
            .collect();
        let results: Vec<Result<UnitFit, EvalError>> = jobs
            .par_iter()
            .map(|&(g, d)| {
                let others: Vec<usize> = donors.iter().copied().filter(|&x| x != d).collect();
                fit_unit(panel, d, g, treatment.anticipation(), &others, options)
            })
            .collect();
        placebos = results.into_iter().collect::<Result<_, _>>()?;
        for f in &mut fits {
            let ratios: Vec<f64> = placebos
                .iter()
                .filter(|p| p.group == f.group)
                .map(UnitFit::ratio)
                .collect();
            let r = f.ratio();
            let at_least = ratios
                .iter()
                .filter(|&&x| x >= r || (x.is_nan() && r.is_nan()))
                .count();
            f.p_value = (1 + at_least) as f64 / (1 + ratios.len()) as f64;
        }
    }
    let att = fits.iter().map(|f| f.effect).sum::<f64>() / fits.len() as f64;
    let att_p_value = if options.placebos && options.average_draws > 0 {
        average_p_value(&fits, &placebos, comparison, options)?
    } else {
        f64::NAN
    };
    Ok(ScResult {
        treated: fits,
        placebos,
        att,
        att_p_value,
        n_control: donors.len(),
    })
}

/// `(1 + #{draws whose mean placebo rank >= the treated units'}) / (1 + draws)`, drawing
/// per group as many distinct placebos as it has treated units. A unit's rank is the
/// share of its group's placebo ratios below its own (ties count half; a missing ratio,
/// no gap before or after, is lowest).
fn average_p_value(
    fits: &[UnitFit],
    placebos: &[UnitFit],
    comparison: &str,
    options: &ScOptions,
) -> Result<f64, EvalError> {
    let mut groups: Vec<(usize, usize)> = Vec::new();
    for f in fits {
        match groups.iter_mut().find(|(g, _)| *g == f.group) {
            Some(e) => e.1 += 1,
            None => groups.push((f.group, 1)),
        }
    }
    let key = |f: &UnitFit| {
        let r = f.ratio();
        if r.is_nan() { f64::NEG_INFINITY } else { r }
    };
    let sorted: Vec<Vec<f64>> = groups
        .iter()
        .map(|(g, _)| {
            let mut v: Vec<f64> = placebos.iter().filter(|p| p.group == *g).map(key).collect();
            v.sort_by(f64::total_cmp);
            v
        })
        .collect();
    for ((_, k), pool) in groups.iter().zip(&sorted) {
        if pool.len() < *k {
            return Err(EvalError::TooFewDonors {
                method: "sc",
                what: format!("a placebo test of the average over {k} treated units"),
                comparison: comparison.to_string(),
                donors: pool.len(),
                needed: *k,
                fix: "test each unit on its own",
            });
        }
    }
    let rank = |pool: &[f64], r: f64| {
        let below = pool.partition_point(|&x| x < r);
        let equal = pool[below..].partition_point(|&x| x <= r);
        (below as f64 + 0.5 * equal as f64) / pool.len() as f64
    };
    let group_of = |g: usize| groups.iter().position(|(x, _)| *x == g).expect("a group");
    let pools: Vec<Vec<f64>> = sorted
        .iter()
        .map(|pool| pool.iter().map(|&r| rank(pool, r)).collect())
        .collect();
    let total = fits.len() as f64;
    let observed = fits
        .iter()
        .map(|f| rank(&sorted[group_of(f.group)], key(f)))
        .sum::<f64>()
        / total;
    let extreme: usize = (0..options.average_draws)
        .into_par_iter()
        .map(|b| {
            let mut rng = stats::generator(options.seed, stats::stream::SC_AVERAGE, b as u64);
            let mut sum = 0.0;
            for ((_, k), pool) in groups.iter().zip(&pools) {
                // k distinct placebos: a partial Fisher-Yates shuffle.
                let mut idx: Vec<usize> = (0..pool.len()).collect();
                for i in 0..*k {
                    let j = i + stats::index_below(pool.len() - i, &mut rng);
                    idx.swap(i, j);
                    sum += pool[idx[i]];
                }
            }
            usize::from(sum / total >= observed - 1e-12)
        })
        .sum();
    Ok((1 + extreme) as f64 / (1 + options.average_draws) as f64)
}

/// The synthetic control of unit `u` first treated in period `g`.
fn fit_unit(
    panel: &Panel,
    u: usize,
    g: usize,
    anticipation: usize,
    donors: &[usize],
    options: &ScOptions,
) -> Result<UnitFit, EvalError> {
    let pre: Vec<usize> = (0..g - anticipation).collect();
    let post: Vec<usize> = (g..panel.n_periods()).collect();
    let (weights, v) = if options.predictors.is_empty() {
        let mut a = Matrix::zeros(pre.len(), donors.len());
        for (r, &t) in pre.iter().enumerate() {
            for (c, &d) in donors.iter().enumerate() {
                a.set(r, c, panel.value(d, t));
            }
        }
        let b: Vec<f64> = pre.iter().map(|&t| panel.value(u, t)).collect();
        (simplex_least_squares(&a, &b), Vec::new())
    } else {
        with_predictors(panel, u, &pre, donors, options)?
    };
    let actual: Vec<f64> = panel.row(u).to_vec();
    let synthetic: Vec<f64> = (0..panel.n_periods())
        .map(|t| {
            donors
                .iter()
                .zip(&weights)
                .map(|(&d, w)| w * panel.value(d, t))
                .sum()
        })
        .collect();
    let rmspe = |ts: &[usize]| {
        (ts.iter()
            .map(|&t| (actual[t] - synthetic[t]).powi(2))
            .sum::<f64>()
            / ts.len() as f64)
            .sqrt()
    };
    let effect = post.iter().map(|&t| actual[t] - synthetic[t]).sum::<f64>() / post.len() as f64;
    Ok(UnitFit {
        unit: u,
        group: g,
        donors: donors.to_vec(),
        weights,
        v,
        pre_rmspe: rmspe(&pre),
        post_rmspe: rmspe(&post),
        actual,
        synthetic,
        effect,
        p_value: f64::NAN,
    })
}

/// Predictors scaled by their standard deviation (treated and donors), `V` by nested
/// Nelder-Mead as `Synth` chooses it.
fn with_predictors(
    panel: &Panel,
    u: usize,
    pre: &[usize],
    donors: &[usize],
    options: &ScOptions,
) -> Result<(Vec<f64>, Vec<f64>), EvalError> {
    let units: Vec<usize> = std::iter::once(u).chain(donors.iter().copied()).collect();
    let mut rows: Vec<Vec<f64>> = options
        .predictors
        .iter()
        .map(|p| units.iter().map(|&x| p.values[x]).collect())
        .collect();
    if options.outcome_lags {
        for &t in pre {
            rows.push(units.iter().map(|&x| panel.value(x, t)).collect());
        }
    }
    for (k, row) in rows.iter_mut().enumerate() {
        let sd = stats::sample_sd(row);
        if sd.is_nan() || sd <= 0.0 {
            let name = options
                .predictors
                .get(k)
                .map_or_else(|| "an outcome lag".to_string(), |p| format!("`{}`", p.name));
            return Err(EvalError::Singular {
                what: "sc predictors".into(),
                why: format!("{name} is the same for every unit"),
            });
        }
        row.iter_mut().for_each(|v| *v /= sd);
    }
    let k = rows.len();
    let j = donors.len();
    // Outcome path to be matched: Z1 and Z0 (pre-period outcomes).
    let z1: Vec<f64> = pre.iter().map(|&t| panel.value(u, t)).collect();
    let mut z0 = Matrix::zeros(pre.len(), j);
    for (r, &t) in pre.iter().enumerate() {
        for (c, &d) in donors.iter().enumerate() {
            z0.set(r, c, panel.value(d, t));
        }
    }
    let weights_for = |v: &[f64]| -> Vec<f64> {
        let total: f64 = v.iter().map(|x| x.abs()).sum();
        let mut a = Matrix::zeros(k, j);
        let mut b = vec![0.0; k];
        for (r, row) in rows.iter().enumerate() {
            let s = if total > 0.0 {
                (v[r].abs() / total).sqrt()
            } else {
                (1.0 / k as f64).sqrt()
            };
            b[r] = s * row[0];
            for c in 0..j {
                a.set(r, c, s * row[c + 1]);
            }
        }
        simplex_least_squares(&a, &b)
    };
    let loss = |v: &[f64]| -> f64 {
        let w = weights_for(v);
        (0..pre.len())
            .map(|r| {
                let s: f64 = (0..j).map(|c| z0.at(r, c) * w[c]).sum();
                (z1[r] - s).powi(2)
            })
            .sum::<f64>()
            / pre.len() as f64
    };
    let mut starts = vec![vec![1.0 / k as f64; k]];
    if let Some(s) = regression_start(&rows, &units, panel, pre) {
        starts.push(s);
    }
    let best = starts
        .iter()
        .map(|s| nelder_mead(&loss, s, 500 * k.max(1), 1e-8))
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .expect("one start");
    let total: f64 = best.0.iter().map(|x| x.abs()).sum();
    let v: Vec<f64> = best.0.iter().map(|x| x.abs() / total).collect();
    Ok((weights_for(&v), v))
}

/// `Synth`'s regression-based start: `diag(B B')` of the least-squares coefficients of
/// the pre-period outcomes on the (scaled) predictors with an intercept, normalised.
fn regression_start(
    rows: &[Vec<f64>],
    units: &[usize],
    panel: &Panel,
    pre: &[usize],
) -> Option<Vec<f64>> {
    let k = rows.len();
    let n = units.len();
    if n <= k + 1 {
        return None;
    }
    // Normal equations X'X B = X'Z with X = [1, predictors'].
    let dim = k + 1;
    let x = |i: usize, c: usize| if c == 0 { 1.0 } else { rows[c - 1][i] };
    let mut diag = vec![0.0; k];
    for &t in pre {
        let mut m = vec![0.0; dim * (dim + 1)];
        for r in 0..dim {
            for c in 0..dim {
                m[r * (dim + 1) + c] = (0..n).map(|i| x(i, r) * x(i, c)).sum();
            }
            m[r * (dim + 1) + dim] = (0..n).map(|i| x(i, r) * panel.value(units[i], t)).sum();
        }
        let beta = solve_augmented(&mut m, dim)?;
        for (d, b) in diag.iter_mut().zip(&beta[1..]) {
            *d += b * b;
        }
    }
    let total: f64 = diag.iter().sum();
    (total > 0.0 && total.is_finite()).then(|| diag.iter().map(|d| d / total).collect())
}

/// Nelder-Mead minimisation (reflection 1, expansion 2, contraction 0.5, shrink 0.5; the
/// first simplex steps 10% of the largest coordinate, as R's `optim`). Returns the best
/// point and its value.
pub fn nelder_mead<F: Fn(&[f64]) -> f64>(
    f: &F,
    x0: &[f64],
    max_eval: usize,
    reltol: f64,
) -> (Vec<f64>, f64) {
    let d = x0.len();
    if d == 0 {
        return (Vec::new(), f(x0));
    }
    let step = 0.1 * x0.iter().fold(0.0f64, |m, v| m.max(v.abs())).max(1e-3);
    let mut simplex: Vec<(Vec<f64>, f64)> = Vec::with_capacity(d + 1);
    simplex.push((x0.to_vec(), f(x0)));
    for i in 0..d {
        let mut x = x0.to_vec();
        x[i] += step;
        let fx = f(&x);
        simplex.push((x, fx));
    }
    let mut evals = d + 1;
    while evals < max_eval {
        simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
        let (best, worst) = (simplex[0].1, simplex[d].1);
        if (worst - best).abs() <= reltol * (best.abs() + reltol) {
            break;
        }
        let centroid: Vec<f64> = (0..d)
            .map(|i| simplex[..d].iter().map(|p| p.0[i]).sum::<f64>() / d as f64)
            .collect();
        let along = |t: f64| -> Vec<f64> {
            (0..d)
                .map(|i| centroid[i] + t * (simplex[d].0[i] - centroid[i]))
                .collect()
        };
        let xr = along(-1.0);
        let fr = f(&xr);
        evals += 1;
        if fr < simplex[0].1 {
            let xe = along(-2.0);
            let fe = f(&xe);
            evals += 1;
            simplex[d] = if fe < fr { (xe, fe) } else { (xr, fr) };
        } else if fr < simplex[d - 1].1 {
            simplex[d] = (xr, fr);
        } else {
            let (xc, fc) = if fr < simplex[d].1 {
                let x = along(-0.5);
                let fx = f(&x);
                (x, fx)
            } else {
                let x = along(0.5);
                let fx = f(&x);
                (x, fx)
            };
            evals += 1;
            if fc < simplex[d].1.min(fr) {
                simplex[d] = (xc, fc);
            } else {
                let x0 = simplex[0].0.clone();
                for p in simplex.iter_mut().skip(1) {
                    p.0 = (0..d).map(|i| x0[i] + 0.5 * (p.0[i] - x0[i])).collect();
                    p.1 = f(&p.0);
                }
                evals += d;
            }
        }
    }
    simplex.sort_by(|a, b| a.1.total_cmp(&b.1));
    simplex.swap_remove(0)
}
