//! The service's own log lines on standard error. Writing never panics: `eprintln!`
//! panics when stderr cannot be written (a log file on a full disk), which would drop
//! the connection of the request being answered.

use std::io::Write;

/// Writes `oa serve: MESSAGE` on stderr, ignoring any failure to write it.
pub fn error(message: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "oa serve: {message}");
}
