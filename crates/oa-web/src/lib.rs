//! The `oa` web service: the programme's JSON API (`/api/...`, described at
//! `/api/openapi.json`) and the server-rendered pages, on one axum [`router`].
//!
//! Layers, from the outside in:
//! - [`api`]: thin handlers: parse the request, call the domain, shape JSON or CSV;
//! - [`auth`]: who is asking ([`auth::Principal`] extractor: bearer token or session
//!   cookie), argon2id password hashing;
//! - [`domain`]: validation, business rules, access control and read models;
//! - `oa_store`: the [`oa_store::Store`] trait (SQLite or PostgreSQL).
//!
//! Errors leave as RFC 9457 problem documents ([`error::ApiError`]). The area summary is
//! cached per area in memory and the whole cache is dropped after any successful write,
//! which is exact for the single-process SQLite deployment; with PostgreSQL (possibly
//! several servers) the cache is off.
//!
//! For the pages: [`pages::router`] is merged at `/`; handlers take
//! `State<AppState>` and a [`auth::Principal`], and call [`domain`] functions (the same
//! rules as the API).

pub mod api;
pub mod auth;
pub mod demo;
pub mod domain;
pub mod error;
pub mod pages;
pub mod server;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::{self, Next};
use axum::response::Response;
use oa_store::{AnyStore, Backend, Store};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// What every handler gets: the store and the read cache.
#[derive(Clone)]
pub struct AppState {
    pub store: AnyStore,
    pub cache: Arc<ReadCache>,
}

impl AppState {
    pub fn new(store: AnyStore) -> AppState {
        let enabled = store.backend() == Backend::Sqlite;
        AppState {
            store,
            cache: Arc::new(ReadCache {
                enabled,
                summaries: RwLock::new(HashMap::new()),
            }),
        }
    }
}

/// Rendered area summaries (with the area's published flag for access checks).
pub struct ReadCache {
    enabled: bool,
    summaries: RwLock<HashMap<i64, (bool, Bytes)>>,
}

impl ReadCache {
    pub fn get(&self, area: i64) -> Option<(bool, Bytes)> {
        if !self.enabled {
            return None;
        }
        self.summaries.read().ok()?.get(&area).cloned()
    }

    pub fn put(&self, area: i64, published: bool, body: Bytes) {
        if self.enabled
            && let Ok(mut m) = self.summaries.write()
        {
            m.insert(area, (published, body));
        }
    }

    /// Drops everything (after a write).
    pub fn clear(&self) {
        if let Ok(mut m) = self.summaries.write() {
            m.clear();
        }
    }
}

/// After any request that may have written (not GET/HEAD), drop cached reads. Cleared
/// before and after the handler so that a read racing with the write cannot re-fill the
/// cache with the old state after the write is acknowledged... except for a read that
/// started before and finishes after; the second clear covers that.
async fn invalidate_on_write(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if writes {
        state.cache.clear();
    }
    let resp = next.run(req).await;
    if writes {
        state.cache.clear();
    }
    resp
}

/// The whole application: API and pages.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(api::router())
        .merge(pages::router())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            invalidate_on_write,
        ))
        .with_state(state)
}
