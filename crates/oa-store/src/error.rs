//! Errors of the store. Rule, conflict and not-found errors carry a message for the user;
//! the web layer maps them to 422, 409 and 404.

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
    /// A value did not fit its column (a caller bug or unvalidated input).
    #[error("{0}")]
    Invalid(String),
    #[error(
        "unsupported database URL `{0}`: use postgres://USER:PASSWORD@HOST/DB, sqlite://FILE or a file path"
    )]
    Url(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}
