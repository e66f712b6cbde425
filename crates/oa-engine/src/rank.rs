//! Ranking with ties 'min' (1, 2, 2, 4), deterministic and allocation-light.
//!
//! Each score gets a 24-bit bucket on a linear scale between the smallest and largest
//! score (a monotone function of the score), packed with the score's position into one
//! `u64` and sorted with a stable LSD radix sort (three 8-bit digits: 256 buckets keep
//! every pass's write streams in L1, where 2,048 buckets of an 11-bit digit did not); the
//! runs that share a bucket (rare) are then sorted by an order-preserving `u64` key of
//! the full score as the ranks are assigned. That is several times faster than a
//! comparison sort on 32,844 values and gives the same result on every run. Integer
//! values in a compact range (published ranks, counts) skip sorting altogether: a
//! counting pass gives each value its rank. Missing scores (`NaN`) get rank 0, meaning
//! "not ranked".

/// Reusable buffers for [`rank_min_into`]; keep one per thread in hot loops.
#[derive(Debug, Default, Clone)]
pub struct RankScratch {
    /// `bucket << 32 | position`, sorted.
    packed: Vec<u64>,
    tmp: Vec<u64>,
    /// Positions of the ranked values in rank order.
    order: Vec<u32>,
    /// Bucket counts of the counting path.
    counts: Vec<u32>,
    /// Rank buffer for callers that need ranks only transiently (normalisation).
    pub(crate) ranks: Vec<u32>,
    /// The exponential transformation of ranks 1..=n for the last `n` (normalisation).
    pub(crate) imd_table: Vec<f64>,
}

impl RankScratch {
    /// Empty buffers; they grow to the largest input seen.
    pub fn new() -> Self {
        Self::default()
    }

    /// Buffers with the exponential-transformation table for `n` ranked values built
    /// in, so parallel workers cloning it do not each recompute `n` logarithms.
    pub(crate) fn with_imd_table(n: usize) -> Self {
        RankScratch {
            imd_table: (1..=n as u32)
                .map(|r| crate::normalise::imd_exponential(r, n))
                .collect(),
            ..Self::default()
        }
    }

    /// Positions of the non-missing values of the last [`rank_min_into`] call, in rank
    /// order (rank 1 first, ties in input order).
    pub fn order(&self) -> &[u32] {
        &self.order
    }
}

/// Maps a finite `f64` to a `u64` whose unsigned order is the numeric order
/// (`-0.0` and `0.0` map to the same key, so they tie); with `highest_first` the order
/// is reversed.
#[inline]
fn sort_key(x: f64, highest_first: bool) -> u64 {
    let x = if x == 0.0 { 0.0 } else { x };
    let bits = x.to_bits();
    // Negative numbers: every bit flipped; positive: the sign bit set.
    let flip = ((bits as i64 >> 63) as u64) | (1 << 63);
    let k = bits ^ flip;
    if highest_first { !k } else { k }
}

const DIGIT_BITS: u32 = 8;
const BUCKETS: usize = 1 << DIGIT_BITS;
const PASSES: usize = 3;
/// Bits of a score's bucket, all sorted by radix.
const TOP_BITS: u32 = DIGIT_BITS * PASSES as u32;
const POSITION_MASK: u64 = 0xFFFF_FFFF;

/// Sorts `s.packed` (counted by digit in `counts`) by bucket with a stable LSD radix sort;
/// positions sharing a bucket stay in input order.
fn sort_packed(s: &mut RankScratch, counts: &mut [[u32; BUCKETS]; PASSES]) {
    let n = s.packed.len();
    s.tmp.clear();
    s.tmp.resize(n, 0);
    let mut src: &mut [u64] = &mut s.packed;
    let mut dst: &mut [u64] = &mut s.tmp;
    let mut swapped = false;
    for (p, c) in counts.iter_mut().enumerate() {
        // A digit shared by every key does not change the order.
        if c.iter().any(|&x| x as usize == n) {
            continue;
        }
        let mut sum = 0u32;
        for x in c.iter_mut() {
            let here = *x;
            *x = sum;
            sum += here;
        }
        let shift = 32 + p as u32 * DIGIT_BITS;
        for &k in src.iter() {
            let b = ((k >> shift) as usize) & (BUCKETS - 1);
            dst[c[b] as usize] = k;
            c[b] += 1;
        }
        std::mem::swap(&mut src, &mut dst);
        swapped = !swapped;
    }
    if swapped {
        std::mem::swap(&mut s.packed, &mut s.tmp);
    }
}

