//! What one client may cost the service: the settings of a deployment ([`Settings`]),
//! sign-in throttling per account and per address with exponential back-off
//! ([`SignInThrottle`]), a write rate per user ([`WriteLimiter`]) and a bound on
//! concurrent password hashing (each argon2id hash holds about 19 MiB).
//!
//! The counters live in process memory: with several servers on one PostgreSQL database
//! each server counts its own clients (documented in the README).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// How a deployment runs: security and capacity settings (`oa serve` flags).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The service is reached over HTTPS (TLS ends at a proxy in front of it): cookies get
    /// `Secure` and responses `Strict-Transport-Security`.
    pub https: bool,
    /// Take the client's address from the last `X-Forwarded-For` entry (set this only
    /// behind a proxy that writes that header; otherwise a client could choose its own
    /// address and escape throttling).
    pub trust_proxy: bool,
    /// Sustained writes per second per user, and the burst above it.
    pub writes_per_second: f64,
    pub write_burst: f64,
    /// Failed sign-ins per account and per address after which the next attempt waits.
    pub free_failures_per_account: u32,
    pub free_failures_per_address: u32,
    /// The first lock-out; each further failure doubles it, up to `max_lockout`.
    pub first_lockout: Duration,
    pub max_lockout: Duration,
    /// Password hashes computed at once (sign-ins queue beyond it).
    pub concurrent_hashes: usize,
    /// Headers must arrive within this (slow clients are disconnected); also the idle
    /// limit of a kept-alive connection.
    pub header_timeout: Duration,
    /// A request (body included) must be answered within this, else 503.
    pub request_timeout: Duration,
    /// Open connections in all, and from one address.
    pub max_connections: usize,
    pub max_connections_per_address: usize,
    /// API tokens: default and longest lifetime in days.
    pub token_days: i64,
    pub max_token_days: i64,
    /// KPI figures recorded by area leads wait as drafts until a national admin approves
    /// them (admins' own figures are published at once).
    pub kpi_drafts: bool,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            https: false,
            trust_proxy: false,
            writes_per_second: 10.0,
            write_burst: 100.0,
            free_failures_per_account: 5,
            free_failures_per_address: 20,
            first_lockout: Duration::from_secs(1),
            max_lockout: Duration::from_secs(15 * 60),
            concurrent_hashes: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
                .max(2),
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
            max_connections_per_address: 128,
            token_days: 90,
            max_token_days: 365,
            kpi_drafts: false,
        }
    }
}

/// Failed sign-ins of one key (an account or an address).
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
    locked_until: Option<Instant>,
}

/// Failures are forgotten this long after the last one.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);

/// Keys kept before old ones are dropped (a flood of distinct emails stays bounded).
const MAX_KEYS: usize = 100_000;

/// Sign-in throttling: after `free` failures of an account (or from an address), the next
/// attempt must wait `first_lockout · 2^(failures − free)`, at most `max_lockout`,
/// whatever the password; a success clears the account (not the address).
#[derive(Debug, Default)]
pub struct SignInThrottle {
    keys: Mutex<HashMap<String, Failures>>,
}

