//! Ranking for the Monte Carlo hot loop: the same result as [`oa_engine::rank_min_into`]
//! (ties 'min', `NaN` = rank 0, ties in input order in [`FastRank::order`]), faster on
//! the score vectors of a sample.
//!
//! Scores become the engine's order-preserving `u64` keys; one counting pass spreads them
//! into about `2 n` buckets by their top varying bits (the key range is measured first),
//! and each bucket, a handful of keys on average, is finished by insertion sort. That is
//! three linear passes instead of the six of an 11-bit radix sort over 64-bit keys. A
//! bucket holding many keys (very uneven scores) falls back to a comparison sort, so the
//! result never depends on the distribution, only the speed.

/// Below this many keys a comparison sort is used directly.
const SMALL: usize = 256;

/// Reusable buffers (one per worker).
#[derive(Debug, Default, Clone)]
pub struct FastRank {
    keyed: Vec<(u64, u32)>,
    sorted: Vec<(u64, u32)>,
    counts: Vec<u32>,
    order: Vec<u32>,
}

/// The engine's key: unsigned order = numeric order; -0.0 ties with 0.0.
#[inline]
fn sort_key(x: f64) -> u64 {
    let x = if x == 0.0 { 0.0 } else { x };
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

impl FastRank {
    /// Ranked areas in rank order (rank 1 first, ties in input order) after
    /// [`FastRank::rank_into`].
    pub fn order(&self) -> &[u32] {
        &self.order
    }

    /// Ranks `scores` into `out`: rank 1 = highest when `highest_first`; ties 'min';
    /// `NaN` gets 0. Returns the number ranked.
    pub fn rank_into(&mut self, scores: &[f64], highest_first: bool, out: &mut [u32]) -> usize {
        assert_eq!(scores.len(), out.len(), "rank_into: output length");
        assert!(
            u32::try_from(scores.len()).is_ok(),
            "rank_into: too many values"
        );
        self.keyed.clear();
        let (mut lo, mut hi) = (u64::MAX, 0u64);
        for (i, &x) in scores.iter().enumerate() {
            if x.is_nan() {
                out[i] = 0;
                continue;
            }
            let k = sort_key(x);
            let k = if highest_first { !k } else { k };
            lo = lo.min(k);
            hi = hi.max(k);
            self.keyed.push((k, i as u32));
        }
        let m = self.keyed.len();
        if m <= SMALL || lo == hi {
            self.sorted.clear();
            self.sorted.extend_from_slice(&self.keyed);
            self.sorted.sort_unstable();
        } else {
            self.bucket_sort(lo, hi);
        }
        self.order.clear();
        let mut prev = None;
        let mut rank = 0u32;
        for (pos, &(k, i)) in self.sorted.iter().enumerate() {
            if prev != Some(k) {
                rank = pos as u32 + 1;
                prev = Some(k);
            }
            out[i as usize] = rank;
            self.order.push(i);
        }
        m
    }

    fn bucket_sort(&mut self, lo: u64, hi: u64) {
        let m = self.keyed.len();
        let bits = (usize::BITS - (2 * m).leading_zeros()).min(20);
        let range_bits = u64::BITS - (hi - lo).leading_zeros();
        let shift = range_bits.saturating_sub(bits);
        let buckets = (((hi - lo) >> shift) as usize) + 1;
        self.counts.clear();
        self.counts.resize(buckets + 1, 0);
        for &(k, _) in &self.keyed {
            self.counts[((k - lo) >> shift) as usize + 1] += 1;
        }
        for b in 1..=buckets {
            self.counts[b] += self.counts[b - 1];
        }
        self.sorted.clear();
        self.sorted.resize(m, (0, 0));
        // Scatter in input order: a bucket keeps equal keys in input order.
        for &(k, i) in &self.keyed {
            let b = ((k - lo) >> shift) as usize;
            let at = self.counts[b] as usize;
            self.counts[b] += 1;
            self.sorted[at] = (k, i);
        }
        // `counts[b]` is now the end of bucket b, and the start of bucket b + 1.
        let mut start = 0usize;
        for b in 0..buckets {
            let end = self.counts[b] as usize;
            let bucket = &mut self.sorted[start..end];
            if bucket.len() > 32 {
                bucket.sort_unstable();
            } else {
                insertion_sort(bucket);
            }
            start = end;
        }
    }
}

fn insertion_sort(v: &mut [(u64, u32)]) {
    for i in 1..v.len() {
        let x = v[i];
        let mut j = i;
        while j > 0 && v[j - 1] > x {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn check(scores: &[f64], highest_first: bool) {
        let mut fast = FastRank::default();
        let mut got = vec![9; scores.len()];
        let n = fast.rank_into(scores, highest_first, &mut got);
        let mut scratch = oa_engine::RankScratch::new();
        let mut want = vec![9; scores.len()];
        let n0 = oa_engine::rank_min_into(scores, highest_first, &mut scratch, &mut want);
        assert_eq!((n, &got), (n0, &want));
        assert_eq!(fast.order(), scratch.order());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]
        #[test]
        fn matches_the_engine(
            raw in proptest::collection::vec((-50i32..50, 0u8..30, 0u8..4), 1..3000),
            highest_first in any::<bool>(),
        ) {
            // Few distinct values (ties), missing values, a spread of magnitudes.
            let scores: Vec<f64> = raw
                .iter()
                .map(|&(v, nan, mag)| {
                    if nan == 0 { f64::NAN } else { v as f64 * 10f64.powi(mag as i32 * 3 - 4) }
                })
                .collect();
            check(&scores, highest_first);
        }
    }

    #[test]
    fn matches_the_engine_on_uneven_and_continuous_scores() {
        let smooth: Vec<f64> = (0..20_000)
            .map(|i| ((i * 7919) % 20_011) as f64 / 7.0 + 1.0)
            .collect();
        check(&smooth, true);
        let skewed: Vec<f64> = (0..20_000)
            .map(|i| (((i * 31) % 997) as f64 / 50.0).exp())
            .collect();
        check(&skewed, false);
        let mut clumped = vec![1e-9; 5000];
        clumped.extend((0..5000).map(|i| 1e9 + i as f64 * 1e-3));
        clumped.push(-0.0);
        clumped.push(0.0);
        check(&clumped, true);
    }
}
