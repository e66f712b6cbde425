//! Principal components of a group's children, and the data-driven weights taken from
//! the first one (METHODS.md 1.5).
//!
//! The weights are the squared loadings of the first principal component of the
//! children's correlation matrix: they are non-negative and sum to 1 by construction
//! (the loadings are a unit vector), they are the share of the component's variance
//! each child carries (the OECD/JRC Handbook's weighting from squared factor loadings,
//! with one factor), and they do not depend on the arbitrary sign of the component or on
//! the order the children are written in. Cutting negative loadings to 0 instead, as an
//! earlier version did, gave all the weight to one of two negatively correlated children
//! depending on rounding. A first component that explains little, or whose loadings
//! cancel (it contrasts children rather than summarising them), is reported as a
//! [`PcaWarning`].

use crate::error::EngineError;
use nalgebra::{DMatrix, SymmetricEigen};

/// Below this share of the variance the first component "explains little": the OECD/JRC
/// Handbook (2008, step 4) asks retained components to explain more than 60% together.
pub const PCA_MIN_EXPLAINED: f64 = 0.6;

/// Loadings cancel when the smaller-signed side holds at least this share of the sum of
/// absolute loadings.
pub const PCA_CANCEL_SHARE: f64 = 0.1;

/// The principal components of some columns (standardised over the areas where every
/// column has a value).
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    /// Eigenvalues of the correlation matrix, largest first (they sum to the number of
    /// columns).
    pub eigenvalues: Vec<f64>,
    /// Loadings of the first component: a unit vector, one entry per column, signed so
    /// that the loadings sum to a non-negative number.
    pub loadings: Vec<f64>,
    /// Share of the total variance on the first component.
    pub explained_variance: f64,
    /// Areas with a value in every column (the ones used).
    pub areas_used: usize,
}

/// Something about a group's first principal component its weights should be read with.
#[derive(Debug, Clone, PartialEq)]
pub enum PcaWarning {
    /// The first component explains less than [`PCA_MIN_EXPLAINED`] of the variance.
    LowExplainedVariance { explained: f64 },
    /// The loadings have both signs in strength: the component contrasts `negative` with
    /// `positive` children, so it does not summarise them.
    LoadingsCancel {
        positive: Vec<String>,
        negative: Vec<String>,
    },
}

impl std::fmt::Display for PcaWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PcaWarning::LowExplainedVariance { explained } => write!(
                f,
                "the first principal component explains only {:.1}% of the variance (under {:.0}%), so its weights summarise the children poorly; consider given or equal weights",
                explained * 100.0,
                PCA_MIN_EXPLAINED * 100.0
            ),
            PcaWarning::LoadingsCancel { positive, negative } => write!(
                f,
                "the first principal component sets {} against {} (loadings of opposite signs), so it contrasts the children rather than summarising them; the weights are its squared loadings, not a sign that they agree",
                names(negative),
                names(positive)
            ),
        }
    }
}

