//! The pure composite-index engine of `oa`.
//!
//! It turns a matrix of indicator values (areas x indicators, `NaN` = missing) and a
//! [`oa_model::Study`] into scores, ranks and bands for the index and every group:
//! direction, coverage and imputation, outlier treatment, normalisation, weights,
//! aggregation at any depth, ranking and banding (METHODS.md section 1).
//!
//! The whole pipeline is [`compute_index`]. Its steps are public primitives so other
//! pure crates (uncertainty analysis) can rerun parts of it many times:
//! [`orient`], [`impute`], [`treat_outliers_jrc`], [`normalise`] / [`normalise_into`],
//! [`pca_weights`], [`aggregate`], [`score_tree`], [`rank_min`] / [`rank_min_into`],
//! [`quantile_bands`], [`named_bands`]. The `_into` forms reuse caller buffers.
//!
//! Conventions: after [`orient`], a higher value always means a higher score in the
//! study's `[scoring] score` direction, and every normalisation is increasing, so all
//! scores run that way. Ranks use ties 'min'; rank 1 is the `[scoring] rank_1` end;
//! rank 0 means "not ranked" (missing score).
//!
//! [`audit::audit_index`] audits a computed index as the JRC/OECD Handbook asks (indicator
//! statistics, correlations with flags, Cronbach's alpha, PCA per group, effective
//! weights, rank changes on removing each indicator, strengths and weaknesses, optimised
//! weights), with table and SVG builders for the caller to write.
//!
//! No IO, no async, no printing: long loops report through [`Progress`], and every
//! result is deterministic. Bad input is an [`EngineError`] naming the indicator, group
//! or area and what to do; the engine does not panic on input.

// `!(x > 0.0)` is deliberate throughout: it is true for NaN too, which is what the
// checks want (a NaN statistic must fail them).
#![allow(clippy::neg_cmp_op_on_partial_ord)]

pub mod aggregate;
pub mod audit;
pub mod bands;
pub mod error;
pub mod matrix;
pub mod missing;
pub mod normalise;
pub mod outliers;
pub mod pipeline;
pub mod progress;
pub mod rank;
pub mod tree;
pub mod weights;

pub use aggregate::{aggregate, weighted_median_of};
pub use audit::{AuditReport, audit_index};
pub use bands::{named_bands, quantile_bands, quantile_of_rank, rank_order};
pub use error::EngineError;
pub use matrix::IndicatorMatrix;
pub use missing::{coverage, impute, impute_within_groups, screen};
pub use normalise::{imd_exponential, normalise, normalise_into, orient, orient_parameters};
pub use outliers::{OutlierReport, WinsorisedPoint, passes_jrc, skew_kurtosis, treat_outliers_jrc};
pub use pipeline::{
    DropReason, EngineWarning, ImputedCell, IndexResult, NodeResult, PipelineStep, compute_index,
    pipeline_steps, score_tree,
};
pub use progress::{NoProgress, Progress};
pub use rank::{RankScratch, highest_ranks_first, rank_min, rank_min_into};
pub use tree::{Child, INDEX_ID, IndexTree, TreeNode};
pub use weights::{Pca, PcaWarning, PcaWeights, pca_weights, principal_components};
