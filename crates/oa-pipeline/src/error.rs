//! Errors of a run, with a code from one table: whether it is the user's input or a bug,
//! the command line's exit code, the web service's HTTP status and a stable name.

use std::fmt;

/// What kind of problem stopped a run. The table in [`Code::info`] is the only place
/// that maps codes to exit codes, HTTP statuses and names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The study file is missing, not UTF-8, or invalid (a key, a reference, a weight).
    StudyInvalid,
    /// A data file or folder the study names does not exist.
    DataMissing,
    /// A data file cannot be read as the study says (columns, cells, duplicates).
    DataMalformed,
    /// An area code is of the wrong entity or vintage for the study's geography.
    AreaCode,
    /// The index cannot be computed on this data (zero variance, values <= 0 under a
    /// geometric mean, non-finite scores).
    IndexFailed,
    /// The selection's constraints cannot all hold, or its inputs are wrong.
    SelectionFailed,
    /// A fund cannot be allocated as declared.
    FundingFailed,
    /// An optional stage (roll-up, clusters, uncertainty, maps) cannot run as declared.
    StageFailed,
    /// A results bundle cannot be read (missing file, changed by hand, newer version).
    BundleInvalid,
    /// The output folder cannot be used (not a bundle, not a folder).
    OutputRefused,
    /// The run was stopped on request (Ctrl-C, a cancelled job).
    Stopped,
    /// Writing failed (disk full, permissions).
    WriteFailed,
    /// A bug.
    Internal,
}

/// One line of the code table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeInfo {
    /// Stable snake_case name (the web's problem type, Python's exception).
    pub name: &'static str,
    /// Caused by the input (fix the study or data) rather than by `oa`.
    pub user: bool,
    /// Exit code of the command line.
    pub exit: u8,
    /// HTTP status of the web service.
    pub http: u16,
}

impl Code {
    pub const ALL: [Code; 13] = [
        Code::StudyInvalid,
        Code::DataMissing,
        Code::DataMalformed,
        Code::AreaCode,
        Code::IndexFailed,
        Code::SelectionFailed,
        Code::FundingFailed,
        Code::StageFailed,
        Code::BundleInvalid,
        Code::OutputRefused,
        Code::Stopped,
        Code::WriteFailed,
        Code::Internal,
    ];

    pub fn info(self) -> CodeInfo {
        let (name, user, exit, http) = match self {
            Code::StudyInvalid => ("study_invalid", true, 2, 422),
            Code::DataMissing => ("data_missing", true, 2, 422),
            Code::DataMalformed => ("data_malformed", true, 2, 422),
            Code::AreaCode => ("area_code", true, 2, 422),
            Code::IndexFailed => ("index_failed", true, 2, 422),
            Code::SelectionFailed => ("selection_failed", true, 2, 422),
            Code::FundingFailed => ("funding_failed", true, 2, 422),
            Code::StageFailed => ("stage_failed", true, 2, 422),
            Code::BundleInvalid => ("bundle_invalid", true, 2, 422),
            Code::OutputRefused => ("output_refused", true, 2, 409),
            Code::Stopped => ("stopped", true, 130, 499),
            Code::WriteFailed => ("write_failed", false, 1, 507),
            Code::Internal => ("internal", false, 1, 500),
        };
        CodeInfo {
            name,
            user,
            exit,
            http,
        }
    }
}

/// Why a run (or a stage of one) failed: a code and a one-line message naming the file,
/// line, column or study key and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: Code,
    pub message: String,
}

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
        }
    }

    /// The same error with `context` before its message (`context: message`).
    pub fn context(mut self, context: impl fmt::Display) -> Error {
        self.message = format!("{context}: {}", self.message);
        self
    }

    pub fn stopped() -> Error {
        Error::new(Code::Stopped, "stopped on request; nothing was written")
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// `code` with any displayable error as the message: `err(Code::DataMalformed)(e)`.
pub(crate) fn with(code: Code) -> impl Fn(&dyn fmt::Display) -> Error {
    move |e| Error::new(code, e.to_string())
}

impl From<oa_bundle::BundleError> for Error {
    fn from(e: oa_bundle::BundleError) -> Error {
        let code = match &e {
            oa_bundle::BundleError::Write(_) => Code::WriteFailed,
            oa_bundle::BundleError::Io { .. } => Code::WriteFailed,
            oa_bundle::BundleError::OutputRefused { .. } => Code::OutputRefused,
            _ => Code::BundleInvalid,
        };
        Error::new(code, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_user_errors_exit_2() {
        let mut names: Vec<&str> = Code::ALL.iter().map(|c| c.info().name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Code::ALL.len());
        for c in Code::ALL {
            let i = c.info();
            if i.user && c != Code::Stopped {
                assert_eq!(i.exit, 2, "{}", i.name);
                assert!((400..500).contains(&i.http), "{}", i.name);
            }
            if !i.user {
                assert_eq!(i.exit, 1, "{}", i.name);
                assert!(i.http >= 500, "{}", i.name);
            }
        }
    }
}
