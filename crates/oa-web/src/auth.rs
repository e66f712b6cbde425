//! Identity: passwords hashed with argon2id, session cookies (for the pages) and bearer API
//! tokens (stored as SHA-256 of the secret), and the [`Principal`] extractor every handler
//! uses to know who is asking.
//!
//! Sign-in is throttled per account and per address ([`crate::limits::SignInThrottle`]);
//! an unknown email is checked against a dummy hash so that it takes as long as a known
//! one; hashing runs on at most `concurrent_hashes` threads at once. A new sign-in ends the
//! user's earlier browser sessions. Writes of a signed-in user are rate-limited as the
//! principal is resolved ([`crate::limits::WriteLimiter`]).

use crate::AppState;
use crate::error::ApiError;
use crate::limits::{account_key, address_key, retry_seconds};
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Method, header};
use oa_store::{Actor, Store, User};
use rand::RngExt;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

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

/// The longest password accepted, in characters: hashing is costly, and a megabyte of
/// "password" should not buy a megabyte of hashing.
pub const MAX_PASSWORD_CHARS: usize = 1024;

/// A hash of a random password, verified against when an email is unknown so that the
/// answer takes as long as for a known email (no account enumeration by timing).
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password(&new_secret()).unwrap_or_default());

/// How long a request may wait for a hashing permit before it is answered 503.
const HASH_QUEUE_WAIT: Duration = Duration::from_secs(20);

/// Runs `work` (a password hash or check) on the blocking pool once a hashing permit is
/// free: at most `concurrent_hashes` at once, each holding about 19 MiB.
async fn with_hash_permit<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    let permit = tokio::time::timeout(HASH_QUEUE_WAIT, state.limits.hashing.acquire())
        .await
        .map_err(|_| ApiError::Unavailable("every password-hashing slot stayed busy".into()))?
        .map_err(|e| ApiError::Internal(e.to_string()))?;
    let out = tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::Internal(format!("password hashing: {e}")));
    drop(permit);
    out
}

/// Hashes a password within the server's hashing limit.
pub async fn hash_password_limited(state: &AppState, password: String) -> Result<String, ApiError> {
    with_hash_permit(state, move || hash_password(&password)).await?
}

/// Checks a password within the server's hashing limit (against the dummy hash when there
/// is no stored one).
async fn verify_password_limited(
    state: &AppState,
    password: String,
    stored: Option<String>,
) -> Result<bool, ApiError> {
    let stored = stored.unwrap_or_else(|| DUMMY_HASH.clone());
    let known = !stored.is_empty();
    with_hash_permit(state, move || known && verify_password(&password, &stored)).await
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
/// `Set-Cookie` header value that carries it for the pages (`Secure` behind HTTPS).
pub struct Session {
    pub user: User,
    pub secret: String,
    pub expires_at: i64,
    pub set_cookie: String,
}

/// The `Set-Cookie` value that ends a session in the browser.
pub fn clear_cookie(state: &AppState) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        if state.settings.https { "; Secure" } else { "" }
    )
}

const WRONG_CREDENTIALS: &str =
    "the email or password is wrong: check them, or ask a national admin to reset the password";

fn throttled(wait: Duration) -> ApiError {
    let seconds = retry_seconds(wait);
    ApiError::TooManyRequests {
        detail: format!(
            "too many failed sign-ins for this account or from this address: wait {seconds} seconds and try again (each further failure doubles the wait)"
        ),
        retry_after: seconds,
    }
}

/// Checks `user`'s password (for a sign-in, or to confirm a sensitive change such as
/// minting an API token), counting failures against the account and the address. An
/// unknown or disabled user is checked against the dummy hash and fails the same way.
pub async fn check_password(
    state: &AppState,
    email: &str,
    user: Option<&User>,
    password: &str,
    address: Option<IpAddr>,
) -> Result<(), ApiError> {
    let account = account_key(email);
    let address = address_key(address);
    let mut keys = vec![account.as_str()];
    keys.extend(address.as_deref());
    let throttle = &state.limits.sign_in;
    throttle.check(&keys, Instant::now()).map_err(throttled)?;
    let usable = user.filter(|u| !u.disabled);
    let ok = password.chars().count() <= MAX_PASSWORD_CHARS
        && verify_password_limited(
            state,
            password.to_string(),
            usable.map(|u| u.password_hash.clone()),
        )
        .await?
        && usable.is_some();
    if !ok {
        let mut failed = vec![(account.as_str(), state.settings.free_failures_per_account)];
        if let Some(a) = address.as_deref() {
            failed.push((a, state.settings.free_failures_per_address));
        }
        throttle.failed(&failed, &state.settings, Instant::now());
        return Err(ApiError::Unauthorized(WRONG_CREDENTIALS.into()));
    }
    throttle.succeeded(&account);
    Ok(())
}

/// Checks an email and password and opens a session (for the API's login and the pages'
/// sign-in form alike), ending the user's earlier browser sessions. Wrong email or
/// password: 401 with the same message for both; too many failures: 429.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    address: Option<IpAddr>,
) -> Result<Session, ApiError> {
    let email = oa_store::normalise_email(email);
    let user = state.store.user_by_email(&email).await?;
    check_password(state, &email, user.as_ref(), password, address).await?;
    let Some(user) = user else {
        return Err(ApiError::Unauthorized(WRONG_CREDENTIALS.into()));
    };
    let secret = new_secret();
    let now = now_unix();
    let expires_at = now + SESSION_SECONDS;
    state
        .store
        .start_session(
            oa_store::NewToken {
                token_hash: secret_hash(&secret),
                user_id: user.id,
                kind: "session",
                label: None,
                expires_at: Some(expires_at),
            },
            now,
        )
        .await?;
    let set_cookie = format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_SECONDS}{}",
        if state.settings.https { "; Secure" } else { "" }
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

/// Takes one write from the user's allowance when the request may write (any method but
/// GET, HEAD and OPTIONS): 429 with the wait when it is used up.
pub fn charge_write(state: &AppState, method: &Method, user: &User) -> Result<(), ApiError> {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(());
    }
    state
        .limits
        .writes
        .take(user.id, &state.settings, Instant::now())
        .map_err(|wait| {
            let seconds = retry_seconds(wait);
            ApiError::TooManyRequests {
                detail: format!(
                    "too many changes from this account: at most {} a second (bursts of {}); wait {seconds} seconds and send it again",
                    state.settings.writes_per_second, state.settings.write_burst
                ),
                retry_after: seconds,
            }
        })
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(secret) = request_secret(parts) else {
            return Ok(Principal::anonymous());
        };
        match state.store.user_by_token(&secret_hash(&secret), now_unix()).await? {
            Some(user) => {
                charge_write(state, &parts.method, &user)?;
                Ok(Principal::of(user))
            }
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
    fn the_dummy_hash_is_a_real_hash() {
        assert!(DUMMY_HASH.starts_with("$argon2id$"));
        assert!(!verify_password("", &DUMMY_HASH));
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
