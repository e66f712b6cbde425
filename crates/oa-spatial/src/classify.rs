//! Map classes: cut a column of values into a few ordered classes for a choropleth legend.
//!
//! Every scheme returns a [`Classification`]: the upper bound of each class (ascending, the
//! last is the maximum) and the class of every value. A value `v` is in the first class `c`
//! with `v <= breaks[c]`, so class 0 runs from the minimum to `breaks[0]` inclusive.
//!
//! Fisher-Jenks is exact: the partition of the sorted distinct values that minimises the
//! within-class sum of squared deviations, found by a dynamic programme whose layers are
//! filled by divide and conquer (the optimal split point is monotone because the
//! squared-deviation cost satisfies the quadrangle inequality), in O(k·n log n).

use crate::SpatialError;

/// Breaks and the class of every value.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    /// Smallest value (the lower bound of class 0).
    pub min: f64,
    /// Upper bound of each class, ascending; the last equals the maximum value.
    pub breaks: Vec<f64>,
    /// Class of each input value, 0-based, in input order.
    pub classes: Vec<usize>,
}

impl Classification {
    /// Number of classes.
    pub fn len(&self) -> usize {
        self.breaks.len()
    }

    /// True when there are no classes (never the case for a successful classification).
    pub fn is_empty(&self) -> bool {
        self.breaks.is_empty()
    }

    /// Number of values in each class.
    pub fn counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.breaks.len()];
        for &c in &self.classes {
            counts[c] += 1;
        }
        counts
    }
}

/// The class of `value` given ascending upper bounds: the first `c` with `value <= breaks[c]`,
/// or the last class for values above every break.
pub fn class_of(breaks: &[f64], value: f64) -> usize {
    let c = breaks.partition_point(|&b| b < value);
    c.min(breaks.len().saturating_sub(1))
}

fn check_values(values: &[f64]) -> Result<(), SpatialError> {
    if values.is_empty() {
        return Err(SpatialError::Empty);
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(SpatialError::NonFinite {
            index: i,
            value: values[i],
        });
    }
    Ok(())
}

fn check_k(k: usize) -> Result<(), SpatialError> {
    if k == 0 {
        Err(SpatialError::NoClasses)
    } else {
        Ok(())
    }
}

