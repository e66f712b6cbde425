//! Aggregation of children (indicators or groups) into their parent (METHODS.md 1.6).
//!
//! For each area, the children with a value (not `NaN`) and a positive weight are
//! combined, with weights renormalised over them; an area with none gets `NaN`.
//!
//! Arithmetic aggregation is the weighted mean `Σwx/Σw`, as are the other means: only
//! the ratios of the weights matter. The weighted sum `Σ w x` keeps the weights as
//! written, with a missing child's weight shared out over the present ones in proportion
//! (`Σ_present w x · W/W_present`, `W` = all weights); the IMD needs it, since its
//! published weights add up to 0.999 and its score is their plain weighted sum.
//! Geometric, harmonic and (for p not a positive integer) generalised means need
//! values > 0 and report the first area that has not, rather than producing `NaN`.

use crate::error::{EngineError, position_label};
use oa_model::study::Aggregation;
use rayon::prelude::*;

/// Combines `children` (each one value per area) with `weights` (one per child, >= 0,
/// not all 0) into `out` (one value per area).
///
/// Single-threaded except for Copeland (O(N²K) time, O(NK) memory, parallel over
/// areas), so callers can parallelise over repetitions. Errors leave the group name
/// empty (see [`EngineError::about`]).
pub fn aggregate(
    children: &[&[f64]],
    weights: &[f64],
    method: &Aggregation,
    out: &mut [f64],
) -> Result<(), EngineError> {
    let rescaled;
    let weights =
        if weights.iter().sum::<f64>().is_infinite() && *method != Aggregation::WeightedSum {
            // The means use only the ratios of the weights: divide by the largest so their
            // sum is finite (check_inputs then has nothing to refuse).
            let max = weights.iter().fold(0.0f64, |m, &w| m.max(w));
            rescaled = weights.iter().map(|w| w / max).collect::<Vec<f64>>();
            &rescaled[..]
        } else {
            weights
        };
    check_inputs(children, weights, out.len())?;
    match *method {
        Aggregation::Arithmetic => weighted_sum(children, weights, out, 1.0),
        Aggregation::WeightedSum => weighted_sum(children, weights, out, weights.iter().sum()),
        Aggregation::Geometric => {
            check_positive(children, weights, "geometric")?;
            weighted_fold(children, weights, out, f64::ln, |m| m.exp());
        }
        Aggregation::Harmonic => {
            check_positive(children, weights, "harmonic")?;
            weighted_fold(children, weights, out, f64::recip, f64::recip);
        }
        Aggregation::GeneralisedMean { p } => generalised(children, weights, p, out)?,
        Aggregation::Median => weighted_median(children, weights, out),
        Aggregation::Copeland => copeland(children, weights, out),
    }
    Ok(())
}

