//! oa-io: reading the files governments publish and writing results bundles.
//!
//! - [`load_study_data`] reads every source a study's indicators use (CSV with BOMs and
//!   `"29,199"` numbers, XLSX/XLS/ODS with title blocks above the header, Parquet; wide or
//!   DfE tidy layout), joins them on area code, applies the geography filters and returns
//!   indicator columns in study order with missing-marker counts and input digests.
//! - [`read_table`] reads any source's columns as text for other needs (populations,
//!   regions); [`read_panel`] reads an outcome panel (long or wide) for evaluation.
//! - [`Table`] writes results as CSV (and Parquet, XLSX); [`BundleWriter`] writes a bundle
//!   all-or-nothing; [`Manifest`] records inputs, parameters, outputs and timings;
//!   [`bundle::read_scores`] and [`bundle::read_manifest`] read a bundle back;
//!   [`BundleUpdate`] replaces files inside an existing bundle.
//!
//! Errors ([`ReadError`], [`WriteError`]) are one line naming the file, the line or cell,
//! and what to do. Nothing here panics on bad input.

pub mod bundle;
pub mod digest;
pub mod error;
pub mod manifest;
pub mod number;
pub mod panel;
mod read;
pub mod source;
pub mod study_data;
pub mod table;

pub use bundle::{
    BundleUpdate, BundleWriter, Scores, read_manifest, read_scores, write_file_atomic,
};
pub use digest::FileDigest;
pub use error::{Location, ReadError, WriteError};
pub use manifest::{MANIFEST_FILE, Manifest, Timing};
pub use panel::{PanelLayout, PanelReadError, PanelRows, PanelSource, PanelValue, read_panel};
pub use read::source_format;
pub use source::{SourceTable, read_columns, read_table};
pub use study_data::{JoinReport, StudyData, load_study_data};
pub use table::{Column, OutputFormat, Table};
