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
