//! The `[method]` section: missing data, outliers, normalisation, weights, aggregation.

use serde::{Deserialize, Serialize};

/// How an index is computed from its indicators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Method {
    #[serde(default)]
    pub missing: MissingData,
    #[serde(default)]
    pub outliers: OutlierTreatment,
    /// Default normalisation for every indicator (an indicator may override it).
    #[serde(default)]
    pub normalisation: Normalisation,
    #[serde(default)]
    pub weights: Weighting,
    /// Default aggregation at every level (a group may override it).
    #[serde(default)]
    pub aggregation: Aggregation,
}

impl Default for Method {
    fn default() -> Self {
        Method {
            missing: MissingData::default(),
            outliers: OutlierTreatment::None,
            normalisation: Normalisation::ZScore,
            weights: Weighting::Given,
            aggregation: Aggregation::Arithmetic,
        }
    }
}

impl Method {
    /// Checks values serde cannot; returns (key, message) on error.
    pub fn validate(&self) -> Result<(), (String, String)> {
        let c = self.missing.min_coverage;
        if !(0.0..=1.0).contains(&c) {
            return Err((
                "missing.min_coverage".into(),
                format!("{c} is not a share: use a number in [0, 1]"),
            ));
        }
        self.normalisation
            .validate()
            .map_err(|m| ("normalisation".to_string(), m))?;
        self.aggregation
            .validate()
            .map_err(|m| ("aggregation".to_string(), m))?;
        Ok(())
    }
}

/// Screening and imputation of missing values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissingData {
    /// Areas with a smaller share of non-missing indicators are dropped (and reported).
    #[serde(default)]
    pub min_coverage: f64,
    #[serde(default)]
    pub impute: Imputation,
}

impl Default for MissingData {
    fn default() -> Self {
        MissingData {
            min_coverage: 0.0,
            impute: Imputation::None,
        }
    }
}

/// How missing values are filled before normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Imputation {
    /// Leave missing; aggregation renormalises weights over the values present.
    #[default]
    None,
    Mean,
    Median,
    /// Mean of the area's sibling indicators (same group) on a min-max scale, mapped back
    /// to the indicator's own units; imputed before outlier treatment like the others.
    GroupMean,
    GroupMedian,
}

/// Outlier treatment before normalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, Hash)]
#[serde(rename_all = "snake_case")]
pub enum OutlierTreatment {
    #[default]
    None,
    /// The JRC / COINr rule: winsorise up to 5 points, then log-transform if still skewed.
    Jrc,
}

/// Normalisation of one indicator onto a common scale.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Normalisation {
    /// Leave values as they are.
    None,
    /// `(x - min)/(max - min)` mapped onto `[low, high]` (default [0, 100]).
    MinMax {
        #[serde(default)]
        low: f64,
        #[serde(default = "hundred")]
        high: f64,
    },
    /// `(x - mean)/sd` with the sample standard deviation.
    #[default]
    #[serde(rename = "zscore")]
    ZScore,
    /// Rank with ties 'min' (1 = lowest oriented value).
    Rank,
    /// `(rank - 1)/(n - 1)`.
    PercentileRank,
    /// `rank - 1`.
    Borda,
    /// `(x - min)/(target - min)` capped at 1; the target is the indicator's `target`.
    DistanceToTarget,
    /// `(x - low)/(high - low)` truncated to [0, 1].
    Goalposts { low: f64, high: f64 },
    /// `x / max`.
    FractionOfMax,
    /// `Φ⁻¹((rank - 0.5)/n)`.
    Rankit,
    /// The IoD exponential transformation of ranks onto (0, 100].
    ImdExponential,
}

fn hundred() -> f64 {
    100.0
}

/// `low < high` with both finite (false for NaN or infinities).
fn is_increasing(low: f64, high: f64) -> bool {
    low.is_finite() && high.is_finite() && low < high
}

impl Normalisation {
    /// Checks parameters; returns a message on error.
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            Normalisation::MinMax { low, high } if !is_increasing(low, high) => {
                Err(format!("min_max needs low < high (got {low} and {high})"))
            }
            Normalisation::Goalposts { low, high } if !is_increasing(low, high) => {
                Err(format!("goalposts need low < high (got {low} and {high})"))
            }
            _ => Ok(()),
        }
    }

    /// Stable short name, e.g. `zscore`, `min_max`.
    pub fn name(&self) -> &'static str {
        match self {
            Normalisation::None => "none",
            Normalisation::MinMax { .. } => "min_max",
            Normalisation::ZScore => "zscore",
            Normalisation::Rank => "rank",
            Normalisation::PercentileRank => "percentile_rank",
            Normalisation::Borda => "borda",
            Normalisation::DistanceToTarget => "distance_to_target",
            Normalisation::Goalposts { .. } => "goalposts",
            Normalisation::FractionOfMax => "fraction_of_max",
            Normalisation::Rankit => "rankit",
            Normalisation::ImdExponential => "imd_exponential",
        }
    }
}

/// Where weights come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Weighting {
    /// The weights written in the study.
    #[default]
    Given,
    /// Equal weights within each parent.
    Equal,
    /// Loadings of the first principal component of each parent's children, made
    /// non-negative and summing to 1.
    Pca,
}

/// How children are combined into their parent.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Aggregation {
    /// The weighted mean `Σ w x / Σ w`.
    #[default]
    Arithmetic,
    /// The weighted sum `Σ w x` with the weights as written (the IMD: its published
    /// domain weights add up to 0.999 and its score is their plain weighted sum). A
    /// missing child's weight is shared over the present ones, keeping the total.
    WeightedSum,
    /// Needs every value > 0.
    Geometric,
    /// Needs every value > 0.
    Harmonic,
    /// `(Σ w x^p / Σ w)^(1/p)`; needs values > 0 unless p is a positive integer.
    GeneralisedMean { p: f64 },
    /// Weighted median.
    Median,
    /// Copeland: wins minus losses in pairwise comparisons over the children.
    Copeland,
}

impl Aggregation {
    pub fn validate(&self) -> Result<(), String> {
        match *self {
            Aggregation::GeneralisedMean { p } if !p.is_finite() || p == 0.0 => Err(format!(
                "generalised_mean needs a finite p other than 0 (p = 0 is the geometric mean), got {p}"
            )),
            _ => Ok(()),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Aggregation::Arithmetic => "arithmetic",
            Aggregation::WeightedSum => "weighted_sum",
            Aggregation::Geometric => "geometric",
            Aggregation::Harmonic => "harmonic",
            Aggregation::GeneralisedMean { .. } => "generalised_mean",
            Aggregation::Median => "median",
            Aggregation::Copeland => "copeland",
        }
    }
}
