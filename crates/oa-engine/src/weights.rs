//! Data-driven weights: the first principal component of a group's children
//! (METHODS.md 1.5).

use crate::error::EngineError;
use nalgebra::{DMatrix, SymmetricEigen};

/// Weights from the first principal component and how much variance it explains.
#[derive(Debug, Clone, PartialEq)]
pub struct PcaWeights {
    /// Non-negative, summing to 1, one per child.
    pub weights: Vec<f64>,
    /// Share of the total variance (of the standardised children) on the first component.
    pub explained_variance: f64,
}

/// Principal-component weights of `children` (one value per area each), computed on
/// their correlation matrix over the areas where every child has a value, so children
/// on different scales count alike. The loadings are signed so they sum to a positive
/// number, negative loadings are set to 0 (a child that runs against the rest gets no
/// weight rather than a negative one), and the rest are scaled to sum to 1.
/// `child_ids` name the children in errors.
pub fn pca_weights(children: &[&[f64]], child_ids: &[&str]) -> Result<PcaWeights, EngineError> {
    let k = children.len();
    let err = |message: String| EngineError::Pca {
        subject: String::new(),
        message,
    };
    if k == 0 {
        return Err(err("the group has no children".into()));
    }
    if k == 1 {
        return Ok(PcaWeights {
            weights: vec![1.0],
            explained_variance: 1.0,
        });
    }
    let n = children[0].len();
    let complete: Vec<usize> = (0..n)
        .filter(|&a| children.iter().all(|c| !c[a].is_nan()))
        .collect();
    if complete.len() < 3 {
        return Err(err(format!(
            "only {} areas have every child; principal components need at least 3 (use `weights = \"given\"` or impute missing values)",
            complete.len()
        )));
    }
    let m = complete.len() as f64;
    let mut z = DMatrix::<f64>::zeros(complete.len(), k);
    for (j, c) in children.iter().enumerate() {
        let mean = complete.iter().map(|&a| c[a]).sum::<f64>() / m;
        let ss: f64 = complete.iter().map(|&a| (c[a] - mean).powi(2)).sum();
        let sd = (ss / (m - 1.0)).sqrt();
        if !(sd > 0.0) {
            let id = child_ids.get(j).copied().unwrap_or("?");
            return Err(err(format!(
                "child `{id}` has the same value in every area, so it has no correlation to weigh; drop it or use given weights"
            )));
        }
        for (r, &a) in complete.iter().enumerate() {
            z[(r, j)] = (c[a] - mean) / sd;
        }
    }
    let corr = (z.transpose() * &z) / (m - 1.0);
    let eig = SymmetricEigen::new(corr);
    let (top, &lambda) = eig
        .eigenvalues
        .iter()
        .enumerate()
        .max_by(|x, y| x.1.total_cmp(y.1))
        .expect("k >= 2 eigenvalues");
    let total: f64 = eig.eigenvalues.iter().map(|l| l.max(0.0)).sum();
    let mut v: Vec<f64> = eig.eigenvectors.column(top).iter().copied().collect();
    if v.iter().sum::<f64>() < 0.0 {
        v.iter_mut().for_each(|x| *x = -*x);
    }
    v.iter_mut().for_each(|x| *x = x.max(0.0));
    let s: f64 = v.iter().sum();
    if !(s > 0.0) {
        return Err(err("the first component has no positive loading".into()));
    }
    v.iter_mut().for_each(|x| *x /= s);
    Ok(PcaWeights {
        weights: v,
        explained_variance: lambda / total,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_component_of_a_known_structure() {
        // x2 = 3 x1 (perfectly correlated); x3 uncorrelated with both. The correlation
        // matrix is [[1,1,0],[1,1,0],[0,0,1]]: eigenvalues 2, 1, 0; first vector
        // (1,1,0)/√2; explained 2/3.
        let x1: &[f64] = &[1.0, 2.0, 3.0, 4.0];
        let x2: &[f64] = &[3.0, 6.0, 9.0, 12.0];
        let x3: &[f64] = &[1.0, -1.0, -1.0, 1.0];
        let p = pca_weights(&[x1, x2, x3], &["a", "b", "c"]).unwrap();
        assert!((p.weights[0] - 0.5).abs() < 1e-9, "{p:?}");
        assert!((p.weights[1] - 0.5).abs() < 1e-9);
        assert!(p.weights[2].abs() < 1e-9);
        assert!((p.explained_variance - 2.0 / 3.0).abs() < 1e-9);
    }

    #[test]
    fn negative_loadings_get_no_weight() {
        // x2 runs against x1 and x3: the component (1,-1,1)/√3 signs to a positive sum,
        // and the negative loading is cut to 0.
        let x1: &[f64] = &[1.0, 2.0, 3.0, 4.0, 5.0];
        let x2: &[f64] = &[5.0, 4.0, 3.0, 2.0, 1.0];
        let x3: &[f64] = &[2.0, 4.0, 6.0, 8.0, 10.0];
        let p = pca_weights(&[x1, x2, x3], &["a", "b", "c"]).unwrap();
        assert!((p.weights[0] - 0.5).abs() < 1e-9, "{p:?}");
        assert!(p.weights[1].abs() < 1e-12);
        assert!((p.explained_variance - 1.0).abs() < 1e-9);
    }

    #[test]
    fn constant_child_is_named() {
        let x1: &[f64] = &[1.0, 2.0, 3.0];
        let x2: &[f64] = &[7.0, 7.0, 7.0];
        let e = pca_weights(&[x1, x2], &["a", "flat"]).unwrap_err();
        assert!(e.to_string().contains("`flat`"), "{e}");
    }
}
