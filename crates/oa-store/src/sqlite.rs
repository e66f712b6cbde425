//! The SQLite store: one file, WAL journal, `synchronous=FULL`, foreign keys on.
//!
//! Writes go through a single connection (SQLite has one writer at a time; queueing them
//! in the pool avoids `SQLITE_BUSY`), reads through a pool of four. With WAL, readers
//! never wait for the writer. `synchronous=FULL` makes the WAL reach the disk before a
//! commit returns, so an acknowledged write survives a crash of the process or the
//! machine; `NORMAL` would survive a process crash but could lose the last commits on a
//! power cut.

use sqlx::Pool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

type Db = sqlx::Sqlite;
type This = SqliteStore;
const FOR_UPDATE: &str = "";
const BACKEND: crate::Backend = crate::Backend::Sqlite;

/// The programme store in a SQLite file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    write: Pool<Db>,
    read: Pool<Db>,
}

impl SqliteStore {
    /// Opens the file at `path`, creating and migrating it when needed.
    pub async fn open(path: &Path) -> Result<SqliteStore, crate::StoreError> {
        let options = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        sqlx::migrate!("./migrations/sqlite").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.read_only(true))
            .await?;
        Ok(SqliteStore { write, read })
    }
}

async fn integrity(pool: &Pool<Db>) -> Result<Vec<String>, crate::StoreError> {
    use sqlx::Row;
    let rows = sqlx::query("PRAGMA integrity_check")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| r.try_get::<String, _>(0).map_err(Into::into))
        .collect()
}

include!("sql_common.rs");
