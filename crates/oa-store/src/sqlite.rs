//! The SQLite store: one file, WAL journal, `synchronous=FULL`, foreign keys on.
//!
//! Writes go through a single connection owned by one writer task (SQLite has one writer
//! at a time; queueing them avoids `SQLITE_BUSY`), reads through a pool of four
//! read-only connections. With WAL, readers never wait for the writer. `synchronous=FULL`
//! makes the WAL reach the disk before a commit returns, so an acknowledged write
//! survives a crash of the process or the machine; `NORMAL` would survive a process crash
//! but could lose the last commits on a power cut.
//!
//! Group commit: the writer task takes whatever jobs are waiting (up to 64), runs each
//! inside its own savepoint of one `BEGIN IMMEDIATE` transaction (a refused job rolls back
//! alone) and commits once, then answers each job. Under load one fsync covers many
//! acknowledged writes; a job is answered only after the commit that contains it.
//!
//! Transaction state is managed with plain SQL on a connection the writer owns, never
//! through `sqlx::Transaction`: after a failed statement SQLite may have rolled the whole
//! transaction back on its own (a full disk does), and a wrapper that still believes it
//! is inside one would turn the next `BEGIN` into a savepoint of a transaction that is
//! never committed, acknowledging writes that vanish. So after any failure the writer
//! answers the whole batch with an error, issues `ROLLBACK`, and the next batch's
//! `BEGIN IMMEDIATE` proves the connection is back in autocommit mode (if it is not, the
//! connection is replaced).

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection, Pool};
use std::path::Path;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

type Db = sqlx::Sqlite;
type This = SqliteStore;
const FOR_UPDATE: &str = "";
const BACKEND: crate::Backend = crate::Backend::Sqlite;

/// The programme store in a SQLite file.
#[derive(Clone, Debug)]
pub struct SqliteStore {
    read: Pool<Db>,
    jobs: mpsc::Sender<Msg>,
    /// For connections of their own (backups).
    options: std::sync::Arc<SqliteConnectOptions>,
}

/// What the writer task receives.
enum Msg {
    Job(Job),
    /// Close the write connection, answer, and stop.
    Close(oneshot::Sender<()>),
}

/// The largest number of write jobs committed together.
const MAX_BATCH: usize = 64;

/// A boxed future borrowing the write connection.
pub type WriteFuture<'c, T> = Pin<Box<dyn std::future::Future<Output = T> + Send + 'c>>;

/// What a job did: whether its statements succeeded, and how to answer its caller once
/// the batch is settled (`Some(error)` when the batch failed as a whole).
struct Outcome {
    ok: bool,
    answer: Box<dyn FnOnce(Option<StoreError>) + Send>,
}

/// The statements of a job, run on the write connection inside the batch's transaction.
type RunJob = Box<dyn for<'c> FnOnce(&'c mut SqliteConnection) -> WriteFuture<'c, Outcome> + Send>;

/// One write job.
struct Job {
    run: RunJob,
    /// Answers the caller with an error without running the job.
    refuse: Box<dyn FnOnce(StoreError) + Send>,
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
        let mut write = options.connect().await?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&mut write)
            .await?;
        let read: Pool<Db> = SqlitePoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone().read_only(true))
            .await?;
        let (jobs, queue) = mpsc::channel(1024);
        tokio::spawn(writer(options.clone(), write, queue));
        Ok(SqliteStore {
            read,
            jobs,
            options: std::sync::Arc::new(options),
        })
    }

    /// Writes a consistent copy of the database to `dest` (`VACUUM INTO`, on a connection
    /// of its own: readers and the writer go on). `dest` must not exist yet.
    pub async fn backup_to(&self, dest: &Path) -> Result<(), StoreError> {
        if dest.exists() {
            return Err(StoreError::Invalid(format!(
                "{} already exists: back up to a new file",
                dest.display()
            )));
        }
        let mut conn = self.options.connect().await?;
        let done = sqlx::query("VACUUM INTO $1")
            .bind(dest.to_string_lossy().into_owned())
            .execute(&mut conn)
            .await;
        let _ = conn.close().await;
        done?;
        Ok(())
    }

    /// Runs `f` on the write connection inside a group-commit transaction; its result is
    /// returned once the transaction is committed (or the error, and nothing is stored).
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut SqliteConnection) -> WriteFuture<'c, Result<T, StoreError>>
            + Send
            + 'static,
    {
        let (reply, answer) = oneshot::channel::<Result<T, StoreError>>();
        let (reply_ok, reply_refused) = shared(reply);
        let job = Job {
            run: Box::new(move |conn| {
                Box::pin(async move {
                    let result = f(conn).await;
                    Outcome {
                        ok: result.is_ok(),
                        answer: Box::new(move |batch_error| {
                            reply_ok.send(match batch_error {
                                Some(e) => Err(e),
                                None => result,
                            })
                        }),
                    }
                })
            }),
            refuse: Box::new(move |e| reply_refused.send(Err(e))),
        };
        let stopped = || StoreError::Unavailable("the store is closed".into());
        self.jobs.send(Msg::Job(job)).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// One reply channel shared by the two ways a job is answered (only one is ever used).
fn shared<T: Send + 'static>(reply: oneshot::Sender<T>) -> (Once<T>, Once<T>) {
    let cell = std::sync::Arc::new(std::sync::Mutex::new(Some(reply)));
    (Once(cell.clone()), Once(cell))
}