/// Ranks `scores` with ties 'min' into `out` (same length). `highest_first`: rank 1 is
/// the highest score; otherwise the lowest. `NaN` scores get rank 0 (not ranked).
/// Returns the number of ranked (non-missing) values.
///
/// # Panics
/// If `out.len() != scores.len()` or there are more than `u32::MAX` values (a
/// programming error, not bad input).
pub fn rank_min_into(
    scores: &[f64],
    highest_first: bool,
    scratch: &mut RankScratch,
    out: &mut [u32],
) -> usize {
    assert_eq!(scores.len(), out.len(), "rank_min_into: output length");
    assert!(
        scores.len() <= u32::MAX as usize,
        "rank_min_into: too many values"
    );
    if let Some((lo, hi)) = compact_integer_range(scores) {
        return rank_counting(scores, lo, hi, highest_first, scratch, out);
    }
    let key = |x: f64| sort_key(x, highest_first);
    let (lo, hi) = range(scores);
    // Each score's bucket on a linear scale of 2^24 over [lo, hi]: a monotone function
    // of the score (correctly rounded subtraction and product, truncation), so sorting
    // by bucket and then by full key within a bucket is sorting by score. Spread evenly,
    // 32,844 scores rarely share one of 16.7 million buckets. A range that is zero or
    // not finite (infinite scores) puts every score in one bucket, which the run sort
    // then orders.
    let top_max = (1u32 << TOP_BITS) - 1;
    let scale = f64::from(1u32 << TOP_BITS) / (hi - lo);
    let spread = scale.is_finite() && scale > 0.0;
    let bucket = |x: f64| -> u64 {
        let b = if spread {
            ((x - lo) * scale).min(f64::from(top_max)) as u32
        } else {
            0
        };
        u64::from(if highest_first { top_max - b } else { b })
    };
    let mut counts = [[0u32; BUCKETS]; PASSES];
    scratch.packed.clear();
    // Sized once: growing by doubling would copy the keys and touch fresh memory twice.
    scratch.packed.reserve(scores.len());
    for (i, &x) in scores.iter().enumerate() {
        if x.is_nan() {
            out[i] = 0; // missing: not ranked
            continue;
        }
        let top = bucket(x);
        for (p, c) in counts.iter_mut().enumerate() {
            c[((top >> (p as u32 * DIGIT_BITS)) as usize) & (BUCKETS - 1)] += 1;
        }
        scratch.packed.push(top << 32 | i as u64);
    }
    sort_packed(scratch, &mut counts);
    // Ranks in sorted order; a run sharing a bucket is first sorted by the full key
    // (then position; a comparison sort, so an outlier that crowds the others into one
    // bucket costs n log n), and equal full keys share the lowest rank.
    let n = scratch.packed.len();
    let full = |p: u64| (key(scores[(p & POSITION_MASK) as usize]), p);
    let v = &mut scratch.packed;
    scratch.order.clear();
    scratch.order.resize(n, 0);
    let order = &mut scratch.order[..];
    let mut a = 0;
    while a < n {
        let top = v[a] >> 32;
        let mut b = a + 1;
        while b < n && v[b] >> 32 == top {
            b += 1;
        }
        if b - a == 1 {
            let i = (v[a] & POSITION_MASK) as usize;
            out[i] = a as u32 + 1;
            order[a] = i as u32;
        } else {
            let run = &mut v[a..b];
            if run.len() <= 16 {
                // Runs are almost always tiny: an insertion sort beats a call to sort.
                for x in 1..run.len() {
                    let mut y = x;
                    while y > 0 && full(run[y - 1]) > full(run[y]) {
                        run.swap(y - 1, y);
                        y -= 1;
                    }
                }
            } else {
                run.sort_unstable_by_key(|&p| full(p));
            }
            let mut prev = (u64::MAX, 0u32);
            for (j, &p) in run.iter().enumerate() {
                let i = (p & POSITION_MASK) as usize;
                let k = full(p).0;
                let rank = if j > 0 && k == prev.0 {
                    prev.1
                } else {
                    (a + j) as u32 + 1
                };
                out[i] = rank;
                order[a + j] = i as u32;
                prev = (k, rank);
            }
        }
        a = b;
    }
    n
}

/// The smallest and largest non-missing score (infinities when there is none). Eight
/// running extremes, not one: a single `f64::min` chain waits on itself at every value,
/// and this loop vectorises.
fn range(scores: &[f64]) -> (f64, f64) {
    const LANES: usize = 8;
    let mut lo = [f64::INFINITY; LANES];
    let mut hi = [f64::NEG_INFINITY; LANES];
    // A NaN compares false, so it changes nothing.
    let mut take = |k: usize, x: f64| {
        lo[k] = if x < lo[k] { x } else { lo[k] };
        hi[k] = if x > hi[k] { x } else { hi[k] };
    };
    let chunks = scores.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for (k, &x) in c.iter().enumerate() {
            take(k, x);
        }
    }
    for (k, &x) in rest.iter().enumerate() {
        take(k, x);
    }
    (
        lo.into_iter().fold(f64::INFINITY, f64::min),
        hi.into_iter().fold(f64::NEG_INFINITY, f64::max),
    )
}

