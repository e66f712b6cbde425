//! Statistics the audit is built from: descriptive statistics of one column, Pearson and
//! Spearman correlation over the areas where both columns have a value, and Cronbach's
//! alpha. `NaN` is missing throughout.

use crate::outliers::{passes_jrc, skew_kurtosis};
use oa_model::study::audit::CorrelationKind;

/// Descriptive statistics of the values present in one column.
#[derive(Debug, Clone, PartialEq)]
pub struct Describe {
    /// Values present.
    pub present: usize,
    /// Share of the column missing (0 when the column is empty).
    pub missing_share: f64,
    pub min: f64,
    pub q1: f64,
    pub median: f64,
    pub mean: f64,
    pub q3: f64,
    pub max: f64,
    /// Sample standard deviation.
    pub sd: f64,
    /// Sample skewness and excess kurtosis as METHODS.md 1.3 defines them.
    pub skew: f64,
    pub kurtosis: f64,
    /// Values below `q1 - 1.5 IQR` and above `q3 + 1.5 IQR` (Tukey's fences).
    pub outliers_low: usize,
    pub outliers_high: usize,
    /// |skew| > 2 and kurtosis > 3.5: the JRC rule would treat this column.
    pub jrc_flag: bool,
}

/// The `p` quantile of sorted values by linear interpolation between order statistics
/// (Hyndman and Fan type 7, R's default), `NaN` when empty.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * p;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

/// Describes the values present in `values`.
pub fn describe(values: &[f64]) -> Describe {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    let (mean, sd) = crate::normalise::mean_sd(&sorted);
    let (skew, kurtosis) = skew_kurtosis(&sorted);
    let q1 = quantile_sorted(&sorted, 0.25);
    let q3 = quantile_sorted(&sorted, 0.75);
    let iqr = q3 - q1;
    let (low_fence, high_fence) = (q1 - 1.5 * iqr, q3 + 1.5 * iqr);
    Describe {
        present: sorted.len(),
        missing_share: if values.is_empty() {
            0.0
        } else {
            (values.len() - sorted.len()) as f64 / values.len() as f64
        },
        min: sorted.first().copied().unwrap_or(f64::NAN),
        q1,
        median: quantile_sorted(&sorted, 0.5),
        mean,
        q3,
        max: sorted.last().copied().unwrap_or(f64::NAN),
        sd,
        skew,
        kurtosis,
        outliers_low: sorted.iter().filter(|&&v| v < low_fence).count(),
        outliers_high: sorted.iter().filter(|&&v| v > high_fence).count(),
        jrc_flag: !passes_jrc(skew, kurtosis),
    }
}

/// Ranks of the values (1 = smallest), ties sharing the mean of their ranks; `NaN`
/// stays `NaN`.
pub fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).filter(|&i| !values[i].is_nan()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![f64::NAN; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Positions start..end (0-based) hold ranks start+1..=end: their mean.
        let rank = (start + end + 1) as f64 / 2.0;
        for &i in &order[start..end] {
            ranks[i] = rank;
        }
        start = end;
    }
    ranks
}

/// A correlation and the number of areas it was computed over.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Correlation {
    /// `NaN` when fewer than 3 areas have both values or either does not vary.
    pub r: f64,
    pub n: usize,
}

/// Pearson correlation of `x` and `y` over the areas where both are present.
pub fn pearson(x: &[f64], y: &[f64]) -> Correlation {
    let (mut n, mut sx, mut sy) = (0usize, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        if !a.is_nan() && !b.is_nan() {
            n += 1;
            sx += a;
            sy += b;
        }
    }
    if n < 3 {
        return Correlation { r: f64::NAN, n };
    }
    let (mx, my) = (sx / n as f64, sy / n as f64);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        if !a.is_nan() && !b.is_nan() {
            let (dx, dy) = (a - mx, b - my);
            sxy += dx * dy;
            sxx += dx * dx;
            syy += dy * dy;
        }
    }
    let r = if sxx > 0.0 && syy > 0.0 {
        (sxy / (sxx * syy).sqrt()).clamp(-1.0, 1.0)
    } else {
        f64::NAN
    };
    Correlation { r, n }
}

/// Correlation of two columns of the kind asked for. Spearman ranks the areas where both
/// are present (R's `cor(method = "spearman", use = "pairwise.complete.obs")`); columns
/// with nothing missing can pass their ranks in `ranks` to save the sort.
pub fn correlation(
    kind: CorrelationKind,
    x: &[f64],
    y: &[f64],
    ranks: Option<(&[f64], &[f64])>,
) -> Correlation {
    match kind {
        CorrelationKind::Pearson => pearson(x, y),
        CorrelationKind::Spearman => {
            if let Some((rx, ry)) = ranks {
                return pearson(rx, ry);
            }
            let both: Vec<usize> = (0..x.len())
                .filter(|&a| !x[a].is_nan() && !y[a].is_nan())
                .collect();
            let xs: Vec<f64> = both.iter().map(|&a| x[a]).collect();
            let ys: Vec<f64> = both.iter().map(|&a| y[a]).collect();
            pearson(&average_ranks(&xs), &average_ranks(&ys))
        }
    }
}

