//! The typed results of an evaluation: estimate rows (what becomes `evaluation.csv`),
//! weights, the paths and placebo gaps behind the charts, pre-trend checks and notes.

use std::fmt;

/// The estimator behind a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// Block difference-in-differences (synthdid's `did_estimate`).
    Did,
    /// Callaway and Sant'Anna.
    Cs,
    /// Synthetic control.
    Sc,
    /// Synthetic difference-in-differences.
    Sdid,
    /// Randomisation inference.
    Ri,
    /// Regression discontinuity.
    Rd,
}

impl Method {
    pub const ALL: [Method; 6] = [
        Method::Did,
        Method::Cs,
        Method::Sc,
        Method::Sdid,
        Method::Ri,
        Method::Rd,
    ];

    /// `did`, `cs`, `sc`, `sdid`, `ri`, `rd`.
    pub fn code(self) -> &'static str {
        match self {
            Method::Did => "did",
            Method::Cs => "cs",
            Method::Sc => "sc",
            Method::Sdid => "sdid",
            Method::Ri => "ri",
            Method::Rd => "rd",
        }
    }

    /// The method as people say it.
    pub fn name(self) -> &'static str {
        match self {
            Method::Did => "difference-in-differences",
            Method::Cs => "Callaway and Sant'Anna's difference-in-differences",
            Method::Sc => "synthetic control",
            Method::Sdid => "synthetic difference-in-differences",
            Method::Ri => "randomisation inference",
            Method::Rd => "regression discontinuity",
        }
    }

    pub fn from_code(code: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.code() == code)
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What a row estimates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Estimand {
    /// The overall average effect on the treated (one row per method, outcome and
    /// comparison; a staggered block method adds one per group).
    Att,
    /// A group-time effect `ATT(g,t)`.
    AttGt,
    /// An event-time effect (`period` = periods since first treatment; `all` = the mean
    /// of event times >= 0).
    Event,
    /// A group's average effect (Callaway-Sant'Anna's group aggregation).
    Group,
    /// A calendar period's average effect.
    Calendar,
    /// One treated unit's effect.
    Unit,
}

impl Estimand {
    /// `att`, `att_gt`, `event`, `group`, `calendar`, `unit`.
    pub fn code(self) -> &'static str {
        match self {
            Estimand::Att => "att",
            Estimand::AttGt => "att_gt",
            Estimand::Event => "event",
            Estimand::Group => "group",
            Estimand::Calendar => "calendar",
            Estimand::Unit => "unit",
        }
    }
}

/// The label of all groups or periods together.
pub const ALL: &str = "all";

/// One estimate: a row of `evaluation.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateRow {
    pub method: Method,
    pub estimand: Estimand,
    /// First treated period as written in the panel (`201718`), or `all`.
    pub group: String,
    /// Period as written in the panel, event time (`-2`, `0`), or `all`.
    pub period: String,
    pub estimate: f64,
    /// `NaN` when the method gives none (randomisation inference, placebo-in-space units).
    pub se: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub p_value: f64,
    pub outcome: String,
    /// The treated unit of a `unit` row; empty otherwise.
    pub unit: String,
    pub comparison: String,
    pub n_treated: usize,
    pub n_control: usize,
    /// How the uncertainty was measured, in words (`placebo, 1000 replications`).
    pub inference: String,
    /// A pre-treatment estimate (a placebo check of parallel trends), not an effect.
    pub pre_treatment: bool,
}

/// The columns of `evaluation.csv`, in order: the leading ten are fixed.
pub const ROW_COLUMNS: [&str; 16] = [
    "method",
    "estimand",
    "group",
    "period",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "p_value",
    "outcome",
    "unit",
    "comparison",
    "n_treated",
    "n_control",
    "inference",
    "pre_treatment",
];

/// Whether a weight is a unit's or a period's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightKind {
    Unit,
    Time,
}

/// One weight: a row of `weights.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightRow {
    pub method: Method,
    pub outcome: String,
    pub comparison: String,
    /// The treated unit the weights build a comparison for, or `all` (their mean).
    pub treated: String,
    /// First treated period of the block (`201718`).
    pub group: String,
    pub kind: WeightKind,
    /// A comparison unit's code (unit weights) or a period's label (time weights).
    pub unit: String,
    pub weight: f64,
}

