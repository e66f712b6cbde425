//! Quantile and named bands over a ranking (METHODS.md 1.7).

use crate::error::EngineError;
use oa_model::study::{End, NamedBand};

/// Quantile of an area with `rank` (1-based) among `n` ranked areas, numbered from the
/// rank-1 end: `ceil(rank q / n)`. With ranks 1..=32,844 and q = 10, decile 1 is ranks
/// 1-3,284 (as published for the IMD 2019). Rank 0 (not ranked) gives 0.
#[inline]
pub fn quantile_of_rank(rank: u32, q: u32, n: usize) -> u32 {
    if rank == 0 || n == 0 {
        return 0;
    }
    (u64::from(rank) * u64::from(q)).div_ceil(n as u64) as u32
}

/// Quantiles of every area (0 for areas without a rank).
pub fn quantile_bands(ranks: &[u32], q: u32) -> Result<Vec<u32>, EngineError> {
    let n = ranks.iter().filter(|&&r| r > 0).count();
    if q as usize > n {
        return Err(EngineError::TooManyQuantiles {
            quantiles: q,
            areas: n,
        });
    }
    Ok(ranks.iter().map(|&r| quantile_of_rank(r, q, n)).collect())
}

/// Ranked areas in rank order (rank 1 first; ties in input order): a counting sort.
pub fn rank_order(ranks: &[u32]) -> Vec<usize> {
    let mut start = vec![0usize; ranks.len() + 2];
    for &r in ranks {
        if r > 0 {
            start[r as usize + 1] += 1;
        }
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let n = start[start.len() - 1];
    let mut order = vec![0usize; n];
    for (a, &r) in ranks.iter().enumerate() {
        if r > 0 {
            let slot = &mut start[r as usize];
            order[*slot] = a;
            *slot += 1;
        }
    }
    order
}

/// Assigns named bands: band `b` holds exactly `bands[b].size(n)` areas at its end of
/// the ranking (`rank_1_end` is the end rank 1 is at). Areas tied across a band's edge
/// are split in input order, so sizes are always as declared. An area in several bands
/// gets the first. Returns the band index of each area (`None`: no band).
pub fn named_bands(
    ranks: &[u32],
    bands: &[NamedBand],
    rank_1_end: End,
) -> Result<Vec<Option<u16>>, EngineError> {
    let order = rank_order(ranks);
    let n = order.len();
    let mut out: Vec<Option<u16>> = vec![None; ranks.len()];
    for (b, band) in bands.iter().enumerate() {
        let size = band.size(n);
        if size > n {
            return Err(EngineError::BandTooLarge {
                band: band.name.clone(),
                size,
                areas: n,
            });
        }
        let members = if band.end == rank_1_end {
            &order[..size]
        } else {
            &order[n - size..]
        };
        for &a in members {
            out[a].get_or_insert(b as u16);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imd_deciles_follow_the_published_cut() {
        let n = 32_844;
        assert_eq!(quantile_of_rank(1, 10, n), 1);
        assert_eq!(quantile_of_rank(3_284, 10, n), 1);
        assert_eq!(quantile_of_rank(3_285, 10, n), 2);
        assert_eq!(quantile_of_rank(32_844, 10, n), 10);
    }

    #[test]
    fn named_bands_take_exact_counts_from_each_end() {
        let ranks = [3, 1, 2, 5, 4, 0];
        let bands = vec![
            NamedBand {
                name: "top".into(),
                end: End::Worst,
                share: None,
                count: Some(2),
            },
            NamedBand {
                name: "bottom".into(),
                end: End::Best,
                share: Some(0.2),
                count: None,
            },
        ];
        let b = named_bands(&ranks, &bands, End::Worst).unwrap();
        assert_eq!(b, vec![None, Some(0), Some(0), Some(1), None, None]);
        let too_big = vec![NamedBand {
            name: "all".into(),
            end: End::Best,
            share: None,
            count: Some(6),
        }];
        let e = named_bands(&ranks, &too_big, End::Worst).unwrap_err();
        assert!(e.to_string().contains("band `all`"), "{e}");
    }

    #[test]
    fn quantiles_need_enough_areas() {
        assert!(quantile_bands(&[1, 2], 5).is_err());
        assert_eq!(quantile_bands(&[1, 2, 3, 4], 2).unwrap(), vec![1, 1, 2, 2]);
    }
}