fn names(ids: &[String]) -> String {
    ids.iter()
        .map(|s| format!("`{s}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Weights from the first principal component and what they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct PcaWeights {
    /// The squared loadings: non-negative, summing to 1, one per child.
    pub weights: Vec<f64>,
    /// Share of the total variance (of the standardised children) on the first component.
    pub explained_variance: f64,
    /// The components the weights come from.
    pub pca: Pca,
    /// What the weights should be read with (empty when nothing is remarkable).
    pub warnings: Vec<PcaWarning>,
}

fn pca_error(message: String) -> EngineError {
    EngineError::Pca {
        subject: String::new(),
        message,
    }
}

/// Principal components of `columns` (one value per area each) on their correlation
/// matrix, over the areas where every column has a value, so columns on different scales
/// count alike. `ids` name the columns in errors.
pub fn principal_components(columns: &[&[f64]], ids: &[&str]) -> Result<Pca, EngineError> {
    let k = columns.len();
    if k == 0 {
        return Err(pca_error("the group has no children".into()));
    }
    let n = columns[0].len();
    let complete: Vec<usize> = (0..n)
        .filter(|&a| columns.iter().all(|c| !c[a].is_nan()))
        .collect();
    if k == 1 {
        return Ok(Pca {
            eigenvalues: vec![1.0],
            loadings: vec![1.0],
            explained_variance: 1.0,
            areas_used: complete.len(),
        });
    }
    if complete.len() < 3 {
        return Err(pca_error(format!(
            "only {} areas have every child; principal components need at least 3 (use `weights = \"given\"` or impute missing values)",
            complete.len()
        )));
    }
    let m = complete.len() as f64;
    let mut z = DMatrix::<f64>::zeros(complete.len(), k);
    for (j, c) in columns.iter().enumerate() {
        let mean = complete.iter().map(|&a| c[a]).sum::<f64>() / m;
        let ss: f64 = complete.iter().map(|&a| (c[a] - mean).powi(2)).sum();
        let sd = (ss / (m - 1.0)).sqrt();
        if !(sd > 0.0 && sd.is_finite()) {
            let id = ids.get(j).copied().unwrap_or("?");
            return Err(pca_error(format!(
                "child `{id}` has the same value in every area, so it has no correlation to weigh; drop it or use given weights"
            )));
        }
        for (r, &a) in complete.iter().enumerate() {
            z[(r, j)] = (c[a] - mean) / sd;
        }
    }
    let corr = (z.transpose() * &z) / (m - 1.0);
    if k == 2 {
        // Two children: the components are (1, ±1)/√2 whatever the correlation r, with
        // eigenvalues 1 ± |r|. Written out so r = 0 (a repeated eigenvalue) is defined too.
        let r = corr[(0, 1)].clamp(-1.0, 1.0);
        let s = std::f64::consts::FRAC_1_SQRT_2;
        let second = if r < 0.0 { -s } else { s };
        return Ok(Pca {
            eigenvalues: vec![1.0 + r.abs(), 1.0 - r.abs()],
            loadings: vec![s, second],
            explained_variance: (1.0 + r.abs()) / 2.0,
            areas_used: complete.len(),
        });
    }
    let eig = SymmetricEigen::new(corr);
    let mut order: Vec<usize> = (0..k).collect();
    order.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
    let eigenvalues: Vec<f64> = order.iter().map(|&i| eig.eigenvalues[i]).collect();
    let (l1, l2) = (eigenvalues[0], eigenvalues[1]);
    if l1 - l2 <= 1e-9 * l1.abs().max(1.0) {
        return Err(pca_error(format!(
            "the first two principal components explain the same variance (eigenvalue {l1:.6}), so the first is not defined and neither are its weights; use given or equal weights"
        )));
    }
    let mut loadings: Vec<f64> = eig.eigenvectors.column(order[0]).iter().copied().collect();
    let sum: f64 = loadings.iter().sum();
    let abs_sum: f64 = loadings.iter().map(|x| x.abs()).sum();
    // The sign of an eigenvector is arbitrary: report the one whose loadings sum to a
    // positive number (when they cancel exactly, the one whose largest loading is
    // positive, the first such on ties).
    let flip = if sum.abs() > 1e-12 * abs_sum {
        sum < 0.0
    } else {
        let big = loadings
            .iter()
            .copied()
            .fold(0.0f64, |m, x| if x.abs() > m.abs() + 1e-12 { x } else { m });
        big < 0.0
    };
    if flip {
        loadings.iter_mut().for_each(|x| *x = -*x);
    }
    let total: f64 = eigenvalues.iter().map(|l| l.max(0.0)).sum();
    Ok(Pca {
        explained_variance: l1 / total,
        eigenvalues,
        loadings,
        areas_used: complete.len(),
    })
}

/// Principal-component weights of `children` (one value per area each): the squared
/// loadings of their first principal component (see the module documentation), with
/// the warnings they should be read with. `child_ids` name the children in errors and
/// warnings.
pub fn pca_weights(children: &[&[f64]], child_ids: &[&str]) -> Result<PcaWeights, EngineError> {
    let pca = principal_components(children, child_ids)?;
    let squares: f64 = pca.loadings.iter().map(|x| x * x).sum();
    let weights: Vec<f64> = pca.loadings.iter().map(|x| x * x / squares).collect();
    let mut warnings = Vec::new();
    if children.len() > 1 && pca.explained_variance < PCA_MIN_EXPLAINED {
        warnings.push(PcaWarning::LowExplainedVariance {
            explained: pca.explained_variance,
        });
    }
    let positive_mass: f64 = pca.loadings.iter().filter(|x| **x > 0.0).sum();
    let negative_mass: f64 = -pca.loadings.iter().filter(|x| **x < 0.0).sum::<f64>();
    if negative_mass >= PCA_CANCEL_SHARE * (positive_mass + negative_mass) {
        let id = |j: usize| child_ids.get(j).copied().unwrap_or("?").to_string();
        let side = |positive: bool| -> Vec<String> {
            (0..pca.loadings.len())
                .filter(|&j| (pca.loadings[j] > 0.0) == positive && pca.loadings[j] != 0.0)
                .map(id)
                .collect()
        };
        warnings.push(PcaWarning::LoadingsCancel {
            positive: side(true),
            negative: side(false),
        });
    }
    Ok(PcaWeights {
        weights,
        explained_variance: pca.explained_variance,
        pca,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_component_of_a_known_structure() {
        // x2 = 3 x1 (perfectly correlated); x3 uncorrelated with both. The correlation
        // matrix is [[1,1,0],[1,1,0],[0,0,1]]: eigenvalues 2, 1, 0; first vector
        // (1,1,0)/√2; explained 2/3; squared loadings (1/2, 1/2, 0).
        let x1: &[f64] = &[1.0, 2.0, 3.0, 4.0];
        let x2: &[f64] = &[3.0, 6.0, 9.0, 12.0];
        let x3: &[f64] = &[1.0, -1.0, -1.0, 1.0];
        let p = pca_weights(&[x1, x2, x3], &["a", "b", "c"]).unwrap();
        assert!((p.weights[0] - 0.5).abs() < 1e-9, "{p:?}");
        assert!((p.weights[1] - 0.5).abs() < 1e-9);
        assert!(p.weights[2].abs() < 1e-9);
        assert!((p.explained_variance - 2.0 / 3.0).abs() < 1e-9);
        assert!((p.pca.eigenvalues[0] - 2.0).abs() < 1e-9);
        assert!((p.pca.loadings[0] - std::f64::consts::FRAC_1_SQRT_2).abs() < 1e-9);
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn a_child_running_against_the_rest_is_weighted_and_flagged() {
        // x2 runs against x1 and x3: the component is (1,-1,1)/√3, squared loadings
        // 1/3 each, and the opposite signs are reported.
        let x1: &[f64] = &[1.0, 2.0, 3.0, 4.0, 5.0];
        let x2: &[f64] = &[5.0, 4.0, 3.0, 2.0, 1.0];
        let x3: &[f64] = &[2.0, 4.0, 6.0, 8.0, 10.0];
        let p = pca_weights(&[x1, x2, x3], &["a", "b", "c"]).unwrap();
        for w in &p.weights {
            assert!((w - 1.0 / 3.0).abs() < 1e-9, "{p:?}");
        }
        assert!((p.explained_variance - 1.0).abs() < 1e-9);
        assert!(p.pca.loadings[1] < 0.0 && p.pca.loadings[0] > 0.0);
        assert_eq!(
            p.warnings,
            vec![PcaWarning::LoadingsCancel {
                positive: vec!["a".into(), "c".into()],
                negative: vec!["b".into()],
            }]
        );
        assert!(
            p.warnings[0]
                .to_string()
                .contains("sets `b` against `a`, `c`")
        );
    }

    /// Issue 15, bug 2: two negatively correlated children. Their first component sums
    /// to about 0 and the old sign-then-cut rule gave one child all the weight, which
    /// one depending on rounding and so on the order they were written in.
    #[test]
    fn two_negatively_correlated_children_share_the_weight_in_any_order() {
        let x: &[f64] = &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        let y: &[f64] = &[3.0, 1.0, 2.0, 0.5, 1.5, -1.0];
        let a = pca_weights(&[x, y], &["x", "y"]).unwrap();
        let b = pca_weights(&[y, x], &["y", "x"]).unwrap();
        assert_eq!(a.weights, vec![0.5, 0.5]);
        assert_eq!(b.weights, vec![0.5, 0.5]);
        assert_eq!(a.explained_variance, b.explained_variance);
        assert!(
            a.warnings
                .iter()
                .any(|w| matches!(w, PcaWarning::LoadingsCancel { .. })),
            "{:?}",
            a.warnings
        );
    }

    #[test]
    fn order_of_three_or_more_children_does_not_change_their_weights() {
        let cols: Vec<Vec<f64>> = vec![
            vec![1.0, 4.0, 2.0, 8.0, 5.0, 7.0, 3.0],
            vec![2.0, 3.0, 2.5, 7.0, 6.0, 5.0, 1.0],
            vec![9.0, 1.0, 4.0, 2.0, 3.0, 1.5, 6.0],
            vec![0.5, 2.0, 1.0, 4.5, 2.0, 4.0, 2.5],
        ];
        let ids = ["a", "b", "c", "d"];
        let forward: Vec<&[f64]> = cols.iter().map(Vec::as_slice).collect();
        let p = pca_weights(&forward, &ids).unwrap();
        let perm = [2usize, 0, 3, 1];
        let permuted: Vec<&[f64]> = perm.iter().map(|&j| cols[j].as_slice()).collect();
        let pids: Vec<&str> = perm.iter().map(|&j| ids[j]).collect();
        let q = pca_weights(&permuted, &pids).unwrap();
        for (k, &j) in perm.iter().enumerate() {
            assert!((q.weights[k] - p.weights[j]).abs() < 1e-12, "{p:?} {q:?}");
            assert!((q.pca.loadings[k] - p.pca.loadings[j]).abs() < 1e-12);
        }
        assert!((p.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn uncorrelated_children_have_no_first_component() {
        // Orthogonal ±1 patterns: the correlation matrix is the identity.
        let a: &[f64] = &[1.0, 1.0, 1.0, 1.0, -1.0, -1.0, -1.0, -1.0];
        let b: &[f64] = &[1.0, 1.0, -1.0, -1.0, 1.0, 1.0, -1.0, -1.0];
        let c: &[f64] = &[1.0, -1.0, 1.0, -1.0, 1.0, -1.0, 1.0, -1.0];
        let e = pca_weights(&[a, b, c], &["a", "b", "c"]).unwrap_err();
        assert!(e.to_string().contains("not defined"), "{e}");
        // Two uncorrelated children: equal weights, and a warning that it explains little.
        let p = pca_weights(&[a, b], &["a", "b"]).unwrap();
        assert_eq!(p.weights, vec![0.5, 0.5]);
        assert_eq!(
            p.warnings,
            vec![PcaWarning::LowExplainedVariance { explained: 0.5 }]
        );
    }

    #[test]
    fn constant_child_is_named() {
        let x1: &[f64] = &[1.0, 2.0, 3.0];
        let x2: &[f64] = &[7.0, 7.0, 7.0];
        let e = pca_weights(&[x1, x2], &["a", "flat"]).unwrap_err();
        assert!(e.to_string().contains("`flat`"), "{e}");
    }
}
