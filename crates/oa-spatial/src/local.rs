//! Indicators of spatial association over a neighbour list: local Moran's I and
//! Getis-Ord Gi*, each with a conditional-permutation pseudo p-value, and the global
//! Moran's I with a permutation p-value and the z-score under normality.
//!
//! Neighbours are `Vec<Vec<usize>>` (area `i`'s neighbours, without `i` itself), as
//! contiguity builders produce them. Moran's I uses the row-standardised weights
//! `w_ij = 1/card_i`; Gi* uses binary weights including the area itself.
//!
//! Permutations run in parallel (rayon) but each area draws from its own generator seeded
//! from `(seed, area index)`, so results depend on the seed only, never on the number of
//! threads or the order the work is scheduled in.

use crate::SpatialError;
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;

/// Which quadrant of the Moran scatter plot an area falls in: its own value against the
/// mean of its neighbours, each above (High) or below (Low) the overall mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quadrant {
    HighHigh,
    LowLow,
    HighLow,
    LowHigh,
    /// No neighbours, or the value or its neighbours' mean is exactly the overall mean.
    Undefined,
}

impl Quadrant {
    /// Short label: `HH`, `LL`, `HL`, `LH` or empty.
    pub fn label(self) -> &'static str {
        match self {
            Quadrant::HighHigh => "HH",
            Quadrant::LowLow => "LL",
            Quadrant::HighLow => "HL",
            Quadrant::LowHigh => "LH",
            Quadrant::Undefined => "",
        }
    }
}

/// Local statistics of one area.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalStatistic {
    /// Local Moran's I: `(n-1)·z_i·(Wz)_i / Σz²` with row-standardised `W`.
    pub moran_i: f64,
    /// Pseudo p-value of `moran_i`: `(min(k, perms-k)+1)/(perms+1)` where `k` counts
    /// permutations at least as large; NaN for an area without neighbours. Full precision:
    /// with 9,999 permutations the smallest is 1/10,000, so print it in full (shortest
    /// round-trip or 6 significant figures), never to 4 decimals.
    pub moran_p: f64,
    pub quadrant: Quadrant,
    /// Getis-Ord `G_i* = Σ_{j ∈ N(i) ∪ {i}} y_j / Σ y`.
    pub gi_star: f64,
    /// Standardised Gi*: `(G_i* - E)/sd` with `E = card_i/N` (card including `i`); positive
    /// where high values cluster. An island's set is itself alone, so the formula gives
    /// `(y_i - ȳ)/S` (S the population standard deviation), as PySAL's esda does.
    pub gi_star_z: f64,
    /// Pseudo p-value of Gi* by the same conditional permutations; NaN without neighbours.
    /// Not the same as `moran_p` in general: see [`local_statistics`].
    pub gi_p: f64,
}

/// Checks the neighbour list against `n` areas: indices in range, no self-links, no repeats.
pub fn check_neighbours(neighbours: &[Vec<usize>], n: usize) -> Result<(), SpatialError> {
    if neighbours.len() != n {
        return Err(SpatialError::Neighbours(format!(
            "{} neighbour lists for {} areas",
            neighbours.len(),
            n
        )));
    }
    for (i, list) in neighbours.iter().enumerate() {
        let mut seen = list.clone();
        seen.sort_unstable();
        for w in seen.windows(2) {
            if w[0] == w[1] {
                return Err(SpatialError::Neighbours(format!(
                    "area {i} lists neighbour {} twice",
                    w[0]
                )));
            }
        }
        for &j in list {
            if j >= n {
                return Err(SpatialError::Neighbours(format!(
                    "area {i} has neighbour {j}, but there are only {n} areas"
                )));
            }
            if j == i {
                return Err(SpatialError::Neighbours(format!(
                    "area {i} is listed as its own neighbour"
                )));
            }
        }
    }
    Ok(())
}

/// Checks `values` (at least 3, finite, not all equal) and `neighbours`; returns the
/// mean, the deviations from it and their sum of squares. `what` starts the message for
/// too few areas (`local statistics need`).
pub(crate) fn deviations(
    values: &[f64],
    neighbours: &[Vec<usize>],
    what: &str,
) -> Result<(f64, Vec<f64>, f64), SpatialError> {
    let n = values.len();
    if n < 3 {
        return Err(SpatialError::Parameter(format!(
            "{what} at least 3 areas, got {n}"
        )));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(SpatialError::NonFinite {
            index: i,
            value: values[i],
        });
    }
    check_neighbours(neighbours, n)?;
    let mean = values.iter().sum::<f64>() / n as f64;
    let dev: Vec<f64> = values.iter().map(|v| v - mean).collect();
    let m2 = dev.iter().map(|d| d * d).sum::<f64>();
    if m2 <= 0.0 {
        return Err(SpatialError::Parameter(
            "every value is the same: there is no spatial pattern to measure".into(),
        ));
    }
    Ok((mean, dev, m2))
}

