//! Test helpers shared by the `oa` crates.
//!
//! Real-data tests reach `../shared/data` (beside the repository) only through
//! [`shared_data`], which fails loudly when the data is missing: a test is never
//! skipped because its data is absent.

use std::path::{Path, PathBuf};

/// The repository root (the workspace directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .expect("oa-testkit lives at crates/oa-testkit")
        .to_path_buf()
}

/// The shared data directory: `$OA_SHARED_DATA` when set, else `../shared/data`
/// beside the repository.
///
/// # Panics
/// When the directory does not exist, with a message saying how to provide it.
pub fn shared_data_dir() -> PathBuf {
    let dir = std::env::var_os("OA_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/data"));
    assert!(
        dir.is_dir(),
        "shared data not found at {}: clone the repository beside `shared/` or set OA_SHARED_DATA",
        dir.display()
    );
    dir
}

/// A file or folder inside the shared data directory.
///
/// # Panics
/// When it does not exist: tests that need real data fail rather than skip.
pub fn shared_data(relative: &str) -> PathBuf {
    let path = shared_data_dir().join(relative);
    assert!(
        path.exists(),
        "shared data file missing: {} (expected under {})",
        relative,
        shared_data_dir().display()
    );
    path
}

/// A path inside the repository (for shipped studies and fixtures).
pub fn repo_path(relative: &str) -> PathBuf {
    repo_root().join(relative)
}