fn check_inputs(children: &[&[f64]], weights: &[f64], n: usize) -> Result<(), EngineError> {
    if children.len() != weights.len() {
        return Err(EngineError::Shape {
            message: format!(
                "{} children but {} weights; give one weight per child",
                children.len(),
                weights.len()
            ),
        });
    }
    if children.is_empty() {
        return Err(EngineError::EmptyData {
            what: "a group without children".into(),
        });
    }
    for (k, c) in children.iter().enumerate() {
        if c.len() != n {
            return Err(EngineError::Shape {
                message: format!("child #{} has {} values for {n} areas", k + 1, c.len()),
            });
        }
    }
    for (k, &w) in weights.iter().enumerate() {
        if !(w.is_finite() && w >= 0.0) {
            return Err(EngineError::NegativeWeight {
                subject: String::new(),
                child: position_label(k),
                weight: w,
            });
        }
    }
    let total = weights.iter().sum::<f64>();
    if total <= 0.0 {
        return Err(EngineError::ZeroWeights {
            subject: String::new(),
        });
    }
    if !total.is_finite() {
        return Err(EngineError::WeightsOverflow {
            subject: String::new(),
            weights: weights
                .iter()
                .map(|w| format!("{w}"))
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    Ok(())
}

fn check_positive(
    children: &[&[f64]],
    weights: &[f64],
    method: &'static str,
) -> Result<(), EngineError> {
    for (c, &w) in children.iter().zip(weights) {
        if w == 0.0 {
            continue;
        }
        if let Some(a) = c.iter().position(|&x| x <= 0.0) {
            return Err(EngineError::NonPositive {
                subject: String::new(),
                method,
                area: a,
                area_code: position_label(a),
                value: c[a],
            });
        }
    }
    Ok(())
}

fn has_missing(children: &[&[f64]]) -> bool {
    children
        .iter()
        .any(|c| c.iter().fold(false, |m, x| m | x.is_nan()))
}

/// `scale · Σwx/Σw` over the children present (so `scale = Σw` of all children gives
/// the weighted sum, 1 the weighted mean); child by child in [`area_blocks`] when nothing
/// is missing.
fn weighted_sum(children: &[&[f64]], weights: &[f64], out: &mut [f64], scale: f64) {
    let total: f64 = weights.iter().sum();
    let mut any_nan = false;
    for (start, o) in area_blocks(out) {
        o.fill(0.0);
        let end = start + o.len();
        for (c, &w) in children.iter().zip(weights) {
            let w = w * scale / total;
            for (o, &x) in o.iter_mut().zip(&c[start..end]) {
                *o += w * x;
            }
        }
        any_nan |= o.iter().fold(false, |m, x| m | x.is_nan());
    }
    // A NaN comes from a missing value (or from infinities, which keep it).
    if any_nan && has_missing(children) {
        weighted_fold(children, weights, out, |x| x, |m| m * scale);
    }
}

/// `out` in blocks of areas small enough to stay in L1, each with the position of its first
/// area: adding the children block by block, each area still adds them in order (as a
/// pass over all areas per child would, to the bit) while every input is read once.
pub fn area_blocks(out: &mut [f64]) -> impl Iterator<Item = (usize, &mut [f64])> {
    const BLOCK: usize = 512;
    (0..out.len()).step_by(BLOCK).zip(out.chunks_mut(BLOCK))
}

/// `back(Σ w f(x) / Σ w)` per area over the children present with a positive weight.
fn weighted_fold(
    children: &[&[f64]],
    weights: &[f64],
    out: &mut [f64],
    f: impl Fn(f64) -> f64,
    back: impl Fn(f64) -> f64,
) {
    for (a, o) in out.iter_mut().enumerate() {
        let (mut s, mut sw) = (0.0, 0.0);
        for (c, &w) in children.iter().zip(weights) {
            let x = c[a];
            if !x.is_nan() && w > 0.0 {
                s += w * f(x);
                sw += w;
            }
        }
        *o = if sw > 0.0 { back(s / sw) } else { f64::NAN };
    }
}

fn generalised(
    children: &[&[f64]],
    weights: &[f64],
    p: f64,
    out: &mut [f64],
) -> Result<(), EngineError> {
    if !p.is_finite() || p == 0.0 {
        return Err(EngineError::Shape {
            message: format!("generalised_mean needs a finite p other than 0, got {p}"),
        });
    }
    let integer_p = p > 0.0 && p.fract() == 0.0 && p <= i32::MAX as f64;
    if !integer_p {
        check_positive(children, weights, "generalised_mean")?;
        weighted_fold(children, weights, out, |x| x.powf(p), |m| m.powf(1.0 / p));
    } else {
        let pi = p as i32;
        // A positive integer power is defined for any sign; an odd root keeps the sign.
        weighted_fold(
            children,
            weights,
            out,
            |x| x.powi(pi),
            |m| m.signum() * m.abs().powf(1.0 / p),
        );
    }
    Ok(())
}

/// Weighted median: the value where the cumulative weight (children sorted by value)
/// reaches half the total; exactly half averages it with the next value, so equal
/// weights give the ordinary median.
fn weighted_median(children: &[&[f64]], weights: &[f64], out: &mut [f64]) {
    let mut buf: Vec<(f64, f64)> = Vec::with_capacity(children.len());
    for (a, o) in out.iter_mut().enumerate() {
        buf.clear();
        buf.extend(
            children
                .iter()
                .zip(weights)
                .map(|(c, &w)| (c[a], w))
                .filter(|&(x, w)| !x.is_nan() && w > 0.0),
        );
        *o = weighted_median_of(&mut buf);
    }
}

/// Weighted median of (value, weight) pairs (weights > 0); `NaN` when empty.
pub fn weighted_median_of(pairs: &mut [(f64, f64)]) -> f64 {
    if pairs.is_empty() {
        return f64::NAN;
    }
    pairs.sort_unstable_by(|x, y| x.0.total_cmp(&y.0));
    let total: f64 = pairs.iter().map(|p| p.1).sum();
    let half = total / 2.0;
    let eps = 1e-12 * total;
    let mut cum = 0.0;
    for (j, &(x, w)) in pairs.iter().enumerate() {
        cum += w;
        if cum >= half - eps {
            if (cum - half).abs() <= eps && j + 1 < pairs.len() {
                return (x + pairs[j + 1].0) / 2.0;
            }
            return x;
        }
    }
    pairs[pairs.len() - 1].0
}

/// Copeland: for each pair of areas, the weighted vote of the children both have
/// (`Σ w sign(x_a - x_b)`) decides who outranks whom; an area's score is wins minus
/// losses. Runs over pairs without storing them: O(N²K) time, O(NK) memory.
fn copeland(children: &[&[f64]], weights: &[f64], out: &mut [f64]) {
    let n = out.len();
    let k = children.len();
    let mut rows = vec![0.0; n * k];
    for (j, c) in children.iter().enumerate() {
        for (a, &x) in c.iter().enumerate() {
            rows[a * k + j] = x;
        }
    }
    let eps = 1e-12 * weights.iter().sum::<f64>();
    out.par_iter_mut().enumerate().for_each(|(a, o)| {
        let ra = &rows[a * k..(a + 1) * k];
        if ra.iter().all(|x| x.is_nan()) {
            *o = f64::NAN;
            return;
        }
        let (mut wins, mut losses) = (0i64, 0i64);
        for rb in rows.chunks_exact(k) {
            let mut vote = 0.0;
            for ((&x, &y), &w) in ra.iter().zip(rb).zip(weights) {
                // NaN on either side compares false both ways: no vote.
                vote += w * (f64::from(u8::from(x > y)) - f64::from(u8::from(x < y)));
            }
            wins += i64::from(vote > eps);
            losses += i64::from(vote < -eps);
        }
        *o = (wins - losses) as f64;
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    const NAN: f64 = f64::NAN;

    fn run(children: &[&[f64]], w: &[f64], m: Aggregation) -> Vec<f64> {
        let mut out = vec![0.0; children[0].len()];
        aggregate(children, w, &m, &mut out).unwrap();
        out
    }

    fn close(a: &[f64], b: &[f64]) {
        for (x, y) in a.iter().zip(b) {
            assert!(
                (x.is_nan() && y.is_nan()) || (x - y).abs() < 1e-9,
                "{a:?} != {b:?}"
            );
        }
    }

    #[test]
    fn means_match_hand_computed_values() {
        let x: &[f64] = &[1.0, 4.0];
        let y: &[f64] = &[4.0, 4.0];
        let w = [1.0, 3.0];
        // Arithmetic is the weighted mean; the weighted sum keeps the weights as given.
        close(&run(&[x, y], &w, Aggregation::Arithmetic), &[3.25, 4.0]);
        close(&run(&[x, y], &w, Aggregation::WeightedSum), &[13.0, 16.0]);
        close(
            &run(&[x, y], &[0.25, 0.75], Aggregation::WeightedSum),
            &[3.25, 4.0],
        );
        // exp((ln1 + 3 ln4)/4) = 4^(3/4)
        close(
            &run(&[x, y], &w, Aggregation::Geometric),
            &[4f64.powf(0.75), 4.0],
        );
        // 4 / (1/1 + 3/4) = 16/7
        close(&run(&[x, y], &w, Aggregation::Harmonic), &[16.0 / 7.0, 4.0]);
        // ((1 + 3*16)/4)^(1/2) = sqrt(12.25) = 3.5
        close(
            &run(&[x, y], &w, Aggregation::GeneralisedMean { p: 2.0 }),
            &[3.5, 4.0],
        );
        close(
            &run(&[x, y], &w, Aggregation::GeneralisedMean { p: -1.0 }),
            &[16.0 / 7.0, 4.0],
        );
    }

    #[test]
    fn missing_children_renormalise_the_weights() {
        let x: &[f64] = &[1.0, NAN, NAN];
        let y: &[f64] = &[3.0, 5.0, NAN];
        close(
            &run(&[x, y], &[0.5, 0.5], Aggregation::Arithmetic),
            &[2.0, 5.0, NAN],
        );
        // Given weights summing to 0.999 (the IMD's) keep that total when one is missing.
        close(
            &run(&[x, y], &[0.333, 0.666], Aggregation::WeightedSum),
            &[0.333 + 3.0 * 0.666, 5.0 * 0.999, NAN],
        );
        close(
            &run(&[x, y], &[1.0, 3.0], Aggregation::Arithmetic),
            &[2.5, 5.0, NAN],
        );
        close(
            &run(&[x, y], &[1.0, 1.0], Aggregation::Geometric),
            &[3f64.sqrt(), 5.0, NAN],
        );
    }

    #[test]
    fn weighted_median_handles_even_and_uneven_weights() {
        let cols: [&[f64]; 4] = [&[1.0, 1.0], &[2.0, 2.0], &[3.0, 3.0], &[10.0, 10.0]];
        let eq = run(&cols, &[1.0; 4], Aggregation::Median);
        assert_eq!(eq, vec![2.5, 2.5]);
        let heavy = run(&cols, &[1.0, 1.0, 1.0, 4.0], Aggregation::Median);
        assert_eq!(heavy, vec![10.0, 10.0]);
        let three = run(&cols[..3], &[1.0; 3], Aggregation::Median);
        assert_eq!(three, vec![2.0, 2.0]);
    }

    #[test]
    fn copeland_counts_pairwise_wins_minus_losses() {
        // Areas A, B, C on three children (equal weights):
        // A vs B: A wins 2-1; A vs C: A wins 2-1; B vs C: B wins 2-0 (tie on one).
        let c1: &[f64] = &[3.0, 1.0, 0.0];
        let c2: &[f64] = &[3.0, 2.0, 1.0];
        let c3: &[f64] = &[1.0, 2.0, 2.0];
        let s = run(&[c1, c2, c3], &[1.0; 3], Aggregation::Copeland);
        // B vs C: c1 B, c2 B, c3 tie -> B wins.
        assert_eq!(s, vec![2.0, 0.0, -2.0]);
        // Weighting c3 heavily: c3 alone beats c1 + c2 for B and C over A.
        let s = run(&[c1, c2, c3], &[1.0, 1.0, 5.0], Aggregation::Copeland);
        // A vs B: 1+1-5 <0 -> B wins; A vs C: 1+1-5 -> C wins; B vs C: 1+1+0 -> B.
        assert_eq!(s, vec![-2.0, 2.0, 0.0]);
    }

    #[test]
    fn bad_inputs_are_errors_not_nan() {
        let x: &[f64] = &[1.0, 0.0];
        let mut out = [0.0; 2];
        let e = aggregate(&[x], &[1.0], &Aggregation::Geometric, &mut out)
            .unwrap_err()
            .about("school");
        assert!(matches!(e, EngineError::NonPositive { area: 1, .. }), "{e}");
        assert!(e.to_string().contains("group `school`"));
        assert!(aggregate(&[x], &[-1.0], &Aggregation::Arithmetic, &mut out).is_err());
        assert!(aggregate(&[x], &[0.0], &Aggregation::Arithmetic, &mut out).is_err());
        assert!(aggregate(&[x], &[1.0, 1.0], &Aggregation::Arithmetic, &mut out).is_err());
        // A zero weight child is ignored even when its values are not positive.
        let y: &[f64] = &[2.0, 2.0];
        aggregate(&[x, y], &[0.0, 1.0], &Aggregation::Harmonic, &mut out).unwrap();
        assert_eq!(out, [2.0, 2.0]);
    }
}