/// A generator for one area, independent of every other area's.
fn area_rng(seed: u64, area: usize) -> Xoshiro256PlusPlus {
    // SplitMix64 finaliser over the pair, so nearby seeds and areas give unrelated streams.
    let mut x = seed ^ (area as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    Xoshiro256PlusPlus::seed_from_u64(x)
}

/// Pseudo p-value from `k` permutations at least as extreme in the upper direction.
fn pseudo_p(k: usize, perms: usize) -> f64 {
    (k.min(perms - k) + 1) as f64 / (perms + 1) as f64
}

/// Local Moran's I and Getis-Ord Gi* for every area, with `permutations` conditional
/// permutations each (0 skips them: p-values are NaN).
///
/// Conditional permutation: area `i` keeps its value while `card_i` values drawn without
/// replacement from the other `n-1` areas stand in for its neighbours. Both statistics
/// share the draws, but their p-values are two tests and can differ. Each counts the draws
/// at least as large as observed and folds at half the permutations (as esda does). Gi*
/// grows with the neighbours' sum, so it counts draws whose sum is at least the observed
/// one; Moran's I grows with `z_i` times that sum, so for an area below the mean it
/// counts draws whose sum is at most the observed one. Draws that tie with the observed
/// sum fall on both sides for one test and on one side for the other: a district with a
/// single neighbour redraws that neighbour once in `n-1` draws, so, for example,
/// Cambridge (one neighbour) gets `moran_p` 0.0513 and `gi_p` 0.0483 with 9,999
/// permutations.
pub fn local_statistics(
    values: &[f64],
    neighbours: &[Vec<usize>],
    permutations: usize,
    seed: u64,
) -> Result<Vec<LocalStatistic>, SpatialError> {
    let n = values.len();
    let (mean, dev, m2) = deviations(values, neighbours, "local statistics need")?;
    // z-scores with the population sd; I is invariant to the scale of z.
    let sd = (m2 / n as f64).sqrt();
    let z: Vec<f64> = dev.iter().map(|d| d / sd).collect();
    let sum_z2 = n as f64; // Σz² with the population sd
    let total: f64 = values.iter().sum();
    // For the Gi* z-score: S² = Σy²/n - ȳ².
    let s = sd;

    let stats = (0..n)
        .into_par_iter()
        .map(|i| {
            let list = &neighbours[i];
            let card = list.len();
            let star_card = (card + 1) as f64;
            let star_sum: f64 = values[i] + list.iter().map(|&j| values[j]).sum::<f64>();
            let gi_star = star_sum / total;
            let gi_var = (n as f64 * star_card - star_card * star_card) / (n as f64 - 1.0);
            let gi_star_z = if gi_var > 0.0 {
                (star_sum - mean * star_card) / (s * gi_var.sqrt())
            } else {
                0.0
            };
            if card == 0 {
                return LocalStatistic {
                    moran_i: 0.0,
                    moran_p: f64::NAN,
                    quadrant: Quadrant::Undefined,
                    gi_star,
                    gi_star_z,
                    gi_p: f64::NAN,
                };
            }
            let lag_sum: f64 = list.iter().map(|&j| z[j]).sum();
            let lag = lag_sum / card as f64;
            let moran_i = (n - 1) as f64 * z[i] * lag / sum_z2;
            let quadrant = match (z[i] > 0.0, z[i] < 0.0, lag > 0.0, lag < 0.0) {
                (true, _, true, _) => Quadrant::HighHigh,
                (_, true, _, true) => Quadrant::LowLow,
                (true, _, _, true) => Quadrant::HighLow,
                (_, true, true, _) => Quadrant::LowHigh,
                _ => Quadrant::Undefined,
            };
            let (moran_p, gi_p) = if permutations == 0 {
                (f64::NAN, f64::NAN)
            } else if card >= n - 1 {
                // Every other area is a neighbour: each permutation is the observed set,
                // so nothing is unusual about it.
                (1.0, 1.0)
            } else {
                let mut rng = area_rng(seed, i);
                let mut drawn: Vec<usize> = Vec::with_capacity(card);
                let (mut k_moran, mut k_gi) = (0usize, 0usize);
                let observed_moran = z[i] * lag_sum;
                for _ in 0..permutations {
                    let sum = draw_sum(&mut rng, &z, i, card, &mut drawn);
                    if z[i] * sum >= observed_moran {
                        k_moran += 1;
                    }
                    if sum >= lag_sum {
                        k_gi += 1;
                    }
                }
                (
                    pseudo_p(k_moran, permutations),
                    pseudo_p(k_gi, permutations),
                )
            };
            LocalStatistic {
                moran_i,
                moran_p,
                quadrant,
                gi_star,
                gi_star_z,
                gi_p,
            }
        })
        .collect();
    Ok(stats)
}

/// Sum of `card` values of `z` drawn without replacement from every index but `skip`
/// (`card` is below the number of other areas).
///
/// Draws from `0..n-1` and maps indices at or above `skip` up by one; repeats are redrawn
/// (rare: `card` is a handful of neighbours out of many areas).
fn draw_sum(
    rng: &mut Xoshiro256PlusPlus,
    z: &[f64],
    skip: usize,
    card: usize,
    drawn: &mut Vec<usize>,
) -> f64 {
    let n_others = z.len() - 1;
    drawn.clear();
    let mut sum = 0.0;
    while drawn.len() < card {
        let mut j = rng.random_range(0..n_others);
        if j >= skip {
            j += 1;
        }
        if drawn.contains(&j) {
            continue;
        }
        drawn.push(j);
        sum += z[j];
    }
    sum
}

/// Rook (shared edge) or queen (shared edge or corner) neighbours of a `rows` x `cols`
/// lattice, cells numbered row by row. For tests and benchmarks.
pub fn lattice_neighbours(rows: usize, cols: usize, queen: bool) -> Vec<Vec<usize>> {
    let mut out = Vec::with_capacity(rows * cols);
    for r in 0..rows {
        for c in 0..cols {
            let mut list = Vec::with_capacity(8);
            for dr in -1i64..=1 {
                for dc in -1i64..=1 {
                    if (dr == 0 && dc == 0) || (!queen && dr != 0 && dc != 0) {
                        continue;
                    }
                    let (rr, cc) = (r as i64 + dr, c as i64 + dc);
                    if rr >= 0 && cc >= 0 && (rr as usize) < rows && (cc as usize) < cols {
                        list.push(rr as usize * cols + cc as usize);
                    }
                }
            }
            out.push(list);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// 3x3 grid, values 1..9 row by row:
    /// ```text
    /// 1 2 3
    /// 4 5 6
    /// 7 8 9
    /// ```
    fn grid() -> (Vec<f64>, Vec<Vec<usize>>) {
        (
            (1..=9).map(f64::from).collect(),
            lattice_neighbours(3, 3, false),
        )
    }

    #[test]
    fn rook_lattice_shape() {
        let w = lattice_neighbours(3, 3, false);
        assert_eq!(w[0], vec![1, 3]);
        assert_eq!(w[4], vec![1, 3, 5, 7]);
        let q = lattice_neighbours(3, 3, true);
        assert_eq!(q[4].len(), 8);
        assert_eq!(q[0], vec![1, 3, 4]);
    }

    #[test]
    fn moran_on_a_3x3_grid_by_hand() {
        let (y, w) = grid();
        let s = local_statistics(&y, &w, 0, 1).unwrap();
        // mean 5, deviations -4..4, Σd² = 60, population sd = sqrt(60/9).
        // Corner 0: z0 ∝ -4, neighbours 1 (-3) and 3 (-1): lag ∝ -2.
        // I_0 = (n-1) z0 lag / Σz² = 8 · (-4)(-2) / 60 = 16/15 (scale cancels).
        assert!((s[0].moran_i - 16.0 / 15.0).abs() < 1e-12);
        assert_eq!(s[0].quadrant, Quadrant::LowLow);
        // Centre: z = 0, I = 0.
        assert!(s[4].moran_i.abs() < 1e-12);
        assert_eq!(s[4].quadrant, Quadrant::Undefined);
        // Cell 2 (value 3, d = -2): neighbours 1 (-3) and 5 (+1): lag -1; I = 8·2/60.
        assert!((s[2].moran_i - 16.0 / 60.0).abs() < 1e-12);
        // Cell 8 mirrors cell 0: high-high.
        assert!((s[8].moran_i - 16.0 / 15.0).abs() < 1e-12);
        assert_eq!(s[8].quadrant, Quadrant::HighHigh);
    }

    #[test]
    fn gi_star_on_a_3x3_grid_by_hand() {
        let (y, w) = grid();
        let s = local_statistics(&y, &w, 0, 1).unwrap();
        // Cell 8 with 5 and 7: (9+6+8)/45.
        assert!((s[8].gi_star - 23.0 / 45.0).abs() < 1e-12);
        // z = (23 - 5·3) / (S·sqrt((9·3 - 9)/8)), S = sqrt(60/9).
        let expected = 8.0 / ((60.0f64 / 9.0).sqrt() * (18.0f64 / 8.0).sqrt());
        assert!((s[8].gi_star_z - expected).abs() < 1e-12);
        assert!((s[0].gi_star_z + expected).abs() < 1e-12);
        // Centre with 4 neighbours sums to 25 = 5·5: z = 0.
        assert!(s[4].gi_star_z.abs() < 1e-12);
        // Cell 7 (value 8) with 4, 6 and 8: (29 - 5·4) / (S·sqrt((9·4 - 16)/8)).
        let expected7 = 9.0 / ((60.0f64 / 9.0).sqrt() * (20.0f64 / 8.0).sqrt());
        assert!((s[7].gi_star_z - expected7).abs() < 1e-12);
        // PySAL's esda 2.9.0 (`G_Local(y, lat2W(3, 3), transform="B", star=True)`) gives
        // z = 2.06559112 and 2.20454077 for cells 8 and 7.
        assert!((s[8].gi_star_z - 2.065_591_12).abs() < 1e-8);
        assert!((s[7].gi_star_z - 2.204_540_77).abs() < 1e-8);
    }

    #[test]
    fn moran_sum_is_global_moran_times_n_minus_one() {
        // Σ I_i = (n-1)/Σz² · Σ z_i (Wz)_i, and global I (row-standardised, S0 = n)
        // = Σ z_i (Wz)_i / Σz². So Σ I_i = (n-1)·I.
        let y = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0, 5.0, 8.0];
        let w = lattice_neighbours(3, 4, true);
        let s = local_statistics(&y, &w, 0, 1).unwrap();
        let mean = y.iter().sum::<f64>() / 12.0;
        let d: Vec<f64> = y.iter().map(|v| v - mean).collect();
        let num: f64 = (0..12)
            .map(|i| d[i] * w[i].iter().map(|&j| d[j]).sum::<f64>() / w[i].len() as f64)
            .sum();
        let global = num / d.iter().map(|x| x * x).sum::<f64>();
        let sum: f64 = s.iter().map(|x| x.moran_i).sum();
        assert!((sum - 11.0 * global).abs() < 1e-12);
    }

    #[test]
    fn a_clear_cluster_is_significant_and_p_values_are_deterministic() {
        // 10x10 grid whose top-left 4x4 block is high.
        let w = lattice_neighbours(10, 10, true);
        let y: Vec<f64> = (0..100)
            .map(|i| {
                let (r, c) = (i / 10, i % 10);
                if r < 4 && c < 4 {
                    10.0 + (i % 3) as f64
                } else {
                    (i % 5) as f64 * 0.3
                }
            })
            .collect();
        let a = local_statistics(&y, &w, 999, 42).unwrap();
        // Interior of the block: cell (1,1) = 11.
        assert_eq!(a[11].quadrant, Quadrant::HighHigh);
        assert!(a[11].moran_p < 0.01, "{}", a[11].moran_p);
        assert!(a[11].gi_p < 0.01 && a[11].gi_star_z > 3.0);
        // Far corner: not a cluster of highs.
        assert!(a[99].gi_star_z < 0.0);
        // p-values are (m+1)/1000 for some m <= 499.
        for s in &a {
            let m = s.moran_p * 1000.0 - 1.0;
            assert!((m - m.round()).abs() < 1e-9 && m.round() <= 499.0);
        }
        // Same seed: identical; whatever rayon's thread count.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let b = pool.install(|| local_statistics(&y, &w, 999, 42).unwrap());
        assert_eq!(a, b);
        // Another seed moves some p-values.
        let c = local_statistics(&y, &w, 999, 43).unwrap();
        assert_ne!(a, c);
    }

    #[test]
    fn islands_and_bad_neighbours() {
        let y = [1.0, 2.0, 3.0, 4.0];
        let w = vec![vec![1], vec![0], vec![3], vec![]];
        let s = local_statistics(&y, &w, 99, 7).unwrap();
        assert!(s[3].moran_p.is_nan());
        assert_eq!(s[3].quadrant, Quadrant::Undefined);
        // Issue 15: an island's Gi* set is itself, so z = (y - mean)/S, not 0. esda 2.9.0
        // (`G_Local(y, W, transform="B", star=True)`) on pairs {0,1}, {2,3} and an
        // island 4 with values 1, 2, 3, 4, 9 gives 1.86669121 for the island.
        let islands = vec![vec![1], vec![0], vec![3], vec![2], vec![]];
        let g = local_statistics(&[1.0, 2.0, 3.0, 4.0, 9.0], &islands, 0, 1).unwrap();
        assert!(
            (g[4].gi_star_z - 1.866_691_212_406_119).abs() < 1e-12,
            "{:?}",
            g[4]
        );
        assert!((g[0].gi_star_z + 1.348_283_88).abs() < 1e-8, "{:?}", g[0]);
        assert!(g[4].gi_p.is_nan());
        assert!(s[0].moran_p > 0.0 && s[0].moran_p <= 1.0);
        let bad = vec![vec![1], vec![0], vec![9], vec![]];
        assert!(matches!(
            local_statistics(&y, &bad, 9, 7),
            Err(SpatialError::Neighbours(_))
        ));
        // A hub touching every other area: its permutations are all the observed set.
        let hub = vec![vec![1, 2, 3], vec![0], vec![0], vec![0]];
        let s = local_statistics(&y, &hub, 99, 7).unwrap();
        assert_eq!((s[0].moran_p, s[0].gi_p), (1.0, 1.0));
        assert!(s[1].moran_p < 1.0);
        let own = vec![vec![0], vec![0], vec![], vec![]];
        assert!(local_statistics(&y, &own, 9, 7).is_err());
        assert!(local_statistics(&[1.0, 1.0, 1.0], &[vec![1], vec![0], vec![]], 9, 7).is_err());
    }

    /// The two p-values are two tests: with one neighbour, redrawing that neighbour ties
    /// the observed sum; ties count for Gi* (upper tail) but not for Moran's I of an area
    /// below the mean (whose upper tail is the lower tail of the sum), so they differ.
    #[test]
    fn moran_and_gi_p_values_differ_by_the_draws_that_tie() {
        // A chain: area 0 (low) has one neighbour, area 1.
        let n = 40;
        let y: Vec<f64> = (0..n).map(|k| f64::from(k as u32)).collect();
        let w: Vec<Vec<usize>> = (0..n)
            .map(|k| match k {
                0 => vec![1],
                k if k == n - 1 => vec![k - 1],
                k => vec![k - 1, k + 1],
            })
            .collect();
        let s = local_statistics(&y, &w, 9_999, 11).unwrap();
        assert!(s[0].moran_p != s[0].gi_p, "{:?}", s[0]);
        // About 1 draw in 39 ties (redrawing area 1): the gap is close to 1/39.
        let gap = (s[0].moran_p - s[0].gi_p).abs();
        assert!((gap - 1.0 / 39.0).abs() < 0.01, "{gap}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]

        /// Reflecting the values (y -> -y) keeps every I and swaps the quadrants; Gi* z
        /// changes sign; p-values stay in (0, 0.5+].
        #[test]
        fn symmetry_under_reflection(y in prop::collection::vec(-100.0f64..100.0, 12)) {
            prop_assume!(y.iter().any(|v| (v - y[0]).abs() > 1e-6));
            let w = lattice_neighbours(3, 4, false);
            let a = local_statistics(&y, &w, 0, 1).unwrap();
            let neg: Vec<f64> = y.iter().map(|v| -v).collect();
            let b = local_statistics(&neg, &w, 0, 1).unwrap();
            for (p, q) in a.iter().zip(&b) {
                prop_assert!((p.moran_i - q.moran_i).abs() < 1e-9);
                prop_assert!((p.gi_star_z + q.gi_star_z).abs() < 1e-9);
                let swapped = match p.quadrant {
                    Quadrant::HighHigh => Quadrant::LowLow,
                    Quadrant::LowLow => Quadrant::HighHigh,
                    Quadrant::HighLow => Quadrant::LowHigh,
                    Quadrant::LowHigh => Quadrant::HighLow,
                    Quadrant::Undefined => Quadrant::Undefined,
                };
                prop_assert_eq!(swapped, q.quadrant);
            }
            let c = local_statistics(&y, &w, 99, 3).unwrap();
            for s in &c {
                prop_assert!(s.moran_p > 0.0 && s.moran_p <= 0.51);
                prop_assert!(s.gi_p > 0.0 && s.gi_p <= 0.51);
            }
        }
    }
}
