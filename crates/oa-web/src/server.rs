//! Starting and stopping the service: open (create, migrate) the store, optionally load
//! the demonstration programme, bind, serve until the shutdown future resolves, then let
//! requests in flight finish and close the database.
//!
//! Connections are accepted by our own loop over hyper's HTTP/1.1 server, so that a slow
//! or hostile client cannot hold the server: headers must arrive within
//! `header_timeout` (also the idle limit of a kept-alive connection), a request must be
//! answered within `request_timeout` (else 503), at most `max_connections` are open at
//! once and at most `max_connections_per_address` from one address (beyond either, a new
//! connection is closed at once, so descriptors are never exhausted). Expired sessions
//! and tokens are deleted every ten minutes.

use crate::demo::{self, DemoCredentials};
use crate::error::ApiError;
use crate::limits::Settings;
use crate::{AppState, router};
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use oa_store::{AnyStore, Store, StoreError};
use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tower::ServiceExt;

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

/// How often expired sessions and tokens are deleted.
const PURGE_EVERY: Duration = Duration::from_secs(600);

impl Server {
    /// Opens the database at `database` and binds `listen`, with the default settings.
    pub async fn bind(listen: &str, database: &str, load_demo: bool) -> Result<Server, ServeError> {
        Server::bind_with(listen, database, load_demo, Settings::default()).await
    }

    /// Opens the database at `database` and binds `listen`.
    pub async fn bind_with(
        listen: &str,
        database: &str,
        load_demo: bool,
        settings: Settings,
    ) -> Result<Server, ServeError> {
        let store = AnyStore::open(database).await?;
        let state = AppState::with_settings(store, settings);
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

    /// Imports a verified results bundle's `selection.csv` (and `allocations.csv` when
    /// present) into programme `programme`, or into a new programme named after the
    /// bundle, in one transaction.
    pub async fn import(
        &self,
        bundle: &std::path::Path,
        programme: Option<i64>,
    ) -> Result<(i64, crate::domain::import::ImportReport), ServeError> {
        use crate::domain::import::{ImportTarget, import_bundle, verify_bundle};
        let files = verify_bundle(bundle).map_err(ServeError::Import)?;
        let sys = crate::auth::Principal::system("import");
        let target = match programme {
            Some(id) => ImportTarget::Existing(id),
            None => {
                let today = time::OffsetDateTime::now_utc().date();
                let end = today.replace_year(today.year() + 5).unwrap_or(today);
                let name = bundle
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_else(|| "bundle".into());
                let record = serde_json::json!({
                    "name": format!("Programme from {name}"),
                    "description": "created by `oa serve --import`: set its dates and publish it",
                    "starts_on": today.to_string(), "ends_on": end.to_string(), "published": false,
                });
                ImportTarget::New(record.as_object().cloned().unwrap_or_default())
            }
        };
        import_bundle(
            &self.state.store,
            &sys,
            target,
            &files.selection_csv,
            files.allocations_csv.as_deref(),
        )
        .await
        .map_err(|e| ServeError::Import(e.detail()))
    }

    /// Serves until `shutdown` resolves, drains requests in flight, closes the store.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        let state = self.state.clone();
        let store = state.store.clone();
        let settings = state.settings.clone();
        let app = router(state);
        let purge = tokio::spawn(purge_expired(store.clone()));
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(settings.header_timeout)
            .max_buf_size(256 * 1024)
            .keep_alive(true);
        let graceful = GracefulShutdown::new();
        let open = Arc::new(Mutex::new(OpenConnections::default()));
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let (stream, peer) = tokio::select! {
                accepted = self.listener.accept() => match accepted {
                    Ok(c) => c,
                    Err(e) => {
                        // Out of descriptors or a reset before accept: wait, then go on.
                        crate::log::error(&format!("accepting a connection: {e}"));
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
                () = &mut shutdown => break,
            };
            let Some(slot) = Slot::take(&open, peer.ip(), &settings) else {
                // Over a limit: close at once (the client may retry).
                drop(stream);
                continue;
            };
            let _ = stream.set_nodelay(true);
            let app = app.clone();
            let service = hyper::service::service_fn(move |mut req| {
                req.extensions_mut().insert(ConnectInfo(peer));
                app.clone().oneshot(req)
            });
            let conn = http.serve_connection(TokioIo::new(stream), service);
            let conn = graceful.watch(conn);
            tokio::spawn(async move {
                let _ = conn.await;
                drop(slot);
            });
        }
        drop(self.listener);
        // Requests in flight get up to the request deadline to finish.
        let _ = tokio::time::timeout(settings.request_timeout, graceful.shutdown()).await;
        purge.abort();
        store.close().await;
        Ok(())
    }
}

/// Deletes expired sessions and tokens now and then (a failure is logged and retried).
async fn purge_expired(store: AnyStore) {
    let mut tick = tokio::time::interval(PURGE_EVERY);
    loop {
        tick.tick().await;
        if let Err(e) = store.purge_expired(crate::auth::now_unix()).await {
            crate::log::error(&format!("deleting expired sessions: {e}"));
        }
    }
}

/// Open connections: in all and per address.
#[derive(Default)]
struct OpenConnections {
    total: usize,
    by_address: HashMap<IpAddr, usize>,
}

/// One open connection's place in the counts, given back when it closes.
struct Slot {
    open: Arc<Mutex<OpenConnections>>,
    address: IpAddr,
}

impl Slot {
    fn take(open: &Arc<Mutex<OpenConnections>>, address: IpAddr, s: &Settings) -> Option<Slot> {
        let mut o = open.lock().unwrap_or_else(|e| e.into_inner());
        let mine = o.by_address.get(&address).copied().unwrap_or(0);
        // Behind a trusted proxy every connection comes from the proxy: only the total
        // is bounded (the proxy limits its clients).
        let per_address_ok = s.trust_proxy || mine < s.max_connections_per_address;
        if o.total >= s.max_connections || !per_address_ok {
            return None;
        }
        o.total += 1;
        *o.by_address.entry(address).or_default() += 1;
        Some(Slot {
            open: open.clone(),
            address,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut o = self.open.lock().unwrap_or_else(|e| e.into_inner());
        o.total = o.total.saturating_sub(1);
        if let Some(n) = o.by_address.get_mut(&self.address) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                o.by_address.remove(&self.address);
            }
        }
    }
}
