//! The `[evaluation]` section: did the chosen areas improve, compared with areas like
//! them? Outcome panels as published, who is treated and from when, comparison sets,
//! methods, series breaks, placebos and the seed.
//!
//! ```toml
//! [evaluation]
//! methods = ["did", "cs", "sc", "sdid", "ri", "rd"]
//! treatment = "selection"        # the study's selected areas and waves; or "listed"
//! first_treated = "2017/18"      # the first period the outcome could respond
//! units = "districts"            # or "areas": an area of several districts is one unit
//! seed = 2016
//! placebos = 1000                # did/sdid placebo replications
//!
//! [[evaluation.outcomes]]
//! id = "gld"
//! name = "the share of children with a good level of development"
//! path = "outcomes/EYFSP_LAD_pr_additional_tables_2014_2019.xlsx"
//! unit_column = "lad_code_pupil"
//! period_column = "time_period"
//! numerator = "gld_number"
//! denominator = "all_pupils"
//! scale = 100
//! filters = { geographic_level = "Local Authority District" }
//! periods = { from = "2013/14", to = "2017/18" }
//!
//! [[evaluation.comparisons]]
//! id = "never_treated"
//! kind = "never_treated"
//! ```
//!
//! Periods are checked with the evaluation engine's parser, so `oa validate` reports a
//! period that does not read (`2015/17`) at its key.

use super::Study;
use oa_evaluation::Period;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The estimators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EvaluationMethod {
    /// Block difference-in-differences (synthdid's `did_estimate`).
    Did,
    /// Callaway and Sant'Anna's group-time effects.
    Cs,
    /// Synthetic control (Abadie, Diamond and Hainmueller).
    Sc,
    /// Synthetic difference-in-differences.
    Sdid,
    /// Randomisation inference over the long list.
    Ri,
    /// Regression discontinuity at the selection cut.
    Rd,
}

/// Where treatment comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TreatmentSource {
    /// The study's own selection: the areas it chooses (and must include), their
    /// districts and waves.
    #[default]
    Selection,
    /// `[[evaluation.treated]]`.
    Listed,
}

/// What a unit of the panel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnitChoice {
    /// Each district is a unit.
    #[default]
    Districts,
    /// An area of several districts (`[[selection.areas]]`) is one unit, its counts summed.
    Areas,
}

/// A treated district inside a larger unit of the panel (after boundary changes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartlyTreatedChoice {
    #[default]
    Error,
    /// The whole unit counts as treated.
    Treated,
    /// The unit is left out.
    Exclude,
}

/// Variance of did and sdid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VarianceChoice {
    #[default]
    Placebo,
    Bootstrap,
    Jackknife,
}

/// Callaway-Sant'Anna's control group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlChoice {
    #[default]
    NeverTreated,
    NotYetTreated,
}

/// Callaway-Sant'Anna's base period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BaseChoice {
    #[default]
    Varying,
    Universal,
}

/// Gaps in a panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BalanceChoice {
    /// A gap is an error naming the missing area-periods.
    #[default]
    Strict,
    DropUnits,
    DropPeriods,
}

/// How an outcome table is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PanelLayoutChoice {
    /// One row per area and period.
    #[default]
    Long,
    /// One row per area, one column per period.
    Wide,
}

