//! The `[uncertainty]` section (owned by the uncertainty work): which choices of an index
//! are uncertain, and how many Monte Carlo samples to draw.
//!
//! ```toml
//! [uncertainty]
//! samples = 10000
//! seed = 2019
//! weights = { noise = "uniform", spread = 0.25 }      # or { noise = "dirichlet", concentration = 50 }
//! normalisations = [{ method = "imd_exponential" }, { method = "min_max", low = 1, high = 100 }]
//! aggregations = [{ method = "arithmetic" }, { method = "geometric" }]
//! imputations = ["mean", "median"]
//! leave_one_out = true
//! data_noise = { scale = 1.0 }                           # needs `se_column` on some indicators
//! [uncertainty.sobol]
//! samples = 2000
//! bootstrap = 500
//! confidence = 0.95
//! ```
//!
//! The nominal run is the study as written; each choice list is sampled uniformly.

use super::{Aggregation, Imputation, Normalisation, Study};
use serde::{Deserialize, Serialize};

/// Monte Carlo uncertainty and Sobol sensitivity of the ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Uncertainty {
    /// Monte Carlo samples (the command line's `--samples` overrides it).
    #[serde(default = "default_samples")]
    pub samples: i64,
    /// Seed of the random draws: one seed gives one result, whatever the thread count.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Noise on every weight (indicators and groups), within each parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<WeightNoise>,
    /// Normalisations to choose among (each equally likely); empty = the study's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub normalisations: Vec<Normalisation>,
    /// Aggregations to choose among; empty = the study's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aggregations: Vec<Aggregation>,
    /// Imputation methods to choose among; empty = the study's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub imputations: Vec<Imputation>,
    /// Leave out one indicator at a time: each sample keeps all indicators or drops one,
    /// each of the `1 + indicators` cases equally likely.
    #[serde(default)]
    pub leave_one_out: bool,
    /// Gaussian noise on the raw values of indicators that give a `se_column`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_noise: Option<DataNoise>,
    /// Sobol sensitivity indices; absent = no sensitivity analysis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sobol: Option<SobolOptions>,
}

fn default_samples() -> i64 {
    1000
}

fn default_seed() -> u64 {
    1
}

/// How weights vary around their nominal values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "noise", rename_all = "snake_case", deny_unknown_fields)]
pub enum WeightNoise {
    /// Each weight times `1 + spread * U(-1, 1)`: `spread = 0.25` is ±25%.
    Uniform { spread: f64 },
    /// The shares of each parent's children drawn from a Dirichlet distribution with mean
    /// the nominal shares; a larger `concentration` means less noise.
    Dirichlet { concentration: f64 },
}

/// Data noise: `value + scale * se * N(0, 1)` for indicators with a standard error.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataNoise {
    #[serde(default = "one")]
    pub scale: f64,
}

fn one() -> f64 {
    1.0
}

/// Options of the Sobol analysis (design of N(d + 2) runs: matrices A, B and AB_i).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SobolOptions {
    /// Base sample N; absent = the Monte Carlo sample count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<i64>,
    /// Bootstrap replicates for the intervals.
    #[serde(default = "default_bootstrap")]
    pub bootstrap: i64,
    /// Coverage of the bootstrap intervals.
    #[serde(default = "default_confidence")]
    pub confidence: f64,
}

fn default_bootstrap() -> i64 {
    500
}

fn default_confidence() -> f64 {
    0.95
}

/// The fewest Sobol base samples that give a usable variance estimate.
pub const MIN_SOBOL_SAMPLES: i64 = 20;

impl SobolOptions {
    /// Fewest bootstrap replicates that leave at least two replicates in each tail of the
    /// interval (40 for 95%).
    pub fn min_bootstrap(confidence: f64) -> i64 {
        (4.0 / (1.0 - confidence)).ceil() as i64
    }
}

/// Checks a sample count; the message says what to do.
pub fn check_samples(n: i64) -> Result<(), String> {
    if n <= 0 {
        Err(format!(
            "{n} samples: use a whole number of at least 1 (e.g. 1000)"
        ))
    } else {
        Ok(())
    }
}

/// Checks the Sobol options against the base sample count actually used.
pub fn check_sobol(opts: &SobolOptions, base_samples: i64) -> Result<(), (String, String)> {
    let c = opts.confidence;
    if !(c > 0.0 && c < 1.0) {
        return Err((
            "sobol.confidence".into(),
            format!("{c} is not a coverage: use a number in (0, 1), e.g. 0.95"),
        ));
    }
    let min_b = SobolOptions::min_bootstrap(c);
    if opts.bootstrap < min_b {
        return Err((
            "sobol.bootstrap".into(),
            format!(
                "{} bootstrap replicates are too few for a {}% interval: use at least {min_b}",
                opts.bootstrap,
                c * 100.0
            ),
        ));
    }
    if base_samples < MIN_SOBOL_SAMPLES {
        return Err((
            "sobol.samples".into(),
            format!(
                "{base_samples} base samples are too few for the Sobol indices and their bootstrap: use at least {MIN_SOBOL_SAMPLES}"
            ),
        ));
    }
    Ok(())
}

impl Uncertainty {
    /// The Sobol base sample count: `sobol.samples`, else `samples`.
    pub fn sobol_samples(&self, samples: i64) -> Option<i64> {
        self.sobol.map(|s| s.samples.unwrap_or(samples))
    }

