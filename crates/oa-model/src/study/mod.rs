//! The study file: a versioned TOML schema that declares everything `oa run` does.
//!
//! A study names its geography (area type and vintage), its data sources, its indicators
//! (each with a direction, a group and a weight), a hierarchy of groups, the method
//! (missing data, outliers, normalisation, weights, aggregation), how the score runs and
//! ranks, and its bands. Optional sections add small-area roll-ups and maps
//! ([`rollup`]), selection rules ([`selection`]), funds ([`funding`]), Monte Carlo
//! uncertainty ([`uncertainty`]), the statistical audit of the index ([`audit`]) and the
//! evaluation of outcomes ([`evaluation`]).
//!
//! Unknown keys are errors (a typo must never be silently ignored), and
//! [`Study::validate`] checks what serde cannot: references between sections, weights,
//! band shares. Errors name the key path (`indicators[3].weight`) so the user can fix it.

pub mod audit;
pub mod evaluation;
pub mod funding;
pub mod method;
pub mod report;
pub mod rollup;
pub mod selection;
pub mod uncertainty;

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub use method::{
    Aggregation, Imputation, Method, MissingData, Normalisation, OutlierTreatment, Weighting,
};

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// A whole study file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Study {
    /// Version of the study format; this build reads [`SCHEMA_VERSION`].
    pub schema: u32,
    pub study: StudyMeta,
    pub geography: Geography,
    #[serde(default)]
    pub sources: Vec<Source>,
    pub indicators: Vec<Indicator>,
    #[serde(default)]
    pub groups: Vec<Group>,
    #[serde(default)]
    pub method: Method,
    #[serde(default)]
    pub scoring: Scoring,
    #[serde(default)]
    pub bands: Bands,
    /// Roll an index up from small areas to a larger geography (IoD-style summaries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollup: Option<rollup::Rollup>,
    /// Maps written into the results bundle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maps: Option<rollup::Maps>,
    /// Spatial statistics (cold-spot clusters: local Moran's I, Getis-Ord Gi*).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spatial: Option<rollup::Spatial>,
    /// Rules that choose areas from the ranked index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<selection::Selection>,
    /// Funds and how they are allocated to the selected areas.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub funds: Vec<funding::Fund>,
    /// Monte Carlo uncertainty and sensitivity analysis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<uncertainty::Uncertainty>,
    /// The JRC/OECD statistical audit of the index (and optimised weights).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<audit::Audit>,
    /// Evaluation of the chosen areas' outcomes against comparable areas.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<evaluation::EvaluationSection>,
    /// The report written into the bundle (`report.html`, `report.pdf`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<report::Report>,
}

/// Identity and description of a study.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StudyMeta {
    /// Short identifier, used in file names and the manifest.
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
}

/// The areas a study ranks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Geography {
    /// Area type, e.g. `lad`, `lsoa`, `msoa`, `utla`, or any name for a custom geography.
    pub area_type: String,
    /// Vintage (year of the boundaries and codes), e.g. 2016 for LAD 2016, 2011 for LSOA 2011.
    pub vintage: u16,
    /// When given, only these area codes are kept (after reading).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub include: Vec<String>,
    /// Area codes dropped after reading (e.g. City of London and Isles of Scilly for the SMI).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
    /// Keep only codes starting with one of these prefixes (e.g. `["E06", "E07", "E08", "E09"]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub code_prefixes: Vec<String>,
    /// The reference list of this geography's codes (e.g. the LAD 2016 lookup). When given,
    /// every area code kept from the data must be in it: a code from another vintage is an
    /// error, not a silent gap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub areas: Option<Source>,
}

