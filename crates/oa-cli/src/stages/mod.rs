//! Optional stages of `oa run`, each owned by one feature and called by `commands::run`
//! after the index is written, when the study declares it. Order: rollup, spatial, selection,
//! funding, uncertainty, maps (maps last so they can highlight selected areas).
//!
//! A stage reads what it needs from the bundle being written (`ctx.out`, a temporary
//! directory renamed into place only when every stage has succeeded) and returns the
//! files it wrote, relative to `ctx.out`, for the manifest.

pub mod funding;
pub mod maps;
pub mod rollup;
pub mod selection;
pub mod spatial;
pub mod uncertainty;

use oa_model::Study;
use std::path::Path;

/// What every stage of `oa run` can see.
pub struct RunContext<'a> {
    pub study: &'a Study,
    /// The study file as given on the command line.
    pub study_path: &'a Path,
    /// Where the study's relative data paths are resolved.
    pub data_dir: &'a Path,
    /// The bundle directory being written.
    pub out: &'a Path,
    /// Show progress bars (false when stderr is not a terminal or `--quiet`).
    pub progress: bool,
}
