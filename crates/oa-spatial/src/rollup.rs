//! Small-area roll-ups: summarise a small-area index (LSOAs) over larger areas (districts)
//! the way the English Indices of Deprivation do (METHODS.md section 3).
//!
//! Small-area ranks run from 1 (most deprived) to `N` (least deprived) nationally. For the
//! rank-based measures the ranks are reversed (`N + 1 - rank`) so that a higher number means
//! more deprived, as the IoD does. Every measure is then ranked across the larger areas with
//! rank 1 = most deprived, ties sharing the lowest rank.

use crate::SpatialError;

/// One small area: the larger area it lies in, its score, national rank and population.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SmallArea {
    /// Index of the enclosing larger area (`0..n_districts`).
    pub district: usize,
    pub score: f64,
    /// National rank, 1 = most deprived, up to the number of small areas.
    pub rank: usize,
    pub population: f64,
}

/// The summaries of one larger area.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DistrictSummary {
    /// Population-weighted mean of the small-area scores.
    pub average_score: f64,
    /// Population-weighted mean of the reversed ranks (higher = more deprived).
    pub average_rank: f64,
    /// Share of the district's small areas (by count) in the most deprived 10% nationally.
    pub proportion_most_deprived_10pc: f64,
    /// Weighted population share in the most deprived 30% (weights: 1 up to the 10th
    /// percentile, then 0.95 at the 11th falling linearly to 0.05 at the 30th).
    pub extent: f64,
    /// Population-weighted mean reversed rank of the district's most deprived small areas
    /// holding exactly 10% of its population (the last one counted in part).
    pub local_concentration: f64,
}

/// Ranks of each summary across the districts (1 = most deprived).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DistrictRanks {
    pub average_score: usize,
    pub average_rank: usize,
    pub proportion_most_deprived_10pc: usize,
    pub extent: usize,
    pub local_concentration: usize,
}

/// National percentile of a rank, 1 = the most deprived 1%: `ceil(100·rank/N)`.
pub fn percentile(rank: usize, n: usize) -> usize {
    (100 * rank).div_ceil(n)
}

/// True when the rank lies in the most deprived 10% nationally (decile 1:
/// `10·rank <= N`, ranks 1 to 3,284 of 32,844).
pub fn in_most_deprived_decile(rank: usize, n: usize) -> bool {
    10 * rank <= n
}

/// Weight of a percentile in the extent measure: 1 for percentiles 1-10, then falling in
/// equal steps from 0.95 at the 11th to 0.05 at the 30th, 0 beyond.
pub fn extent_weight(percentile: usize) -> f64 {
    match percentile {
        0..=10 => 1.0,
        11..=30 => 0.95 - (percentile - 11) as f64 * (0.90 / 19.0),
        _ => 0.0,
    }
}