/// `(min, max)` when every non-missing value is an integer and the range is at most
/// about twice the count (so a counting pass is cheaper than a sort); else `None`.
fn compact_integer_range(scores: &[f64]) -> Option<(i64, i64)> {
    const LIMIT: f64 = (1u64 << 52) as f64;
    let (mut lo, mut hi, mut n) = (f64::INFINITY, f64::NEG_INFINITY, 0usize);
    for &x in scores {
        if x.is_nan() {
            continue;
        }
        // `x as i64` truncates (and saturates); a round trip equal to `x` means an
        // integer. Cheaper than `fract`, which may be a libm call.
        if !(x.abs() < LIMIT) || (x as i64) as f64 != x {
            return None;
        }
        lo = lo.min(x);
        hi = hi.max(x);
        n += 1;
    }
    if n == 0 || hi - lo > (2 * n + 1024) as f64 {
        return None;
    }
    Some((lo as i64, hi as i64))
}

/// Ranks integer values in `[lo, hi]` by counting: the rank of a value is one plus the
/// number of values before it. The order is a stable counting sort.
fn rank_counting(
    scores: &[f64],
    lo: i64,
    hi: i64,
    highest_first: bool,
    scratch: &mut RankScratch,
    out: &mut [u32],
) -> usize {
    let buckets = (hi - lo) as usize + 1;
    let bucket = |x: f64| -> usize {
        let v = x as i64;
        if highest_first {
            (hi - v) as usize
        } else {
            (v - lo) as usize
        }
    };
    let counts = &mut scratch.counts;
    counts.clear();
    counts.resize(buckets + 1, 0);
    for &x in scores {
        if !x.is_nan() {
            counts[bucket(x) + 1] += 1;
        }
    }
    for b in 1..=buckets {
        counts[b] += counts[b - 1];
    }
    // counts[b] = number of values in buckets before b.
    let n = counts[buckets] as usize;
    scratch.order.clear();
    scratch.order.resize(n, 0);
    for (i, &x) in scores.iter().enumerate() {
        if x.is_nan() {
            out[i] = 0;
        } else {
            out[i] = counts[bucket(x)] + 1;
        }
    }
    for (i, &x) in scores.iter().enumerate() {
        if !x.is_nan() {
            let b = bucket(x);
            // After this loop counts[b] has moved to the start of bucket b + 1.
            scratch.order[counts[b] as usize] = i as u32;
            counts[b] += 1;
        }
    }
    n
}

/// Ranks `scores` with ties 'min'; see [`rank_min_into`]. `NaN` gets rank 0.
pub fn rank_min(scores: &[f64], highest_first: bool) -> Vec<u32> {
    let mut out = vec![0; scores.len()];
    rank_min_into(scores, highest_first, &mut RankScratch::new(), &mut out);
    out
}

