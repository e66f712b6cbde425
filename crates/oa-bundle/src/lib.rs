//! oa-bundle: the results bundle, the one place that knows its layout.
//!
//! A study run produces [`Results`]: typed, in memory, one optional section per stage
//! (index, audit, roll-up, clusters, selection, funding, uncertainty, maps, evaluation,
//! report). [`write`] turns it
//! into a folder of files with `manifest.json` (all or nothing); [`read`] loads any
//! bundle back into the same [`Results`], with errors that name the file, line and
//! column; [`update`] rewrites some sections inside an existing bundle; [`verify`] checks
//! every file against the manifest's digests.
//!
//! The layout is versioned ([`BUNDLE_VERSION`]). Each table is described once, by its
//! section type's `to_table` (writing) and `from_csv` (reading): the same column names,
//! in the same order, every number in its shortest exact form, so that reading a bundle
//! and writing it again gives the same bytes.
//!
//! | file | section |
//! |---|---|
//! | `scores.csv` (`small_area_scores.csv` under a roll-up), `indicators.csv`, `coverage.csv`, `study.toml`; `outliers.csv`, `outlier_points.csv` (JRC rule), `pca.csv` (PCA weights) | [`Index`] |
//! | `audit_*.csv`, `audit_*.svg` | [`Audit`] |
//! | `scores.csv` (the larger areas) | [`Rollup`] |
//! | `clusters.csv`, `spatial_global.csv` | [`Clusters`] |
//! | `selection.csv`, `selection.md` | [`Selection`] |
//! | `funds.csv`, `allocations.csv`, `allocations.md` | [`Funding`] |
//! | `uncertainty.csv`, `uncertainty.svg`, `selection_stability.csv`, `sensitivity.csv`, `sensitivity.svg` | [`Uncertainty`] |
//! | `map_score.svg`, `map_band.svg`, `map_clusters.svg` (and `.png`) | [`Maps`] |
//! | `evaluation.csv`, `weights.csv`, `evaluation_paths.csv`, `evaluation.md`, `evaluation_event_*.svg`, `evaluation_synthetic_*.svg`, `evaluation_placebos_*.svg` | [`Evaluation`] |
//! | `report.html`, `report.pdf` | [`Report`] |
//!
//! Tables are also written as Parquet and XLSX when the manifest's `formats` ask; CSV is
//! the reference that is read back.

mod audit;
mod clusters;
mod coverage;
mod csv_table;
mod error;
mod evaluation;
mod funding;
mod index;
pub mod manifest;
mod maps;
mod method;
mod read;
mod report;
mod results;
mod rollup;
mod selection;
mod spatial_global;
mod uncertainty;
mod write;

pub use audit::{
    AUDIT_CHARTS, AUDIT_TABLES, Audit, AuditChart, AuditColumn, AuditTable, AuditValues,
    ColumnKind, schema as audit_schema, tables_of as audit_tables_of,
};
pub use clusters::Clusters;
pub use coverage::{AreaStatus, Coverage, DropReason, SkipReason, SkippedRow};
pub use error::BundleError;
pub use evaluation::{
    EVALUATION_CHART_PREFIXES, Evaluation, EvaluationChart, PathPoint, is_evaluation_chart,
};
pub use funding::{Allocation, Fund, Funding};
pub use index::{GroupScores, Index, Indicators, Scores};
pub use manifest::{
    BUNDLE_VERSION, Build, Headline, MANIFEST_FILE, Manifest, MethodStep, Section, SourceRecord,
    Timing,
};
pub use maps::{MAP_STEMS, Map, Maps};
pub use method::{IndicatorTreatment, OutlierPoint, Outliers, PcaLoading, PointEnd, Treatment};
pub use read::{read, verify, verify_files};
pub use report::{REPORT_HTML, REPORT_PDF, Report};
pub use results::{File, Results, SCORES, SMALL_AREA_SCORES};
pub use rollup::{ROLLUP_MEASURES, Rollup, Summary};
pub use selection::{SelectedArea, Selection};
pub use spatial_global::GlobalMoran;
pub use uncertainty::{RankIntervals, Sensitivity, Stability, Uncertainty};
pub use write::{check_out, update, write, write_loose};

/// A table as the CSV text a bundle holds (for uploads and tests).
pub fn csv_text(table: &oa_io::Table) -> String {
    let mut out = Vec::new();
    // Writing into memory cannot fail, and every cell is UTF-8 text.
    let _ = table.write_csv_to(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses a bundle table held in memory (an upload of `selection.csv` or
/// `allocations.csv`), with the same checks as [`read`].
pub mod parse {
    use crate::csv_table::CsvTable;
    use crate::error::BundleError;
    use crate::funding::Funding;
    use crate::selection::Selection;

    /// The rows of a `selection.csv` (the Markdown is left empty).
    pub fn selection(name: &str, bytes: &[u8]) -> Result<Selection, BundleError> {
        Selection::from_csv(
            &CsvTable::parse(name, bytes, Selection::TABLE)?,
            String::new(),
        )
    }

    /// The rows of an `evaluation.csv`.
    pub fn evaluation(
        name: &str,
        bytes: &[u8],
    ) -> Result<Vec<oa_evaluation::EstimateRow>, BundleError> {
        crate::Evaluation::estimates_from_csv(&CsvTable::parse(
            name,
            bytes,
            crate::Evaluation::ESTIMATES,
        )?)
    }

    /// The lines of an `allocations.csv`.
    pub fn allocations(name: &str, bytes: &[u8]) -> Result<Vec<crate::Allocation>, BundleError> {
        Funding::allocations_from_csv(&CsvTable::parse(name, bytes, Funding::ALLOCATIONS)?)
    }
}
