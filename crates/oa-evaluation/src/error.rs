//! What can be wrong with an evaluation's input, each as one line that says where and
//! what to do. Places in files (`origin`) are given by the caller that read them.

use crate::period::PeriodError;

/// At most this many missing unit-periods are named in a message.
pub const MAX_LISTED: usize = 5;

/// A problem with the panel, the treatment or the options of an evaluation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EvalError {
    #[error("{origin}: {source}")]
    Period {
        origin: String,
        #[source]
        source: PeriodError,
    },

    #[error(
        "the panel mixes {first} and {second} (`{first_text}` and `{second_text}`); use one kind of period (the DfE's `2016` may mean the school year 2015/16: write it as `2015/16`)"
    )]
    MixedPeriods {
        first: &'static str,
        second: &'static str,
        first_text: String,
        second_text: String,
    },

    #[error(
        "unit `{unit}` has two values for {period}, at {first} and {second}; remove one, or add a filter so one row remains"
    )]
    Duplicate {
        unit: String,
        period: String,
        first: String,
        second: String,
    },

    #[error(
        "the panel is unbalanced: {count} unit-periods are missing ({listed}); supply them, or set `balance = \"drop_units\"` to drop the {units} units with gaps"
    )]
    Unbalanced {
        count: usize,
        units: usize,
        /// The first few, `E07000191 in 2018/19`.
        listed: String,
    },

    #[error(
        "the value for unit `{unit}` in {period} is missing or not a finite number{origin}; fix the cell or drop the unit"
    )]
    NotFinite {
        unit: String,
        period: String,
        origin: String,
    },

    #[error(
        "unit `{unit}` in {period} is made of several codes but its rows give only a rate; give numerator and denominator columns so the parts can be summed"
    )]
    RateCannotMerge { unit: String, period: String },

    #[error(
        "unit `{unit}` in {period} is incomplete: `{missing}` (a part of it) has no row while `{present}` has; a merged area needs all its parts in every period"
    )]
    IncompleteMerge {
        unit: String,
        period: String,
        missing: String,
        present: String,
    },

    #[error(
        "`{part}` is both a unit of the panel and a part of unit `{whole}`; an area is never compared with its own parts: map `{part}` into `{whole}` or leave `{whole}` out"
    )]
    OverlappingUnits { part: String, whole: String },

    #[error("{context}: `{unit}` is not a unit of the panel{hint}")]
    UnknownUnit {
        unit: String,
        context: String,
        hint: String,
    },

    #[error(
        "unit `{unit}` is first treated in {first_treated}, the panel's first period{anticipation}: there is no period before treatment to compare with; start the panel earlier or leave the unit out"
    )]
    NoPrePeriod {
        unit: String,
        first_treated: String,
        anticipation: String,
    },

    #[error(
        "unit `{unit}` is treated in {on} but not in {off}: treatment must be absorbing (once treated, always treated); correct the treatment column"
    )]
    TreatmentSwitchesOff {
        unit: String,
        on: String,
        off: String,
    },

    #[error("no unit is treated{context}; name the treated units or their first treated period")]
    NoTreated { context: String },

    #[error(
        "{method}: the comparison `{comparison}` has no units left{why}; choose another comparison set"
    )]
    NoControls {
        method: &'static str,
        comparison: String,
        why: String,
    },

    #[error(
        "{method}: {what} needs at least {needed} comparison units but `{comparison}` has {donors}; use a larger comparison set or {fix}"
    )]
    TooFewDonors {
        method: &'static str,
        what: String,
        comparison: String,
        donors: usize,
        needed: usize,
        fix: &'static str,
    },

    #[error(
        "{method}: {comparison} compares {span} across the series break before {at} ({reason}); restrict the panel to periods on one side of the break"
    )]
    AcrossBreak {
        method: &'static str,
        comparison: String,
        /// `2015/16 with 2020/21`
        span: String,
        at: String,
        reason: String,
    },

    #[error("{what}: {message}")]
    Invalid { what: String, message: String },

    #[error(
        "{what}: the matrix is singular ({why}); drop a duplicated or constant covariate, or widen the window"
    )]
    Singular { what: String, why: String },
}

impl EvalError {
    pub(crate) fn invalid(what: impl Into<String>, message: impl Into<String>) -> EvalError {
        EvalError::Invalid {
            what: what.into(),
            message: message.into(),
        }
    }
}
