//! Monte Carlo uncertainty and Sobol sensitivity of a composite index (METHODS.md
//! section 6): how sure are we that an area is a cold spot?
//!
//! A study's `[uncertainty]` section declares uncertain inputs (weight noise, choices of
//! normalisation, aggregation and imputation, indicators left out, data noise).
//! [`Problem::prepare`] computes once what does not change between runs (the engine's
//! nominal ranking, normalised indicators per choice); [`montecarlo::run`] then draws
//! runs in parallel, each only weights + aggregation + ranking, and streams their ranks
//! into per-area summaries ([`summary::RankSummary`]): median rank, 5th-95th percentile
//! interval, probability of each named band. With `[uncertainty.sobol]` it adds the
//! N(d + 2) design and estimates first-order and total Sobol indices of each input on the
//! mean absolute rank shift ([`sobol`]). [`chart`] draws both as SVG text.
//!
//! Pure: no IO, no printing; progress goes through [`oa_engine::Progress`]. One seed gives
//! one result whatever the number of threads.

pub mod chart;
pub mod kernel;
pub mod montecarlo;
pub mod problem;
pub mod report;
pub mod sobol;
pub mod space;
pub mod summary;
pub mod tree;

pub use montecarlo::{
    Outcome, Regroup, Reselect, SelectionStability, Settings, SobolSettings, nominal_ranks, run,
    run_grouped, run_with_selection,
};
pub use problem::Problem;
pub use summary::RankSummary;

/// Why an analysis cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UncertaintyError {
    /// A setting is wrong; `key` names it (e.g. `uncertainty.aggregations`).
    #[error("`{key}`: {message}")]
    Input { key: String, message: String },
    /// The caller asked to stop (see [`oa_engine::Progress::stopped`]).
    #[error("stopped on request")]
    Stopped,
    /// The engine refused a run; `context` says which choice led there.
    #[error("{context}: {source}")]
    Engine {
        context: String,
        source: oa_engine::EngineError,
    },
}

impl UncertaintyError {
    pub(crate) fn engine(context: &str, source: oa_engine::EngineError) -> Self {
        UncertaintyError::Engine {
            context: context.to_string(),
            source,
        }
    }
}
