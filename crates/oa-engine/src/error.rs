//! Errors of the engine. Each names the indicator, group or area at fault and says what
//! to do, so the CLI can print it as a one-line user error (exit 2).
//!
//! Primitives (e.g. [`crate::aggregate`]) do not know names: they leave `subject` empty
//! and `area_code` as a position (`#12`); [`crate::compute_index`] fills both in with
//! [`EngineError::about`] and [`EngineError::with_area_codes`].

/// A problem with the data or study that stops the index from being computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EngineError {
    /// The matrix has no areas or no indicators.
    #[error("the data is empty ({what}): give at least one area and one indicator")]
    EmptyData { what: String },

    /// The matrix does not match the study (wrong number, order or length of columns).
    #[error("indicator data does not match the study: {message}")]
    Shape { message: String },

    /// A value is infinite (missing values are `NaN`, written as empty cells).
    #[error(
        "indicator `{subject}`, area {area_code}: value {value} is not a finite number; fix the cell or leave it empty to mark it missing"
    )]
    NonFinite {
        subject: String,
        area: usize,
        area_code: String,
        value: f64,
    },

    /// A normalised value or a score is not a finite number although the area has data:
    /// arithmetic overflowed. `cause` says where and what to change.
    #[error("`{subject}`, area {area_code}: the result is {value}, not a finite number: {cause}")]
    NonFiniteResult {
        subject: String,
        area: usize,
        area_code: String,
        value: f64,
        cause: String,
    },

    /// Screening by coverage dropped every area.
    #[error(
        "no area has data for at least {min_coverage} of the indicators: lower `method.missing.min_coverage` or check the data"
    )]
    NoAreaKept { min_coverage: f64 },

    /// An indicator has no value in any kept area.
    #[error(
        "indicator `{subject}` has no values in the areas kept: check its column in the data, or remove it from the study"
    )]
    AllMissing { subject: String },

    /// An indicator has the same value everywhere, so a scale-based normalisation is
    /// undefined (division by zero).
    #[error(
        "indicator `{subject}`: every area has the same value ({value}), so `{method}` normalisation would divide by zero; drop the indicator or choose another normalisation"
    )]
    ZeroVariance {
        subject: String,
        method: &'static str,
        value: f64,
    },

    /// A normalisation parameter does not fit the data (target, goalposts, sign).
    #[error("indicator `{subject}`: {message}")]
    Normalisation { subject: String, message: String },

    /// Geometric, harmonic or generalised means need positive values.
    #[error(
        "group `{subject}`: {method} aggregation needs values > 0 but area {area_code} has {value}; normalise onto a positive range first (e.g. min_max with low = 1, or imd_exponential) or use arithmetic aggregation"
    )]
    NonPositive {
        subject: String,
        method: &'static str,
        area: usize,
        area_code: String,
        value: f64,
    },

    /// A weight is negative or not finite.
    #[error(
        "group `{subject}`: weight {weight} of child `{child}` is negative or not finite; weights must be numbers >= 0"
    )]
    NegativeWeight {
        subject: String,
        child: String,
        weight: f64,
    },

    /// The weights of a node add up to infinity: every score would be 0, infinite or NaN.
    #[error(
        "group `{subject}`: its children's weights ({weights}) add up to more than floating-point numbers hold, so no score could be computed; scale them down (only their ratios matter, except under weighted_sum)"
    )]
    WeightsOverflow { subject: String, weights: String },

    /// All children of a node have weight 0.
    #[error(
        "group `{subject}`: the weights of its children sum to 0; give at least one child a positive weight"
    )]
    ZeroWeights { subject: String },

    /// Principal-component weights cannot be computed.
    #[error("group `{subject}`: principal-component weights: {message}")]
    Pca { subject: String, message: String },

    /// A named band holds more areas than are ranked.
    #[error(
        "band `{band}` needs {size} areas but only {areas} are ranked; lower its `share` or `count`"
    )]
    BandTooLarge {
        band: String,
        size: usize,
        areas: usize,
    },

    /// More quantile bands than ranked areas.
    #[error(
        "`bands.quantiles = {quantiles}` does not fit {areas} ranked areas: use at most {areas} quantiles"
    )]
    TooManyQuantiles { quantiles: u32, areas: usize },
}

impl EngineError {
    /// Names the indicator or group the error is about, when the primitive that raised it
    /// did not know (its `subject` is empty).
    pub fn about(mut self, name: &str) -> Self {
        match &mut self {
            EngineError::NonFinite { subject, .. }
            | EngineError::AllMissing { subject }
            | EngineError::ZeroVariance { subject, .. }
            | EngineError::Normalisation { subject, .. }
            | EngineError::NonPositive { subject, .. }
            | EngineError::NegativeWeight { subject, .. }
            | EngineError::ZeroWeights { subject }
            | EngineError::Pca { subject, .. }
            | EngineError::NonFiniteResult { subject, .. }
            | EngineError::WeightsOverflow { subject, .. }
                if subject.is_empty() =>
            {
                *subject = name.to_string();
            }
            _ => {}
        }
        self
    }

    /// Replaces an area position (`#12`) by its code: `codes[area]` (when given).
    pub fn with_area_codes(mut self, codes: &[String], positions: &[usize]) -> Self {
        match &mut self {
            EngineError::NonFinite {
                area, area_code, ..
            }
            | EngineError::NonPositive {
                area, area_code, ..
            }
            | EngineError::NonFiniteResult {
                area, area_code, ..
            } => {
                let input = positions.get(*area).copied().unwrap_or(*area);
                *area = input;
                *area_code = match codes.get(input) {
                    Some(code) => code.clone(),
                    None => position_label(input),
                };
            }
            _ => {}
        }
        self
    }
}

/// How an area without a known code is named in messages: `#1` is the first row.
pub(crate) fn position_label(position: usize) -> String {
    format!("#{}", position + 1)
}
