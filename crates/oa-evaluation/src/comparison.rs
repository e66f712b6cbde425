//! Comparison sets: which untreated units the treated ones are compared with, and why.
//!
//! - never treated: every unit not treated within the panel;
//! - not yet treated: the never treated, plus (for Callaway and Sant'Anna) units treated
//!   later, while they are not yet treated;
//! - a list: near-misses (long-listed but not selected, or just across the selection
//!   cut) or any units the study names;
//! - nearest neighbours: for each treated unit the `k` untreated units closest in
//!   Mahalanobis distance on the outcome in every period before treatment and on the
//!   given covariates (covariance over the treated and candidate units together); the
//!   union over treated units, each match recorded.

use crate::error::EvalError;
use crate::panel::Panel;
use crate::sc::Predictor;
use crate::treatment::{Treatment, nearest_hint};

/// How a comparison set is chosen.
#[derive(Debug, Clone, PartialEq)]
pub enum ComparisonSpec {
    NeverTreated,
    NotYetTreated,
    /// Near-misses: units that could have been chosen and were not.
    NearMisses {
        units: Vec<String>,
    },
    /// Units named by the study.
    Listed {
        units: Vec<String>,
    },
    NearestNeighbours {
        k: usize,
        covariates: Vec<Predictor>,
    },
}

/// One match of a nearest-neighbour set.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub treated: usize,
    pub control: usize,
    pub distance: f64,
    /// 1 = nearest.
    pub rank: usize,
}

/// A resolved comparison set.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonSet {
    pub id: String,
    pub spec: ComparisonSpec,
    /// Untreated units in the set, ascending.
    pub units: Vec<usize>,
    /// Whether units treated later may serve while not yet treated (Callaway-Sant'Anna).
    pub not_yet: bool,
    /// Nearest-neighbour matches (empty for other kinds).
    pub matches: Vec<Match>,
    /// What nearest neighbours were matched on (`gld in 2013/14`, covariates).
    pub matched_on: Vec<String>,
}

impl ComparisonSet {
    /// Words for the report: what the set is and why it is a fair comparison.
    pub fn describe(&self) -> String {
        let n = self.units.len();
        match &self.spec {
            ComparisonSpec::NeverTreated => format!(
                "all {n} areas never treated in the panel (they differ from the treated areas in level, which the methods allow for, and must share their trend)"
            ),
            ComparisonSpec::NotYetTreated => format!(
                "the {n} never-treated areas, plus areas treated later while they were not yet treated"
            ),
            ComparisonSpec::NearMisses { .. } => format!(
                "{n} near-misses: areas that could have been chosen and were not, so they were judged similar in need by the selection itself"
            ),
            ComparisonSpec::Listed { .. } => format!("{n} areas named by the study"),
            ComparisonSpec::NearestNeighbours { k, .. } => format!(
                "the {k} areas nearest to each treated area by Mahalanobis distance on {}: {n} areas in all",
                self.matched_on.join(", ")
            ),
        }
    }
}

