//! Coverage, screening and imputation of missing values (METHODS.md 1.2).

use oa_model::study::Imputation;

/// Share of the indicators present (not `NaN`) for each area, over `columns`
/// (indicator-major). An area with no indicators has coverage 0.
pub fn coverage(columns: &[Vec<f64>]) -> Vec<f64> {
    let n = columns.first().map_or(0, Vec::len);
    let k = columns.len();
    let mut present = vec![0u32; n];
    for col in columns {
        for (p, v) in present.iter_mut().zip(col) {
            *p += u32::from(!v.is_nan());
        }
    }
    present
        .into_iter()
        .map(|p| if k == 0 { 0.0 } else { p as f64 / k as f64 })
        .collect()
}

/// Areas kept by screening: coverage at least `min_coverage` and some data at all.
/// An area with no value in any indicator is dropped before imputation whatever the
/// threshold: imputing all of its values would score it on nothing but other areas'
/// data. Returns (kept, dropped) positions.
pub fn screen(coverage: &[f64], min_coverage: f64) -> (Vec<usize>, Vec<usize>) {
    // Coverage is a ratio of small integers: a little slack keeps a threshold computed
    // as the same ratio (e.g. 2/3) from failing on rounding.
    (0..coverage.len()).partition(|&a| coverage[a] > 0.0 && coverage[a] + 1e-9 >= min_coverage)
}

/// The median of the non-missing values (mean of the middle two for an even count),
/// `NaN` when there are none. Reorders nothing: works on a copy.
pub fn median(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    median_in_place(&mut v)
}

/// Median of `v` (no `NaN` inside), reordering it.
pub(crate) fn median_in_place(v: &mut [f64]) -> f64 {
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    let (_, &mut hi, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    if n % 2 == 1 {
        hi
    } else {
        let lo = v[..n / 2].iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo + hi) / 2.0
    }
}

/// Fills the missing values of one column with its mean or median (of the values
/// present). Returns the filled positions and the value used. Group imputations and
/// `None` fill nothing here (see [`impute_within_groups`]).
pub fn impute(values: &mut [f64], how: Imputation) -> (Vec<usize>, f64) {
    let fill = match how {
        Imputation::Mean => crate::normalise::mean_sd(values).0,
        Imputation::Median => median(values),
        Imputation::None | Imputation::GroupMean | Imputation::GroupMedian => {
            return (Vec::new(), f64::NAN);
        }
    };
    if fill.is_nan() {
        return (Vec::new(), fill);
    }
    let mut filled = Vec::new();
    for (a, v) in values.iter_mut().enumerate() {
        if v.is_nan() {
            *v = fill;
            filled.push(a);
        }
    }
    (filled, fill)
}

/// Fills each missing raw value from the same area's values of its siblings `members`
/// (indicator positions sharing a parent), in the indicators' own units, before outlier
/// treatment and normalisation (METHODS.md 1.2 comes before 1.3).
///
/// Siblings are in different units, so each is first put on [0, 1] by min-max over the
/// areas (reversed where `reversed[i]`, so 1 is always the score's high end); a missing
/// cell gets the mean (or median) of the area's present siblings on that scale, mapped
/// back through the indicator's own min-max. This is COINr's row-wise imputation within
/// aggregation groups with `normalise_first`. Values present before the call are the
/// only ones used; a sibling with no spread (or no values) takes no part. Returns (area,
/// indicator, value) for every cell filled; a cell whose siblings are all missing stays
/// `NaN`.
pub fn impute_within_groups(
    columns: &mut [Vec<f64>],
    members: &[usize],
    reversed: &[bool],
    use_median: bool,
) -> Vec<(usize, usize, f64)> {
    let n = columns.first().map_or(0, Vec::len);
    // (min, range) of each member; range 0 means it cannot be scaled.
    let scales: Vec<Option<(f64, f64)>> = members
        .iter()
        .map(|&i| {
            crate::normalise::min_max(&columns[i])
                .map(|(lo, hi)| (lo, hi - lo))
                .filter(|(_, range)| *range > 0.0 && range.is_finite())
        })
        .collect();
    let scaled = |m: usize, x: f64| -> Option<f64> {
        let (lo, range) = scales[m]?;
        let u = (x - lo) / range;
        Some(if reversed[members[m]] { 1.0 - u } else { u })
    };
    let mut filled = Vec::new();
    let mut present = Vec::with_capacity(members.len());
    let mut missing = Vec::with_capacity(members.len());
    for a in 0..n {
        present.clear();
        missing.clear();
        for (m, &i) in members.iter().enumerate() {
            let x = columns[i][a];
            if x.is_nan() {
                missing.push(m);
            } else if let Some(u) = scaled(m, x) {
                present.push(u);
            }
        }
        if missing.is_empty() || present.is_empty() {
            continue;
        }
        let fill = if use_median {
            median_in_place(&mut present)
        } else {
            present.iter().sum::<f64>() / present.len() as f64
        };
        for &m in &missing {
            let i = members[m];
            let value = match scales[m] {
                Some((lo, range)) => {
                    let u = if reversed[i] { 1.0 - fill } else { fill };
                    lo + u * range
                }
                // No spread: the one value it has is the only sensible fill.
                None => match crate::normalise::min_max(&columns[i]) {
                    Some((lo, _)) => lo,
                    None => continue,
                },
            };
            filled.push((a, i, value));
        }
    }
    // Fill after the pass so every fill uses only values present before the call.
    for &(a, i, v) in &filled {
        columns[i][a] = v;
    }
    filled.sort_by_key(|&(a, i, _)| (a, i));
    filled
}