/// Summarises small areas over `n_districts` larger areas. `N` (for reversing ranks and
/// for the national 10%) is the number of small areas given, so pass the whole country.
///
/// `higher_score_is_worse` orients the ranking of `average_score` (true for the IMD).
pub fn roll_up(
    small: &[SmallArea],
    n_districts: usize,
    higher_score_is_worse: bool,
) -> Result<Vec<(DistrictSummary, DistrictRanks)>, SpatialError> {
    let n = small.len();
    if n == 0 {
        return Err(SpatialError::Empty);
    }
    for (i, a) in small.iter().enumerate() {
        if a.district >= n_districts {
            return Err(SpatialError::Rollup(format!(
                "small area {i} points at district {} of {n_districts}",
                a.district
            )));
        }
        if a.rank == 0 || a.rank > n {
            return Err(SpatialError::Rollup(format!(
                "small area {i} has rank {}; ranks run from 1 to {n}",
                a.rank
            )));
        }
        if !(a.population.is_finite() && a.population >= 0.0) {
            return Err(SpatialError::Rollup(format!(
                "small area {i} has population {}; it must be a number >= 0",
                a.population
            )));
        }
        if !a.score.is_finite() {
            return Err(SpatialError::NonFinite {
                index: i,
                value: a.score,
            });
        }
    }
    let mut members: Vec<Vec<&SmallArea>> = vec![Vec::new(); n_districts];
    for a in small {
        members[a.district].push(a);
    }
    let reversed = |rank: usize| (n + 1 - rank) as f64;
    let mut summaries = Vec::with_capacity(n_districts);
    for (d, list) in members.iter_mut().enumerate() {
        let pop: f64 = list.iter().map(|a| a.population).sum();
        if list.is_empty() || pop <= 0.0 {
            return Err(SpatialError::Rollup(format!(
                "district {d} has no small areas with population"
            )));
        }
        let weighted = |f: &dyn Fn(&SmallArea) -> f64| {
            list.iter().map(|a| a.population * f(a)).sum::<f64>() / pop
        };
        let average_score = weighted(&|a| a.score);
        let average_rank = weighted(&|a| reversed(a.rank));
        let in_decile = list
            .iter()
            .filter(|a| in_most_deprived_decile(a.rank, n))
            .count();
        let proportion = in_decile as f64 / list.len() as f64;
        let extent = weighted(&|a| extent_weight(percentile(a.rank, n)));
        // Most deprived first; the last small area needed counts only in part. Offsets
        // from the first (highest) reversed rank are never positive, so the mean cannot
        // round above it, and one contributing area gives its rank exactly.
        list.sort_by_key(|a| a.rank);
        let target = 0.1 * pop;
        let top = reversed(list[0].rank);
        let (mut held, mut offset_sum) = (0.0, 0.0);
        for a in list.iter() {
            let take = a.population.min(target - held);
            if take <= 0.0 {
                break;
            }
            held += take;
            offset_sum += take * (reversed(a.rank) - top);
        }
        summaries.push(DistrictSummary {
            average_score,
            average_rank,
            proportion_most_deprived_10pc: proportion,
            extent,
            local_concentration: top + offset_sum / held,
        });
    }
    let score_sign = if higher_score_is_worse { 1.0 } else { -1.0 };
    let r_score = rank_descending(
        &summaries
            .iter()
            .map(|s| score_sign * s.average_score)
            .collect::<Vec<_>>(),
    );
    let r_rank = rank_descending(&summaries.iter().map(|s| s.average_rank).collect::<Vec<_>>());
    let r_prop = rank_descending(
        &summaries
            .iter()
            .map(|s| s.proportion_most_deprived_10pc)
            .collect::<Vec<_>>(),
    );
    let r_extent = rank_descending(&summaries.iter().map(|s| s.extent).collect::<Vec<_>>());
    let r_lc = rank_descending(
        &summaries
            .iter()
            .map(|s| s.local_concentration)
            .collect::<Vec<_>>(),
    );
    Ok(summaries
        .into_iter()
        .enumerate()
        .map(|(i, s)| {
            (
                s,
                DistrictRanks {
                    average_score: r_score[i],
                    average_rank: r_rank[i],
                    proportion_most_deprived_10pc: r_prop[i],
                    extent: r_extent[i],
                    local_concentration: r_lc[i],
                },
            )
        })
        .collect())
}

