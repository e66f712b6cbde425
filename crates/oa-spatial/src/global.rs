//! Global Moran's I over a neighbour list with row-standardised weights, its z-score
//! under the normality assumption (Cliff and Ord) and a permutation pseudo p-value, as
//! PySAL's `esda.Moran` reports them (`I`, `EI`, `VI_norm`, `z_norm`, `p_norm`, `p_sim`).
//!
//! `I = (n/S0) Σ_i z_i (Wz)_i / Σ z_i²` with `w_ij = 1/card_i`; an island's row is empty,
//! so `S0` is the number of areas with neighbours. Under normality `E[I] = -1/(n-1)` and
//! `Var[I] = (n² S1 - n S2 + 3 S0²)/((n² - 1) S0²) - E[I]²` with
//! `S1 = ½ Σ_ij (w_ij + w_ji)²` and `S2 = Σ_i (w_i. + w_.i)²`.
//!
//! Each permutation shuffles all values with its own generator seeded from (seed,
//! permutation), so the p-value depends on the seed only, never on the thread count.

use crate::SpatialError;
use crate::local::deviations;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, Normal};

/// Global Moran's I and its tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlobalMoran {
    pub i: f64,
    /// `-1/(n-1)`.
    pub expected: f64,
    /// Variance under normality.
    pub variance_normal: f64,
    /// `(I - E[I]) / sqrt(Var)`.
    pub z_normal: f64,
    /// Two-sided p-value of `z_normal`.
    pub p_normal: f64,
    /// `(min(k, perms-k)+1)/(perms+1)`, `k` the permutations with I at least the observed;
    /// NaN with no permutations.
    pub p_permutation: f64,
    pub permutations: usize,
}

/// `Σ_i z_i (Wz)_i` with row-standardised weights.
fn cross_sum(z: &[f64], neighbours: &[Vec<usize>]) -> f64 {
    z.iter()
        .zip(neighbours)
        .filter(|(_, list)| !list.is_empty())
        .map(|(zi, list)| zi * list.iter().map(|&j| z[j]).sum::<f64>() / list.len() as f64)
        .sum()
}

/// A generator for one permutation, independent of every other permutation's.
fn permutation_rng(seed: u64, k: usize) -> Xoshiro256PlusPlus {
    let mut x = seed ^ (k as u64).wrapping_mul(0xD1B5_4A32_D192_ED03);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    Xoshiro256PlusPlus::seed_from_u64(x ^ (x >> 31))
}

