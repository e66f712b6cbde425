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
//! Around them, [`router`] sets the security headers of every response (a strict
//! Content-Security-Policy, `frame-ancestors 'none'`, `nosniff`, `Referrer-Policy`,
//! `Cache-Control: no-store` unless a handler says otherwise, HSTS behind HTTPS), a
//! deadline per request and a body limit for forms; [`limits`] throttles sign-ins and
//! writes; [`server`] bounds connections and slow clients.
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
pub mod limits;
pub mod log;
pub mod pages;
pub mod server;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use limits::{Limits, Settings};
use oa_store::{AnyStore, Backend, Store};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

/// What every handler gets: the store, the read cache, the deployment's settings and
/// the shared limits.
#[derive(Clone)]
pub struct AppState {
    pub store: AnyStore,
    pub cache: Arc<ReadCache>,
    pub settings: Arc<Settings>,
    pub limits: Arc<Limits>,
}

impl AppState {
    /// A state with the default [`Settings`].
    pub fn new(store: AnyStore) -> AppState {
        AppState::with_settings(store, Settings::default())
    }

    pub fn with_settings(store: AnyStore, settings: Settings) -> AppState {
        let enabled = store.backend() == Backend::Sqlite;
        AppState {
            store,
            cache: Arc::new(ReadCache {
                enabled,
                generation: AtomicU64::new(0),
                summaries: RwLock::new(HashMap::new()),
            }),
            limits: Arc::new(Limits::new(&settings)),
            settings: Arc::new(settings),
        }
    }

    /// The client's address: the connection's peer, or behind a trusted proxy the last
    /// `X-Forwarded-For` entry (the one that proxy added). `None` when unknown (a request
    /// made in-process, as the tests do).
    pub fn client_address(
        &self,
        headers: &HeaderMap,
        extensions: &axum::http::Extensions,
    ) -> Option<IpAddr> {
        if self.settings.trust_proxy
            && let Some(ip) = headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|s| s.trim().parse::<IpAddr>().ok())
                .next_back()
        {
            return Some(ip);
        }
        extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(a)| a.ip())
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

/// The Content-Security-Policy of every response: scripts, styles and images from this
/// site only (inline SVG is markup, not a script), no plugins, no framing, forms posted
/// here only.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The body limit of forms (the JSON API has its own limits in [`api::body`]).
pub const FORM_LIMIT: usize = 64 * 1024;

/// Security headers on every response; `Cache-Control: no-store` unless the handler set
/// a cache policy (pages and API answers carry tokens or personal data).
async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let set = |h: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    set(h, header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    set(h, header::X_FRAME_OPTIONS, "DENY");
    set(h, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    // `same-origin`, not `no-referrer`: browsers send `Origin: null` on form posts under
    // `no-referrer`, and the sign-in form checks the origin.
    set(h, header::REFERRER_POLICY, "same-origin");
    set(
        h,
        header::HeaderName::from_static("cross-origin-opener-policy"),
        "same-origin",
    );
    set(h, header::CACHE_CONTROL, "no-store");
    if state.settings.https {
        set(
            h,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000; includeSubDomains",
        );
    }
    resp
}

/// The whole application: API and pages.
pub fn router(state: AppState) -> Router {
    let deadline = state.settings.request_timeout;
    Router::new()
        .merge(api::router())
        .merge(pages::router())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            invalidate_on_write,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(FORM_LIMIT))
        // A request that cannot be answered in time (a client trickling its body, a
        // stuck database) gets a 503 instead of holding its connection.
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            deadline,
        ))
        // Pages carry an inline SVG map: gzip cuts the national view about fourfold for
        // clients that ask for it.
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(middleware::from_fn_with_state(
            state.clone(),
            security_headers,
        ))
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