fn min_max(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// Assigns classes from ascending breaks; the last break is raised to the maximum if needed.
fn from_breaks(values: &[f64], mut breaks: Vec<f64>) -> Classification {
    let (min, max) = min_max(values);
    breaks.dedup();
    match breaks.last_mut() {
        Some(last) if *last < max => breaks.push(max),
        Some(_) => {}
        None => breaks.push(max),
    }
    let classes = values.iter().map(|&v| class_of(&breaks, v)).collect();
    Classification {
        min,
        breaks,
        classes,
    }
}

/// Sorted copy of the values.
fn sorted(values: &[f64]) -> Vec<f64> {
    let mut s = values.to_vec();
    s.sort_by(f64::total_cmp);
    s
}

/// Linear-interpolation quantile of sorted values (the usual "type 7" definition).
fn quantile_sorted(s: &[f64], q: f64) -> f64 {
    let pos = q * (s.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    s[lo] + (s[hi] - s[lo]) * (pos - lo as f64)
}

/// `k` classes holding (about) equal numbers of values: breaks at the `c/k` quantiles.
/// Tied quantiles are merged, so fewer classes may come back.
pub fn quantiles(values: &[f64], k: usize) -> Result<Classification, SpatialError> {
    check_values(values)?;
    check_k(k)?;
    let s = sorted(values);
    let breaks = (1..=k)
        .map(|c| quantile_sorted(&s, c as f64 / k as f64))
        .collect();
    Ok(from_breaks(values, breaks))
}

/// `k` classes of equal width between the minimum and the maximum.
pub fn equal_interval(values: &[f64], k: usize) -> Result<Classification, SpatialError> {
    check_values(values)?;
    check_k(k)?;
    let (min, max) = min_max(values);
    let width = (max - min) / k as f64;
    let mut breaks: Vec<f64> = (1..k).map(|c| min + width * c as f64).collect();
    breaks.push(max);
    Ok(from_breaks(values, breaks))
}

/// Breaks chosen by the user (ascending); a class up to the maximum is added when values
/// lie above the last break.
pub fn user_defined(values: &[f64], breaks: &[f64]) -> Result<Classification, SpatialError> {
    check_values(values)?;
    if breaks.is_empty() {
        return Err(SpatialError::NoClasses);
    }
    if let Some(i) = breaks
        .windows(2)
        .position(|w| w[0] >= w[1] || !w[1].is_finite())
    {
        return Err(SpatialError::UnsortedBreaks { index: i + 1 });
    }
    if !breaks[0].is_finite() {
        return Err(SpatialError::UnsortedBreaks { index: 0 });
    }
    Ok(from_breaks(values, breaks.to_vec()))
}

/// Head/tail breaks for heavy-tailed data: split at the mean, keep splitting the part above
/// the mean (the head) while it holds less than `head_limit` of its parent (0.4 is usual)
/// and more than one value.
pub fn head_tail(values: &[f64], head_limit: f64) -> Result<Classification, SpatialError> {
    check_values(values)?;
    if !(head_limit > 0.0 && head_limit < 1.0) {
        return Err(SpatialError::Parameter(format!(
            "head_limit {head_limit} must lie in (0, 1), e.g. 0.4"
        )));
    }
    let mut breaks = Vec::new();
    let mut part: Vec<f64> = values.to_vec();
    while part.len() > 1 {
        let mean = part.iter().sum::<f64>() / part.len() as f64;
        let head: Vec<f64> = part.iter().copied().filter(|&v| v > mean).collect();
        if head.is_empty() {
            break;
        }
        breaks.push(mean);
        if head.len() as f64 / part.len() as f64 >= head_limit {
            break;
        }
        part = head;
    }
    Ok(from_breaks(values, breaks))
}

/// Sum of squared deviations from the mean of the distinct values `a..b` (weighted by their
/// multiplicities), from prefix sums of weights, weighted values and weighted squares.
struct Costs {
    w: Vec<f64>,
    s: Vec<f64>,
    ss: Vec<f64>,
}

impl Costs {
    fn new(distinct: &[f64], counts: &[usize]) -> Costs {
        // Centre the data so that the prefix sums do not cancel catastrophically.
        let total: usize = counts.iter().sum();
        let centre = distinct
            .iter()
            .zip(counts)
            .map(|(&v, &c)| v * c as f64)
            .sum::<f64>()
            / total as f64;
        let m = distinct.len();
        let (mut w, mut s, mut ss) = (
            Vec::with_capacity(m + 1),
            Vec::with_capacity(m + 1),
            Vec::with_capacity(m + 1),
        );
        w.push(0.0);
        s.push(0.0);
        ss.push(0.0);
        for (&v, &c) in distinct.iter().zip(counts) {
            let x = v - centre;
            let c = c as f64;
            w.push(w.last().unwrap() + c);
            s.push(s.last().unwrap() + c * x);
            ss.push(ss.last().unwrap() + c * x * x);
        }
        Costs { w, s, ss }
    }

    /// Within-class squared deviations of distinct values `a..b` (`a < b`).
    fn cost(&self, a: usize, b: usize) -> f64 {
        let w = self.w[b] - self.w[a];
        let s = self.s[b] - self.s[a];
        let ss = self.ss[b] - self.ss[a];
        (ss - s * s / w).max(0.0)
    }
}

/// Fills `cur[j]` for `j` in `lo..=hi`, knowing the best split for each lies in
/// `opt_lo..=opt_hi`: `cur[j] = min over i of prev[i] + cost(i, j)`.
#[allow(clippy::too_many_arguments)]
fn fill_layer(
    costs: &Costs,
    prev: &[f64],
    cur: &mut [f64],
    arg: &mut [usize],
    lo: usize,
    hi: usize,
    opt_lo: usize,
    opt_hi: usize,
) {
    if lo > hi {
        return;
    }
    let mid = lo + (hi - lo) / 2;
    let mut best = f64::INFINITY;
    let mut best_i = opt_lo;
    for (i, &before) in prev
        .iter()
        .enumerate()
        .take(opt_hi.min(mid - 1) + 1)
        .skip(opt_lo)
    {
        let v = before + costs.cost(i, mid);
        if v < best {
            best = v;
            best_i = i;
        }
    }
    cur[mid] = best;
    arg[mid] = best_i;
    if mid > lo {
        fill_layer(costs, prev, cur, arg, lo, mid - 1, opt_lo, best_i);
    }
    fill_layer(costs, prev, cur, arg, mid + 1, hi, best_i, opt_hi);
}

/// The optimal split of `m` weighted distinct values into `k` contiguous classes: returns
/// the exclusive end index of each class and the total within-class squared deviations.
fn optimal_partition(costs: &Costs, m: usize, k: usize) -> (Vec<usize>, f64) {
    // layer c (1-based classes): dp[j] = best cost of the first j distinct values in c classes.
    let mut prev: Vec<f64> = (0..=m)
        .map(|j| if j == 0 { 0.0 } else { costs.cost(0, j) })
        .collect();
    let mut args: Vec<Vec<usize>> = Vec::with_capacity(k);
    args.push(vec![0; m + 1]);
    for c in 2..=k {
        let mut cur = vec![f64::INFINITY; m + 1];
        let mut arg = vec![0; m + 1];
        // j values in c classes need j >= c; the last class starts at i >= c - 1.
        fill_layer(costs, &prev, &mut cur, &mut arg, c, m, c - 1, m - 1);
        args.push(arg);
        prev = cur;
    }
    let total = prev[m];
    let mut ends = vec![0; k];
    let mut j = m;
    for c in (0..k).rev() {
        ends[c] = j;
        j = args[c][j];
    }
    (ends, total)
}

/// Exact Fisher-Jenks natural breaks into `k` classes: the partition of the sorted values
/// into contiguous classes with the least total within-class sum of squared deviations.
/// Equal values always share a class; with fewer than `k` distinct values each distinct
/// value gets its own class.
pub fn fisher_jenks(values: &[f64], k: usize) -> Result<Classification, SpatialError> {
    Ok(fisher_jenks_with_cost(values, k)?.0)
}

/// [`fisher_jenks`] together with the optimal total within-class sum of squared deviations.
pub fn fisher_jenks_with_cost(
    values: &[f64],
    k: usize,
) -> Result<(Classification, f64), SpatialError> {
    check_values(values)?;
    check_k(k)?;
    let s = sorted(values);
    let mut distinct: Vec<f64> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    for &v in &s {
        if distinct.last() == Some(&v) {
            *counts.last_mut().unwrap() += 1;
        } else {
            distinct.push(v);
            counts.push(1);
        }
    }
    let m = distinct.len();
    let k = k.min(m);
    let costs = Costs::new(&distinct, &counts);
    let (ends, total) = optimal_partition(&costs, m, k);
    let breaks = ends.iter().map(|&e| distinct[e - 1]).collect();
    Ok((from_breaks(values, breaks), total))
}

/// Total within-class sum of squared deviations of a classification (for comparing schemes).
pub fn within_class_squares(values: &[f64], classes: &[usize], k: usize) -> f64 {
    let mut n = vec![0.0; k];
    let mut sum = vec![0.0; k];
    for (&v, &c) in values.iter().zip(classes) {
        n[c] += 1.0;
        sum[c] += v;
    }
    values
        .iter()
        .zip(classes)
        .map(|(&v, &c)| {
            let d = v - sum[c] / n[c];
            d * d
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Brute force: the least within-class squares over every split of the sorted values
    /// into `k` non-empty contiguous runs.
    fn brute_force(values: &[f64], k: usize) -> f64 {
        let s = sorted(values);
        fn sse(x: &[f64]) -> f64 {
            let m = x.iter().sum::<f64>() / x.len() as f64;
            x.iter().map(|v| (v - m) * (v - m)).sum()
        }
        fn go(x: &[f64], k: usize) -> f64 {
            if k == 1 {
                return sse(x);
            }
            (1..=x.len() - (k - 1))
                .map(|i| sse(&x[..i]) + go(&x[i..], k - 1))
                .fold(f64::INFINITY, f64::min)
        }
        go(&s, k)
    }

    #[test]
    fn jenks_known_small_example() {
        // Three obvious groups: the optimum is unique.
        let v = [1.0, 2.0, 3.0, 10.0, 11.0, 12.0, 20.0, 21.0, 22.0, 23.0];
        let (c, total) = fisher_jenks_with_cost(&v, 3).unwrap();
        assert_eq!(c.breaks, vec![3.0, 12.0, 23.0]);
        assert_eq!(c.classes, vec![0, 0, 0, 1, 1, 1, 2, 2, 2, 2]);
        // 2 + 2 + 5 by hand.
        assert!((total - 9.0).abs() < 1e-9);
    }

    #[test]
    fn jenks_keeps_ties_together_and_caps_classes() {
        let v = [5.0, 5.0, 5.0, 1.0, 1.0];
        let c = fisher_jenks(&v, 4).unwrap();
        assert_eq!(c.breaks, vec![1.0, 5.0]);
        assert_eq!(c.classes, vec![1, 1, 1, 0, 0]);
        // {0,1,1,2} in two classes: splitting the ties (cost 1) is worse than {0},{1,1,2}.
        let (c, total) = fisher_jenks_with_cost(&[0.0, 1.0, 1.0, 2.0], 2).unwrap();
        assert!((total - 2.0 / 3.0).abs() < 1e-12, "{total}");
        assert_eq!(c.counts(), vec![1, 3]);
    }

    #[test]
    fn bad_input_is_an_error() {
        assert_eq!(fisher_jenks(&[], 3), Err(SpatialError::Empty));
        assert_eq!(fisher_jenks(&[1.0], 0), Err(SpatialError::NoClasses));
        assert!(matches!(
            quantiles(&[1.0, f64::NAN], 2),
            Err(SpatialError::NonFinite { index: 1, .. })
        ));
        assert!(matches!(
            user_defined(&[1.0], &[3.0, 2.0]),
            Err(SpatialError::UnsortedBreaks { index: 1 })
        ));
        assert!(head_tail(&[1.0], 1.5).is_err());
    }

    #[test]
    fn quantiles_equal_counts() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        let c = quantiles(&v, 4).unwrap();
        assert_eq!(c.counts(), vec![5, 5, 5, 5]);
        assert_eq!(c.breaks[3], 20.0);
        assert!((c.breaks[0] - 5.75).abs() < 1e-12);
    }

    #[test]
    fn equal_interval_widths() {
        let v = [0.0, 1.0, 4.9, 5.0, 5.1, 10.0];
        let c = equal_interval(&v, 2).unwrap();
        assert_eq!(c.breaks, vec![5.0, 10.0]);
        assert_eq!(c.classes, vec![0, 0, 0, 0, 1, 1]);
    }

    #[test]
    fn user_defined_adds_the_maximum() {
        let c = user_defined(&[1.0, 2.0, 3.0, 9.0], &[2.0, 5.0]).unwrap();
        assert_eq!(c.breaks, vec![2.0, 5.0, 9.0]);
        assert_eq!(c.classes, vec![0, 0, 1, 2]);
    }

    #[test]
    fn head_tail_on_a_power_law() {
        // 1, 1/2, ..., 1/10: mean 0.2929 -> head {1, 1/2, 1/3} (3 of 10 < 40%),
        // mean 0.6111 -> head {1} (1 of 3 < 40%), a single value: stop.
        let v: Vec<f64> = (1..=10).map(|i| 1.0 / f64::from(i)).collect();
        let c = head_tail(&v, 0.4).unwrap();
        assert_eq!(c.len(), 3);
        assert!((c.breaks[0] - v.iter().sum::<f64>() / 10.0).abs() < 1e-12);
        assert!((c.breaks[1] - (1.0 + 0.5 + 1.0 / 3.0) / 3.0).abs() < 1e-12);
        assert_eq!(c.breaks[2], 1.0);
        assert_eq!(c.counts(), vec![7, 2, 1]);
        // A head of 40% or more stops at the first split.
        let even = head_tail(&[1.0, 2.0, 3.0, 4.0], 0.4).unwrap();
        assert_eq!(even.breaks, vec![2.5, 4.0]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn jenks_matches_brute_force(
            v in prop::collection::vec(-50i32..50, 1..12),
            k in 1usize..5,
        ) {
            let v: Vec<f64> = v.into_iter().map(|x| f64::from(x) / 4.0).collect();
            let (c, total) = fisher_jenks_with_cost(&v, k).unwrap();
            let mut distinct = sorted(&v);
            distinct.dedup();
            let k_eff = k.min(distinct.len());
            let best = brute_force(&v, k_eff);
            prop_assert!((total - best).abs() < 1e-9, "dp {} brute {}", total, best);
            // The classes it reports really achieve that cost.
            let achieved = within_class_squares(&v, &c.classes, c.len());
            prop_assert!((achieved - best).abs() < 1e-9);
            prop_assert_eq!(c.len(), k_eff);
            prop_assert!(c.counts().iter().all(|&n| n > 0));
        }

        #[test]
        fn classes_respect_breaks(
            v in prop::collection::vec(-1000.0f64..1000.0, 1..60),
            k in 1usize..7,
        ) {
            for c in [
                quantiles(&v, k).unwrap(),
                equal_interval(&v, k).unwrap(),
                fisher_jenks(&v, k).unwrap(),
                head_tail(&v, 0.4).unwrap(),
            ] {
                prop_assert!(c.breaks.windows(2).all(|w| w[0] < w[1]));
                prop_assert_eq!(*c.breaks.last().unwrap(), v.iter().cloned().fold(f64::MIN, f64::max));
                for (&x, &cl) in v.iter().zip(&c.classes) {
                    prop_assert!(x <= c.breaks[cl]);
                    if cl > 0 {
                        prop_assert!(x > c.breaks[cl - 1]);
                    }
                }
            }
        }
    }
}