/// Resolves `spec` on the panel and treatment.
pub fn resolve(
    id: &str,
    spec: &ComparisonSpec,
    panel: &Panel,
    treatment: &Treatment,
) -> Result<ComparisonSet, EvalError> {
    let never = treatment.never_treated();
    let listed = |units: &[String]| -> Result<Vec<usize>, EvalError> {
        let mut out = Vec::new();
        for code in units {
            let u = panel
                .unit_index(code)
                .ok_or_else(|| EvalError::UnknownUnit {
                    unit: code.clone(),
                    context: format!("comparison `{id}`"),
                    hint: nearest_hint(panel, code),
                })?;
            if treatment.first_treated(u).is_some() {
                return Err(EvalError::invalid(
                    format!("comparison `{id}`"),
                    format!(
                        "`{code}` is treated, so it cannot be a comparison; remove it from the list"
                    ),
                ));
            }
            if !treatment.is_excluded(u) {
                out.push(u);
            }
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    };
    let mut matched_on = Vec::new();
    let (units, not_yet, matches) = match spec {
        ComparisonSpec::NeverTreated => (never, false, Vec::new()),
        ComparisonSpec::NotYetTreated => (never, true, Vec::new()),
        ComparisonSpec::NearMisses { units } | ComparisonSpec::Listed { units } => {
            (listed(units)?, false, Vec::new())
        }
        ComparisonSpec::NearestNeighbours { k, covariates } => {
            let first = treatment.groups()[0] - treatment.anticipation();
            matched_on = panel.periods()[..first]
                .iter()
                .map(|p| format!("{} in {p}", panel.outcome()))
                .chain(covariates.iter().map(|c| c.name.clone()))
                .collect();
            let m = nearest_neighbours(id, panel, treatment, &never, *k, covariates)?;
            let mut u: Vec<usize> = m.iter().map(|x| x.control).collect();
            u.sort_unstable();
            u.dedup();
            (u, false, m)
        }
    };
    if units.is_empty() {
        return Err(EvalError::NoControls {
            method: "comparison",
            comparison: id.to_string(),
            why: String::new(),
        });
    }
    Ok(ComparisonSet {
        id: id.to_string(),
        spec: spec.clone(),
        units,
        not_yet,
        matches,
        matched_on,
    })
}

/// The `k` nearest candidates of each treated unit by Mahalanobis distance.
fn nearest_neighbours(
    id: &str,
    panel: &Panel,
    treatment: &Treatment,
    candidates: &[usize],
    k: usize,
    covariates: &[Predictor],
) -> Result<Vec<Match>, EvalError> {
    let what = format!("comparison `{id}`");
    if k == 0 {
        return Err(EvalError::invalid(what, "k must be at least 1"));
    }
    if candidates.len() < k {
        return Err(EvalError::TooFewDonors {
            method: "nearest neighbours",
            what: format!("k = {k}"),
            comparison: "never treated".into(),
            donors: candidates.len(),
            needed: k,
            fix: "lower k",
        });
    }
    let treated = treatment.treated_units();
    let first_group = treatment.groups()[0];
    let pre: Vec<usize> = (0..first_group - treatment.anticipation()).collect();
    for c in covariates {
        if c.values.len() != panel.n_units() {
            return Err(EvalError::invalid(
                format!("{what} covariate `{}`", c.name),
                format!("{} values for {} units", c.values.len(), panel.n_units()),
            ));
        }
    }
    let features = |u: usize| -> Vec<f64> {
        pre.iter()
            .map(|&t| panel.value(u, t))
            .chain(covariates.iter().map(|c| c.values[u]))
            .collect()
    };
    let everyone: Vec<usize> = treated.iter().chain(candidates).copied().collect();
    let data: Vec<Vec<f64>> = everyone.iter().map(|&u| features(u)).collect();
    if let Some((i, _)) = data
        .iter()
        .enumerate()
        .find(|(_, f)| f.iter().any(|v| !v.is_finite()))
    {
        return Err(EvalError::invalid(
            what,
            format!(
                "unit `{}` has a missing covariate; fill it or drop the covariate",
                panel.units()[everyone[i]]
            ),
        ));
    }
    let d = data[0].len();
    let m = data.len() as f64;
    let means: Vec<f64> = (0..d)
        .map(|j| data.iter().map(|f| f[j]).sum::<f64>() / m)
        .collect();
    let mut cov = vec![0.0; d * d];
    for f in &data {
        for a in 0..d {
            for b in 0..d {
                cov[a * d + b] += (f[a] - means[a]) * (f[b] - means[b]) / (m - 1.0);
            }
        }
    }
    let chol = cholesky(&cov, d).ok_or_else(|| EvalError::Singular {
        what: format!("{what} (Mahalanobis distance)"),
        why: format!(
            "the covariance of the {d} matching variables over {} units is not positive definite",
            data.len()
        ),
    })?;
    let mut out = Vec::new();
    for &t in &treated {
        let ft = features(t);
        let mut dist: Vec<(f64, usize)> = candidates
            .iter()
            .map(|&c| {
                let diff: Vec<f64> = features(c).iter().zip(&ft).map(|(a, b)| a - b).collect();
                (mahalanobis(&chol, &diff, d), c)
            })
            .collect();
        dist.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        for (rank, (distance, control)) in dist.into_iter().take(k).enumerate() {
            out.push(Match {
                treated: t,
                control,
                distance,
                rank: rank + 1,
            });
        }
    }
    Ok(out)
}

/// Lower-triangular `L` with `L L' = a`, or `None` when `a` is not positive definite.
fn cholesky(a: &[f64], d: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    let scale = (0..d).map(|i| a[i * d + i].abs()).fold(0.0, f64::max);
    for i in 0..d {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * d + k] * l[j * d + k]).sum();
            if i == j {
                let v = a[i * d + i] - s;
                if v <= 1e-12 * scale.max(f64::MIN_POSITIVE) {
                    return None;
                }
                l[i * d + i] = v.sqrt();
            } else {
                l[i * d + j] = (a[i * d + j] - s) / l[j * d + j];
            }
        }
    }
    Some(l)
}

/// `sqrt(x' (L L')^-1 x)` by forward substitution.
fn mahalanobis(l: &[f64], x: &[f64], d: usize) -> f64 {
    let mut z = vec![0.0; d];
    for i in 0..d {
        let s: f64 = (0..i).map(|k| l[i * d + k] * z[k]).sum();
        z[i] = (x[i] - s) / l[i * d + i];
    }
    z.iter().map(|v| v * v).sum::<f64>().sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mahalanobis_matches_the_closed_form() {
        // cov = [[4, 2], [2, 3]]; x = (1, 1): x' S^-1 x = (3 - 4 + 4) / 8 = 3/8.
        let l = cholesky(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
        let got = mahalanobis(&l, &[1.0, 1.0], 2);
        assert!((got - (3.0f64 / 8.0).sqrt()).abs() < 1e-12);
        assert!(cholesky(&[1.0, 1.0, 1.0, 1.0], 2).is_none());
    }
}
