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
//! cached per area in memory and dropped around every write (a generation counter keeps a
//! read that races a write from caching the old state), which is exact for the
//! single-process SQLite deployment; with PostgreSQL (possibly several servers) the cache
//! is off.
//!
//! For the pages: [`pages::router`] is merged at `/`. A page handler takes
//! `State<AppState>` and a [`auth::Principal`] (or `Result<Principal, ApiError>` to show
//! an HTML error for a stale cookie), and reads and writes only through [`domain`]
//! (`get`, `list`, `create`, `update`, `delete`, `upsert_kpi_actual`, `readable_areas`,
//! `summary::area_summary`, `summary::money`), so the pages enforce exactly the API's
//! rules. Sign-in forms call [`auth::sign_in`] (it returns the `Set-Cookie` value) and
//! [`auth::sign_out`]. A [`error::ApiError`] carries the status, a `detail` and the
//! field-level errors for a form's error summary.

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
use std::sync::atomic::{AtomicU64, Ordering};
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
                generation: AtomicU64::new(0),
                summaries: RwLock::new(HashMap::new()),
            }),
        }
    }
}

/// Rendered area summaries (with the area's published flag for access checks), valid for
/// one write generation: every write bumps the generation before and after it runs, and a
/// summary is stored only if no write started or finished while it was being read, so a
/// read racing a write can never leave the old state in the cache.
pub struct ReadCache {
    enabled: bool,
    generation: AtomicU64,
    summaries: RwLock<HashMap<i64, (u64, bool, Bytes)>>,
}

impl ReadCache {
    /// The generation a read starts in (pass it to [`ReadCache::put`]).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub fn get(&self, area: i64) -> Option<(bool, Bytes)> {
        if !self.enabled {
            return None;
        }
        let current = self.generation();
        let map = self.summaries.read().ok()?;
        let (generation, published, body) = map.get(&area)?;
        (*generation == current).then(|| (*published, body.clone()))
    }

    /// Stores a summary read entirely within `generation`.
    pub fn put(&self, area: i64, generation: u64, published: bool, body: Bytes) {
        if self.enabled
            && let Ok(mut m) = self.summaries.write()
            && generation == self.generation()
        {
            m.insert(area, (generation, published, body));
        }
    }

    /// Invalidates everything (around a write).
    pub fn bump(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut m) = self.summaries.write() {
            m.clear();
        }
    }
}

/// Around any request that may write (not GET/HEAD/OPTIONS), invalidate cached reads
/// before and after the handler.
async fn invalidate_on_write(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if writes {
        state.cache.bump();
    }
    let resp = next.run(req).await;
    if writes {
        state.cache.bump();
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
        // Pages carry an inline SVG map: gzip cuts the national view about fourfold for
        // clients that ask for it.
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache() -> ReadCache {
        ReadCache {
            enabled: true,
            generation: AtomicU64::new(0),
            summaries: RwLock::new(HashMap::new()),
        }
    }

    #[test]
    fn a_read_that_races_a_write_is_not_cached() {
        let c = cache();
        let started = c.generation();
        c.bump(); // a write starts...
        c.put(1, started, true, Bytes::from_static(b"old"));
        assert!(c.get(1).is_none(), "read began before the write");
        let during = c.generation();
        c.bump(); // ...and finishes
        c.put(1, during, true, Bytes::from_static(b"maybe old"));
        assert!(c.get(1).is_none(), "read overlapped the write");
        let after = c.generation();
        c.put(1, after, true, Bytes::from_static(b"new"));
        assert_eq!(c.get(1).unwrap().1, Bytes::from_static(b"new"));
    }
}
