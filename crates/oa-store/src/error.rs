//! Errors of the store. Rule, conflict and not-found errors carry a message for the user;
//! the web layer maps them to 422, 409 and 404, a stale record to 412 and an unavailable
//! database to 503.

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist.
    #[error("{what} {id} not found")]
    NotFound { what: &'static str, id: i64 },
    /// A uniqueness or reference constraint refused the change.
    #[error("{0}")]
    Conflict(String),
    /// A money guard refused the change (`field` is the input field to correct).
    #[error("{message}")]
    Rule {
        field: &'static str,
        message: String,
    },
    /// The record changed after it was read, so the change computed from that read was
    /// not applied (nothing was written).
    #[error("{what} {id} was changed by someone else after it was read")]
    Stale { what: &'static str, id: i64 },
    /// A value did not fit its column (a caller bug or unvalidated input).
    #[error("{0}")]
    Invalid(String),
    /// The database could not take the write or answer now (a full disk, an I/O error,
    /// a lost connection, a busy server): nothing was written; try again later.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error(
        "unsupported database URL `{0}`: use postgres://USER:PASSWORD@HOST/DB, sqlite://FILE or a file path"
    )]
    Url(String),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    /// Failures a retry may cure (full disk, I/O, lost or exhausted connections, busy
    /// or shutting-down servers, serialization failures) become [`StoreError::Unavailable`].
    fn from(e: sqlx::Error) -> StoreError {
        if is_transient(&e) {
            StoreError::Unavailable(e.to_string())
        } else {
            StoreError::Database(e)
        }
    }
}

/// Whether an error is the database's state rather than the request's.
pub(crate) fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            // SQLite primary result codes (the low byte of an extended code).
            if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                let n = code.parse::<i32>().unwrap_or(0);
                return matches!(
                    n & 0xff,
                    5 /* BUSY */ | 6 /* LOCKED */ | 7 /* NOMEM */ | 8 /* READONLY */
                        | 10 /* IOERR */ | 13 /* FULL */ | 14 /* CANTOPEN */ | 15 /* PROTOCOL */
                );
            }
            // PostgreSQL SQLSTATE classes: connection (08), insufficient resources
            // (53: disk full, out of memory, too many connections), operator intervention
            // (57), system errors (58), and serialization or deadlock failures (40001, 40P01).
            code.starts_with("08")
                || code.starts_with("53")
                || code.starts_with("57")
                || code.starts_with("58")
                || code == "40001"
                || code == "40P01"
        }
        _ => false,
    }
}
