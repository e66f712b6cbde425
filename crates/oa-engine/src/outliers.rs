//! The JRC outlier rule, as COINr applies it (METHODS.md 1.3).
//!
//! An indicator passes when |skew| < 2 or excess kurtosis < 3.5 (sample statistics).
//! While it fails and fewer than 5 points have been treated, every copy of the maximum
//! (skew >= 0) or minimum (skew < 0) is replaced by the next value inward. Points are
//! counted once however often they move: after three passes at the top the three
//! largest values sit together at the fourth, and that is 3 points, not 1 + 2 + 3
//! (COINr's `winsorise` counts the same way). If the indicator still fails, the
//! winsorisation is discarded and the original values are log-transformed:
//! `ln(x - min + 0.01 (max - min))`. Missing values are left alone and not counted.
//! The engine applies the rule in the indicator's own units, before orientation, and
//! the report says which points moved, so nothing changes without being recorded.

/// One value the JRC rule winsorised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WinsorisedPoint {
    /// Position of the value: in the slice given to [`treat_outliers_jrc`]; in the input
    /// matrix (like [`crate::ImputedCell::area`]) in a [`crate::IndexResult`].
    pub area: usize,
    /// The value before treatment.
    pub original: f64,
    /// The value after treatment (the next value inward).
    pub treated: f64,
    /// True when it was one of the largest values (positive skew), false for the smallest.
    pub high: bool,
}

/// What the JRC rule did to one indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct OutlierReport {
    /// Indicator id (filled by [`crate::compute_index`]; empty from the primitive).
    pub indicator: String,
    pub skew_before: f64,
    pub kurtosis_before: f64,
    /// Distinct points replaced by winsorisation (0 when log-transformed or untouched);
    /// the same as `points.len()`.
    pub winsorised: usize,
    /// The winsorised points, in position order (empty when log-transformed).
    pub points: Vec<WinsorisedPoint>,
    /// The original values were log-transformed instead.
    pub log_transformed: bool,
    /// With the log transform: the constant `c` in `ln(x + c)`, i.e. `-min + 0.01 (max - min)`.
    pub log_shift: Option<f64>,
    pub skew_after: f64,
    pub kurtosis_after: f64,
    /// Whether the treated values pass the rule.
    pub passes: bool,
}

impl OutlierReport {
    /// `none`, `winsorised` or `log`: what happened, in one word for tables.
    pub fn treatment(&self) -> &'static str {
        if self.log_transformed {
            "log"
        } else if self.winsorised > 0 {
            "winsorised"
        } else {
            "none"
        }
    }
}

/// Sample skewness and excess kurtosis of the non-missing values, as METHODS.md gives
/// them: skew `g sqrt(n(n-1))/(n-2)` with `g = sqrt(n) Σd³/(Σd²)^1.5`; kurtosis
/// `((n+1)(r-3)+6)(n-1)/((n-2)(n-3))` with `r = n Σd⁴/(Σd²)²`. `NaN` when n < 4 or the
/// values do not vary.
pub fn skew_kurtosis(values: &[f64]) -> (f64, f64) {
    let (mean, _) = crate::normalise::mean_sd(values);
    let (mut n, mut s2, mut s3, mut s4) = (0usize, 0.0, 0.0, 0.0);
    for &v in values {
        if v.is_nan() {
            continue;
        }
        let d = v - mean;
        let d2 = d * d;
        n += 1;
        s2 += d2;
        s3 += d2 * d;
        s4 += d2 * d2;
    }
    if n < 4 || !(s2 > 0.0) {
        return (f64::NAN, f64::NAN);
    }
    let nf = n as f64;
    let g = nf.sqrt() * s3 / s2.powf(1.5);
    let skew = g * (nf * (nf - 1.0)).sqrt() / (nf - 2.0);
    let r = nf * s4 / (s2 * s2);
    let kurt = ((nf + 1.0) * (r - 3.0) + 6.0) * (nf - 1.0) / ((nf - 2.0) * (nf - 3.0));
    (skew, kurt)
}

