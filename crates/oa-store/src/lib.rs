//! The programme store of `oa`: the system of record behind `oa serve`.
//!
//! One [`Store`] trait, two implementations with their own migrations:
//! [`sqlite::SqliteStore`] (the default: one file, WAL journal, `synchronous=FULL` so an
//! acknowledged commit survives a crash, one writer connection and a small pool of
//! readers) and [`postgres::PgStore`] (a shared deployment). [`AnyStore`] picks one from a
//! database URL.
//!
//! The store holds no business rules. Records are JSON objects whose columns are described
//! once in [`schema`]; the domain layer (in `oa-web`) validates them and decides which
//! money [`Guard`]s a write must satisfy. The store applies a batch of [`Op`]s in one
//! transaction, checks the guards inside it (so two concurrent spend returns cannot both
//! squeeze under a grant), and writes an audit-log row (who, when, before, after) for
//! every change in the same transaction.
//!
//! A write is stored or refused, never acknowledged and lost: on SQLite one writer task
//! owns the only write connection, opens each batch with `BEGIN IMMEDIATE` and, after any
//! failed statement or commit (a full disk included), rolls back and checks that the
//! connection is out of its transaction before the next batch (reconnecting if not).
//! Failures that a later retry may cure are [`StoreError::Unavailable`].
//!
//! Both implementations are the same code (`sql_common.rs`, included into each backend
//! module with its own `Db` type): the SQL uses `$N` placeholders, `RETURNING` and
//! `CAST(... AS BIGINT)`, which both databases accept.

pub mod schema;

mod error;
pub mod postgres;
pub mod sqlite;

pub use error::StoreError;
pub use schema::{ColType, Column, Kind, Table};

use serde::Serialize;
use serde_json::Value;
use std::future::Future;

/// A record: a JSON object with `id` and the table's columns.
pub type Record = serde_json::Map<String, Value>;

/// Who makes a change (recorded in the audit log).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    /// An email, or a system name such as `demo` or `import`.
    pub label: String,
}

impl Actor {
    pub fn system(label: &str) -> Actor {
        Actor {
            user_id: None,
            label: label.to_string(),
        }
    }
}

/// One change in a write batch.
#[derive(Debug, Clone)]
pub enum Op {
    /// Insert a record (its `id` is assigned by the database).
    Create { kind: Kind, record: Record },
    /// Insert a record whose columns `links` take the ids of records created earlier in
    /// the same batch (`(column, index of the earlier op)`): an import that creates areas
    /// and their allocations in one transaction.
    CreateLinked {
        kind: Kind,
        record: Record,
        links: Vec<(&'static str, usize)>,
    },
    /// Set the columns present in `record` (the others keep their values, so two updates
    /// of different fields both stand). With `expect`, the row must still be exactly
    /// `expect` inside the transaction, else [`StoreError::Stale`]: an update computed
    /// from a whole read is never applied over someone else's change.
    Update {
        kind: Kind,
        id: i64,
        record: Record,
        expect: Option<Record>,
    },
    /// Delete record `id` (with `expect`, only if it is still exactly that record).
    Delete {
        kind: Kind,
        id: i64,
        expect: Option<Record>,
    },
}

/// A money rule checked inside the write transaction: the `amount_pence` of the `child`
/// records pointing at `parent_id` must not add up to more than the parent's `cap_column`
/// (spend returns within a grant, grants within an allocation, allocations within a fund).
#[derive(Debug, Clone)]
pub struct Guard {
    pub child: Kind,
    pub parent: Kind,
    pub parent_id: i64,
    pub cap_column: &'static str,
    /// The input field to blame in the error.
    pub field: &'static str,
    /// What is being summed and what to do, e.g. "spend returns on grant 7 would exceed
    /// the grant: lower the amount or raise the grant first".
    pub message: String,
}

/// Which rows a list returns.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Column equals value (only columns of the table; checked by the caller).
    pub equals: Vec<(&'static str, Value)>,
    /// When set, only records of these areas (and, for tables with an optional area,
    /// records with none).
    pub area_in: Option<Vec<i64>>,
    /// When set, only records of these programmes (tables with a `programme_id`, and
    /// programmes themselves by id).
    pub programme_in: Option<Vec<i64>>,
}

/// 1-based page; `per_page == 0` means every row (CSV export).
#[derive(Debug, Clone, Copy)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
}

