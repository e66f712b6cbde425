//! Exit codes: 0 success, 2 a user error (bad input, bad study: the message says what to
//! fix), 1 anything else (a bug). Errors from the pipeline and the bundle carry their own
//! code (`oa_pipeline::Code`), whose table decides.

use std::fmt;
use std::process::ExitCode;

/// An error caused by the user's input that the binary itself finds (its arguments). Its
/// message names the flag, file or key and what to do; the process exits with code 2.
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
    let Err(e) = result else {
        return ExitCode::SUCCESS;
    };
    let coded = e
        .chain()
        .find_map(|c| c.downcast_ref::<oa_pipeline::Error>())
        .map(|p| p.code.info());
    match coded {
        Some(info) if info.user => {
            eprintln!("error: {e:#}");
            ExitCode::from(info.exit)
        }
        None if e.chain().any(|c| c.is::<UserError>()) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
        _ => {
            eprintln!("internal error (please report it): {e:#}");
            ExitCode::from(1)
        }
    }
}
