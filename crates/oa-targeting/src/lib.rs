//! Targeting and funding for `oa`: choose areas by declared rules, explain every decision,
//! and allocate funds to the penny. Pure: no file IO; the CLI reads data and writes files.
//!
//! - [`rules`]: the long-list rule language (`worst(index, 1/6) and worst(capacity, 1/6)`).
//! - [`select`]: candidate areas (one or several districts), constraints (count, quotas per
//!   region or tag, population bounds, must include / exclude, waves), the optimal choice
//!   (exact greedy for region quotas, an integer programme otherwise) and, when the
//!   constraints cannot all hold, an irreducible set of conflicting constraints.
//! - [`reselect`]: the same selection re-made cheaply when one measure changes (Monte
//!   Carlo samples of the study's own index).
//! - [`explain`]: per-area reasons in plain words, `selection.md`.
//! - [`allocate`]: funds, funders, periods and formulas (equal, proportional with floors
//!   and caps, per area, published amounts, none) in exact pence by largest remainder.

pub mod allocate;
pub mod explain;
pub mod report;
pub mod reselect;
pub mod rules;
pub mod select;

/// What went wrong, in words that say what to fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TargetingError {
    /// The study or the data does not make a selection possible.
    #[error("{0}")]
    Input(String),
    /// The constraints cannot all hold; `conflicts` is a set that cannot hold together
    /// (dropping any one of them makes the rest feasible).
    #[error("the selection constraints cannot all hold; these conflict: {}. Relax or drop one of them", conflicts.join("; "))]
    Infeasible { conflicts: Vec<String> },
    /// A fund cannot be allocated as declared.
    #[error("fund `{fund}`: {message}")]
    Fund { fund: String, message: String },
}