/// Cronbach's alpha of `columns` over the areas where every column has a value:
/// `k/(k-1) (1 - Σ var_j / var(Σ_j x_j))` with sample variances. `None` for fewer than
/// two columns, fewer than two complete areas, or a constant total.
pub fn cronbach_alpha(columns: &[&[f64]]) -> Option<f64> {
    let k = columns.len();
    if k < 2 {
        return None;
    }
    let n = columns[0].len();
    let complete: Vec<usize> = (0..n)
        .filter(|&a| columns.iter().all(|c| !c[a].is_nan()))
        .collect();
    if complete.len() < 2 {
        return None;
    }
    let variance = |v: &mut dyn Iterator<Item = f64>| {
        let values: Vec<f64> = v.collect();
        crate::normalise::mean_sd(&values).1.powi(2)
    };
    let item_variances: f64 = columns
        .iter()
        .map(|c| variance(&mut complete.iter().map(|&a| c[a])))
        .sum();
    let total = variance(&mut complete.iter().map(|&a| columns.iter().map(|c| c[a]).sum()));
    if !(total > 0.0) {
        return None;
    }
    Some(k as f64 / (k - 1) as f64 * (1.0 - item_variances / total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_follow_r_type_7() {
        // R: quantile(c(1, 2, 4, 7, 11), c(.25, .5, .75)) = 2, 4, 7.
        let s = [1.0, 2.0, 4.0, 7.0, 11.0];
        assert_eq!(quantile_sorted(&s, 0.25), 2.0);
        assert_eq!(quantile_sorted(&s, 0.5), 4.0);
        // R: quantile(1:4, .25) = 1.75.
        assert_eq!(quantile_sorted(&[1.0, 2.0, 3.0, 4.0], 0.25), 1.75);
    }

    #[test]
    fn describe_counts_missing_and_tukey_outliers() {
        let mut v: Vec<f64> = (1..=20).map(f64::from).collect();
        v.push(100.0);
        v.push(f64::NAN);
        let d = describe(&v);
        assert_eq!(d.present, 21);
        assert!((d.missing_share - 1.0 / 22.0).abs() < 1e-15);
        assert_eq!((d.min, d.max, d.median), (1.0, 100.0, 11.0));
        // q1 = 6, q3 = 16, fences -9 and 31: only 100 is out.
        assert_eq!((d.q1, d.q3), (6.0, 16.0));
        assert_eq!((d.outliers_low, d.outliers_high), (0, 1));
        assert!(d.jrc_flag, "{d:?}");
    }

    #[test]
    fn pearson_and_spearman_by_hand() {
        let x = [1.0, 2.0, 3.0, 4.0, f64::NAN];
        let y = [2.0, 4.0, 6.0, 9.0, 1.0];
        let p = pearson(&x, &y);
        assert_eq!(p.n, 4);
        // Σdxdy = 11.5, Σdx² = 5, Σdy² = 26.75.
        assert!((p.r - 11.5 / (5.0f64 * 26.75).sqrt()).abs() < 1e-15);
        // Monotone: Spearman is exactly 1.
        let s = correlation(CorrelationKind::Spearman, &x, &y, None);
        assert_eq!((s.r, s.n), (1.0, 4));
        let r = average_ranks(&[3.0, 1.0, 3.0, f64::NAN]);
        assert_eq!(r[..3], [2.5, 1.0, 2.5]);
        assert!(r[3].is_nan());
        assert!(pearson(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).r.is_nan());
    }

    #[test]
    fn cronbach_alpha_by_hand() {
        // Two identical items: alpha = 2 (1 - 2 var / 4 var) = 1.
        let a = [1.0, 2.0, 3.0, 4.0];
        assert!((cronbach_alpha(&[&a, &a]).unwrap() - 1.0).abs() < 1e-15);
        // Items 1..4 and 4..1: the total is constant, so alpha is undefined.
        let b = [4.0, 3.0, 2.0, 1.0];
        assert_eq!(cronbach_alpha(&[&a, &b]), None);
        // x = (1,2,3), y = (1,3,2): var 1 each, total (2,5,5) var 3: 2 (1 - 2/3) = 2/3.
        let x = [1.0, 2.0, 3.0, f64::NAN];
        let y = [1.0, 3.0, 2.0, 7.0];
        assert!((cronbach_alpha(&[&x, &y]).unwrap() - 2.0 / 3.0).abs() < 1e-15);
        assert_eq!(cronbach_alpha(&[&x]), None);
    }
}
