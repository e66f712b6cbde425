//! Direction and normalisation of one indicator (METHODS.md 1.1 and 1.4).
//!
//! The engine works in one orientation: after [`orient`], a higher value always means a
//! higher score in the study's `[scoring] score` direction (more deprived for the IMD,
//! more mobile for the SMI). Every normalisation here is increasing in that oriented
//! value, so normalised values, group scores and the index all run the same way.
//! `NaN` (missing) stays `NaN`, and statistics use the values present.

use crate::error::EngineError;
use crate::rank::{RankScratch, rank_min_into};
use oa_model::study::{Direction, Method, Normalisation};

/// Negates `values` in place when the indicator runs against the score, so that higher
/// means "higher score". Returns whether the values were flipped.
pub fn orient(values: &mut [f64], indicator: Direction, score: Direction) -> bool {
    let flip = indicator != score;
    if flip {
        for v in values.iter_mut() {
            *v = -*v;
        }
    }
    flip
}

/// Parameters in the indicator's own units turned into oriented units: goalposts
/// `[low, high]` become `[-high, -low]` and a target `t` becomes `-t` when the values
/// were flipped by [`orient`].
pub fn orient_parameters(
    method: &Normalisation,
    target: Option<f64>,
    flipped: bool,
) -> (Normalisation, Option<f64>) {
    if !flipped {
        return (*method, target);
    }
    let method = match *method {
        Normalisation::Goalposts { low, high } => Normalisation::Goalposts {
            low: -high,
            high: -low,
        },
        other => other,
    };
    (method, target.map(|t| -t))
}

/// Mean and sample standard deviation of the non-missing values (`NaN` when fewer
/// than 1 / 2 values).
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    let (mut n, mut sum) = (0usize, 0.0);
    for &v in values {
        if !v.is_nan() {
            n += 1;
            sum += v;
        }
    }
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = sum / n as f64;
    let ss: f64 = values
        .iter()
        .filter(|v| !v.is_nan())
        .map(|v| (v - mean) * (v - mean))
        .sum();
    let sd = if n > 1 {
        (ss / (n - 1) as f64).sqrt()
    } else {
        f64::NAN
    };
    (mean, sd)
}

/// Smallest and largest non-missing values, or `None` when all are missing.
pub fn min_max(values: &[f64]) -> Option<(f64, f64)> {
    let mut it = values.iter().copied().filter(|v| !v.is_nan());
    let first = it.next()?;
    Some(it.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v))))
}

/// `1 - e^(-100/23)`, the constant of the IoD exponential transformation.
const IMD_EXP_C: f64 = 0.987_065_098_611_050_2;

/// The IoD exponential transformation of a rank (1 = the end that scores 100) among
/// `n` areas: `R = (n - rank + 1)/n`, `X = -23 ln(1 - R (1 - e^(-100/23)))`.
#[inline]
pub fn imd_exponential(rank: u32, n: usize) -> f64 {
    let r = (n as f64 - rank as f64 + 1.0) / n as f64;
    -23.0 * (1.0 - r * IMD_EXP_C).ln()
}

/// Normalises oriented `values` (see [`orient`]); `target` (oriented) is needed by
/// `distance_to_target`. Allocates the output; see [`normalise_into`] for hot loops.
pub fn normalise(
    values: &[f64],
    method: &Normalisation,
    target: Option<f64>,
) -> Result<Vec<f64>, EngineError> {
    let mut out = vec![f64::NAN; values.len()];
    normalise_into(values, method, target, &mut RankScratch::new(), &mut out)?;
    Ok(out)
}