/// A treated path and its synthetic comparison, for "each area against its synthetic".
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticPath {
    pub method: Method,
    pub outcome: String,
    pub comparison: String,
    /// The treated unit, or `all` for the treated mean.
    pub unit: String,
    /// Period labels as shown (`2015/16`).
    pub periods: Vec<String>,
    /// Index of the first treated period in `periods`.
    pub first_treated: usize,
    pub actual: Vec<f64>,
    pub synthetic: Vec<f64>,
}

/// The gaps of the treated units and of every placebo, for the placebo chart.
#[derive(Debug, Clone, PartialEq)]
pub struct PlaceboGaps {
    pub outcome: String,
    pub comparison: String,
    pub periods: Vec<String>,
    pub first_treated: usize,
    /// (unit, gaps, post/pre RMSPE ratio) of the treated units.
    pub treated: Vec<(String, Vec<f64>, f64)>,
    /// The same for each placebo.
    pub placebos: Vec<(String, Vec<f64>, f64)>,
}

/// An event-time estimate before treatment: a check of parallel trends.
#[derive(Debug, Clone, PartialEq)]
pub struct PretrendCheck {
    pub method: Method,
    pub outcome: String,
    pub comparison: String,
    pub event_time: i64,
    pub estimate: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// The interval excludes 0: the groups were already diverging before treatment.
    pub flagged: bool,
}

/// How a comparison set was chosen, for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonSummary {
    pub id: String,
    pub description: String,
    pub units: Vec<String>,
}

/// Everything an evaluation of one outcome produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub outcome: String,
    pub treated_units: Vec<String>,
    /// Period labels as written in the panel, in time order.
    pub period_labels: Vec<String>,
    /// Periods as shown to people (`2015/16`).
    pub period_names: Vec<String>,
    pub rows: Vec<EstimateRow>,
    pub weights: Vec<WeightRow>,
    pub paths: Vec<SyntheticPath>,
    pub placebos: Vec<PlaceboGaps>,
    pub pretrends: Vec<PretrendCheck>,
    pub comparisons: Vec<ComparisonSummary>,
    /// Caveats in plain English (few treated units, dropped units, ...).
    pub notes: Vec<String>,
    /// True when the treated units are too few for standard errors that assume many.
    pub few_treated: bool,
}

impl EstimateRow {
    /// An overall estimate: the average effect on the treated over every group and period
    /// (not a cell, an event time or a row of the discontinuity's bandwidth table).
    pub fn is_overall(&self) -> bool {
        self.estimand == Estimand::Att && self.group == ALL && self.period == ALL
    }

    /// The interval `(low, high)` when one was measured (both ends finite).
    pub fn interval(&self) -> Option<(f64, f64)> {
        (self.ci_low.is_finite() && self.ci_high.is_finite()).then_some((self.ci_low, self.ci_high))
    }

    /// The p-value when one was measured: `None` when it is missing, or is not a
    /// probability (a hand-edited file can hold anything; no sentence should quote it).
    pub fn measured_p_value(&self) -> Option<f64> {
        Some(self.p_value).filter(|p| (0.0..=1.0).contains(p))
    }

    /// The p-value as people read it, "p < 0.001" or "p = 0.034"; `None` when none was
    /// measured.
    pub fn p_value_text(&self) -> Option<String> {
        self.measured_p_value().map(|p| {
            if p < 0.001 {
                "p < 0.001".to_string()
            } else {
                format!("p = {p:.3}")
            }
        })
    }

    /// Whether the row rules out no effect: its interval excludes zero or, without an
    /// interval, its p-value is below 5%.
    pub fn rules_out_no_effect(&self) -> bool {
        match self.interval() {
            Some((low, high)) => low > 0.0 || high < 0.0,
            None => self.measured_p_value().is_some_and(|p| p < 0.05),
        }
    }

    /// What `n_treated` and `n_control` count, in words: the treated and compared areas,
    /// or, for a regression discontinuity, the areas within its bandwidth just inside and
    /// just outside the cut (inside made an area eligible, not chosen).
    pub fn counts_in_words(&self) -> String {
        if self.method == Method::Rd {
            format!(
                "{} just inside and {} just outside the cut, within its bandwidth",
                self.n_treated, self.n_control
            )
        } else {
            format!("{} treated, {} compared", self.n_treated, self.n_control)
        }
    }
}

impl Evaluation {
    /// The overall row of a method and comparison, if estimated.
    pub fn att(&self, method: Method, comparison: &str) -> Option<&EstimateRow> {
        self.rows
            .iter()
            .find(|r| r.method == method && r.is_overall() && r.comparison == comparison)
    }
}
