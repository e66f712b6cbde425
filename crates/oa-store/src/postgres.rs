//! The PostgreSQL store, for a shared deployment: one pool for reads and writes, one
//! transaction per write (PostgreSQL groups concurrent commits itself); money guards lock
//! the parent row (`FOR NO KEY UPDATE`) so concurrent writers are checked in turn.

use sqlx::Pool;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPoolOptions};
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

type Db = sqlx::Postgres;
type This = PgStore;
// NO KEY UPDATE: it does not conflict with the KEY SHARE lock that inserting a child
// (a foreign key to the parent) takes, so writers queue instead of deadlocking.
const FOR_UPDATE: &str = " FOR NO KEY UPDATE";
const BACKEND: crate::Backend = crate::Backend::Postgres;

/// A boxed future borrowing a connection inside a write transaction.
pub type WriteFuture<'c, T> = Pin<Box<dyn std::future::Future<Output = T> + Send + 'c>>;

/// The programme store in a PostgreSQL database.
#[derive(Clone, Debug)]
pub struct PgStore {
    read: Pool<Db>,
}

impl PgStore {
    /// Connects to `url` and migrates the database.
    pub async fn open(url: &str) -> Result<PgStore, crate::StoreError> {
        Self::open_with(PgConnectOptions::from_str(url)?).await
    }

    /// Connects with `schema` first on the search path (created when missing), so that
    /// tests can share one database without seeing each other's tables.
    pub async fn open_in_schema(url: &str, schema: &str) -> Result<PgStore, crate::StoreError> {
        if !schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            return Err(crate::StoreError::Invalid(format!(
                "schema name `{schema}`: use letters, digits and underscores only"
            )));
        }
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await?;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE SCHEMA IF NOT EXISTS {schema}"
        )))
        .execute(&pool)
        .await?;
        pool.close().await;
        Self::open_with(options.options([("search_path", schema)])).await
    }

    async fn open_with(options: PgConnectOptions) -> Result<PgStore, crate::StoreError> {
        let pool = PgPoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations/postgres").run(&pool).await?;
        Ok(PgStore { read: pool })
    }

    /// Runs `f` in a transaction of its own and commits; on any error the transaction is
    /// rolled back (when the `Transaction` drops) and nothing is stored.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, crate::StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut PgConnection) -> WriteFuture<'c, Result<T, crate::StoreError>>
            + Send
            + 'static,
    {
        let mut tx = self.read.begin().await?;
        let out = f(&mut tx).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn integrity(&self) -> Result<Vec<String>, crate::StoreError> {
        // PostgreSQL checks its own pages; a successful query is the check.
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(vec!["ok".to_string()])
    }

    async fn close_pools(&self) {
        self.read.close().await;
    }
}

include!("sql_common.rs");