/// Normalises oriented `values` into `out` (same length), reusing `scratch` for the
/// rank-based methods. Errors leave the indicator name empty (see [`EngineError::about`]).
pub fn normalise_into(
    values: &[f64],
    method: &Normalisation,
    target: Option<f64>,
    scratch: &mut RankScratch,
    out: &mut [f64],
) -> Result<(), EngineError> {
    assert_eq!(values.len(), out.len(), "normalise_into: output length");
    let err = |message: String| EngineError::Normalisation {
        subject: String::new(),
        message,
    };
    let Some((lo, hi)) = min_max(values) else {
        return Err(EngineError::AllMissing {
            subject: String::new(),
        });
    };
    let zero_range = |name: &'static str| EngineError::ZeroVariance {
        subject: String::new(),
        method: name,
        value: lo,
    };
    let map = |out: &mut [f64], f: &dyn Fn(f64) -> f64| {
        for (o, &v) in out.iter_mut().zip(values) {
            *o = if v.is_nan() { f64::NAN } else { f(v) };
        }
    };
    match *method {
        Normalisation::None => out.copy_from_slice(values),
        Normalisation::MinMax { low, high } => {
            if hi == lo {
                return Err(zero_range("min_max"));
            }
            let scale = (high - low) / (hi - lo);
            map(out, &|v| low + (v - lo) * scale);
        }
        Normalisation::ZScore => {
            let (mean, sd) = mean_sd(values);
            if !(sd > 0.0) {
                return Err(zero_range("zscore"));
            }
            map(out, &|v| (v - mean) / sd);
        }
        Normalisation::DistanceToTarget => {
            let Some(t) = target else {
                return Err(err(
                    "distance_to_target needs a `target` on the indicator (in its own units)"
                        .into(),
                ));
            };
            if !(t > lo) {
                return Err(err(format!(
                    "target {t} does not lie beyond the lowest value {lo} in the score's direction (values and target are negated for an indicator that runs against the score); choose a target on the better side of the worst area"
                )));
            }
            map(out, &|v| ((v - lo) / (t - lo)).min(1.0));
        }
        Normalisation::Goalposts { low, high } => {
            if !(low < high) {
                return Err(err(format!(
                    "goalposts need low < high (got {low} and {high})"
                )));
            }
            map(out, &|v| ((v - low) / (high - low)).clamp(0.0, 1.0));
        }
        Normalisation::FractionOfMax => {
            if lo < 0.0 || !(hi > 0.0) {
                return Err(err(format!(
                    "fraction_of_max needs values >= 0 with a positive maximum (in the score's direction they run from {lo} to {hi}); use min_max or goalposts, especially for an indicator that runs against the score"
                )));
            }
            map(out, &|v| v / hi);
        }
        Normalisation::Rank
        | Normalisation::PercentileRank
        | Normalisation::Borda
        | Normalisation::Rankit
        | Normalisation::ImdExponential => {
            rank_based(values, method, scratch, out)?;
        }
    }
    Ok(())
}

fn rank_based(
    values: &[f64],
    method: &Normalisation,
    scratch: &mut RankScratch,
    out: &mut [f64],
) -> Result<(), EngineError> {
    let mut ranks = std::mem::take(&mut scratch.ranks);
    ranks.clear();
    ranks.resize(values.len(), 0);
    let highest_first = matches!(method, Normalisation::ImdExponential);
    let n = rank_min_into(values, highest_first, scratch, &mut ranks);
    if n < 2 && matches!(method, Normalisation::PercentileRank) {
        scratch.ranks = ranks;
        return Err(EngineError::Normalisation {
            subject: String::new(),
            message: "percentile_rank needs values in at least two areas".into(),
        });
    }
    if matches!(method, Normalisation::ImdExponential) && scratch.imd_table.len() != n {
        // One logarithm per rank, reused across the indicators a scratch serves.
        scratch.imd_table.clear();
        scratch
            .imd_table
            .extend((1..=n as u32).map(|r| imd_exponential(r, n)));
    }
    let normal = statrs::distribution::Normal::standard();
    for (o, &r) in out.iter_mut().zip(&ranks) {
        *o = if r == 0 {
            f64::NAN
        } else {
            let rf = r as f64;
            match method {
                Normalisation::Rank => rf,
                Normalisation::PercentileRank => (rf - 1.0) / (n as f64 - 1.0),
                Normalisation::Borda => rf - 1.0,
                Normalisation::Rankit => {
                    use statrs::distribution::ContinuousCDF;
                    normal.inverse_cdf((rf - 0.5) / n as f64)
                }
                _ => scratch.imd_table[r as usize - 1],
            }
        };
    }
    scratch.ranks = ranks;
    Ok(())
}

