//! Spatial statistics, map classes and small-area roll-ups for `oa` (METHODS.md sections 3
//! and 5). Pure: no file or network IO, no printing; the CLI stages read and write.
//!
//! - [`classify`]: map classes for legends: quantiles, equal interval, exact Fisher-Jenks
//!   (O(k·n log n) divide-and-conquer dynamic programme), head/tail breaks, user breaks.
//! - [`local`]: local Moran's I and Getis-Ord Gi* over neighbour lists, with seeded,
//!   parallel conditional-permutation p-values that do not depend on the thread count.
//! - [`global`]: global Moran's I with its z-score under normality and a permutation
//!   p-value (as PySAL's esda reports them).
//! - [`rollup`]: IoD-style summaries of small areas over districts (average score,
//!   average rank, share in the most deprived 10%, extent, local concentration, ranks).
//!
//! The crate does not depend on `oa-geo`: neighbour lists come in as `Vec<Vec<usize>>`,
//! so the geography crate can use the map classes for its legends.

pub mod classify;
pub mod global;
pub mod local;
pub mod rollup;

pub use classify::{
    Classification, class_of, equal_interval, fisher_jenks, head_tail, quantiles, user_defined,
};
pub use global::{GlobalMoran, global_moran};
pub use local::{LocalStatistic, Quadrant, lattice_neighbours, local_statistics};
pub use rollup::{DistrictRanks, DistrictSummary, SmallArea, roll_up};

/// Why a spatial computation could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpatialError {
    #[error("no values to work on")]
    Empty,
    #[error("value {index} is {value}: every value must be a finite number")]
    NonFinite { index: usize, value: f64 },
    #[error("at least one class is needed")]
    NoClasses,
    #[error("break {index} is not above the one before it: give finite breaks in ascending order")]
    UnsortedBreaks { index: usize },
    #[error("neighbour lists: {0}")]
    Neighbours(String),
    #[error("roll-up: {0}")]
    Rollup(String),
    #[error("{0}")]
    Parameter(String),
}
