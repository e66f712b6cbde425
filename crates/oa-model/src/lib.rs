//! Plain data shared by every layer of `oa`: the study schema (what a user writes in a
//! study TOML file), area codes ([`gss`]) and money in exact pence.
//!
//! Nothing here does IO: a study is parsed from a string the caller has read, and every
//! path in it stays relative until the IO layer resolves it against the data directory.

pub mod gss;
pub mod money;
pub mod study;

pub use money::Pence;
pub use study::{Study, StudyError};