/// Rank 1 = the largest value; ties share the smallest rank ('min'), so the next value
/// skips (1, 2, 2, 4).
pub fn rank_descending(values: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    let mut ranks = vec![0; values.len()];
    for (pos, &i) in order.iter().enumerate() {
        ranks[i] = if pos > 0 && values[order[pos - 1]] == values[i] {
            ranks[order[pos - 1]]
        } else {
            pos + 1
        };
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(district: usize, score: f64, rank: usize, population: f64) -> SmallArea {
        SmallArea {
            district,
            score,
            rank,
            population,
        }
    }

    #[test]
    fn percentiles_and_weights() {
        assert_eq!(percentile(1, 32_844), 1);
        assert_eq!(percentile(3_284, 32_844), 10);
        assert_eq!(percentile(3_285, 32_844), 11);
        assert!(in_most_deprived_decile(3_284, 32_844));
        assert!(!in_most_deprived_decile(3_285, 32_844));
        assert_eq!(extent_weight(10), 1.0);
        assert!((extent_weight(11) - 0.95).abs() < 1e-12);
        assert!((extent_weight(30) - 0.05).abs() < 1e-12);
        assert!((extent_weight(20) - (0.95 - 9.0 * 0.9 / 19.0)).abs() < 1e-12);
        assert_eq!(extent_weight(31), 0.0);
    }

    #[test]
    fn rank_ties_take_the_minimum() {
        assert_eq!(rank_descending(&[3.0, 5.0, 5.0, 1.0]), vec![3, 1, 1, 4]);
    }

    #[test]
    fn constructed_country_of_100_small_areas() {
        // 100 small areas ranked 1..100; district 0 holds ranks 1, 15, 25, 50,
        // district 1 holds the rest. Populations: 100 each except rank 1 (300).
        let mut small = Vec::new();
        for rank in 1..=100 {
            let d = usize::from(matches!(rank, 1 | 15 | 25 | 50)) ^ 1;
            let pop = if rank == 1 { 300.0 } else { 100.0 };
            small.push(area(d, 101.0 - rank as f64, rank, pop));
        }
        let out = roll_up(&small, 2, true).unwrap();
        let (d0, r0) = out[0];
        // Population 600. Scores 100, 86, 76, 51 with weights 3, 1, 1, 1.
        assert!((d0.average_score - (300.0 + 86.0 + 76.0 + 51.0) / 6.0).abs() < 1e-12);
        // Reversed ranks: 100, 86, 76, 51.
        assert!((d0.average_rank - (300.0 + 86.0 + 76.0 + 51.0) / 6.0).abs() < 1e-12);
        // One of four small areas is in the national top 10 (ranks 1-10).
        assert_eq!(d0.proportion_most_deprived_10pc, 0.25);
        // Extent: percentile 1 (w 1, pop 300), 15 (0.95 - 4·0.9/19), 25 (0.95 - 14·0.9/19),
        // 50 (0), over 600.
        let e = (300.0 + 100.0 * (0.95 - 4.0 * 0.9 / 19.0) + 100.0 * (0.95 - 14.0 * 0.9 / 19.0))
            / 600.0;
        assert!((d0.extent - e).abs() < 1e-12);
        // Local concentration: 10% of 600 = 60 people, all in the rank-1 area: 100.
        assert!((d0.local_concentration - 100.0).abs() < 1e-12);
        assert_eq!(r0.average_score, 1);
        assert_eq!(r0.local_concentration, 1);

        let (d1, r1) = out[1];
        // District 1: 96 areas of 100 people; 10% = 960 people = the 9 most deprived
        // (ranks 2..10) and 60 of the 10th (rank 11).
        let lc = (100.0 * (91..=99).map(f64::from).sum::<f64>() + 60.0 * 90.0) / 960.0;
        assert!((d1.local_concentration - lc).abs() < 1e-9);
        assert!((d1.proportion_most_deprived_10pc - 9.0 / 96.0).abs() < 1e-12);
        assert_eq!(r1.proportion_most_deprived_10pc, 2);
        assert_eq!(r1.extent, 2);
    }

    #[test]
    fn a_tenth_inside_one_small_area_is_that_area_s_rank_exactly() {
        // District 0 has one person in the rank-1 area of 3; its most deprived tenth
        // (0.1 of a person) lies inside that area, so its local concentration is the
        // area's reversed rank, 3, exactly (0.1 x 3 / 0.1 in floats is 3.0000000000000004).
        let small = vec![
            area(0, 3.0, 1, 1.0),
            area(1, 2.0, 2, 1.0),
            area(1, 1.0, 3, 1.0),
        ];
        let out = roll_up(&small, 2, true).unwrap();
        assert_eq!(out[0].0.local_concentration, 3.0);
    }

    #[test]
    fn score_orientation_and_errors() {
        let small = vec![area(0, 1.0, 1, 10.0), area(1, 2.0, 2, 10.0)];
        let worse = roll_up(&small, 2, true).unwrap();
        assert_eq!(worse[1].1.average_score, 1);
        let better = roll_up(&small, 2, false).unwrap();
        assert_eq!(better[0].1.average_score, 1);
        assert!(roll_up(&small, 3, true).is_err(), "district 2 is empty");
        assert!(
            roll_up(&[area(0, 1.0, 2, 1.0)], 1, true).is_err(),
            "rank > N"
        );
        assert!(roll_up(&[area(0, 1.0, 1, -1.0)], 1, true).is_err());
        assert!(roll_up(&[], 1, true).is_err());
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Shares lie in [0, 1]; the local concentration (the most deprived tenth of the
        /// population) is at least the average rank; every measure's ranks start at 1.
        #[test]
        fn summaries_are_bounded_and_consistent(
            areas in prop::collection::vec((0usize..4, 1u32..500), 8..60),
        ) {
            let n = areas.len();
            // A national ranking: a permutation of 1..=n from the order drawn.
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by_key(|&i| (areas[i].1, i));
            let mut rank = vec![0; n];
            for (pos, &i) in order.iter().enumerate() {
                rank[i] = pos + 1;
            }
            let mut districts: Vec<usize> = areas.iter().map(|a| a.0).collect();
            // Every district gets at least one small area.
            for (d, slot) in districts.iter_mut().take(4).enumerate() {
                *slot = d;
            }
            let small: Vec<SmallArea> = (0..n)
                .map(|i| area(districts[i], -(rank[i] as f64), rank[i], f64::from(areas[i].1)))
                .collect();
            let out = roll_up(&small, 4, true).unwrap();
            for (s, r) in &out {
                prop_assert!((0.0..=1.0).contains(&s.proportion_most_deprived_10pc));
                prop_assert!((0.0..=1.0).contains(&s.extent));
                prop_assert!(s.average_rank >= 1.0 && s.average_rank <= n as f64);
                prop_assert!(s.local_concentration >= s.average_rank - 1e-9);
                prop_assert!(s.local_concentration <= n as f64);
                for k in [r.average_score, r.average_rank, r.proportion_most_deprived_10pc, r.extent, r.local_concentration] {
                    prop_assert!((1..=4).contains(&k));
                }
            }
            prop_assert!(out.iter().any(|(_, r)| r.average_rank == 1));
        }
    }
}