/// Whether rank 1 goes to the highest score, given which way scores run and which end
/// the study ranks first.
pub fn highest_ranks_first(
    score: oa_model::study::Direction,
    rank_1: oa_model::study::End,
) -> bool {
    use oa_model::study::{Direction, End};
    matches!(
        (score, rank_1),
        (Direction::HigherIsBetter, End::Best) | (Direction::HigherIsWorse, End::Worst)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_take_the_lowest_rank() {
        assert_eq!(rank_min(&[3.0, 1.0, 3.0, 2.0], true), vec![1, 4, 1, 3]);
        assert_eq!(rank_min(&[3.0, 1.0, 3.0, 2.0], false), vec![3, 1, 3, 2]);
    }

    #[test]
    fn missing_scores_are_not_ranked() {
        assert_eq!(rank_min(&[f64::NAN, 5.0, -1.0], true), vec![0, 1, 2]);
    }

    #[test]
    fn negative_zero_ties_with_zero_and_order_spans_signs() {
        let s = [0.0, -0.0, -1e300, 1e-300, -2.5, f64::MAX, f64::MIN];
        assert_eq!(rank_min(&s, false), vec![4, 4, 2, 6, 3, 7, 1]);
    }

    #[test]
    fn values_sharing_a_bucket_are_still_ordered() {
        // 1 + k * 2^-40 next to an outlier of 1e300: the linear scale puts all of them
        // in the lowest bucket, so only the full keys separate them.
        let s: Vec<f64> = [3, 0, 2, 2, 1]
            .iter()
            .map(|&k| 1.0 + f64::from(k) * 2f64.powi(-40))
            .chain([1e300])
            .collect();
        assert_eq!(rank_min(&s, false), vec![5, 1, 3, 3, 2, 6]);
        assert_eq!(rank_min(&s, true), vec![2, 6, 3, 3, 5, 1]);
        let mut scratch = RankScratch::new();
        let mut out = vec![0; 6];
        rank_min_into(&s, true, &mut scratch, &mut out);
        assert_eq!(scratch.order(), &[5, 0, 2, 3, 4, 1]);
    }

    #[test]
    fn the_range_skips_missing_values_at_any_length() {
        for n in 0..20 {
            let v: Vec<f64> = (0..n)
                .map(|i| {
                    if i % 3 == 0 {
                        f64::NAN
                    } else {
                        (i as f64 - 7.0) * 1.5
                    }
                })
                .collect();
            let present = v.iter().copied().filter(|x| !x.is_nan());
            let want = (
                present.clone().fold(f64::INFINITY, f64::min),
                present.fold(f64::NEG_INFINITY, f64::max),
            );
            assert_eq!(range(&v), want, "{v:?}");
        }
        let v = [f64::NAN, 3.0, f64::INFINITY, -2.0, f64::NEG_INFINITY];
        assert_eq!(range(&v), (f64::NEG_INFINITY, f64::INFINITY));
    }

    #[test]
    fn infinite_scores_rank_at_their_ends() {
        let s = [1.5, f64::INFINITY, -0.5, f64::NEG_INFINITY, f64::NAN, 1.5];
        assert_eq!(rank_min(&s, true), vec![2, 1, 4, 5, 0, 2]);
        assert_eq!(rank_min(&s, false), vec![3, 5, 2, 1, 0, 3]);
    }

    #[test]
    fn counting_and_sorting_paths_agree() {
        let ints: Vec<f64> = (0..3000)
            .map(|i| f64::from((i * 37) % 1001) - 300.0)
            .collect();
        assert!(compact_integer_range(&ints).is_some());
        // Adding 0.5 to every value keeps the order but forces the radix path.
        let halves: Vec<f64> = ints.iter().map(|x| x + 0.5).collect();
        assert!(compact_integer_range(&halves).is_none());
        for highest_first in [true, false] {
            let (mut s1, mut s2) = (RankScratch::new(), RankScratch::new());
            let (mut r1, mut r2) = (vec![0; 3000], vec![0; 3000]);
            rank_min_into(&ints, highest_first, &mut s1, &mut r1);
            rank_min_into(&halves, highest_first, &mut s2, &mut r2);
            assert_eq!(r1, r2);
            assert_eq!(s1.order(), s2.order());
        }
        let mut with_gap = ints.clone();
        with_gap[7] = 1e9; // range too wide for counting
        assert!(compact_integer_range(&with_gap).is_none());
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn ranks_and_order_match_a_naive_count(
            values in proptest::collection::vec(
                prop_oneof![
                    Just(f64::NAN),
                    Just(0.0),
                    Just(-0.0),
                    Just(f64::INFINITY),
                    Just(f64::NEG_INFINITY),
                    (-3i32..3).prop_map(f64::from),
                    proptest::num::f64::NORMAL,
                    (1.0f64..1.0000001),
                    (-1e6f64..1e6),
                ],
                0..300,
            ),
            highest_first in proptest::bool::ANY,
        ) {
            let mut scratch = RankScratch::new();
            let mut out = vec![u32::MAX; values.len()];
            let ranked = rank_min_into(&values, highest_first, &mut scratch, &mut out);
            let better = |a: f64, b: f64| if highest_first { a > b } else { a < b };
            let mut expected_order: Vec<usize> =
                (0..values.len()).filter(|&i| !values[i].is_nan()).collect();
            expected_order.sort_by(|&a, &b| {
                let (x, y) = (values[a], values[b]);
                if better(x, y) {
                    std::cmp::Ordering::Less
                } else if better(y, x) {
                    std::cmp::Ordering::Greater
                } else {
                    a.cmp(&b)
                }
            });
            prop_assert_eq!(ranked, expected_order.len());
            for (i, &x) in values.iter().enumerate() {
                let want = if x.is_nan() {
                    0
                } else {
                    1 + values.iter().filter(|&&y| !y.is_nan() && better(y, x)).count() as u32
                };
                prop_assert_eq!(out[i], want, "value {} at {}", x, i);
            }
            let order: Vec<usize> = scratch.order().iter().map(|&i| i as usize).collect();
            prop_assert_eq!(order, expected_order);
        }
    }

    #[test]
    fn large_input_matches_a_comparison_sort() {
        let n = 5000;
        let s: Vec<f64> = (0..n)
            .map(|i| (((i * 7919) % 1013) as f64 - 500.0) * 0.37)
            .collect();
        let r = rank_min(&s, true);
        for i in 0..n {
            let better = s.iter().filter(|&&x| x > s[i]).count() as u32;
            assert_eq!(r[i], better + 1);
        }
    }
}
