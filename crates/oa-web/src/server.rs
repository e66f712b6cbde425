//! Starting and stopping the service: open (create, migrate) the store, optionally load
//! the demonstration programme, bind, serve until the shutdown future resolves, then let
//! requests in flight finish and close the database.

use crate::demo::{self, DemoCredentials};
use crate::error::ApiError;
use crate::{AppState, router};
use oa_store::{AnyStore, Store, StoreError};
use std::future::Future;
use std::net::SocketAddr;

/// What can stop the service from starting.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("opening the database: {0}")]
    Store(#[from] StoreError),
    #[error(
        "cannot listen on {addr}: {source} (is another server using the port? choose another with --listen)"
    )]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("loading the demonstration programme: {0}")]
    Demo(String),
    #[error("importing the bundle: {0}")]
    Import(String),
    #[error("serving: {0}")]
    Io(#[from] std::io::Error),
}

/// A bound, ready server.
pub struct Server {
    pub state: AppState,
    pub listener: tokio::net::TcpListener,
    pub local_addr: SocketAddr,
    /// Set when the demonstration programme was loaded.
    pub demo: Option<DemoCredentials>,
}

impl Server {
    /// Opens the database at `database` and binds `listen`.
    pub async fn bind(listen: &str, database: &str, load_demo: bool) -> Result<Server, ServeError> {
        let store = AnyStore::open(database).await?;
        let state = AppState::new(store);
        let demo = if load_demo {
            Some(
                demo::load(&state)
                    .await
                    .map_err(|e: ApiError| ServeError::Demo(e.detail()))?,
            )
        } else {
            None
        };
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|source| ServeError::Bind {
                addr: listen.to_string(),
                source,
            })?;
        let local_addr = listener.local_addr()?;
        Ok(Server {
            state,
            listener,
            local_addr,
            demo,
        })
    }

    /// Imports a results bundle's `selection.csv` (and `allocations.csv` when present)
    /// into programme `programme`, or into a new programme named after the bundle.
    pub async fn import(
        &self,
        bundle: &std::path::Path,
        programme: Option<i64>,
    ) -> Result<(i64, crate::domain::import::ImportReport), ServeError> {
        use oa_store::Kind;
        let read = |name: &str| -> Result<Option<String>, ServeError> {
            let path = bundle.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok(Some(text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(ServeError::Import(format!("{}: {e}", path.display()))),
            }
        };
        let selection = read("selection.csv")?.ok_or_else(|| {
            ServeError::Import(format!(
                "{} has no selection.csv: give a results bundle of a study with a [selection] section (oa run), or run `oa select` on it",
                bundle.display()
            ))
        })?;
        let allocations = read("allocations.csv")?;
        let sys = crate::auth::Principal::system("import");
        let store = &self.state.store;
        let fail = |e: ApiError| ServeError::Import(e.detail());
        let programme_id = match programme {
            Some(id) => {
                if store.get(Kind::Programme, id).await?.is_none() {
                    return Err(ServeError::Import(format!(
                        "there is no programme {id}: leave out --programme to create one"
                    )));
                }
                id
            }
            None => {
                let today = time::OffsetDateTime::now_utc().date();
                let end = today.replace_year(today.year() + 5).unwrap_or(today);
                let name = bundle
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_else(|| "bundle".into());
                let created = crate::domain::create(
                    store,
                    &sys,
                    Kind::Programme,
                    serde_json::json!({
                        "name": format!("Programme from {name}"),
                        "description": "created by `oa serve --import`: set its dates and publish it",
                        "starts_on": today.to_string(), "ends_on": end.to_string(),
                    }),
                )
                .await
                .map_err(fail)?;
                created["id"].as_i64().unwrap_or(0)
            }
        };
        let report = crate::domain::import::import_bundle(
            store,
            &sys,
            programme_id,
            &selection,
            allocations.as_deref(),
        )
        .await
        .map_err(fail)?;
        Ok((programme_id, report))
    }

    /// Serves until `shutdown` resolves, drains requests in flight, closes the store.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let store = self.state.store.clone();
        axum::serve(self.listener, router(self.state))
            .with_graceful_shutdown(shutdown)
            .await?;
        store.close().await;
        Ok(())
    }
}