    /// Checks values serde cannot; returns (key, message) on error.
    pub fn validate(&self, study: &Study) -> Result<(), (String, String)> {
        check_samples(self.samples).map_err(|m| ("samples".to_string(), m))?;
        match self.weights {
            Some(WeightNoise::Uniform { spread }) => {
                if !spread.is_finite() || spread < 0.0 {
                    return Err((
                        "weights.spread".into(),
                        format!("{spread} is not a spread: use a share such as 0.25 for ±25%"),
                    ));
                }
                if spread >= 1.0 {
                    return Err((
                        "weights.spread".into(),
                        format!(
                            "±{}% noise makes weights zero or negative: use a spread below 1 (e.g. 0.25 for ±25%)",
                            spread * 100.0
                        ),
                    ));
                }
            }
            Some(WeightNoise::Dirichlet { concentration })
                if !(concentration.is_finite() && concentration > 0.0) =>
            {
                return Err((
                    "weights.concentration".into(),
                    format!(
                        "{concentration} is not a concentration: use a number > 0 (larger = less noise, e.g. 50)"
                    ),
                ));
            }
            Some(WeightNoise::Dirichlet { .. }) | None => {}
        }
        for (i, n) in self.normalisations.iter().enumerate() {
            n.validate()
                .map_err(|m| (format!("normalisations[{i}]"), m))?;
            if matches!(n, Normalisation::DistanceToTarget)
                && let Some(ind) = study.indicators.iter().find(|x| x.target.is_none())
            {
                return Err((
                    format!("normalisations[{i}]"),
                    format!(
                        "distance_to_target needs a `target` on every indicator; `{}` has none",
                        ind.id
                    ),
                ));
            }
        }
        for (i, a) in self.aggregations.iter().enumerate() {
            a.validate()
                .map_err(|m| (format!("aggregations[{i}]"), m))?;
        }
        if self.leave_one_out && study.indicators.len() < 2 {
            return Err((
                "leave_one_out".into(),
                "leaving an indicator out needs at least two indicators".into(),
            ));
        }
        if let Some(d) = self.data_noise {
            if !(d.scale.is_finite() && d.scale > 0.0) {
                return Err((
                    "data_noise.scale".into(),
                    format!(
                        "{} is not a scale: use a number > 0 (1 = the standard errors as given)",
                        d.scale
                    ),
                ));
            }
            if !study.indicators.iter().any(|x| x.se_column.is_some()) {
                return Err((
                    "data_noise".into(),
                    "no indicator gives a `se_column`: add one, or remove data_noise".into(),
                ));
            }
        }
        if let Some(s) = &self.sobol {
            check_sobol(s, s.samples.unwrap_or(self.samples))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn study(section: &str) -> Result<Study, crate::StudyError> {
        let text = format!(
            r#"
schema = 1
[study]
id = "t"
title = "t"
[geography]
area_type = "lad"
vintage = 2019
[[sources]]
id = "s"
path = "x.csv"
code_column = "code"
[[indicators]]
id = "a"
direction = "higher_is_better"
[[indicators]]
id = "b"
direction = "higher_is_worse"
[uncertainty]
{section}
"#
        );
        Study::from_toml_str(&text, "t.toml")
    }

    #[test]
    fn full_section_parses() {
        let s = study(
            r#"samples = 500
seed = 7
weights = { noise = "dirichlet", concentration = 40 }
normalisations = [{ method = "zscore" }, { method = "min_max", low = 1, high = 100 }]
aggregations = [{ method = "arithmetic" }, { method = "geometric" }]
imputations = ["mean", "median"]
leave_one_out = true
sobol = { samples = 100, bootstrap = 200 }"#,
        )
        .unwrap();
        let u = s.uncertainty.unwrap();
        assert_eq!(u.samples, 500);
        assert_eq!(u.normalisations.len(), 2);
        assert_eq!(u.imputations, vec![Imputation::Mean, Imputation::Median]);
        assert_eq!(u.sobol_samples(500), Some(100));
    }

    fn error_of(section: &str) -> String {
        study(section).unwrap_err().to_string()
    }

    #[test]
    fn bad_inputs_name_their_key() {
        assert!(error_of("samples = 0").contains("uncertainty.samples"));
        assert!(error_of("samples = -3").contains("uncertainty.samples"));
        let e = error_of(r#"weights = { noise = "uniform", spread = 1.5 }"#);
        assert!(
            e.contains("uncertainty.weights.spread") && e.contains("negative"),
            "{e}"
        );
        let e = error_of(r#"normalisations = [{ method = "zcore" }]"#);
        assert!(e.contains("zcore"), "{e}");
        let e = error_of(r#"aggregations = [{ method = "mean" }]"#);
        assert!(e.contains("mean"), "{e}");
        let e = error_of(r#"imputations = ["mode"]"#);
        assert!(e.contains("mode"), "{e}");
        let e = error_of("sobol = { samples = 5 }");
        assert!(e.contains("uncertainty.sobol.samples"), "{e}");
        let e = error_of("sobol = { bootstrap = 10 }");
        assert!(e.contains("uncertainty.sobol.bootstrap"), "{e}");
        let e = error_of("data_noise = { scale = 1 }");
        assert!(e.contains("se_column"), "{e}");
        let e = error_of("sampels = 10");
        assert!(e.contains("sampels"), "{e}");
    }
}