/// The JRC pass test: |skew| < 2 or kurtosis < 3.5. Undefined statistics (too few or
/// constant values) pass: there is nothing to treat.
pub fn passes_jrc(skew: f64, kurtosis: f64) -> bool {
    skew.is_nan() || kurtosis.is_nan() || skew.abs() < 2.0 || kurtosis < 3.5
}

/// Most points the rule winsorises before it turns to the log transform.
pub const JRC_MAX_WINSORISED: usize = 5;

/// Applies the JRC rule to `values` in place and reports what it did.
pub fn treat_outliers_jrc(values: &mut [f64]) -> OutlierReport {
    let (skew0, kurt0) = skew_kurtosis(values);
    let mut report = OutlierReport {
        indicator: String::new(),
        skew_before: skew0,
        kurtosis_before: kurt0,
        winsorised: 0,
        points: Vec::new(),
        log_transformed: false,
        log_shift: None,
        skew_after: skew0,
        kurtosis_after: kurt0,
        passes: passes_jrc(skew0, kurt0),
    };
    if report.passes {
        return report;
    }
    let original = values.to_vec();
    // Which end each treated point was moved from (None: untouched).
    let mut moved: Vec<Option<bool>> = vec![None; values.len()];
    let (mut skew, mut kurt) = (skew0, kurt0);
    let mut treated = 0;
    while !passes_jrc(skew, kurt) && treated < JRC_MAX_WINSORISED {
        let Some((lo, hi)) = crate::normalise::min_max(values) else {
            break;
        };
        let high = skew >= 0.0;
        let (extreme, next) = if high {
            let next = values
                .iter()
                .copied()
                .filter(|&v| v < hi)
                .fold(f64::NEG_INFINITY, f64::max);
            (hi, next)
        } else {
            let next = values
                .iter()
                .copied()
                .filter(|&v| v > lo)
                .fold(f64::INFINITY, f64::min);
            (lo, next)
        };
        if !next.is_finite() {
            break; // every value is the extreme: nothing to move inward
        }
        for (v, m) in values.iter_mut().zip(moved.iter_mut()) {
            if *v == extreme {
                *v = next;
                if m.is_none() {
                    *m = Some(high);
                    treated += 1;
                }
            }
        }
        (skew, kurt) = skew_kurtosis(values);
    }
    if passes_jrc(skew, kurt) {
        report.winsorised = treated;
        report.points = moved
            .iter()
            .enumerate()
            .filter_map(|(a, m)| {
                m.map(|high| WinsorisedPoint {
                    area: a,
                    original: original[a],
                    treated: values[a],
                    high,
                })
            })
            .collect();
    } else {
        values.copy_from_slice(&original);
        let (lo, hi) = crate::normalise::min_max(values).unwrap_or((0.0, 0.0));
        let shift = -lo + 0.01 * (hi - lo);
        for v in values.iter_mut() {
            if !v.is_nan() {
                *v = (*v + shift).ln();
            }
        }
        report.log_transformed = true;
        report.log_shift = Some(shift);
        (skew, kurt) = skew_kurtosis(values);
    }
    report.skew_after = skew;
    report.kurtosis_after = kurt;
    report.passes = passes_jrc(skew, kurt);
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_match_hand_computed_values() {
        // d = -2,-1,0,1,2 (mean 3): symmetric, skew 0.
        let (s, k) = skew_kurtosis(&[1.0, 2.0, 3.0, 4.0, 5.0]);
        assert!(s.abs() < 1e-12);
        // Σd²=10, Σd⁴=34, r = 5*34/100 = 1.7; k = ((6)(-1.3)+6)(4)/((3)(2)) = -1.2
        assert!((k + 1.2).abs() < 1e-12, "{k}");
        // [0,0,0,0,10]: mean 2, d = -2 x4, 8; Σd²=80, Σd³=-32+512=480
        // g = sqrt5*480/80^1.5 = 1.5; skew = 1.5*sqrt(20)/3 = 2.2360679...
        let (s, _) = skew_kurtosis(&[0.0, 0.0, 0.0, 0.0, 10.0]);
        assert!((s - 5f64.sqrt()).abs() < 1e-12, "{s}");
    }

    #[test]
    fn one_extreme_point_is_winsorised() {
        // 19 values 1..=19 and one at 1000: strongly skewed; moving 1000 to 19 fixes it.
        let mut v: Vec<f64> = (1..=19).map(f64::from).collect();
        v.push(1000.0);
        let r = treat_outliers_jrc(&mut v);
        assert!(!passes_jrc(r.skew_before, r.kurtosis_before));
        assert_eq!(r.winsorised, 1);
        assert!(!r.log_transformed && r.passes);
        assert_eq!(v[19], 19.0);
        assert_eq!(v[..19], (1..=19).map(f64::from).collect::<Vec<_>>()[..]);
    }

    #[test]
    fn heavy_tail_falls_back_to_the_log_of_the_original() {
        // 1..=90 and ten outliers 1000..=1009: after five winsorised points, ten
        // outliers still stand (skew 2.67, kurtosis 5.32), so the log is taken.
        let orig: Vec<f64> = (1..=90).chain(1000..=1009).map(f64::from).collect();
        let mut v = orig.clone();
        let r = treat_outliers_jrc(&mut v);
        assert!((r.skew_before - 2.670_597_465_088_853).abs() < 1e-9);
        assert!((r.kurtosis_before - 5.320_387_458_917_041_5).abs() < 1e-9);
        assert!(r.log_transformed);
        assert_eq!(r.winsorised, 0);
        assert!(r.points.is_empty());
        assert_eq!(r.log_shift, Some(-1.0 + 0.01 * 1008.0));
        let (lo, hi) = (1.0, 1009.0);
        for (t, o) in v.iter().zip(&orig) {
            assert!((t - (o - lo + 0.01 * (hi - lo)).ln()).abs() < 1e-12);
        }
    }

    #[test]
    fn negative_skew_moves_the_minimum_up_and_missing_is_kept() {
        let mut v: Vec<f64> = (1..=19).map(f64::from).collect();
        v.push(-1000.0);
        v.push(f64::NAN);
        let r = treat_outliers_jrc(&mut v);
        assert!(r.skew_before < -2.0);
        assert_eq!(r.winsorised, 1);
        assert_eq!(
            r.points,
            vec![WinsorisedPoint {
                area: 19,
                original: -1000.0,
                treated: 1.0,
                high: false
            }]
        );
        assert_eq!(v[19], 1.0);
        assert!(v[20].is_nan());
    }

    /// Issue 15, bug 1: x = 1..40, 50, 100, ..., 1600. Each pass moves every copy of
    /// the maximum, so the top four points are winsorised in four passes (4 distinct
    /// points, as COINr counts them) and the indicator then passes; counting every copy
    /// on every pass (1+2+3 = 6 after three) exhausted the budget of 5 and wrongly fell
    /// back to the log transform.
    #[test]
    fn winsorisation_counts_distinct_points() {
        let orig: Vec<f64> = (1..=40)
            .map(f64::from)
            .chain([50.0, 100.0, 200.0, 400.0, 800.0, 1600.0])
            .collect();
        let mut v = orig.clone();
        let r = treat_outliers_jrc(&mut v);
        assert!(!r.log_transformed, "{r:?}");
        assert_eq!(r.treatment(), "winsorised");
        assert_eq!(r.winsorised, 4);
        assert!(r.passes);
        let moved: Vec<(usize, f64, f64)> = r
            .points
            .iter()
            .map(|p| (p.area, p.original, p.treated))
            .collect();
        assert_eq!(
            moved,
            vec![
                (42, 200.0, 100.0),
                (43, 400.0, 100.0),
                (44, 800.0, 100.0),
                (45, 1600.0, 100.0)
            ]
        );
        assert!(r.points.iter().all(|p| p.high));
        assert_eq!(v[..42], orig[..42]);
        assert!(v[42..].iter().all(|&x| x == 100.0));
    }

    #[test]
    fn passing_data_is_untouched() {
        let mut v = vec![1.0, 2.0, 3.0, 4.0, 5.0];
        let r = treat_outliers_jrc(&mut v);
        assert!(r.passes && r.winsorised == 0 && !r.log_transformed);
        assert_eq!(v, vec![1.0, 2.0, 3.0, 4.0, 5.0]);
    }
}
