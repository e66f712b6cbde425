//! oa-evaluation: did the chosen areas improve, compared with areas like them?
//!
//! A pure engine (no IO, no async, no printing; deterministic for a seed whatever the
//! thread count) for evaluating a place-based programme on a panel of areas
//! (METHODS.md section 7):
//!
//! - [`period`]: periods as published (`201516`, `2015/16`, `2016`, dates) on one scale;
//! - [`panel`]: a balanced panel built from rows, areas merged by summing counts, series
//!   breaks declared; [`treatment`]: first treated period per unit, absorbing, with
//!   anticipation; [`comparison`]: never / not yet treated, near-misses, nearest
//!   neighbours (Mahalanobis), lists;
//! - estimators: [`sdid`] (synthetic DiD and, as its special cases, synthetic control and
//!   block DiD as `synthdid` defines them), [`cs`] (Callaway and Sant'Anna), [`sc`]
//!   (Abadie-Diamond-Hainmueller synthetic control with placebos in space), [`ri`]
//!   (randomisation inference over any assignment rule), [`rd`] (regression
//!   discontinuity at a cut); [`simplex`] holds their weight solvers;
//! - [`evaluate()`] runs the requested methods against every comparison set into an
//!   [`Evaluation`] (rows of `evaluation.csv`, weights, paths, placebo gaps, pre-trend
//!   checks, notes); [`chart`] draws it as SVG and [`narrative`] writes `evaluation.md`.
//!
//! Errors are [`EvalError`]s: one line saying what is wrong and what to do.

pub mod chart;
pub mod comparison;
pub mod cs;
pub mod error;
pub mod evaluate;
pub mod narrative;
pub mod panel;
pub mod period;
pub mod rd;
pub mod result;
pub mod ri;
pub mod sc;
pub mod sdid;
pub mod simplex;
pub mod stats;
pub mod treatment;

pub use comparison::{ComparisonSet, ComparisonSpec};
pub use error::EvalError;
pub use evaluate::{EvaluationSpec, FEW_TREATED, Randomisation, SELECTION_CUT, evaluate, rd_rows};
pub use panel::{Balance, Observation, Panel, PanelBuilder, SeriesBreak, Value};
pub use period::{Period, PeriodError, PeriodKind};
pub use result::{
    ALL, ComparisonSummary, Estimand, EstimateRow, Evaluation, Method, PlaceboGaps, PretrendCheck,
    ROW_COLUMNS, SyntheticPath, WeightKind, WeightRow,
};
pub use treatment::{PartlyTreated, Treatment};
