//! The SQLite store: one file, WAL journal, `synchronous=FULL`, foreign keys on.
//!
//! Writes go through a single connection (SQLite has one writer at a time; queueing them
//! in the pool avoids `SQLITE_BUSY`), reads through a pool of four. With WAL, readers
//! never wait for the writer. `synchronous=FULL` makes the WAL reach the disk before a
//! commit returns, so an acknowledged write survives a crash of the process or the
//! machine; `NORMAL` would survive a process crash but could lose the last commits on a
//! power cut.
//!
//! Group commit: write requests go to one writer task, which takes whatever requests are
//! waiting (up to 64), runs each inside its own savepoint of one transaction (a refused
//! request rolls back alone) and commits once, then answers each request. Under load one
//! fsync covers many acknowledged writes; a request is answered only after the commit
//! that contains it.

use sqlx::Pool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
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
    write: Pool<Db>,
    read: Pool<Db>,
    writes: mpsc::Sender<WriteRequest>,
}

/// The largest number of write requests committed together.
const MAX_BATCH: usize = 64;

type Reply = oneshot::Sender<Result<Vec<Record>, StoreError>>;

struct WriteRequest {
    ops: Vec<Op>,
    guards: Vec<Guard>,
    actor: Actor,
    reply: Reply,
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
        let (writes, requests) = mpsc::channel(1024);
        tokio::spawn(writer(write.clone(), requests));
        Ok(SqliteStore {
            write,
            read,
            writes,
        })
    }

    async fn write_request(
        &self,
        ops: Vec<Op>,
        guards: Vec<Guard>,
        actor: Actor,
    ) -> Result<Vec<Record>, StoreError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || StoreError::Database(sqlx::Error::PoolClosed);
        self.writes
            .send(WriteRequest {
                ops,
                guards,
                actor,
                reply,
            })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

/// The writer task: batches waiting requests into one transaction each.
async fn writer(pool: Pool<Db>, mut requests: mpsc::Receiver<WriteRequest>) {
    while let Some(first) = requests.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match requests.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        commit_batch(&pool, batch).await;
    }
}

fn batch_failed(e: &sqlx::Error) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!(
        "the write batch could not be committed: {e}"
    )))
}

async fn commit_batch(pool: &Pool<Db>, batch: Vec<WriteRequest>) {
    let mut tx = match pool.begin().await {
        Ok(tx) => tx,
        Err(e) => {
            for r in batch {
                let _ = r.reply.send(Err(batch_failed(&e)));
            }
            return;
        }
    };
    let mut answers: Vec<(Reply, Result<Vec<Record>, StoreError>)> =
        Vec::with_capacity(batch.len());
    for req in batch {
        if let Err(e) = sqlx::query("SAVEPOINT request").execute(&mut *tx).await {
            let _ = req.reply.send(Err(batch_failed(&e)));
            continue;
        }
        let result = run_request(&mut tx, req.ops, &req.guards, &req.actor).await;
        let end = if result.is_ok() {
            "RELEASE request"
        } else {
            "ROLLBACK TO request"
        };
        let mut ended = sqlx::query(end).execute(&mut *tx).await.map(|_| ());
        if result.is_err() && ended.is_ok() {
            ended = sqlx::query("RELEASE request")
                .execute(&mut *tx)
                .await
                .map(|_| ());
        }
        match ended {
            Ok(()) => answers.push((req.reply, result)),
            Err(e) => {
                // The transaction is in an unknown state: give up on the whole batch.
                let _ = req.reply.send(Err(batch_failed(&e)));
                for (reply, _) in answers {
                    let _ = reply.send(Err(batch_failed(&e)));
                }
                return;
            }
        }
    }
    match tx.commit().await {
        Ok(()) => {
            for (reply, result) in answers {
                let _ = reply.send(result);
            }
        }
        Err(e) => {
            for (reply, _) in answers {
                let _ = reply.send(Err(batch_failed(&e)));
            }
        }
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
