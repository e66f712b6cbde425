//! Invariants of the primitives under random input (modest case counts: debug builds).

use oa_engine::{aggregate, named_bands, normalise, quantile_bands, rank_min};
use oa_model::study::{Aggregation, End, NamedBand, Normalisation};
use proptest::prelude::*;

/// Values with ties and missing cells: small integers (many ties) or NaN.
fn values(max_len: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(
        prop_oneof![8 => (-20i32..20).prop_map(|v| f64::from(v) / 2.0), 1 => Just(f64::NAN)],
        1..max_len,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Rank = 1 + number of strictly better values; ranks form a permutation up to ties.
    #[test]
    fn ranks_are_a_permutation_up_to_ties(v in values(200), highest_first in any::<bool>()) {
        let r = rank_min(&v, highest_first);
        for (i, &x) in v.iter().enumerate() {
            if x.is_nan() {
                prop_assert_eq!(r[i], 0);
                continue;
            }
            let better = v.iter().filter(|&&y| if highest_first { y > x } else { y < x }).count();
            prop_assert_eq!(r[i] as usize, better + 1);
        }
        let mut sorted: Vec<u32> = r.iter().copied().filter(|&x| x > 0).collect();
        sorted.sort_unstable();
        for (pos, &rank) in sorted.iter().enumerate() {
            // A rank is the position of the first of its ties.
            prop_assert!(rank as usize <= pos + 1);
            prop_assert_eq!(rank as usize, sorted.iter().position(|&x| x == rank).unwrap() + 1);
        }
    }

    /// Named bands hold exactly their declared size, at their end of the ranking.
    #[test]
    fn band_sizes_are_as_declared(v in values(200), share in 0.01f64..1.0, count in 1usize..20) {
        let r = rank_min(&v, true);
        let n = r.iter().filter(|&&x| x > 0).count();
        prop_assume!(n >= count);
        let worst = NamedBand { name: "worst".into(), end: End::Worst, share: Some(share), count: None };
        let best = NamedBand { name: "best".into(), end: End::Best, share: None, count: Some(count) };
        for (band, size) in [(worst.clone(), worst.size(n)), (best, count)] {
            let at_rank_1_end = band.end == End::Worst;
            let b = named_bands(&r, &[band], End::Worst).unwrap();
            let inside: Vec<u32> = (0..r.len()).filter(|&i| b[i].is_some()).map(|i| r[i]).collect();
            let outside: Vec<u32> = (0..r.len()).filter(|&i| b[i].is_none() && r[i] > 0).map(|i| r[i]).collect();
            prop_assert_eq!(inside.len(), size);
            prop_assert!(inside.iter().all(|&x| x > 0));
            if let (Some(&max_in), Some(&min_in), Some(&max_out), Some(&min_out)) =
                (inside.iter().max(), inside.iter().min(), outside.iter().max(), outside.iter().min())
            {
                if at_rank_1_end {
                    prop_assert!(max_in <= min_out);
                } else {
                    prop_assert!(min_in >= max_out);
                }
            }
        }
        let q = quantile_bands(&r, 1).unwrap();
        prop_assert!(q.iter().zip(&r).all(|(&q, &r)| (q == 0) == (r == 0)));
    }

    /// Min-max lands in [low, high]; percentile rank in [0, 1]; goalposts in [0, 1].
    #[test]
    fn normalisation_ranges(v in values(100), low in -50.0f64..50.0, width in 0.5f64..100.0) {
        let present = v.iter().filter(|x| !x.is_nan()).count();
        let distinct = {
            let mut p: Vec<f64> = v.iter().copied().filter(|x| !x.is_nan()).collect();
            p.sort_by(f64::total_cmp);
            p.dedup();
            p.len()
        };
        let high = low + width;
        if distinct >= 2 {
            let m = normalise(&v, &Normalisation::MinMax { low, high }, None).unwrap();
            for (x, y) in v.iter().zip(&m) {
                prop_assert_eq!(x.is_nan(), y.is_nan());
                if !y.is_nan() {
                    prop_assert!(*y >= low - 1e-9 && *y <= high + 1e-9);
                }
            }
        }
        if present >= 2 {
            let p = normalise(&v, &Normalisation::PercentileRank, None).unwrap();
            prop_assert!(p.iter().filter(|x| !x.is_nan()).all(|x| (0.0..=1.0).contains(x)));
            let g = normalise(&v, &Normalisation::Goalposts { low: -5.0, high: 5.0 }, None).unwrap();
            prop_assert!(g.iter().filter(|x| !x.is_nan()).all(|x| (0.0..=1.0).contains(x)));
            let e = normalise(&v, &Normalisation::ImdExponential, None).unwrap();
            prop_assert!(e.iter().filter(|x| !x.is_nan()).all(|x| *x > 0.0 && *x <= 100.0 + 1e-9));
        }
    }

    /// Every mean of identical children is the child (weights as shares).
    #[test]
    fn aggregating_equal_children_returns_the_child(
        child in prop::collection::vec(0.1f64..100.0, 1..50),
        raw_weights in prop::collection::vec(0.01f64..5.0, 1..6),
        p in prop_oneof![Just(-2.0), Just(0.5), Just(2.0), Just(3.0)],
    ) {
        let total: f64 = raw_weights.iter().sum();
        let weights: Vec<f64> = raw_weights.iter().map(|w| w / total).collect();
        let children: Vec<&[f64]> = vec![child.as_slice(); weights.len()];
        for m in [
            Aggregation::Arithmetic,
            Aggregation::Geometric,
            Aggregation::Harmonic,
            Aggregation::GeneralisedMean { p },
            Aggregation::Median,
        ] {
            let mut out = vec![0.0; child.len()];
            aggregate(&children, &weights, &m, &mut out).unwrap();
            for (o, c) in out.iter().zip(&child) {
                prop_assert!((o - c).abs() <= 1e-9 * c.abs().max(1.0), "{m:?}: {o} != {c}");
            }
        }
    }
}