impl PageRequest {
    pub const ALL: PageRequest = PageRequest {
        page: 1,
        per_page: 0,
    };
}

/// A page of records and the total number matching the filter.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
}

/// A user of the service. The password hash never leaves the store through serde.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    /// `admin`, `area_lead`, `board_member` or `viewer`.
    pub role: String,
    pub area_id: Option<i64>,
    pub created_at: String,
    /// A disabled user cannot sign in, and their sessions and tokens are gone.
    pub disabled: bool,
    #[serde(skip)]
    pub password_hash: String,
}

/// A user to create (the password already hashed by the caller; the email is stored in
/// lower case).
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: String,
    pub area_id: Option<i64>,
    pub password_hash: String,
}

/// A session cookie or an API token, stored by the SHA-256 of its secret.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub token_hash: String,
    pub user_id: i64,
    /// `session` or `api`.
    pub kind: &'static str,
    pub label: Option<String>,
    /// Unix seconds; `None` never expires (kept for databases written before tokens
    /// expired; the service always sets it).
    pub expires_at: Option<i64>,
}

/// A session or token as its owner and admins see it: never the secret or its hash, only
/// a short public id (the first 16 hex digits of the hash) to revoke it by.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TokenInfo {
    pub id: String,
    pub user_id: i64,
    /// `session` or `api`.
    pub kind: String,
    pub label: Option<String>,
    pub created_at: String,
    pub expires_at: Option<i64>,
}

/// Whether a programme, and each of its areas, is published: what the read rules need,
/// in one query.
#[derive(Debug, Clone, PartialEq)]
pub struct Publication {
    pub programme_id: i64,
    pub programme_published: bool,
    /// `None` for a programme without areas.
    pub area: Option<(i64, bool)>,
}

/// One row of the audit log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub user_id: Option<i64>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: i64,
    pub area_id: Option<i64>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Which audit rows to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    pub area_in: Option<Vec<i64>>,
}

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The storage interface of the programme service.
pub trait Store: Send + Sync {
    /// Applies `ops` and checks `guards` in one transaction, with an audit row per op.
    /// Returns the record after each op (the deleted record for a delete).
    fn apply(
        &self,
        ops: Vec<Op>,
        guards: Vec<Guard>,
        actor: &Actor,
    ) -> impl Future<Output = Result<Vec<Record>, StoreError>> + Send;

    fn get(
        &self,
        kind: Kind,
        id: i64,
    ) -> impl Future<Output = Result<Option<Record>, StoreError>> + Send;

