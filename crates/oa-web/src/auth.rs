//! Identity: passwords hashed with argon2id, session cookies (for the pages) and bearer API
//! tokens (stored as SHA-256 of the secret), and the [`Principal`] extractor every handler
//! uses to know who is asking.

use crate::AppState;
use crate::error::ApiError;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use oa_store::{Actor, Store, User};
use rand::RngExt;
use sha2::{Digest, Sha256};

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "oa_session";
/// How long a session lasts (seconds).
pub const SESSION_SECONDS: i64 = 12 * 3600;

/// What a caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// National admin: everything.
    Admin,
    /// Writes their own area's records; reads their area and what is published.
    AreaLead,
    /// Reads their area and what is published; comments on their area.
    BoardMember,
    /// Reads what is published.
    Viewer,
    /// Not signed in: reads what is published, like a viewer.
    Anonymous,
}

impl Role {
    /// The role stored for a user (`admin`, `area_lead`, `board_member`, `viewer`).
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "area_lead" => Some(Role::AreaLead),
            "board_member" => Some(Role::BoardMember),
            "viewer" => Some(Role::Viewer),
            _ => None,
        }
    }

    pub const NAMES: [&'static str; 4] = ["admin", "area_lead", "board_member", "viewer"];
}

/// Who is making a request.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: Option<User>,
    pub role: Role,
    /// For the audit log when there is no user (`demo`, `import`).
    pub system: Option<&'static str>,
}

impl Principal {
    pub fn anonymous() -> Principal {
        Principal {
            user: None,
            role: Role::Anonymous,
            system: None,
        }
    }

    /// The service itself acting with admin rights (demo loading, bundle import).
    pub fn system(label: &'static str) -> Principal {
        Principal {
            user: None,
            role: Role::Admin,
            system: Some(label),
        }
    }

    pub fn of(user: User) -> Principal {
        let role = Role::parse(&user.role).unwrap_or(Role::Viewer);
        Principal {
            user: Some(user),
            role,
            system: None,
        }
    }

    /// The user's own area (area leads and board members).
    pub fn area_id(&self) -> Option<i64> {
        self.user.as_ref().and_then(|u| u.area_id)
    }

    pub fn actor(&self) -> Actor {
        match (&self.user, self.system) {
            (Some(u), _) => Actor {
                user_id: Some(u.id),
                label: u.email.clone(),
            },
            (None, Some(s)) => Actor::system(s),
            (None, None) => Actor::system("anonymous"),
        }
    }

    /// 401 for anonymous callers, so writes say how to sign in.
    pub fn require_signed_in(&self) -> Result<&User, ApiError> {
        self.user.as_ref().ok_or_else(|| {
            ApiError::Unauthorized(
                "sign in first: POST /api/auth/login with {\"email\", \"password\"}, then send the cookie or `Authorization: Bearer TOKEN`".into(),
            )
        })
    }
}

/// Hashes a password with argon2id (a fresh random salt; the PHC string keeps the
/// parameters so they can be raised later).
pub fn hash_password(password: &str) -> Result<String, ApiError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("hashing a password: {e}")))
}

/// Whether `password` matches the stored PHC string.
pub fn verify_password(password: &str, stored: &str) -> bool {
    match argon2::password_hash::phc::PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A new random secret (64 hex characters) for a session or API token.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    hex::encode(bytes)
}

/// How a secret is stored: its SHA-256, so a copy of the database gives no working token.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A signed-in session: the user, the secret (to send back as a bearer token) and the
/// `Set-Cookie` header value that carries it for the pages.
pub struct Session {
    pub user: User,
    pub secret: String,
    pub expires_at: i64,
    pub set_cookie: String,
}

/// The `Set-Cookie` value that ends a session in the browser.
pub const CLEAR_COOKIE: &str = "oa_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0";

/// Checks an email and password and opens a session (for the API's login and the pages'
/// sign-in form alike). Wrong email or password: 401 with the same message for both.
pub async fn sign_in(state: &AppState, email: &str, password: &str) -> Result<Session, ApiError> {
    let user = state.store.user_by_email(email).await?;
    let stored = user
        .as_ref()
        .map(|u| u.password_hash.clone())
        .unwrap_or_default();
    let password = password.to_string();
    // argon2id is deliberately slow: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .unwrap_or(false);
    let user = match user {
        Some(u) if ok => u,
        _ => {
            return Err(ApiError::Unauthorized(
                "the email or password is wrong: check them, or ask a national admin to reset the password".into(),
            ));
        }
    };
    let secret = new_secret();
    let expires_at = now_unix() + SESSION_SECONDS;
    state
        .store
        .create_token(oa_store::NewToken {
            token_hash: secret_hash(&secret),
            user_id: user.id,
            kind: "session",
            label: None,
            expires_at: Some(expires_at),
        })
        .await?;
    let set_cookie = format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_SECONDS}"
    );
    Ok(Session {
        user,
        secret,
        expires_at,
        set_cookie,
    })
}

/// Ends the session or revokes the token whose secret is given.
pub async fn sign_out(state: &AppState, secret: &str) -> Result<(), ApiError> {
    Ok(state.store.delete_token(&secret_hash(secret)).await?)
}

/// The secret sent with a request: `Authorization: Bearer ...` first, else the cookie.
pub fn request_secret(parts: &Parts) -> Option<String> {
    if let Some(v) = parts.headers.get(header::AUTHORIZATION)
        && let Ok(v) = v.to_str()
        && let Some(token) = v.strip_prefix("Bearer ")
    {
        return Some(token.trim().to_string());
    }
    for v in parts.headers.get_all(header::COOKIE) {
        let Ok(v) = v.to_str() else { continue };
        for pair in v.split(';') {
            if let Some((k, val)) = pair.trim().split_once('=')
                && k == SESSION_COOKIE
                && !val.is_empty()
            {
                return Some(val.to_string());
            }
        }
    }
    None
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(secret) = request_secret(parts) else {
            return Ok(Principal::anonymous());
        };
        match state.store.user_by_token(&secret_hash(&secret), now_unix()).await? {
            Some(user) => Ok(Principal::of(user)),
            None => Err(ApiError::Unauthorized(
                "the session or token is invalid or has expired: sign in again with POST /api/auth/login".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_differ_by_salt() {
        let a = hash_password("correct horse").unwrap();
        let b = hash_password("correct horse").unwrap();
        assert!(a.starts_with("$argon2id$"), "{a}");
        assert_ne!(a, b);
        assert!(verify_password("correct horse", &a));
        assert!(!verify_password("wrong", &a));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn secrets_are_random_and_hashed() {
        let s = new_secret();
        assert_eq!(s.len(), 64);
        assert_ne!(s, new_secret());
        assert_eq!(secret_hash(&s).len(), 64);
        assert_ne!(secret_hash(&s), s);
    }
}