/// A data file, read relative to the data directory.
///
/// Rows that are not areas are refused unless the source says what to do with them:
/// `skip_codes` lists totals rows (`England`, `Total`, `E92000001`) to skip,
/// `skip_notes = true` skips note rows under the table (`Source: ...`, `Notes: 1. ...`),
/// and `accept_codes` accepts codes that look unlike the rest. Skipped rows are listed in
/// the results, never dropped silently.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    /// Path relative to the data directory (`--data-dir`, default: the study file's folder).
    pub path: String,
    /// File format; inferred from the extension when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<SourceFormat>,
    /// Sheet name for spreadsheets (default: the first sheet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sheet: Option<String>,
    /// 1-based row of the header; detected (first row naming the code column) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_row: Option<usize>,
    /// Column holding the area code.
    pub code_column: String,
    /// Column holding the area name, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name_column: Option<String>,
    #[serde(default)]
    pub layout: Layout,
    /// Extra strings read as missing, on top of the standard markers
    /// (`c`, `x`, `z`, `..`, `:`, `NA`, `-`, empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_markers: Vec<String>,
    /// Field separator of a CSV file: `","`, `";"`, `"\t"` or `"|"`; detected from the
    /// first lines when absent (`.tsv` files are tab-separated).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
    /// Decimal mark of numbers written as text: `"."` (default) or `","` (then `.` or a
    /// space groups thousands: `1.234,5`). In a semicolon-separated file without it, a
    /// number with a comma is refused as ambiguous.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimal: Option<String>,
    /// Rows whose code is one of these (compared ignoring case) are skipped and listed,
    /// e.g. totals rows `["England", "E92000001"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip_codes: Vec<String>,
    /// Codes accepted as areas although they look unlike the others or unlike the area
    /// type's codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accept_codes: Vec<String>,
    /// Skip note rows (`Source: ...`, `Notes: 1. ...`) under or inside the table and list
    /// them; without it they are refused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skip_notes: bool,
}

/// The separators `delimiter` may name.
pub const DELIMITERS: &[(&str, u8)] = &[(",", b','), (";", b';'), ("\t", b'\t'), ("|", b'|')];

impl Source {
    /// The declared field separator as a byte, if any (validated by [`Study::validate`]).
    pub fn delimiter_byte(&self) -> Option<u8> {
        let d = self.delimiter.as_deref()?;
        DELIMITERS
            .iter()
            .find(|(name, byte)| *name == d || d.as_bytes() == [*byte])
            .map(|(_, b)| *b)
    }

    /// Whether numbers use a decimal comma (`decimal = ","`).
    pub fn decimal_comma(&self) -> bool {
        self.decimal.as_deref() == Some(",")
    }

    /// Checks `delimiter` and `decimal`; returns (key, message).
    pub fn validate(&self) -> Result<(), (String, String)> {
        if let Some(d) = &self.delimiter
            && self.delimiter_byte().is_none()
        {
            return Err((
                "delimiter".into(),
                format!(
                    "`{d}` is not a separator this reader knows: use \",\", \";\", \"\\t\" or \"|\""
                ),
            ));
        }
        if let Some(d) = &self.decimal
            && d != "."
            && d != ","
        {
            return Err((
                "decimal".into(),
                format!("`{d}` is not a decimal mark: use \".\" or \",\""),
            ));
        }
        if self.delimiter_byte() == Some(b',') && self.decimal_comma() {
            return Err((
                "decimal".into(),
                "a comma cannot separate both fields and decimals: quote the numbers or use another delimiter".into(),
            ));
        }
        Ok(())
    }
}

impl Source {
    /// A source read by `oa` itself rather than declared in a study (a lookup table, a
    /// selection measure): the file at `path` (relative to the data directory), its code
    /// column, everything else as the defaults.
    pub fn file(id: &str, path: &str, code_column: &str) -> Source {
        Source {
            id: id.to_string(),
            path: path.to_string(),
            code_column: code_column.to_string(),
            ..Source::default()
        }
    }
}

/// Format of a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceFormat {
    Csv,
    Xlsx,
    Xls,
    Ods,
    Parquet,
}

/// How a table is laid out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Layout {
    /// One row per area, one column per indicator; `filters` and `period` choose the rows
    /// when the file has several per area (the DfE's statistics-service files with
    /// measures as columns and rows by year, level and phase).
    Wide {
        /// Keep only rows whose column equals the value, e.g.
        /// `{ geographic_level = "Local authority", phase = "Total" }`.
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        filters: std::collections::BTreeMap<String, String>,
        /// Keep only the rows of one period.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        period: Option<Period>,
    },
    /// The long layout of the DfE's statistics service: one row per area and measure,
    /// e.g. `time_period, geographic_level, new_la_code, ..., value`.
    Tidy {
        /// Column holding the measure's name (absent when the file holds one measure).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        measure_column: Option<String>,
        /// Column holding the value.
        value_column: String,
        /// Keep only rows whose column equals the value, e.g. `{ geographic_level = "Local authority", phase = "Total" }`.
        #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
        filters: std::collections::BTreeMap<String, String>,
        /// Keep only the rows of one period.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        period: Option<Period>,
    },
}

