//! Whole-file writes: a reader sees the old file or the new one, never a partial one.

use crate::error::WriteError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` through a temporary file in the same directory, synced, then
/// renamed over `path`. The file is readable by everyone who can read the folder (0644,
/// as other outputs), not only its owner: colleagues on a shared drive read results.
pub fn write_file_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let dir = parent_dir(path);
    let mut builder = tempfile::Builder::new();
    builder.prefix(".oa-tmp-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    let mut tmp = builder
        .tempfile_in(&dir)
        .map_err(|e| WriteError::io(&dir, e))?;
    tmp.write_all(bytes).map_err(|e| WriteError::io(path, e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| WriteError::io(path, e))?;
    tmp.persist(path)
        .map_err(|e| WriteError::io(path, e.error))?;
    Ok(())
}

/// The folder of `path` (`.` for a bare file name).
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}
