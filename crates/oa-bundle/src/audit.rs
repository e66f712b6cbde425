//! The audit section: the JRC/OECD statistical audit of the index (`audit_*.csv`) and
//! its charts (`audit_*.svg`), written by `oa run` when the study has `[audit]` and by
//! `oa audit`.
//!
//! The audit's tables have columns named after the study's indicators (the correlation
//! matrix, the ranks without each indicator) and after `[audit] strengths`, so their
//! layout is not fixed; it is known all the same. [`schema`] gives every column of every
//! audit table, with its kind, from the study alone: the reader parses each column as
//! that kind (it never guesses from the cells, where an empty float column and an empty
//! integer column look alike) and refuses a column the schema does not list.

use crate::csv_table::CsvTable;
use crate::error::BundleError;
use crate::results::File;
use oa_io::Table;
use oa_model::Study;
use std::path::Path;

/// The audit of a study's index.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Audit {
    /// The tables, in [`AUDIT_TABLES`] order (the optimised weights only when the study
    /// optimises).
    pub tables: Vec<AuditTable>,
    /// The charts, in [`AUDIT_CHARTS`] order.
    pub charts: Vec<AuditChart>,
}

/// One audit table: `<stem>.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditTable {
    pub stem: &'static str,
    pub columns: Vec<AuditColumn>,
}

/// One named column of an audit table.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditColumn {
    pub name: String,
    pub values: AuditValues,
}

/// The values of a column, of the kind the schema gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum AuditValues {
    Text(Vec<String>),
    /// `NaN` = empty.
    Float(Vec<f64>),
    /// `None` = empty.
    Int(Vec<Option<i64>>),
}

impl AuditValues {
    pub fn kind(&self) -> ColumnKind {
        match self {
            AuditValues::Text(_) => ColumnKind::Text,
            AuditValues::Float(_) => ColumnKind::Float,
            AuditValues::Int(_) => ColumnKind::Int,
        }
    }

