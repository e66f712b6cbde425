//! Why a bundle cannot be read or written: one line naming the bundle, the file, the line
//! and column where it applies, and what to do.

use oa_io::WriteError;

/// A problem with a results bundle.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BundleError {
    #[error("{path}: not a results bundle (no manifest.json); give a folder written by `oa run`")]
    NotABundle { path: String },

    #[error("{path}: {message}")]
    OutputRefused { path: String, message: String },

    #[error("{path}: {message}")]
    Manifest { path: String, message: String },

    #[error(
        "{path}: bundle version {found} was written by a newer `oa` (this build reads versions 1 to {supported}); upgrade `oa` to read it"
    )]
    NewerVersion {
        path: String,
        found: u32,
        supported: u32,
    },

    #[error("{path}: file missing from the bundle ({why}); run the study again to rebuild it")]
    MissingFile { path: String, why: String },

    #[error("{path}: {message}")]
    Io { path: String, message: String },

    #[error(
        "{path}: no column `{column}`{hint}; the file is not the {table} table this version of `oa` writes"
    )]
    MissingColumn {
        path: String,
        column: String,
        table: &'static str,
        hint: String,
    },

    #[error(
        "{path}: column `{column}` is not a column of the {table} table; the file was changed by hand or comes from another program"
    )]
    UnknownColumn {
        path: String,
        column: String,
        table: &'static str,
    },

    #[error("{path}: line {line}, column `{column}`: `{text}` is not {expected}")]
    BadCell {
        path: String,
        line: usize,
        column: String,
        text: String,
        expected: &'static str,
    },

    #[error("{path}: {message}")]
    Inconsistent { path: String, message: String },

    #[error(
        "{path} does not match manifest.json (SHA-256 {found}, the manifest says {expected}): it was changed after `oa` wrote the bundle; write the bundle again with `oa run`"
    )]
    Tampered {
        path: String,
        expected: String,
        found: String,
    },

    #[error(
        "{path} is not listed in manifest.json: it was added or changed after `oa` wrote the bundle; run `oa run` (or `oa select`, `oa allocate`) again"
    )]
    Unlisted { path: String },

    #[error("{path}: the study in the bundle cannot be read: {message}")]
    Study { path: String, message: String },

    #[error(transparent)]
    Write(#[from] WriteError),
}

impl BundleError {
    pub(crate) fn io(path: &std::path::Path, e: &std::io::Error) -> BundleError {
        BundleError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    }
}