/// The normalisation an indicator uses: its own, else the method's.
pub fn normalisation_of<'a>(
    indicator: &'a oa_model::study::Indicator,
    method: &'a Method,
) -> &'a Normalisation {
    indicator
        .normalisation
        .as_ref()
        .unwrap_or(&method.normalisation)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: &[f64], b: &[f64]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!(
                (x.is_nan() && y.is_nan()) || (x - y).abs() < 1e-9,
                "{a:?} != {b:?}"
            );
        }
    }

    const V: [f64; 5] = [2.0, 4.0, 4.0, 10.0, f64::NAN];

    #[test]
    fn min_max_maps_onto_the_interval() {
        let m = Normalisation::MinMax {
            low: 1.0,
            high: 5.0,
        };
        close(
            &normalise(&V, &m, None).unwrap(),
            &[1.0, 2.0, 2.0, 5.0, f64::NAN],
        );
    }

    #[test]
    fn zscore_uses_the_sample_sd() {
        // mean 5, deviations -3 -1 -1 5, ss = 36, sd = sqrt(12)
        let sd = 12f64.sqrt();
        close(
            &normalise(&V, &Normalisation::ZScore, None).unwrap(),
            &[-3.0 / sd, -1.0 / sd, -1.0 / sd, 5.0 / sd, f64::NAN],
        );
    }

    #[test]
    fn rank_family_uses_ties_min_from_the_low_end() {
        let nan = f64::NAN;
        close(
            &normalise(&V, &Normalisation::Rank, None).unwrap(),
            &[1.0, 2.0, 2.0, 4.0, nan],
        );
        close(
            &normalise(&V, &Normalisation::PercentileRank, None).unwrap(),
            &[0.0, 1.0 / 3.0, 1.0 / 3.0, 1.0, nan],
        );
        close(
            &normalise(&V, &Normalisation::Borda, None).unwrap(),
            &[0.0, 1.0, 1.0, 3.0, nan],
        );
        // Φ⁻¹(0.125), Φ⁻¹(0.375), Φ⁻¹(0.875)
        close(
            &normalise(&V, &Normalisation::Rankit, None).unwrap(),
            &[
                -1.150_349_380_376_008,
                -0.318_639_363_964_375_2,
                -0.318_639_363_964_375_2,
                1.150_349_380_376_008,
                nan,
            ],
        );
    }

    #[test]
    fn distance_to_target_is_capped_at_one() {
        close(
            &normalise(&V, &Normalisation::DistanceToTarget, Some(6.0)).unwrap(),
            &[0.0, 0.5, 0.5, 1.0, f64::NAN],
        );
        assert!(normalise(&V, &Normalisation::DistanceToTarget, None).is_err());
        assert!(normalise(&V, &Normalisation::DistanceToTarget, Some(1.0)).is_err());
    }

    #[test]
    fn goalposts_truncate_and_fraction_of_max_divides() {
        let g = Normalisation::Goalposts {
            low: 3.0,
            high: 5.0,
        };
        close(
            &normalise(&V, &g, None).unwrap(),
            &[0.0, 0.5, 0.5, 1.0, f64::NAN],
        );
        close(
            &normalise(&V, &Normalisation::FractionOfMax, None).unwrap(),
            &[0.2, 0.4, 0.4, 1.0, f64::NAN],
        );
        assert!(normalise(&[-1.0, 2.0], &Normalisation::FractionOfMax, None).is_err());
    }

    #[test]
    fn imd_exponential_gives_100_to_the_top_and_matches_the_formula() {
        let x = normalise(&[1.0, 3.0, 2.0, 4.0], &Normalisation::ImdExponential, None).unwrap();
        assert!((x[3] - 100.0).abs() < 1e-9);
        // rank 4 of 4: R = 1/4
        let c = 1.0 - (-100.0f64 / 23.0).exp();
        assert!((IMD_EXP_C - c).abs() < 1e-16);
        assert!((x[0] - (-23.0 * (1.0 - 0.25 * c).ln())).abs() < 1e-12);
        assert!(x[0] < x[2] && x[2] < x[1] && x[1] < x[3]);
    }

    #[test]
    fn zero_variance_is_an_error_for_scale_methods() {
        let flat = [3.0, 3.0, f64::NAN];
        for m in [
            Normalisation::ZScore,
            Normalisation::MinMax {
                low: 0.0,
                high: 1.0,
            },
        ] {
            let e = normalise(&flat, &m, None).unwrap_err().about("X1");
            assert!(e.to_string().contains("`X1`"), "{e}");
        }
    }

    #[test]
    fn orientation_flips_values_and_parameters() {
        let mut v = vec![1.0, -2.0];
        assert!(orient(
            &mut v,
            Direction::HigherIsBetter,
            Direction::HigherIsWorse
        ));
        assert_eq!(v, vec![-1.0, 2.0]);
        assert!(!orient(
            &mut v,
            Direction::HigherIsWorse,
            Direction::HigherIsWorse
        ));
        let (g, t) = orient_parameters(
            &Normalisation::Goalposts {
                low: 0.0,
                high: 10.0,
            },
            Some(4.0),
            true,
        );
        assert_eq!(
            g,
            Normalisation::Goalposts {
                low: -10.0,
                high: 0.0
            }
        );
        assert_eq!(t, Some(-4.0));
    }
}