/// The throttling keys of one attempt.
pub fn account_key(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

pub fn address_key(address: Option<IpAddr>) -> Option<String> {
    address.map(|a| format!("address:{a}"))
}

impl SignInThrottle {
    /// `Err(wait)` while any of `keys` is locked out.
    pub fn check(&self, keys: &[&str], now: Instant) -> Result<(), Duration> {
        let map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        let wait = keys
            .iter()
            .filter_map(|k| map.get(*k))
            .filter_map(|f| f.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max();
        match wait {
            Some(w) => Err(w),
            None => Ok(()),
        }
    }

    /// Records a failure for each `(key, free failures)`.
    pub fn failed(&self, keys: &[(&str, u32)], settings: &Settings, now: Instant) {
        let mut map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_KEYS {
            map.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
            if map.len() >= MAX_KEYS {
                map.clear();
            }
        }
        for (key, free) in keys {
            let f = map.entry((*key).to_string()).or_insert(Failures {
                count: 0,
                last: now,
                locked_until: None,
            });
            if now.duration_since(f.last) >= FORGET_AFTER {
                f.count = 0;
            }
            f.count = f.count.saturating_add(1);
            f.last = now;
            if f.count >= *free {
                let doublings = (f.count - free).min(30);
                let lock = settings
                    .first_lockout
                    .saturating_mul(1u32 << doublings)
                    .min(settings.max_lockout);
                f.locked_until = Some(now + lock);
            }
        }
    }

    /// Clears a key after a successful sign-in.
    pub fn succeeded(&self, key: &str) {
        let mut map = self.keys.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(key);
    }
}

/// A token bucket per user: `writes_per_second` sustained, `write_burst` at once.
#[derive(Debug, Default)]
pub struct WriteLimiter {
    buckets: Mutex<HashMap<i64, (f64, Instant)>>,
}

impl WriteLimiter {
    /// Takes one write for `user`, or says how long to wait for one.
    pub fn take(&self, user: i64, settings: &Settings, now: Instant) -> Result<(), Duration> {
        let rate = settings.writes_per_second.max(1e-9);
        let burst = settings.write_burst.max(1.0);
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_KEYS {
            map.retain(|_, (_, last)| now.duration_since(*last) < Duration::from_secs(600));
        }
        let (tokens, last) = map.entry(user).or_insert((burst, now));
        let refilled = (*tokens + now.duration_since(*last).as_secs_f64() * rate).min(burst);
        *last = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            Err(Duration::from_secs_f64((1.0 - refilled) / rate))
        }
    }
}

/// The limits shared by every request of one server.
#[derive(Debug)]
pub struct Limits {
    pub sign_in: SignInThrottle,
    pub writes: WriteLimiter,
    /// Permits to compute a password hash.
    pub hashing: Semaphore,
}

impl Limits {
    pub fn new(settings: &Settings) -> Limits {
        Limits {
            sign_in: SignInThrottle::default(),
            writes: WriteLimiter::default(),
            hashing: Semaphore::new(settings.concurrent_hashes.max(1)),
        }
    }
}

/// Whole seconds to put in `Retry-After` (at least 1).
pub fn retry_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn back_off_doubles_after_the_free_failures_and_is_capped() {
        let s = Settings::default();
        let t = SignInThrottle::default();
        let now = Instant::now();
        for _ in 0..4 {
            t.failed(&[("k", 5)], &s, now);
            assert!(t.check(&["k"], now).is_ok());
        }
        t.failed(&[("k", 5)], &s, now);
        assert_eq!(t.check(&["k"], now), Err(Duration::from_secs(1)));
        t.failed(&[("k", 5)], &s, now);
        assert_eq!(t.check(&["k"], now), Err(Duration::from_secs(2)));
        for _ in 0..40 {
            t.failed(&[("k", 5)], &s, now);
        }
        assert_eq!(t.check(&["k"], now), Err(s.max_lockout));
        assert!(t.check(&["k"], now + s.max_lockout).is_ok());
        assert!(t.check(&["other"], now).is_ok());
        t.succeeded("k");
        assert!(t.check(&["k"], now).is_ok());
    }

    #[test]
    fn writes_refill_at_the_rate() {
        let s = Settings {
            writes_per_second: 2.0,
            write_burst: 3.0,
            ..Settings::default()
        };
        let w = WriteLimiter::default();
        let now = Instant::now();
        for _ in 0..3 {
            assert!(w.take(1, &s, now).is_ok());
        }
        let wait = w.take(1, &s, now).unwrap_err();
        assert_eq!(wait, Duration::from_millis(500));
        assert!(
            w.take(2, &s, now).is_ok(),
            "another user has their own bucket"
        );
        assert!(w.take(1, &s, now + Duration::from_millis(500)).is_ok());
        assert_eq!(retry_seconds(Duration::from_millis(500)), 1);
        assert_eq!(retry_seconds(Duration::from_secs(2)), 2);
    }
}