impl Default for Layout {
    fn default() -> Self {
        Layout::Wide {
            filters: Default::default(),
            period: None,
        }
    }
}

impl Layout {
    /// The row filters of either layout.
    pub fn filters(&self) -> &std::collections::BTreeMap<String, String> {
        match self {
            Layout::Wide { filters, .. } | Layout::Tidy { filters, .. } => filters,
        }
    }

    /// The period selector of either layout.
    pub fn period(&self) -> Option<&Period> {
        match self {
            Layout::Wide { period, .. } | Layout::Tidy { period, .. } => period.as_ref(),
        }
    }
}

/// Which period's rows to keep: `{ column = "time_period", select = "latest" }` keeps the
/// latest value of the column among the rows the filters keep (compared as numbers when
/// all are numbers, else as text); any other `select` keeps rows equal to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub column: String,
    #[serde(default = "latest")]
    pub select: String,
}

fn latest() -> String {
    "latest".to_string()
}

/// Which way an indicator runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    HigherIsWorse,
}

/// One indicator: a leaf of the index tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// Source id; may be omitted when the study has exactly one source.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Column in a wide source, or measure name in a tidy one; defaults to `id`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub direction: Direction,
    #[serde(default)]
    pub unit: String,
    /// Parent group id; absent means the indicator sits directly under the index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Weight within its parent (default 1).
    #[serde(default = "one")]
    pub weight: f64,
    /// Per-indicator normalisation, overriding the method's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalisation: Option<Normalisation>,
    /// Target for `distance_to_target` normalisation, in the indicator's own units.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
    /// Column holding standard errors, for data noise in uncertainty analysis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub se_column: Option<String>,
}

fn one() -> f64 {
    1.0
}

/// An inner node of the index tree (domain, pillar, life stage).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// Parent group id; absent means the group sits directly under the index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default = "one")]
    pub weight: f64,
    /// How this group's children are combined (default: the method's aggregation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aggregation: Option<Aggregation>,
}

/// How scores run and which end ranks first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scoring {
    /// Orientation of every score `oa` writes: `higher_is_better` (SMI) or
    /// `higher_is_worse` (IMD: a higher score is more deprived).
    pub score: Direction,
    /// Which end gets rank 1: `best` (SMI: rank 1 = most mobile) or `worst` (IMD: rank 1 =
    /// most deprived).
    pub rank_1: End,
}

impl Default for Scoring {
    fn default() -> Self {
        Scoring {
            score: Direction::HigherIsBetter,
            rank_1: End::Best,
        }
    }
}

/// One end of a ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum End {
    Best,
    Worst,
}

/// Bands an area is classified into.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Bands {
    /// Equal-count quantile bands numbered from the rank-1 end (5 = quintiles, 10 = deciles);
    /// written as a `quantile` column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantiles: Option<u32>,
    /// Named bands such as `coldspot = worst 20%`; an area's `band` is the first that holds it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub named: Vec<NamedBand>,
}

/// A named band at one end of the ranking: `share` of the areas (rounded up) or `count`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedBand {
    pub name: String,
    pub end: End,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub share: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
}

impl NamedBand {
    /// Number of areas in the band out of `n`: `count`, or `ceil(share * n)`
    /// (65 of 324 for a 20% band).
    pub fn size(&self, n: usize) -> usize {
        match (self.count, self.share) {
            (Some(c), _) => c,
            (None, Some(s)) => {
                // Guard against 0.2 * 325 = 65.00000000000001 style float noise.
                let exact = s * n as f64;
                let rounded = exact.round();
                if (exact - rounded).abs() < 1e-9 {
                    rounded as usize
                } else {
                    exact.ceil() as usize
                }
            }
            (None, None) => 0,
        }
    }
}