/// The whole section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationSection {
    pub methods: Vec<EvaluationMethod>,
    #[serde(default)]
    pub treatment: TreatmentSource,
    /// First treated period of every treated unit (when waves are not given their own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_treated: Option<String>,
    /// First treated period per selection wave id (`{ "1" = "2017/18", "2" = "2017/18" }`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub wave_first_treated: BTreeMap<String, String>,
    /// With `treatment = "listed"`: the treated units.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub treated: Vec<TreatedUnit>,
    /// Periods before the first treated one in which the outcome may already respond.
    #[serde(default)]
    pub anticipation: usize,
    #[serde(default)]
    pub units: UnitChoice,
    #[serde(default)]
    pub partly_treated: PartlyTreatedChoice,
    pub outcomes: Vec<Outcome>,
    pub comparisons: Vec<Comparison>,
    /// did/sdid variance.
    #[serde(default)]
    pub variance: VarianceChoice,
    /// did/sdid placebo or bootstrap replications.
    #[serde(default = "default_placebos")]
    pub placebos: usize,
    /// Callaway-Sant'Anna multiplier bootstrap draws (0: analytic standard errors only).
    #[serde(default = "default_bootstrap")]
    pub bootstrap: usize,
    #[serde(default)]
    pub control: ControlChoice,
    #[serde(default)]
    pub base_period: BaseChoice,
    /// Synthetic control predictors: selection measure ids (or `index`); empty = the
    /// pre-period outcome path alone.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sc_predictors: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub randomisation: Option<RandomisationSection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discontinuity: Option<Discontinuity>,
    /// Interval coverage.
    #[serde(default = "default_level")]
    pub level: f64,
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_placebos() -> usize {
    200
}

fn default_bootstrap() -> usize {
    1000
}

fn default_level() -> f64 {
    0.95
}

fn default_seed() -> u64 {
    1
}

/// A treated unit named by the study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreatedUnit {
    /// A district code, or an area id of `[[selection.areas]]`.
    pub unit: String,
    /// Its first treated period (default: the section's `first_treated`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_treated: Option<String>,
}

/// An outcome panel file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub id: String,
    /// Words for the report: `the share of children with a good level of development`.
    #[serde(default)]
    pub name: String,
    /// Units of the outcome for the report: `percentage points`.
    #[serde(default)]
    pub units: String,
    #[serde(default = "yes")]
    pub higher_is_better: bool,
    /// Path relative to the data directory.
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_row: Option<usize>,
    #[serde(default)]
    pub layout: PanelLayoutChoice,
    pub unit_column: String,
    /// Long layout: the period column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_column: Option<String>,
    /// The outcome column (long layout), or nothing with numerator/denominator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_column: Option<String>,
    /// A count column, or several added (`["education", "appren", "all_work"]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numerator: Option<Columns>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<String>,
    /// Rates from counts are `scale * numerator / denominator` (100: percentages).
    #[serde(default = "one")]
    pub scale: f64,
    /// Wide layout: the period columns (empty: every header that reads as a period).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub period_columns: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub filters: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_markers: Vec<String>,
    /// CSV delimiter other than `,` (e.g. `;`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<char>,
    /// The window of periods evaluated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub periods: Option<PeriodWindow>,
    /// The first period of this outcome treatment could affect, when it differs from the
    /// section's (key stage 4 destinations are measured the year after the exams).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_treated: Option<String>,
    /// Map the file's codes onto one boundary vintage through the ONS change list
    /// (counts summed over mergers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boundaries: Option<Boundaries>,
    #[serde(default)]
    pub balance: BalanceChoice,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breaks: Vec<SeriesBreakDecl>,
}

fn yes() -> bool {
    true
}

/// One column or several.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Columns {
    One(String),
    Many(Vec<String>),
}

impl Columns {
    /// The column names, in order.
    pub fn names(&self) -> Vec<String> {
        match self {
            Columns::One(c) => vec![c.clone()],
            Columns::Many(v) => v.clone(),
        }
    }
}

fn one() -> f64 {
    1.0
}

/// First and last period kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodWindow {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// Boundary vintages: codes of `from` (and any later year up to `to`) are mapped to `to`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Boundaries {
    pub from: u16,
    pub to: u16,
}

/// A declared series break.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesBreakDecl {
    /// The first period on the new basis.
    pub at: String,
    pub reason: String,
}

/// What kind of comparison set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComparisonKind {
    NeverTreated,
    NotYetTreated,
    /// Near-misses: `units`, or `from = "long_list"` (long-listed but not selected).
    NearMisses,
    /// The `k` nearest untreated units of each treated one (Mahalanobis).
    NearestNeighbours,
    /// `units` named by the study.
    Listed,
}

/// Where near-misses come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NearMissSource {
    /// Long-listed by `[selection] long_list` but not selected.
    LongList,
}