/// Global Moran's I of `values` over `neighbours` with `permutations` random
/// permutations (0 skips them).
pub fn global_moran(
    values: &[f64],
    neighbours: &[Vec<usize>],
    permutations: usize,
    seed: u64,
) -> Result<GlobalMoran, SpatialError> {
    let n = values.len();
    let (_, z, m2) = deviations(values, neighbours, "global Moran's I needs")?;
    let s0 = neighbours.iter().filter(|l| !l.is_empty()).count() as f64;
    if s0 == 0.0 {
        return Err(SpatialError::Neighbours(
            "no area has a neighbour: Moran's I is undefined".into(),
        ));
    }
    let nf = n as f64;
    let scale = nf / s0 / m2;
    let i = scale * cross_sum(&z, neighbours);

    // S1 and S2 of the row-standardised weights.
    let w = |i: usize| 1.0 / neighbours[i].len() as f64;
    let mut column_sums = vec![0.0; n];
    let mut s1 = 0.0;
    for (a, list) in neighbours.iter().enumerate() {
        for &b in list {
            column_sums[b] += w(a);
            let back = if neighbours[b].contains(&a) {
                w(b)
            } else {
                0.0
            };
            s1 += (w(a) + back).powi(2);
        }
    }
    // Pairs listed one way only were counted once; pairs listed both ways twice.
    let s1 = s1 / 2.0
        + neighbours
            .iter()
            .enumerate()
            .flat_map(|(a, list)| list.iter().map(move |&b| (a, b)))
            .filter(|&(a, b)| !neighbours[b].contains(&a))
            .map(|(a, _)| w(a).powi(2) / 2.0)
            .sum::<f64>();
    let s2: f64 = (0..n)
        .map(|a| {
            let row = if neighbours[a].is_empty() { 0.0 } else { 1.0 };
            (row + column_sums[a]).powi(2)
        })
        .sum();
    let expected = -1.0 / (nf - 1.0);
    let variance_normal = (nf * nf * s1 - nf * s2 + 3.0 * s0 * s0) / ((nf * nf - 1.0) * s0 * s0)
        - expected * expected;
    let z_normal = (i - expected) / variance_normal.sqrt();
    let p_normal = 2.0 * (1.0 - Normal::standard().cdf(z_normal.abs()));

    let p_permutation = if permutations == 0 {
        f64::NAN
    } else {
        let larger: usize = (0..permutations)
            .into_par_iter()
            .map_init(
                || z.clone(),
                |shuffled, k| {
                    shuffled.copy_from_slice(&z);
                    shuffled.shuffle(&mut permutation_rng(seed, k));
                    usize::from(scale * cross_sum(shuffled, neighbours) >= i)
                },
            )
            .sum();
        (larger.min(permutations - larger) + 1) as f64 / (permutations + 1) as f64
    };
    Ok(GlobalMoran {
        i,
        expected,
        variance_normal,
        z_normal,
        p_normal,
        p_permutation,
        permutations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::lattice_neighbours;

    /// PySAL's esda 2.9.0 on a 3x3 rook lattice with values 1..9 (`Moran(y,
    /// lat2W(3, 3))`, row-standardised) gives I = 0.5555555555555556, EI = -0.125,
    /// VI_norm = 0.05721450617283948, z_norm = 2.8451849756238787, p_norm =
    /// 0.0044385639370990194 (run in `benches/.venv`, see ARCHITECTURE.md).
    #[test]
    fn matches_esda_on_a_3x3_lattice() {
        let y: Vec<f64> = (1..=9).map(f64::from).collect();
        let w = lattice_neighbours(3, 3, false);
        let g = global_moran(&y, &w, 999, 7).unwrap();
        assert!((g.i - 0.555_555_555_555_555_6).abs() < 1e-14, "{g:?}");
        assert!((g.expected + 0.125).abs() < 1e-15);
        assert!(
            (g.variance_normal - 0.057_214_506_172_839_48).abs() < 1e-14,
            "{g:?}"
        );
        assert!(
            (g.z_normal - 2.845_184_975_623_878_7).abs() < 1e-12,
            "{g:?}"
        );
        assert!(
            (g.p_normal - 0.004_438_563_937_099_019).abs() < 1e-12,
            "{g:?}"
        );
        assert!(g.p_permutation > 0.0 && g.p_permutation < 0.05, "{g:?}");
        let again = global_moran(&y, &w, 999, 7).unwrap();
        assert_eq!(g, again);
    }

    #[test]
    fn a_checkerboard_is_negative_and_islands_leave_s0() {
        let y: Vec<f64> = (0..16).map(|k| f64::from((k / 4 + k % 4) % 2)).collect();
        let w = lattice_neighbours(4, 4, false);
        let g = global_moran(&y, &w, 0, 1).unwrap();
        assert!((g.i + 1.0).abs() < 1e-12, "{g:?}");
        assert!(g.p_permutation.is_nan());
        // esda 2.9.0 with pairs {0,1}, {2,3} and an island 4, values 1, 2, 3, 4, 9:
        // I = 0.31443298969072153, VI_norm = 0.375, z_norm = 0.9217152124905772.
        let islands = vec![vec![1], vec![0], vec![3], vec![2], vec![]];
        let g = global_moran(&[1.0, 2.0, 3.0, 4.0, 9.0], &islands, 0, 1).unwrap();
        assert!((g.i - 0.314_432_989_690_721_53).abs() < 1e-14, "{g:?}");
        assert!((g.variance_normal - 0.375).abs() < 1e-14, "{g:?}");
        assert!(
            (g.z_normal - 0.921_715_212_490_577_2).abs() < 1e-12,
            "{g:?}"
        );
        assert!(global_moran(&[1.0, 2.0, 3.0], &[vec![], vec![], vec![]], 0, 1).is_err());
    }
}