struct Once<T>(std::sync::Arc<std::sync::Mutex<Option<oneshot::Sender<T>>>>);

impl<T> Once<T> {
    fn send(self, value: T) {
        if let Some(tx) = self.0.lock().ok().and_then(|mut g| g.take()) {
            let _ = tx.send(value);
        }
    }
}

fn batch_failed(e: &StoreError) -> String {
    format!("the write could not be stored ({e}); nothing was saved: try again later")
}

/// The writer task: batches waiting jobs into one transaction each.
async fn writer(
    options: SqliteConnectOptions,
    first: SqliteConnection,
    mut queue: mpsc::Receiver<Msg>,
) {
    let mut conn = Some(first);
    let mut closing = None;
    while let Some(msg) = queue.recv().await {
        let mut batch = match msg {
            Msg::Job(job) => vec![job],
            Msg::Close(done) => {
                closing = Some(done);
                break;
            }
        };
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(Msg::Job(j)) => batch.push(j),
                Ok(Msg::Close(done)) => {
                    closing = Some(done);
                    break;
                }
                Err(_) => break,
            }
        }
        if conn.is_none() {
            conn = options.connect().await.ok();
        }
        match conn.as_mut() {
            None => {
                for job in batch {
                    (job.refuse)(StoreError::Unavailable(
                        "the write connection could not be reopened".into(),
                    ));
                }
            }
            Some(c) => {
                if !commit_batch(c, batch).await {
                    // The connection could not be brought back to autocommit mode.
                    if let Some(c) = conn.take() {
                        let _ = c.close().await;
                    }
                }
            }
        }
        if closing.is_some() {
            break;
        }
    }
    queue.close();
    if let Some(c) = conn {
        let _ = c.close().await;
    }
    if let Some(done) = closing {
        let _ = done.send(());
    }
}

async fn exec(conn: &mut SqliteConnection, sql: &'static str) -> Result<(), StoreError> {
    sqlx::query(sql)
        .execute(&mut *conn)
        .await
        .map(|_| ())
        .map_err(StoreError::from)
}

/// Begins a transaction, proving the connection is in autocommit mode: a leftover
/// transaction (after a failure SQLite did not roll back) is rolled back and the `BEGIN`
/// tried once more.
async fn begin(conn: &mut SqliteConnection) -> Result<(), StoreError> {
    if exec(conn, "BEGIN IMMEDIATE").await.is_ok() {
        return Ok(());
    }
    let _ = exec(conn, "ROLLBACK").await;
    exec(conn, "BEGIN IMMEDIATE").await
}

/// Runs a batch in one transaction and answers every job. Returns false when the
/// connection may still be inside a transaction (the caller replaces it).
async fn commit_batch(conn: &mut SqliteConnection, batch: Vec<Job>) -> bool {
    if let Err(e) = begin(conn).await {
        let e = batch_failed(&e);
        for job in batch {
            (job.refuse)(StoreError::Unavailable(e.clone()));
        }
        return false;
    }
    let mut done: Vec<Outcome> = Vec::with_capacity(batch.len());
    let mut failure: Option<StoreError> = None;
    let mut unrun: Vec<Job> = Vec::new();
    let mut jobs = batch.into_iter();
    for job in jobs.by_ref() {
        if let Err(e) = exec(conn, "SAVEPOINT job").await {
            failure = Some(e);
            unrun.push(job);
            break;
        }
        let outcome = (job.run)(conn).await;
        let ok = outcome.ok;
        done.push(outcome);
        let end = if ok {
            exec(conn, "RELEASE job").await
        } else {
            match exec(conn, "ROLLBACK TO job").await {
                Ok(()) => exec(conn, "RELEASE job").await,
                Err(e) => Err(e),
            }
        };
        if let Err(e) = end {
            // The transaction is in an unknown state (SQLite may have rolled it back
            // when the statement failed): nothing of this batch is stored.
            failure = Some(e);
            break;
        }
    }
    unrun.extend(jobs);
    let failure = match failure {
        Some(e) => Some(e),
        None => exec(conn, "COMMIT").await.err(),
    };
    match failure {
        None => {
            for o in done {
                (o.answer)(None);
            }
            true
        }
        Some(e) => {
            let e = batch_failed(&e);
            for o in done {
                (o.answer)(Some(StoreError::Unavailable(e.clone())));
            }
            for job in unrun {
                (job.refuse)(StoreError::Unavailable(e.clone()));
            }
            // Out of the transaction, whatever state it is in; `begin` checks next time.
            let _ = exec(conn, "ROLLBACK").await;
            exec(conn, "SELECT 1").await.is_ok()
        }
    }
}

impl SqliteStore {
    async fn integrity(&self) -> Result<Vec<String>, StoreError> {
        use sqlx::Row;
        let rows = sqlx::query("PRAGMA integrity_check")
            .fetch_all(&self.read)
            .await?;
        rows.iter()
            .map(|r| r.try_get::<String, _>(0).map_err(Into::into))
            .collect()
    }

    async fn close_pools(&self) {
        let (done, closed) = oneshot::channel();
        if self.jobs.send(Msg::Close(done)).await.is_ok() {
            let _ = closed.await;
        }
        self.read.close().await;
    }
}

include!("sql_common.rs");