/// A comparison set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Comparison {
    pub id: String,
    pub kind: ComparisonKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub units: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NearMissSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k: Option<usize>,
    /// Nearest neighbours: selection measure ids matched on besides the pre-period
    /// outcomes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub covariates: Vec<String>,
}

/// What treatment is permuted over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermuteOver {
    /// The selection's long list, with the selected areas not on it (a study may declare
    /// areas its rule would not list).
    #[default]
    LongList,
    /// The treated units and each comparison set.
    Comparison,
}

/// Randomisation inference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomisationSection {
    #[serde(default)]
    pub over: PermuteOver,
    /// Keep the number treated per region (the selection's regional quotas).
    #[serde(default)]
    pub by_region: bool,
    #[serde(default = "default_draws")]
    pub draws: usize,
    /// Enumerate every assignment when there are at most this many.
    #[serde(default = "default_max_exact")]
    pub max_exact: usize,
}

fn default_draws() -> usize {
    10_000
}

fn default_max_exact() -> usize {
    100_000
}

/// Regression discontinuity at the selection's cut.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Discontinuity {
    /// The selection measure whose rank is the running variable (`index` or a measure id).
    pub running: String,
    /// Areas ranked `1..=cut` (greatest need first) are on the selected side.
    pub cut: usize,
    /// A bandwidth in ranks instead of Imbens-Kalyanaraman's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bandwidth: Option<f64>,
}

fn check_period(key: &str, text: &str) -> Result<(), (String, String)> {
    Period::parse(text)
        .map(|_| ())
        .map_err(|e| (key.to_string(), e.to_string()))
}