#[cfg(test)]
mod tests {
    use super::*;
    const NAN: f64 = f64::NAN;

    #[test]
    fn coverage_and_screening() {
        let cols = vec![
            vec![1.0, NAN, NAN],
            vec![2.0, 3.0, NAN],
            vec![NAN, 1.0, NAN],
        ];
        let c = coverage(&cols);
        assert_eq!(c, vec![2.0 / 3.0, 2.0 / 3.0, 0.0]);
        assert_eq!(screen(&c, 0.0), (vec![0, 1], vec![2]));
        assert_eq!(screen(&c, 2.0 / 3.0), (vec![0, 1], vec![2]));
        assert_eq!(screen(&c, 0.7), (vec![], vec![0, 1, 2]));
    }

    #[test]
    fn mean_and_median_imputation() {
        let mut v = vec![1.0, NAN, 2.0, 9.0];
        assert_eq!(impute(&mut v, Imputation::Mean), (vec![1], 4.0));
        assert_eq!(v[1], 4.0);
        let mut v = vec![1.0, NAN, 2.0, 9.0, 4.0];
        assert_eq!(impute(&mut v, Imputation::Median), (vec![1], 3.0));
        let mut v = vec![1.0, NAN];
        assert_eq!(impute(&mut v, Imputation::None).0, Vec::<usize>::new());
        assert!(v[1].is_nan());
    }

    #[test]
    fn group_imputation_uses_the_area_siblings_in_raw_units() {
        // Three siblings on different scales; indicator 1 runs the other way.
        // a: 0..10, b: 100..0 (reversed), c: 1..3.
        let mut cols = vec![
            vec![0.0, 10.0, 5.0, NAN],
            vec![100.0, 0.0, NAN, 25.0],
            vec![1.0, 3.0, 2.0, NAN],
            vec![7.0, NAN, 7.0, 7.0],
        ];
        let reversed = [false, true, false, false];
        let filled = impute_within_groups(&mut cols, &[0, 1, 2], &reversed, false);
        // Area 2: a = 0.5, c = 0.5 on [0, 1]; b reversed: 0.5 -> 100 - 50 = 50.
        // Area 3: b = 25 -> 1 - 0.25 = 0.75 on the score's scale; a = 7.5, c = 2.5.
        assert_eq!(filled, vec![(2, 1, 50.0), (3, 0, 7.5), (3, 2, 2.5)]);
        assert_eq!(cols[1][2], 50.0);
        // A member with no spread is filled with its one value.
        let filled = impute_within_groups(&mut cols, &[2, 3], &reversed, true);
        assert_eq!(filled, vec![(1, 3, 7.0)]);
        // Nothing present among the siblings: the cell stays missing.
        let mut cols = vec![vec![NAN, 1.0], vec![NAN, 2.0]];
        assert!(impute_within_groups(&mut cols, &[0, 1], &[false, false], false).is_empty());
        assert!(cols[0][0].is_nan());
    }
}
