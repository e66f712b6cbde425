//! Every error of the API as an RFC 9457 problem document (`application/problem+json`)
//! with a `detail` that says what to fix and, for validation, a field-level `errors` list.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oa_store::StoreError;
use serde::Serialize;

/// One invalid field: its JSON name and what to do about it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> FieldError {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// An error answered to the client.
#[derive(Debug)]
pub enum ApiError {
    /// 400: the request cannot be read (malformed JSON, bad query parameter).
    BadRequest(String),
    /// 401: no valid session or token.
    Unauthorized(String),
    /// 403: signed in, but the role does not allow it.
    Forbidden(String),
    /// 404.
    NotFound(String),
    /// 409: conflicts with existing records.
    Conflict(String),
    /// 413: the body is larger than the limit.
    TooLarge(usize),
    /// 415: not JSON.
    UnsupportedMediaType(String),
    /// 412: `If-Match` (or a form's version) names a version the record no longer has.
    PreconditionFailed(String),
    /// 422: well-formed but invalid; each field says what to fix.
    Invalid(Vec<FieldError>),
    /// 429: too many sign-in attempts or writes; try again after `retry_after` seconds.
    TooManyRequests { detail: String, retry_after: u64 },
    /// 500: a bug (the detail is logged, not shown).
    Internal(String),
    /// 503: the database cannot take the request now (a full disk, a lost connection) or
    /// the server is at capacity; nothing was changed. The cause is logged, not shown.
    Unavailable(String),
}

/// Seconds a client is asked to wait after a 503.
pub const UNAVAILABLE_RETRY_SECONDS: u64 = 5;

impl ApiError {
    /// A single invalid field.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// The `detail` of the problem document.
    pub fn detail(&self) -> String {
        match self {
            ApiError::BadRequest(d)
            | ApiError::Unauthorized(d)
            | ApiError::Forbidden(d)
            | ApiError::NotFound(d)
            | ApiError::Conflict(d)
            | ApiError::PreconditionFailed(d)
            | ApiError::TooManyRequests { detail: d, .. }
            | ApiError::UnsupportedMediaType(d) => d.clone(),
            ApiError::TooLarge(limit) => format!(
                "the request body is larger than {limit} bytes: send a smaller body (split a large import into parts)"
            ),
            ApiError::Invalid(errors) => {
                let parts: Vec<String> = errors
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect();
                parts.join("; ")
            }
            ApiError::Internal(_) => {
                "internal error: the server logged the cause; please report it".to_string()
            }
            ApiError::Unavailable(_) => format!(
                "the service cannot take this request now and nothing was changed: try again in {UNAVAILABLE_RETRY_SECONDS} seconds (the server logged the cause)"
            ),
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad-request",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not-found",
            ApiError::Conflict(_) => "conflict",
            ApiError::TooLarge(_) => "body-too-large",
            ApiError::UnsupportedMediaType(_) => "unsupported-media-type",
            ApiError::PreconditionFailed(_) => "precondition-failed",
            ApiError::Invalid(_) => "validation",
            ApiError::TooManyRequests { .. } => "too-many-requests",
            ApiError::Internal(_) => "internal",
            ApiError::Unavailable(_) => "unavailable",
        }
    }

    /// The seconds to send in `Retry-After` (429 and 503).
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            ApiError::TooManyRequests { retry_after, .. } => Some(*retry_after),
            ApiError::Unavailable(_) => Some(UNAVAILABLE_RETRY_SECONDS),
            _ => None,
        }
    }

    /// Logs the cause of a 500 or 503 (never shown to the client).
    pub fn log_cause(&self) {
        match self {
            ApiError::Internal(cause) => crate::log::error(&format!("internal error: {cause}")),
            ApiError::Unavailable(cause) => crate::log::error(&format!("unavailable: {cause}")),
            _ => {}
        }
    }

    /// Adds `Retry-After` (429, 503) to a response built for this error.
    pub fn decorate(&self, resp: &mut Response) {
        if let Some(seconds) = self.retry_after()
            && let Ok(v) = HeaderValue::from_str(&seconds.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }

    /// The problem document as JSON.
    pub fn problem(&self) -> serde_json::Value {
        let status = self.status();
        let mut doc = serde_json::json!({
            "type": format!("/api/problems/{}", self.slug()),
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "detail": self.detail(),
        });
        if let ApiError::Invalid(errors) = self {
            doc["errors"] = serde_json::to_value(errors).unwrap_or_default();
        }
        doc
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.log_cause();
        let mut resp = (self.status(), self.problem().to_string()).into_response();
        self.decorate(&mut resp);
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if matches!(self, ApiError::Unauthorized(_)) {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"oa\""),
            );
        }
        resp
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> ApiError {
        match e {
            StoreError::NotFound { what, id } => {
                ApiError::NotFound(format!("{what} {id} not found: check the id"))
            }
            StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::Rule { field, message } => ApiError::field(field, message),
            StoreError::Invalid(m) => ApiError::BadRequest(m),
            StoreError::Stale { what, id } => ApiError::Conflict(format!(
                "{what} {id} was changed by someone else while this change was being saved: read it again and repeat the change"
            )),
            StoreError::Unavailable(cause) => ApiError::Unavailable(cause),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_problem_lists_fields() {
        let e = ApiError::Invalid(vec![FieldError::new(
            "amount_pence",
            "must not be negative",
        )]);
        let doc = e.problem();
        assert_eq!(doc["status"], 422);
        assert_eq!(doc["errors"][0]["field"], "amount_pence");
        assert_eq!(doc["detail"], "amount_pence: must not be negative");
    }

    #[test]
    fn internal_errors_hide_the_cause() {
        let doc = ApiError::Internal("disk on fire".into()).problem();
        assert!(!doc["detail"].as_str().unwrap().contains("disk"));
        let e = ApiError::Unavailable("database or disk is full".into());
        assert!(!e.problem()["detail"].as_str().unwrap().contains("disk"));
        let resp = e.into_response();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(resp.headers()[header::RETRY_AFTER], "5");
    }
}