impl EvaluationSection {
    /// Checks what serde cannot; returns (key, message) on error.
    pub fn validate(&self, study: &Study) -> Result<(), (String, String)> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        if self.methods.is_empty() {
            return err(
                "methods",
                "name at least one method: did, cs, sc, sdid, ri, rd".into(),
            );
        }
        let methods: BTreeSet<EvaluationMethod> = self.methods.iter().copied().collect();
        if methods.len() != self.methods.len() {
            return err("methods", "a method is listed twice".into());
        }
        let selection = study.selection.as_ref();
        let mut measures: BTreeSet<&str> = BTreeSet::new();
        measures.insert(super::selection::INDEX_MEASURE);
        if let Some(s) = selection {
            measures.extend(s.measures.iter().map(|m| m.id.as_str()));
        }
        if let Some(p) = &self.first_treated {
            check_period("first_treated", p)?;
        }
        for (wave, p) in &self.wave_first_treated {
            check_period(&format!("wave_first_treated.{wave}"), p)?;
            if !selection.is_some_and(|s| s.waves.iter().any(|w| &w.id == wave)) {
                return err(
                    &format!("wave_first_treated.{wave}"),
                    format!("unknown wave `{wave}`; use a [[selection.waves]] id"),
                );
            }
        }
        match self.treatment {
            TreatmentSource::Selection => {
                let Some(s) = selection else {
                    return err(
                        "treatment",
                        "`treatment = \"selection\"` needs a [selection] section; or set `treatment = \"listed\"` with [[evaluation.treated]]".into(),
                    );
                };
                if !self.treated.is_empty() {
                    return err(
                        "treated",
                        "treated units are listed but `treatment = \"selection\"`; set `treatment = \"listed\"` or remove the list".into(),
                    );
                }
                let every_wave = !s.waves.is_empty()
                    && s.waves
                        .iter()
                        .all(|w| self.wave_first_treated.contains_key(&w.id));
                if self.first_treated.is_none() && !every_wave {
                    return err(
                        "first_treated",
                        "say when treatment starts: `first_treated = \"2017/18\"`, or a period per wave in `wave_first_treated`".into(),
                    );
                }
            }
            TreatmentSource::Listed => {
                if self.treated.is_empty() {
                    return err(
                        "treated",
                        "`treatment = \"listed\"` needs [[evaluation.treated]] entries".into(),
                    );
                }
                let mut seen = BTreeSet::new();
                for (i, t) in self.treated.iter().enumerate() {
                    if !seen.insert(t.unit.as_str()) {
                        return err(
                            &format!("treated[{i}].unit"),
                            format!("`{}` is listed twice", t.unit),
                        );
                    }
                    match &t.first_treated {
                        Some(p) => check_period(&format!("treated[{i}].first_treated"), p)?,
                        None if self.first_treated.is_none() => {
                            return err(
                                &format!("treated[{i}].first_treated"),
                                format!(
                                    "say when `{}` is first treated, or set the section's `first_treated`",
                                    t.unit
                                ),
                            );
                        }
                        None => {}
                    }
                }
            }
        }
        if self.units == UnitChoice::Areas && selection.is_none_or(|s| s.areas.is_empty()) {
            return err(
                "units",
                "`units = \"areas\"` needs the areas' districts in [[selection.areas]]".into(),
            );
        }
        if self.anticipation > 10 {
            return err(
                "anticipation",
                format!(
                    "{} periods of anticipation is implausible; use 0, 1 or 2",
                    self.anticipation
                ),
            );
        }
        if self.outcomes.is_empty() {
            return err(
                "outcomes",
                "declare at least one [[evaluation.outcomes]] panel".into(),
            );
        }
        let mut ids = BTreeSet::new();
        for (i, o) in self.outcomes.iter().enumerate() {
            let key = |k: &str| format!("outcomes[{i}].{k}");
            if !super::is_identifier(&o.id) {
                return err(&key("id"), "use letters, digits and underscores".into());
            }
            if !ids.insert(o.id.as_str()) {
                return err(&key("id"), format!("outcome `{}` is declared twice", o.id));
            }
            if !(o.scale.is_finite() && o.scale > 0.0) {
                return err(
                    &key("scale"),
                    format!(
                        "{} must be a positive number (100 for percentages)",
                        o.scale
                    ),
                );
            }
            let counts = o.numerator.is_some() || o.denominator.is_some();
            match o.layout {
                PanelLayoutChoice::Long => {
                    if o.period_column.is_none() {
                        return err(
                            &key("period_column"),
                            "a long table names its period column (e.g. `time_period`)".into(),
                        );
                    }
                    match (&o.value_column, &o.numerator, &o.denominator) {
                        (Some(_), None, None) | (None, Some(_), Some(_)) => {}
                        _ => {
                            return err(
                                &key("value_column"),
                                "give either `value_column`, or both `numerator` and `denominator` (a rate from counts, so merged areas are exact)".into(),
                            );
                        }
                    }
                    if let Some(Columns::Many(v)) = &o.numerator
                        && v.is_empty()
                    {
                        return err(&key("numerator"), "name at least one count column".into());
                    }
                    if !o.period_columns.is_empty() {
                        return err(
                            &key("period_columns"),
                            "`period_columns` is for `layout = \"wide\"`".into(),
                        );
                    }
                }
                PanelLayoutChoice::Wide => {
                    if counts || o.value_column.is_some() || o.period_column.is_some() {
                        return err(
                            &key("layout"),
                            "a wide table holds one value per cell: drop `value_column`, `period_column`, `numerator` and `denominator`".into(),
                        );
                    }
                    for (j, c) in o.period_columns.iter().enumerate() {
                        check_period(&key(&format!("period_columns[{j}]")), c)?;
                    }
                }
            }
            if let Some(w) = &o.periods {
                let from = w.from.as_deref().map(Period::parse).transpose();
                let to = w.to.as_deref().map(Period::parse).transpose();
                let from = from.map_err(|e| (key("periods.from"), e.to_string()))?;
                let to = to.map_err(|e| (key("periods.to"), e.to_string()))?;
                if let (Some(a), Some(b)) = (from, to)
                    && a >= b
                {
                    return err(
                        &key("periods"),
                        format!("`from` ({a}) must come before `to` ({b})"),
                    );
                }
            }
            if let Some(p) = &o.first_treated {
                check_period(&key("first_treated"), p)?;
            }
            if let Some(b) = &o.boundaries
                && b.from >= b.to
            {
                return err(
                    &key("boundaries"),
                    format!(
                        "map onto a later vintage (`from = {}`, `to = {}`): mergers are summed forwards; splits cannot be",
                        b.from, b.to
                    ),
                );
            }
            if let Some(d) = o.delimiter
                && (!d.is_ascii() || d == '"' || d.is_ascii_alphanumeric())
            {
                return err(
                    &key("delimiter"),
                    format!("`{d}` cannot be a delimiter; use `;`, `|` or a tab"),
                );
            }
            for (j, b) in o.breaks.iter().enumerate() {
                check_period(&key(&format!("breaks[{j}].at")), &b.at)?;
                if b.reason.trim().is_empty() {
                    return err(
                        &key(&format!("breaks[{j}].reason")),
                        "say why the series breaks (it is shown in errors and the report)".into(),
                    );
                }
            }
        }
        if self.comparisons.is_empty() {
            return err(
                "comparisons",
                "declare at least one [[evaluation.comparisons]] set (e.g. `kind = \"never_treated\"`)".into(),
            );
        }
        let mut cids = BTreeSet::new();
        for (i, c) in self.comparisons.iter().enumerate() {
            let key = |k: &str| format!("comparisons[{i}].{k}");
            if !super::is_identifier(&c.id) {
                return err(&key("id"), "use letters, digits and underscores".into());
            }
            if !cids.insert(c.id.as_str()) {
                return err(
                    &key("id"),
                    format!("comparison `{}` is declared twice", c.id),
                );
            }
            let allowed_k = c.kind == ComparisonKind::NearestNeighbours;
            if c.k.is_some() != allowed_k {
                return err(
                    &key("k"),
                    if allowed_k {
                        "nearest neighbours need `k` (how many per treated area, e.g. 5)".into()
                    } else {
                        "`k` is only for `kind = \"nearest_neighbours\"`".into()
                    },
                );
            }
            if c.k == Some(0) {
                return err(&key("k"), "k must be at least 1".into());
            }
            if !c.covariates.is_empty() && !allowed_k {
                return err(
                    &key("covariates"),
                    "`covariates` are only for `kind = \"nearest_neighbours\"`".into(),
                );
            }
            for (j, m) in c.covariates.iter().enumerate() {
                if !measures.contains(m.as_str()) {
                    return err(
                        &key(&format!("covariates[{j}]")),
                        format!(
                            "unknown measure `{m}`; use `index` or a [[selection.measures]] id"
                        ),
                    );
                }
            }
            match c.kind {
                ComparisonKind::NearMisses => match (&c.from, c.units.is_empty()) {
                    (Some(_), false) | (None, true) => {
                        return err(
                            &key("units"),
                            "near-misses are either listed (`units`) or `from = \"long_list\"`"
                                .into(),
                        );
                    }
                    (Some(NearMissSource::LongList), true)
                        if selection.is_none_or(|s| s.long_list.is_none()) =>
                    {
                        return err(
                            &key("from"),
                            "`from = \"long_list\"` needs `[selection] long_list`".into(),
                        );
                    }
                    _ => {}
                },
                ComparisonKind::Listed => {
                    if c.units.is_empty() || c.from.is_some() {
                        return err(
                            &key("units"),
                            "a listed comparison names its `units` (and no `from`)".into(),
                        );
                    }
                }
                _ => {
                    if !c.units.is_empty() || c.from.is_some() {
                        return err(
                            &key("units"),
                            "`units` and `from` are for near-misses and listed comparisons".into(),
                        );
                    }
                }
            }
        }
        if self.placebos < 2 {
            return err(
                "placebos",
                format!(
                    "{} replications are too few; use at least 2 (synthdid's default is 200)",
                    self.placebos
                ),
            );
        }
        if !(self.level > 0.0 && self.level < 1.0) {
            return err(
                "level",
                format!(
                    "{} is not a coverage: use a number in (0, 1), e.g. 0.95",
                    self.level
                ),
            );
        }
        for (j, m) in self.sc_predictors.iter().enumerate() {
            if !measures.contains(m.as_str()) {
                return err(
                    &format!("sc_predictors[{j}]"),
                    format!("unknown measure `{m}`; use `index` or a [[selection.measures]] id"),
                );
            }
        }
        if let Some(r) = &self.randomisation {
            if r.draws == 0 {
                return err(
                    "randomisation.draws",
                    "use at least 1 draw (e.g. 10000)".into(),
                );
            }
            if r.over == PermuteOver::LongList && selection.is_none_or(|s| s.long_list.is_none()) {
                return err(
                    "randomisation.over",
                    "permuting over the long list needs `[selection] long_list`; or set `over = \"comparison\"`".into(),
                );
            }
        }
        if methods.contains(&EvaluationMethod::Rd) != self.discontinuity.is_some() {
            return err(
                "discontinuity",
                if self.discontinuity.is_some() {
                    "[evaluation.discontinuity] is set but `rd` is not in `methods`".into()
                } else {
                    "`rd` needs [evaluation.discontinuity] (the running measure and the cut)".into()
                },
            );
        }
        if let Some(d) = &self.discontinuity {
            if !measures.contains(d.running.as_str()) {
                return err(
                    "discontinuity.running",
                    format!(
                        "unknown measure `{}`; use `index` or a [[selection.measures]] id",
                        d.running
                    ),
                );
            }
            if d.cut == 0 {
                return err(
                    "discontinuity.cut",
                    "the cut is a rank of at least 1".into(),
                );
            }
            if let Some(h) = d.bandwidth
                && !(h.is_finite() && h > 0.0)
            {
                return err(
                    "discontinuity.bandwidth",
                    format!("{h} must be a positive number of ranks"),
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::Study;

    const BASE: &str = r#"
schema = 1
[study]
id = "t"
title = "T"
[geography]
area_type = "lad"
vintage = 2016
[[sources]]
id = "d"
path = "d.csv"
code_column = "code"
[[indicators]]
id = "a"
direction = "higher_is_better"
"#;

    const EVALUATION: &str = r#"
[evaluation]
methods = ["did", "sdid"]
treatment = "listed"
first_treated = "2017/18"
[[evaluation.treated]]
unit = "E06000009"
[[evaluation.outcomes]]
id = "gld"
path = "o.xlsx"
unit_column = "lad_code_pupil"
period_column = "time_period"
numerator = "gld_number"
denominator = "all_pupils"
scale = 100
periods = { from = "2013/14", to = "2017/18" }
[[evaluation.comparisons]]
id = "never"
kind = "never_treated"
"#;

    fn parse(extra: &str) -> Result<Study, String> {
        Study::from_toml_str(&format!("{BASE}{extra}"), "s.toml").map_err(|e| e.to_string())
    }

    #[test]
    fn a_listed_evaluation_parses_with_defaults() {
        let s = parse(EVALUATION).unwrap();
        let e = s.evaluation.unwrap();
        assert_eq!(e.placebos, 200);
        assert_eq!(e.bootstrap, 1000);
        assert_eq!(e.outcomes[0].scale, 100.0);
    }

    #[test]
    fn errors_name_the_key_and_the_fix() {
        let cases = [
            (
                EVALUATION.replace("\"2013/14\", to", "\"2013/15\", to"),
                "`evaluation.outcomes[0].periods.from`: `2013/15` is not a period",
            ),
            (
                EVALUATION.replace("numerator = \"gld_number\"\n", ""),
                "`evaluation.outcomes[0].value_column`: give either",
            ),
            (
                EVALUATION.replace("kind = \"never_treated\"", "kind = \"nearest_neighbours\""),
                "`evaluation.comparisons[0].k`: nearest neighbours need `k`",
            ),
            (
                EVALUATION.replace("treatment = \"listed\"", "treatment = \"selection\""),
                "`evaluation.treatment`: `treatment = \"selection\"` needs a [selection] section",
            ),
            (
                EVALUATION.replace(
                    "methods = [\"did\", \"sdid\"]",
                    "methods = [\"did\", \"rd\"]",
                ),
                "`evaluation.discontinuity`: `rd` needs [evaluation.discontinuity]",
            ),
            (
                format!(
                    "{EVALUATION}[[evaluation.outcomes.breaks]]\nat = \"2020\"\nreason = \"\"\n"
                ),
                "`evaluation.outcomes[0].breaks[0].reason`",
            ),
        ];
        for (text, want) in cases {
            let e = parse(&text).unwrap_err();
            assert!(e.contains(want), "{e}\nwanted: {want}");
            assert!(!e.contains('\n'), "{e}");
        }
    }

    /// The opportunity areas evaluated on early years and key stage 4 destinations, on
    /// the shipped selection study (waves, long list, measures).
    pub const OPPORTUNITY_AREAS: &str = r#"
[evaluation]
methods = ["did", "cs", "sc", "sdid", "ri", "rd"]
treatment = "selection"
wave_first_treated = { "1" = "2017/18", "2" = "2017/18" }
units = "districts"
partly_treated = "exclude"
placebos = 1000
bootstrap = 999
seed = 2016

[[evaluation.outcomes]]
id = "gld"
name = "the share of children reaching a good level of development at age 5"
units = "percentage points"
path = "outcomes/EYFSP_LAD_pr_additional_tables_2014_2019.xlsx"
unit_column = "lad_code_pupil"
period_column = "time_period"
numerator = "gld_number"
denominator = "all_pupils"
scale = 100
filters = { geographic_level = "Local Authority District" }
periods = { from = "2013/14", to = "2018/19" }
boundaries = { from = 2016, to = 2019 }

[[evaluation.outcomes]]
id = "ks4_sustained"
name = "the share of pupils in a sustained destination after key stage 4"
units = "percentage points"
path = "outcomes/data-key-stage-4-destination-measures.csv"
unit_column = "lad_code"
period_column = "time_period"
numerator = ["education", "appren", "all_work"]
denominator = "cohort"
scale = 100
filters = { geographic_level = "Local authority district" }
periods = { from = "2015/16", to = "2019/20" }
first_treated = "2018/19"
boundaries = { from = 2016, to = 2021 }

[[evaluation.outcomes.breaks]]
at = "2020/21"
reason = "the 2019/20 cohort's grades were assessed by teachers and its destinations fell in the pandemic"

[[evaluation.comparisons]]
id = "never_treated"
kind = "never_treated"

[[evaluation.comparisons]]
id = "near_misses"
kind = "near_misses"
from = "long_list"

[[evaluation.comparisons]]
id = "nearest"
kind = "nearest_neighbours"
k = 5
covariates = ["children", "education"]

[evaluation.randomisation]
over = "long_list"
by_region = true
draws = 10000

[evaluation.discontinuity]
running = "children"
cut = 54
"#;

    #[test]
    fn the_opportunity_areas_example_validates_against_the_shipped_selection() {
        let shipped = include_str!("../../../../studies/opportunity-areas-2016.toml");
        let s = Study::from_toml_str(&format!("{shipped}{OPPORTUNITY_AREAS}"), "oa.toml")
            .map_err(|e| e.to_string())
            .unwrap();
        let e = s.evaluation.unwrap();
        assert_eq!(e.outcomes.len(), 2);
        assert_eq!(
            e.outcomes[1].numerator.as_ref().unwrap().names(),
            ["education", "appren", "all_work"]
        );
        assert_eq!(e.comparisons[2].k, Some(5));
        // A wave the selection does not have is named.
        let bad = OPPORTUNITY_AREAS.replace("\"2\" = ", "\"3\" = ");
        let err = Study::from_toml_str(&format!("{shipped}{bad}"), "oa.toml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`evaluation.wave_first_treated.3`: unknown wave `3`"),
            "{err}"
        );
    }

    #[test]
    fn a_misspelt_key_gets_a_did_you_mean() {
        let e = parse(
            &EVALUATION
                .replace("placebos", "placebo")
                .replace("methods = [", "placebo = 10\nmethods = ["),
        )
        .unwrap_err();
        assert!(e.contains("did you mean `placebos`?"), "{e}");
    }
}