/// Checks named bands (`key` is where they are, e.g. `bands.named`): unique identifier
/// names, exactly one of `share` in (0, 1] or `count` >= 1.
pub(crate) fn validate_named_bands(key: &str, bands: &[NamedBand]) -> Result<(), (String, String)> {
    let mut names = BTreeSet::new();
    for (i, b) in bands.iter().enumerate() {
        if !names.insert(b.name.as_str()) {
            return Err((
                format!("{key}[{i}].name"),
                format!("band `{}` is declared twice", b.name),
            ));
        }
        if !is_identifier(&b.name) {
            return Err((
                format!("{key}[{i}].name"),
                "use letters, digits and underscores (it becomes a column name)".into(),
            ));
        }
        match (b.share, b.count) {
            (Some(_), Some(_)) | (None, None) => {
                return Err((
                    format!("{key}[{i}]"),
                    "give exactly one of `share` (e.g. 0.2) or `count`".into(),
                ));
            }
            (Some(s), None) if !(s > 0.0 && s <= 1.0) => {
                return Err((
                    format!("{key}[{i}].share"),
                    format!("{s} is not a share: use a number in (0, 1], e.g. 0.2 for 20%"),
                ));
            }
            (None, Some(0)) => {
                return Err((
                    format!("{key}[{i}].count"),
                    "a band needs at least one area".into(),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// A problem with a study file: where it is and what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StudyError {
    /// The TOML does not parse or does not fit the schema (unknown key, wrong type).
    #[error("{origin}: {message}")]
    Syntax { origin: String, message: String },
    /// The study parses but is not meaningful.
    #[error("{origin}: `{key}`: {message}")]
    Invalid {
        origin: String,
        key: String,
        message: String,
    },
}

impl Study {
    /// Parses a study from TOML text. `origin` (usually the file path) prefixes errors.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Study, StudyError> {
        let study: Study = toml::from_str(text).map_err(|e| syntax_error(text, origin, &e))?;
        study.validate(origin)?;
        Ok(study)
    }

    /// The study as TOML (for the manifest and `oa init`).
    pub fn to_toml_string(&self) -> String {
        toml::to_string(self).expect("a study always serialises")
    }

    /// Checks references and values serde cannot: schema version, unique ids, known
    /// groups and sources, non-negative weights, sensible bands. Each section owned by a
    /// sub-module validates itself too.
    pub fn validate(&self, origin: &str) -> Result<(), StudyError> {
        let invalid = |key: String, message: String| StudyError::Invalid {
            origin: origin.to_string(),
            key,
            message,
        };
        if self.schema != SCHEMA_VERSION {
            return Err(invalid(
                "schema".into(),
                format!(
                    "this build reads schema {SCHEMA_VERSION}, the study says {}; set `schema = {SCHEMA_VERSION}`",
                    self.schema
                ),
            ));
        }
        if self.indicators.is_empty() {
            return Err(invalid(
                "indicators".into(),
                "a study needs at least one [[indicators]] entry".into(),
            ));
        }
        let mut source_ids = BTreeSet::new();
        for (i, s) in self.sources.iter().enumerate() {
            if !source_ids.insert(s.id.as_str()) {
                return Err(invalid(
                    format!("sources[{i}].id"),
                    format!("source id `{}` is used twice", s.id),
                ));
            }
            s.validate()
                .map_err(|(k, m)| invalid(format!("sources[{i}].{k}"), m))?;
        }
        if let Some(a) = &self.geography.areas {
            a.validate()
                .map_err(|(k, m)| invalid(format!("geography.areas.{k}"), m))?;
        }
        let mut group_ids = BTreeSet::new();
        for (i, g) in self.groups.iter().enumerate() {
            if !group_ids.insert(g.id.as_str()) {
                return Err(invalid(
                    format!("groups[{i}].id"),
                    format!("group id `{}` is used twice", g.id),
                ));
            }
            check_weight(g.weight).map_err(|m| invalid(format!("groups[{i}].weight"), m))?;
        }
        for (i, g) in self.groups.iter().enumerate() {
            if let Some(p) = &g.parent
                && !group_ids.contains(p.as_str())
            {
                return Err(invalid(
                    format!("groups[{i}].parent"),
                    format!("unknown group `{p}`; declare it under [[groups]]"),
                ));
            }
        }
        // The group tree must not loop.
        for (i, g) in self.groups.iter().enumerate() {
            let mut seen = BTreeSet::new();
            let mut current = Some(g);
            while let Some(node) = current {
                if !seen.insert(node.id.as_str()) {
                    return Err(invalid(
                        format!("groups[{i}].parent"),
                        format!("group `{}` is its own ancestor", g.id),
                    ));
                }
                current = node
                    .parent
                    .as_deref()
                    .and_then(|p| self.groups.iter().find(|x| x.id == p));
            }
        }
        let mut indicator_ids = BTreeSet::new();
        for (i, ind) in self.indicators.iter().enumerate() {
            if !indicator_ids.insert(ind.id.as_str()) {
                return Err(invalid(
                    format!("indicators[{i}].id"),
                    format!("indicator id `{}` is used twice", ind.id),
                ));
            }
            if group_ids.contains(ind.id.as_str()) {
                return Err(invalid(
                    format!("indicators[{i}].id"),
                    format!("`{}` names both a group and an indicator", ind.id),
                ));
            }
            check_weight(ind.weight).map_err(|m| invalid(format!("indicators[{i}].weight"), m))?;
            match &ind.source {
                Some(s) if !source_ids.contains(s.as_str()) => {
                    return Err(invalid(
                        format!("indicators[{i}].source"),
                        format!("unknown source `{s}`; declare it under [[sources]]"),
                    ));
                }
                None if self.sources.len() != 1 => {
                    return Err(invalid(
                        format!("indicators[{i}].source"),
                        format!(
                            "indicator `{}` must name its source (the study has {} sources)",
                            ind.id,
                            self.sources.len()
                        ),
                    ));
                }
                _ => {}
            }
            if let Some(g) = &ind.group
                && !group_ids.contains(g.as_str())
            {
                return Err(invalid(
                    format!("indicators[{i}].group"),
                    format!("unknown group `{g}`; declare it under [[groups]]"),
                ));
            }
        }
        for (i, g) in self.groups.iter().enumerate() {
            let has_child = self
                .indicators
                .iter()
                .any(|x| x.group.as_deref() == Some(&g.id))
                || self
                    .groups
                    .iter()
                    .any(|x| x.parent.as_deref() == Some(&g.id));
            if !has_child {
                return Err(invalid(
                    format!("groups[{i}]"),
                    format!("group `{}` has no indicators or groups under it", g.id),
                ));
            }
        }
        self.method
            .validate()
            .map_err(|(k, m)| invalid(format!("method.{k}"), m))?;
        if let Some(q) = self.bands.quantiles
            && !(2..=100).contains(&q)
        {
            return Err(invalid(
                "bands.quantiles".into(),
                format!("{q} quantiles: use a number from 2 to 100 (5 = quintiles, 10 = deciles)"),
            ));
        }
        validate_named_bands("bands.named", &self.bands.named).map_err(|(k, m)| invalid(k, m))?;
        if let Some(r) = &self.rollup {
            r.validate()
                .map_err(|(k, m)| invalid(format!("rollup.{k}"), m))?;
        }
        if let Some(m) = &self.maps {
            m.validate()
                .map_err(|(k, m)| invalid(format!("maps.{k}"), m))?;
        }
        if let Some(s) = &self.spatial {
            s.validate()
                .map_err(|(k, m)| invalid(format!("spatial.{k}"), m))?;
        }
        if let Some(s) = &self.selection {
            s.validate(self)
                .map_err(|(k, m)| invalid(format!("selection.{k}"), m))?;
        }
        for (i, f) in self.funds.iter().enumerate() {
            f.validate(self)
                .map_err(|(k, m)| invalid(format!("funds[{i}].{k}"), m))?;
        }
        if let Some(u) = &self.uncertainty {
            u.validate(self)
                .map_err(|(k, m)| invalid(format!("uncertainty.{k}"), m))?;
        }
        if let Some(a) = &self.audit {
            a.validate(self)
                .map_err(|(k, m)| invalid(format!("audit.{k}"), m))?;
        }
        if let Some(e) = &self.evaluation {
            e.validate(self)
                .map_err(|(k, m)| invalid(format!("evaluation.{k}"), m))?;
        }
        if let Some(r) = &self.report {
            r.validate()
                .map_err(|(k, m)| invalid(format!("report.{k}"), m))?;
        }
        Ok(())
    }

    /// Indicator ids in declaration order.
    pub fn indicator_ids(&self) -> Vec<&str> {
        self.indicators.iter().map(|i| i.id.as_str()).collect()
    }

    /// The source an indicator reads from.
    pub fn source_of(&self, indicator: &Indicator) -> Option<&Source> {
        match &indicator.source {
            Some(id) => self.sources.iter().find(|s| &s.id == id),
            None => self.sources.first(),
        }
    }
}

/// One line for a TOML or schema error: `FILE:LINE:COLUMN: message`, with a
/// "did you mean" hint when an unknown key is close to a known one.
fn syntax_error(text: &str, origin: &str, e: &toml::de::Error) -> StudyError {
    let mut message = e.message().trim().replace('\n', " ");
    if let Some(hint) = unknown_key_hint(&message) {
        message.push_str(&hint);
    }
    let origin = match e.span() {
        Some(span) => {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!("{origin}:{line}:{column}")
        }
        None => origin.to_string(),
    };
    StudyError::Syntax { origin, message }
}

/// For serde's "unknown field `x`, expected one of `a`, `b`": the closest expected
/// name, when it is a plausible typo.
fn unknown_key_hint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let (unknown, expected) = rest.split_once('`')?;
    let best = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(|candidate| (edit_distance(unknown, candidate), candidate))
        .min()?;
    (best.0 <= 2.max(unknown.len() / 3)).then(|| format!("; did you mean `{}`?", best.1))
}

/// Levenshtein distance (keys are short).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

fn check_weight(w: f64) -> Result<(), String> {
    if !w.is_finite() || w < 0.0 {
        Err(format!("weight {w} must be a finite number >= 0"))
    } else {
        Ok(())
    }
}

/// True for names usable as CSV column suffixes: ASCII letters, digits, `_`, `-`.
pub fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
[[groups]]
id = "g"
[[indicators]]
id = "a"
group = "g"
direction = "higher_is_better"
[[indicators]]
id = "b"
group = "g"
direction = "higher_is_worse"
weight = 2.5
"#;

    #[test]
    fn a_misspelt_key_is_one_line_with_its_place_and_the_likely_key() {
        let text = BASE.replace(
            "direction = \"higher_is_worse\"",
            "directon = \"higher_is_worse\"",
        );
        let e = Study::from_toml_str(&text, "s.toml")
            .unwrap_err()
            .to_string();
        assert!(!e.contains('\n'), "{e}");
        assert!(e.starts_with("s.toml:"), "{e}");
        assert!(e.contains("`directon`"), "{e}");
        assert!(e.contains("did you mean `direction`?"), "{e}");
        let line = text
            .lines()
            .position(|l| l.starts_with("directon"))
            .unwrap()
            + 1;
        // serde reports the table holding the unknown key; the place is at or before it.
        let reported: usize = e.split(':').nth(1).unwrap().parse().unwrap();
        assert!(
            reported <= line && reported + 4 >= line,
            "{e} (key on line {line})"
        );
    }

    /// `[selecton]` followed by `[selection.universe]` leaves `selection` incomplete too;
    /// the typo, which comes first in the file, is what the user must be told.
    #[test]
    fn a_misspelt_table_is_reported_before_the_table_it_leaves_incomplete() {
        let text =
            format!("{BASE}\n[selecton]\ncount = 2\n\n[selection.universe]\npath = \"a.csv\"\n");
        let e = Study::from_toml_str(&text, "s.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown field `selecton`"), "{e}");
        assert!(e.contains("did you mean `selection`?"), "{e}");
    }

    #[test]
    fn far_fetched_keys_get_no_hint() {
        assert_eq!(
            unknown_key_hint("unknown field `zzzzzzzz`, expected `id` or `name`"),
            None
        );
        assert_eq!(edit_distance("vintgae", "vintage"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    fn parse(text: &str) -> Result<Study, StudyError> {
        Study::from_toml_str(text, "t.toml")
    }

    #[test]
    fn errors_name_the_file_and_key() {
        let cases = [
            (
                BASE.replace("vintage = 2016", "vintage = 2016\nvintgae = 1"),
                "vintgae",
            ),
            (
                BASE.replace("weight = 2.5", "weight = -1"),
                "indicators[1].weight",
            ),
            (
                BASE.replace(
                    "group = \"g\"\ndirection = \"higher_is_worse\"",
                    "group = \"h\"\ndirection = \"higher_is_worse\"",
                ),
                "indicators[1].group",
            ),
            (BASE.replace("schema = 1", "schema = 2"), "schema"),
            (
                format!("{BASE}[[bands.named]]\nname = \"x\"\nend = \"worst\"\nshare = 1.5\n"),
                "bands.named[0].share",
            ),
            (
                format!("{BASE}[[bands.named]]\nname = \"x y\"\nend = \"worst\"\ncount = 3\n"),
                "bands.named[0].name",
            ),
            (format!("{BASE}[bands]\nquantiles = 1\n"), "bands.quantiles"),
        ];
        for (text, key) in cases {
            let e = parse(&text).expect_err(key).to_string();
            assert!(e.starts_with("t.toml"), "{e}");
            assert!(e.contains(key), "`{key}` not in {e}");
            assert!(!e.contains('\n'), "one line: {e}");
        }
    }

    #[test]
    fn geography_reference_list_is_a_source() {
        let text = BASE.replace(
            "vintage = 2016\n",
            "vintage = 2016\n[geography.areas]\nid = \"lad16\"\npath = \"lookup.csv\"\ncode_column = \"lad16cd\"\n",
        );
        let study = parse(&text).unwrap();
        let areas = study.geography.areas.expect("areas");
        assert_eq!(areas.code_column, "lad16cd");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// A valid study survives a round trip through TOML unchanged.
        #[test]
        fn round_trips_through_toml(
            w in 0.0f64..100.0,
            share in 0.01f64..1.0,
            q in 2u32..=100,
            exclude in proptest::collection::vec("E0[6-9]0000[0-9]{2}", 0..4),
        ) {
            let mut study = parse(BASE).unwrap();
            study.indicators[0].weight = w;
            study.geography.exclude = exclude;
            study.bands.quantiles = Some(q);
            study.bands.named.push(NamedBand { name: "coldspot".into(), end: End::Worst, share: Some(share), count: None });
            let text = study.to_toml_string();
            prop_assert_eq!(parse(&text).unwrap(), study);
        }

        /// A study corrupted at any byte is a study or a one-line error naming the file,
        /// never a panic.
        #[test]
        fn corrupted_studies_give_one_line_errors(
            at in 0usize..BASE.len(),
            with in prop::sample::select(vec!["", "[", "]", "=", "\"", "\n", "-1", "1e999", "[[x]]\n", "nan"]),
        ) {
            let mut text = BASE.to_string();
            text.replace_range(at..at + 1, with);
            if let Err(e) = Study::from_toml_str(&text, "s.toml") {
                let e = e.to_string();
                prop_assert!(!e.contains('\n'), "{}", e);
                prop_assert!(e.starts_with("s.toml"), "{}", e);
            }
        }

        /// A share band holds ceil(share * n) areas (exact products are not rounded up by
        /// float noise), never more than n.
        #[test]
        fn band_sizes_round_up(n in 1usize..100_000, share in 0.001f64..=1.0) {
            let band = NamedBand { name: "b".into(), end: End::Best, share: Some(share), count: None };
            let size = band.size(n);
            prop_assert!(size <= n);
            prop_assert!(size as f64 >= share * n as f64 - 1e-6);
            prop_assert!((size as f64) < share * n as f64 + 1.0);
        }
    }

    #[test]
    fn smi_band_is_65_of_324() {
        let band = NamedBand {
            name: "coldspot".into(),
            end: End::Worst,
            share: Some(0.2),
            count: None,
        };
        assert_eq!(band.size(324), 65);
        assert_eq!(band.size(325), 65);
        assert_eq!(band.size(32_844), 6_569);
    }
}