    pub fn len(&self) -> usize {
        match self {
            AuditValues::Text(v) => v.len(),
            AuditValues::Float(v) => v.len(),
            AuditValues::Int(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The kind of an audit column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    Text,
    Float,
    Int,
}

/// One audit chart: `<name>` (an SVG file).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditChart {
    pub name: &'static str,
    pub svg: String,
}

/// The audit's tables, by stem, in the order they are listed.
pub const AUDIT_TABLES: [&str; 10] = [
    "audit_indicators",
    "audit_correlations",
    "audit_correlation_matrix",
    "audit_groups",
    "audit_pca",
    "audit_weights",
    "audit_removal",
    "audit_rank_without",
    "audit_strengths",
    "audit_optimised_weights",
];

/// The audit's charts.
pub const AUDIT_CHARTS: [&str; 3] = [
    "audit_correlations.svg",
    "audit_weights.svg",
    "audit_removal.svg",
];

/// Every column of the audit table `stem` for `study`, with its kind, in order; `None`
/// when the study's audit has no such table (the optimised weights without
/// `[audit.optimise]`) or `stem` is not an audit table.
pub fn schema(stem: &str, study: &Study) -> Option<Vec<(String, ColumnKind)>> {
    use ColumnKind::{Float, Int, Text};
    let settings = study.audit.clone().unwrap_or_default();
    let ids = study.indicators.iter().map(|i| i.id.as_str());
    let fixed = |columns: &[(&str, ColumnKind)]| -> Vec<(String, ColumnKind)> {
        columns.iter().map(|(n, k)| (n.to_string(), *k)).collect()
    };
    let areas = [("area_code", Text), ("area_name", Text), ("rank", Int)];
    Some(match stem {
        "audit_indicators" => fixed(&[
            ("indicator", Text),
            ("group", Text),
            ("present", Int),
            ("missing_share", Float),
            ("min", Float),
            ("q1", Float),
            ("median", Float),
            ("mean", Float),
            ("q3", Float),
            ("max", Float),
            ("sd", Float),
            ("skew", Float),
            ("kurtosis", Float),
            ("outliers_low", Int),
            ("outliers_high", Int),
            ("jrc_flag", Text),
            ("treatment", Text),
            ("winsorised", Int),
        ]),
        "audit_correlations" => fixed(&[
            ("kind", Text),
            ("group", Text),
            ("a", Text),
            ("b", Text),
            ("correlation", Float),
            ("areas", Int),
            ("flag", Text),
        ]),
        "audit_correlation_matrix" => {
            let mut c = fixed(&[("indicator", Text)]);
            c.extend(ids.map(|id| (id.to_string(), Float)));
            c
        }
        "audit_groups" => fixed(&[
            ("group", Text),
            ("children", Int),
            ("cronbach_alpha", Float),
            ("pca_explained_variance", Float),
            ("pca_eigenvalue_1", Float),
            ("pca_components_over_1", Int),
            ("pca_areas", Int),
            ("pca_note", Text),
        ]),
        "audit_pca" => fixed(&[
            ("group", Text),
            ("child", Text),
            ("loading_1", Float),
            ("eigenvalue", Float),
        ]),
        "audit_weights" => {
            let mut c = fixed(&[
                ("element", Text),
                ("kind", Text),
                ("parent", Text),
                ("depth", Int),
                ("weight", Float),
                ("share_of_parent", Float),
                ("effective_weight", Float),
                ("correlation_with_index", Float),
                ("importance", Float),
            ]);
            if settings.optimise.is_some() {
                c.push(("optimised_effective_weight".into(), Float));
            }
            c
        }
        "audit_removal" => fixed(&[
            ("indicator", Text),
            ("mean_abs_rank_change", Float),
            ("median_abs_rank_change", Float),
            ("max_abs_rank_change", Int),
            ("areas_moved", Int),
        ]),
        "audit_rank_without" => {
            let mut c = fixed(&areas);
            c.extend(ids.map(|id| (format!("rank_without_{id}"), Int)));
            c
        }
        "audit_strengths" => {
            let mut c = fixed(&areas);
            for label in ["strength", "weakness"] {
                for j in 1..=settings.strengths {
                    c.push((format!("{label}_{j}"), Text));
                    c.push((format!("{label}_{j}_rank"), Int));
                }
            }
            c
        }
        "audit_optimised_weights" if settings.optimise.is_some() => fixed(&[
            ("element", Text),
            ("level", Text),
            ("target_share", Float),
            ("nominal_weight", Float),
            ("optimised_weight", Float),
            ("nominal_correlation", Float),
            ("optimised_correlation", Float),
            ("nominal_share", Float),
            ("optimised_share", Float),
            ("nominal_objective", Float),
            ("optimised_objective", Float),
            ("iterations", Int),
            ("converged", Text),
        ]),
        _ => return None,
    })
}

/// The audit tables `study` has, in order.
pub fn tables_of(study: &Study) -> Vec<&'static str> {
    AUDIT_TABLES
        .into_iter()
        .filter(|s| schema(s, study).is_some())
        .collect()
}

impl AuditTable {
    /// The column `name`.
    pub fn column(&self, name: &str) -> Option<&AuditValues> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| &c.values)
    }

    /// Rows (the length of the first column).
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.values.len())
    }

    pub fn to_table(&self) -> Table<'_> {
        let mut t = Table::new();
        for c in &self.columns {
            match &c.values {
                AuditValues::Text(v) => t.push_text_borrowed(c.name.clone(), v),
                AuditValues::Float(v) => t.push_float_borrowed(c.name.clone(), v),
                AuditValues::Int(v) => t.push_opt_int(c.name.clone(), v.clone()),
            };
        }
        t
    }

    fn from_csv(
        t: &CsvTable,
        stem: &'static str,
        columns: &[(String, ColumnKind)],
    ) -> Result<AuditTable, BundleError> {
        t.only(|h| columns.iter().any(|(n, _)| n == h))?;
        let out = columns
            .iter()
            .map(|(name, kind)| {
                Ok(AuditColumn {
                    name: name.clone(),
                    values: match kind {
                        ColumnKind::Text => AuditValues::Text(t.text(name)?),
                        ColumnKind::Float => AuditValues::Float(t.floats(name)?),
                        ColumnKind::Int => AuditValues::Int(t.opt_integers(name)?),
                    },
                })
            })
            .collect::<Result<Vec<_>, BundleError>>()?;
        if t.headers
            .iter()
            .map(String::as_str)
            .ne(columns.iter().map(|c| c.0.as_str()))
        {
            return Err(t.inconsistent(format!(
                "the columns are not in the order `oa` writes them ({}); the file was changed by hand",
                columns
                    .iter()
                    .map(|c| c.0.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Ok(AuditTable { stem, columns: out })
    }
}

impl Audit {
    /// The section's files: the tables, then the charts.
    pub fn files(&self) -> Vec<File<'_>> {
        self.tables
            .iter()
            .map(|t| File::Table {
                stem: t.stem,
                table: t.to_table(),
            })
            .chain(self.charts.iter().map(|c| File::Bytes {
                name: c.name.into(),
                bytes: c.svg.as_bytes(),
            }))
            .collect()
    }

    /// The table `stem`.
    pub fn table(&self, stem: &str) -> Option<&AuditTable> {
        self.tables.iter().find(|t| t.stem == stem)
    }

    /// Checks that the tables are those [`schema`] gives for `study`, column by column
    /// and kind by kind, with one length per table: what is written can be read back.
    /// The message names the table and column that differ.
    pub fn check(&self, study: &Study) -> Result<(), String> {
        let expected = tables_of(study);
        let found: Vec<&str> = self.tables.iter().map(|t| t.stem).collect();
        if found != expected {
            return Err(format!("audit tables {found:?}, expected {expected:?}"));
        }
        for t in &self.tables {
            let schema = schema(t.stem, study).unwrap_or_default();
            let columns: Vec<(String, ColumnKind)> = t
                .columns
                .iter()
                .map(|c| (c.name.clone(), c.values.kind()))
                .collect();
            if columns != schema {
                return Err(format!(
                    "{}: columns {columns:?}, expected {schema:?}",
                    t.stem
                ));
            }
            if let Some(c) = t.columns.iter().find(|c| c.values.len() != t.rows()) {
                return Err(format!(
                    "{}: column `{}` has another length",
                    t.stem, c.name
                ));
            }
        }
        let charts: Vec<&str> = self.charts.iter().map(|c| c.name).collect();
        if charts != AUDIT_CHARTS {
            return Err(format!(
                "audit charts {charts:?}, expected {AUDIT_CHARTS:?}"
            ));
        }
        Ok(())
    }

    /// Reads the audit of `study` from the bundle at `dir`.
    pub(crate) fn read(dir: &Path, study: &Study) -> Result<Audit, BundleError> {
        let mut tables = Vec::new();
        for stem in tables_of(study) {
            let columns = schema(stem, study).unwrap_or_default();
            let t = CsvTable::read(dir, &format!("{stem}.csv"), "audit")?;
            tables.push(AuditTable::from_csv(&t, stem, &columns)?);
        }
        let charts = AUDIT_CHARTS
            .into_iter()
            .map(|name| {
                Ok(AuditChart {
                    name,
                    svg: crate::read::read_text(dir, name, "an audit chart")?,
                })
            })
            .collect::<Result<_, BundleError>>()?;
        Ok(Audit { tables, charts })
    }
}
