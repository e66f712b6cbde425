//! The pure composite-index engine of `oa`.
//!
//! It turns a matrix of indicator values (areas x indicators, `NaN` = missing) and a
//! [`oa_model::Study`] into scores, ranks and bands for the index and every group:
//! direction, coverage and imputation, outlier treatment, normalisation, weights,
//! aggregation at any depth, ranking and banding (METHODS.md section 1).
//!
//! No IO, no async, no printing: long loops report through [`Progress`], and every
//! result is deterministic.

pub mod progress;

pub use progress::{NoProgress, Progress};
