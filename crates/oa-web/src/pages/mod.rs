//! Server-rendered pages (owned by the dashboard work, which replaces this stub).
//!
//! Mounted at `/` by [`crate::router`]. Handlers take `State<AppState>` and a
//! [`crate::auth::Principal`] and read through [`crate::domain`].

use crate::AppState;
use axum::Router;
use axum::response::Html;
use axum::routing::get;

/// The page routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/", get(home))
}

async fn home() -> Html<&'static str> {
    Html(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>oa</title></head>\
         <body><h1>oa programme service</h1><p>The API is at <a href=\"/api/openapi.json\">/api/openapi.json</a>.</p></body></html>",
    )
}
