//! oa-io: reading the files governments publish and writing results bundles.
//!
//! - [`load_study_data`] reads every source a study's indicators use (CSV with BOMs and
//!   `"29,199"` numbers, XLSX/XLS/ODS with title blocks above the header, Parquet; wide or
//!   DfE tidy layout), joins them on area code, applies the geography filters and returns
//!   indicator columns in study order with missing-marker counts and input digests.
//! - [`read_table`] reads any source's columns as text for other needs (populations,
//!   regions); [`read_panel`] reads an outcome panel (long or wide) for evaluation.
//! - [`Table`] writes results as CSV (and Parquet, XLSX); [`write_file_atomic`] writes a
//!   whole file or nothing. The results bundle itself (layout, manifest, reading it back)
//!   is the `oa-bundle` crate's.
//!
//! Errors ([`ReadError`], [`WriteError`]) are one line naming the file, the line or cell,
//! and what to do. Nothing here panics on bad input.

pub mod atomic;
pub mod digest;
pub mod error;
pub mod number;
pub mod panel;
mod read;
pub mod source;
pub mod study_data;
pub mod table;

pub use atomic::write_file_atomic;
pub use digest::FileDigest;
pub use error::{Location, ReadError, WriteError};
pub use panel::{PanelLayout, PanelReadError, PanelRows, PanelSource, PanelValue, read_panel};
pub use read::source_format;
pub use source::{SourceTable, read_columns, read_table};
pub use study_data::{JoinReport, StudyData, load_study_data};
pub use table::{Column, OutputFormat, Table, Text};
