//! Request bodies: JSON only, size-limited, with errors that say where the JSON broke.

use crate::AppState;
use crate::error::ApiError;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde_json::Value;

/// The limit for ordinary JSON bodies (bytes).
pub const BODY_LIMIT: usize = 64 * 1024;
/// The limit for a bundle import (bytes).
pub const IMPORT_LIMIT: usize = 16 * 1024 * 1024;

/// A JSON request body of at most `LIMIT` bytes.
pub struct JsonBody<const LIMIT: usize = BODY_LIMIT>(pub Value);

impl<const LIMIT: usize> FromRequest<AppState> for JsonBody<LIMIT> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _state: &AppState) -> Result<Self, ApiError> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let mime = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        if mime != "application/json" && !mime.ends_with("+json") {
            return Err(ApiError::UnsupportedMediaType(format!(
                "the body must be JSON: send `Content-Type: application/json` (got `{}`)",
                if mime.is_empty() { "nothing" } else { &mime }
            )));
        }
        if let Some(len) = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok())
            && len > LIMIT
        {
            return Err(ApiError::TooLarge(LIMIT));
        }
        let bytes = axum::body::to_bytes(req.into_body(), LIMIT)
            .await
            .map_err(|_| ApiError::TooLarge(LIMIT))?;
        serde_json::from_slice(&bytes).map(JsonBody).map_err(|e| {
            ApiError::BadRequest(format!(
                "the body is not valid JSON at line {}, column {}: {e}; send one JSON object",
                e.line(),
                e.column()
            ))
        })
    }
}
