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

/// Areas kept by screening: coverage at least `min_coverage` and some data at all (an
/// area with no value cannot be scored). Returns (kept, dropped) positions.
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

/// Fills each missing normalised value with the mean (or median) of the same area's
/// other values among its siblings `members` (indicator positions sharing a parent).
/// Values present before the call are the only ones used. Returns (area, indicator,
/// value) for every cell filled; a cell whose siblings are all missing stays `NaN`.
pub fn impute_within_groups(
    columns: &mut [Vec<f64>],
    members: &[usize],
    use_median: bool,
) -> Vec<(usize, usize, f64)> {
    let n = columns.first().map_or(0, Vec::len);
    let mut filled = Vec::new();
    let mut present = Vec::with_capacity(members.len());
    #[allow(clippy::needless_range_loop)] // `a` indexes several columns at once
    for a in 0..n {
        if members.iter().all(|&i| !columns[i][a].is_nan()) {
            continue;
        }
        present.clear();
        present.extend(
            members
                .iter()
                .map(|&i| columns[i][a])
                .filter(|v| !v.is_nan()),
        );
        if present.is_empty() {
            continue;
        }
        let fill = if use_median {
            median_in_place(&mut present)
        } else {
            present.iter().sum::<f64>() / present.len() as f64
        };
        for &i in members {
            if columns[i][a].is_nan() {
                columns[i][a] = fill;
                filled.push((a, i, fill));
            }
        }
    }
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
    fn group_imputation_uses_the_area_siblings() {
        let mut cols = vec![
            vec![1.0, NAN, NAN],
            vec![3.0, 2.0, NAN],
            vec![NAN, 6.0, NAN],
            vec![100.0, 100.0, 100.0],
        ];
        let filled = impute_within_groups(&mut cols, &[0, 1, 2], false);
        assert_eq!(filled, vec![(0, 2, 2.0), (1, 0, 4.0)]);
        assert!(cols[0][2].is_nan());
        let mut cols = vec![vec![NAN], vec![1.0], vec![2.0], vec![9.0]];
        impute_within_groups(&mut cols, &[0, 1, 2, 3], true);
        assert_eq!(cols[0][0], 2.0);
    }
}