    /// Records in `id` order.
    fn list(
        &self,
        kind: Kind,
        filter: &Filter,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<Record>, StoreError>> + Send;

    fn audit(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> impl Future<Output = Result<Page<AuditEntry>, StoreError>> + Send;

    /// Every programme and area with its `published` flag (programmes and areas are few).
    fn publication(&self) -> impl Future<Output = Result<Vec<Publication>, StoreError>> + Send;

    fn create_user(
        &self,
        user: NewUser,
        actor: &Actor,
    ) -> impl Future<Output = Result<User, StoreError>> + Send;
    fn user(&self, id: i64) -> impl Future<Output = Result<Option<User>, StoreError>> + Send;
    /// The user with this email, compared without regard to case.
    fn user_by_email(
        &self,
        email: &str,
    ) -> impl Future<Output = Result<Option<User>, StoreError>> + Send;
    fn users(&self) -> impl Future<Output = Result<Vec<User>, StoreError>> + Send;
    /// Sets a new password and ends every session and API token of the user (whoever
    /// knew the old password may have signed in with it).
    fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        actor: &Actor,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Gives a user another role and area (`area_id` for area leads and board members).
    /// Their sessions stay: each request reads the user's role afresh.
    fn set_role(
        &self,
        user_id: i64,
        role: &str,
        area_id: Option<i64>,
        actor: &Actor,
    ) -> impl Future<Output = Result<User, StoreError>> + Send;
    /// Disables (ending every session and token) or enables a user.
    fn set_disabled(
        &self,
        user_id: i64,
        disabled: bool,
        actor: &Actor,
    ) -> impl Future<Output = Result<User, StoreError>> + Send;

    fn create_token(&self, token: NewToken) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Opens a browser session and ends the user's earlier sessions and any expired
    /// session or token of theirs, in one write.
    fn start_session(
        &self,
        token: NewToken,
        now: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// The enabled user owning an unexpired token (`now` in Unix seconds).
    fn user_by_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> impl Future<Output = Result<Option<User>, StoreError>> + Send;
    fn delete_token(&self, token_hash: &str)
    -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Unexpired sessions and tokens of `user_id` (every user's when `None`).
    fn tokens(
        &self,
        user_id: Option<i64>,
        now: i64,
    ) -> impl Future<Output = Result<Vec<TokenInfo>, StoreError>> + Send;
    /// Revokes the session or token with public id `id` (of `user_id` only, when given).
    /// Returns whether one was found.
    fn revoke_token(
        &self,
        id: &str,
        user_id: Option<i64>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
    /// Deletes expired sessions and tokens; returns how many.
    fn purge_expired(&self, now: i64) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// A cheap check that the database answers (`SELECT 1` on a reader): the public
    /// health check.
    fn ping(&self) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// `["ok"]` when the database is sound (SQLite's `PRAGMA integrity_check`, on a
    /// reader so writes go on): an admin's deep check, seconds on a large file.
    fn integrity_check(&self) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    fn backend(&self) -> Backend;

    /// Waits for running queries and closes the connections.
    fn close(&self) -> impl Future<Output = ()> + Send;
}

/// A store on either database, chosen by URL.
#[derive(Clone, Debug)]
pub enum AnyStore {
    Sqlite(sqlite::SqliteStore),
    Postgres(postgres::PgStore),
}

impl AnyStore {
    /// Opens (creating and migrating) the database at `url`: `postgres://...` or
    /// `postgresql://...` for PostgreSQL; `sqlite://FILE`, `sqlite:FILE` or a plain path
    /// for SQLite.
    pub async fn open(url: &str) -> Result<AnyStore, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(AnyStore::Postgres(postgres::PgStore::open(url).await?))
        } else if url.contains("://") && !url.starts_with("sqlite://") {
            Err(StoreError::Url(url.to_string()))
        } else {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            let file = std::path::Path::new(path);
            if let Some(dir) = file.parent()
                && !dir.as_os_str().is_empty()
                && !dir.is_dir()
            {
                return Err(StoreError::Invalid(format!(
                    "{path}: the folder {} does not exist; create it or choose another --database",
                    dir.display()
                )));
            }
            Ok(AnyStore::Sqlite(
                sqlite::SqliteStore::open(std::path::Path::new(path)).await?,
            ))
        }
    }
}

impl AnyStore {
    /// Writes a consistent copy of a SQLite database to the new file `dest` while the
    /// service runs. PostgreSQL is backed up with its own tools (`pg_dump`).
    pub async fn backup_to(&self, dest: &std::path::Path) -> Result<(), StoreError> {
        match self {
            AnyStore::Sqlite(s) => s.backup_to(dest).await,
            AnyStore::Postgres(_) => Err(StoreError::Invalid(
                "a PostgreSQL database is backed up with pg_dump (see README, Running in production)".into(),
            )),
        }
    }
}

macro_rules! delegate {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            AnyStore::Sqlite($s) => $e,
            AnyStore::Postgres($s) => $e,
        }
    };
}

impl Store for AnyStore {
    async fn apply(
        &self,
        ops: Vec<Op>,
        guards: Vec<Guard>,
        actor: &Actor,
    ) -> Result<Vec<Record>, StoreError> {
        delegate!(self, s => s.apply(ops, guards, actor).await)
    }
    async fn get(&self, kind: Kind, id: i64) -> Result<Option<Record>, StoreError> {
        delegate!(self, s => s.get(kind, id).await)
    }
    async fn list(
        &self,
        kind: Kind,
        filter: &Filter,
        page: PageRequest,
    ) -> Result<Page<Record>, StoreError> {
        delegate!(self, s => s.list(kind, filter, page).await)
    }
    async fn audit(
        &self,
        filter: &AuditFilter,
        page: PageRequest,
    ) -> Result<Page<AuditEntry>, StoreError> {
        delegate!(self, s => s.audit(filter, page).await)
    }
    async fn publication(&self) -> Result<Vec<Publication>, StoreError> {
        delegate!(self, s => s.publication().await)
    }
    async fn create_user(&self, user: NewUser, actor: &Actor) -> Result<User, StoreError> {
        delegate!(self, s => s.create_user(user, actor).await)
    }
    async fn user(&self, id: i64) -> Result<Option<User>, StoreError> {
        delegate!(self, s => s.user(id).await)
    }
    async fn user_by_email(&self, email: &str) -> Result<Option<User>, StoreError> {
        delegate!(self, s => s.user_by_email(email).await)
    }
    async fn users(&self) -> Result<Vec<User>, StoreError> {
        delegate!(self, s => s.users().await)
    }
    async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        delegate!(self, s => s.set_password(user_id, password_hash, actor).await)
    }
    async fn set_disabled(
        &self,
        user_id: i64,
        disabled: bool,
        actor: &Actor,
    ) -> Result<User, StoreError> {
        delegate!(self, s => s.set_disabled(user_id, disabled, actor).await)
    }
    async fn set_role(
        &self,
        user_id: i64,
        role: &str,
        area_id: Option<i64>,
        actor: &Actor,
    ) -> Result<User, StoreError> {
        delegate!(self, s => s.set_role(user_id, role, area_id, actor).await)
    }
    async fn create_token(&self, token: NewToken) -> Result<(), StoreError> {
        delegate!(self, s => s.create_token(token).await)
    }
    async fn start_session(&self, token: NewToken, now: i64) -> Result<(), StoreError> {
        delegate!(self, s => s.start_session(token, now).await)
    }
    async fn user_by_token(&self, token_hash: &str, now: i64) -> Result<Option<User>, StoreError> {
        delegate!(self, s => s.user_by_token(token_hash, now).await)
    }
    async fn delete_token(&self, token_hash: &str) -> Result<(), StoreError> {
        delegate!(self, s => s.delete_token(token_hash).await)
    }
    async fn tokens(&self, user_id: Option<i64>, now: i64) -> Result<Vec<TokenInfo>, StoreError> {
        delegate!(self, s => s.tokens(user_id, now).await)
    }
    async fn revoke_token(&self, id: &str, user_id: Option<i64>) -> Result<bool, StoreError> {
        delegate!(self, s => s.revoke_token(id, user_id).await)
    }
    async fn purge_expired(&self, now: i64) -> Result<u64, StoreError> {
        delegate!(self, s => s.purge_expired(now).await)
    }
    async fn ping(&self) -> Result<(), StoreError> {
        delegate!(self, s => s.ping().await)
    }
    async fn integrity_check(&self) -> Result<Vec<String>, StoreError> {
        delegate!(self, s => s.integrity_check().await)
    }
    fn backend(&self) -> Backend {
        delegate!(self, s => s.backend())
    }
    async fn close(&self) {
        delegate!(self, s => s.close().await)
    }
}

/// How an email is stored and compared: trimmed, in lower case.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Now as RFC 3339 UTC with second precision (`2026-11-27T04:05:06Z`).
pub fn now_rfc3339() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}
