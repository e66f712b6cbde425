//! Exit codes: 0 success, 2 a user error (bad input, bad study: the message says what to
//! fix), 1 anything else (a bug).

use std::fmt;
use std::process::ExitCode;

/// An error caused by the user's input. Its message names the file, line, column or key
/// and what to do; the process exits with code 2.
#[derive(Debug)]
pub struct UserError(pub String);

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UserError {}

/// Wraps any displayable error as a [`UserError`].
pub fn user(e: impl fmt::Display) -> anyhow::Error {
    anyhow::Error::new(UserError(e.to_string()))
}

/// Prints the error (if any) on stderr and picks the exit code.
pub fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.chain().any(|c| c.is::<UserError>()) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("internal error (please report it): {e:#}");
            ExitCode::from(1)
        }
    }
}
