//! Shared by the hardening and authorisation tests: an app on a fresh SQLite file, a
//! request helper (bearer token, session cookie, client address, extra headers), users
//! with tokens, and a fixture of two programmes.

#![allow(dead_code)]

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt;
use oa_store::{AnyStore, Kind, NewUser, Store};
use oa_web::auth::{self, Principal};
use oa_web::domain;
use oa_web::limits::Settings;
use oa_web::{AppState, router};
use serde_json::{Value, json};
use std::net::SocketAddr;
use tower::ServiceExt;

pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    /// Asserts the status (showing the body when it differs) and passes the answer on.
    pub fn expect_status(self, status: StatusCode) -> Resp {
        assert_eq!(self.status, status, "{}", self.text);
        self
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

/// Who sends a request.
#[derive(Clone, Copy)]
pub enum Who<'a> {
    Anonymous,
    Token(&'a str),
    Cookie(&'a str),
}

pub struct App {
    pub state: AppState,
    _dir: tempfile::TempDir,
}

/// Settings whose write rate no test of access rules will reach.
pub fn unthrottled() -> Settings {
    Settings {
        writes_per_second: 1e9,
        write_burst: 1e9,
        ..Settings::default()
    }
}

impl App {
    pub async fn new(settings: Settings) -> App {
        let dir = tempfile::tempdir().unwrap();
        let store = AnyStore::open(dir.path().join("oa.db").to_str().unwrap())
            .await
            .unwrap();
        App {
            state: AppState::with_settings(store, settings),
            _dir: dir,
        }
    }

    /// Sends a request; `from` sets the client's address as the server's accept loop does.
    pub async fn request(
        &self,
        method: &str,
        uri: &str,
        who: Who<'_>,
        body: Option<(String, &str)>,
        extra: &[(&str, &str)],
        from: Option<&str>,
    ) -> Resp {
        let mut req = Request::builder().method(method).uri(uri);
        match who {
            Who::Anonymous => {}
            Who::Token(t) => req = req.header(header::AUTHORIZATION, format!("Bearer {t}")),
            Who::Cookie(c) => req = req.header(header::COOKIE, format!("oa_session={c}")),
        }
        let body = body.map(|(text, content_type)| {
            req = std::mem::take(&mut req).header(header::CONTENT_TYPE, content_type);
            text
        });
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        let mut req = req.body(Body::from(body.unwrap_or_default())).unwrap();
        if let Some(ip) = from {
            let addr: SocketAddr = format!("{ip}:40000").parse().unwrap();
            req.extensions_mut().insert(ConnectInfo(addr));
        }
        let resp = router(self.state.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    pub async fn get(&self, uri: &str, who: Who<'_>) -> Resp {
        self.request("GET", uri, who, None, &[], None).await
    }

    pub async fn send(&self, method: &str, uri: &str, who: Who<'_>, body: Value) -> Resp {
        self.request(
            method,
            uri,
            who,
            Some((body.to_string(), "application/json")),
            &[],
            None,
        )
        .await
    }

    pub async fn send_with(
        &self,
        method: &str,
        uri: &str,
        who: Who<'_>,
        body: Option<Value>,
        extra: &[(&str, &str)],
    ) -> Resp {
        self.request(
            method,
            uri,
            who,
            body.map(|b| (b.to_string(), "application/json")),
            extra,
            None,
        )
        .await
    }

    /// A form post with the session's CSRF token added.
    pub async fn form(&self, uri: &str, session: &str, pairs: &[(&str, &str)]) -> Resp {
        let csrf = oa_web::pages::csrf_token(session);
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(pairs);
        let body = all
            .iter()
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        self.request(
            "POST",
            uri,
            Who::Cookie(session),
            Some((body, "application/x-www-form-urlencoded")),
            &[],
            None,
        )
        .await
    }

    /// A user with the password `a long enough password` and an API token (returned).
    pub async fn user(&self, email: &str, name: &str, role: &str, area: Option<i64>) -> String {
        let user = self
            .state
            .store
            .create_user(
                NewUser {
                    email: email.into(),
                    name: name.into(),
                    role: role.into(),
                    area_id: area,
                    password_hash: auth::hash_password(PASSWORD).unwrap(),
                },
                &oa_store::Actor::system("test"),
            )
            .await
            .unwrap();
        let secret = auth::new_secret();
        self.state
            .store
            .create_token(oa_store::NewToken {
                token_hash: auth::secret_hash(&secret),
                user_id: user.id,
                kind: "api",
                label: None,
                expires_at: Some(auth::now_unix() + 3600),
            })
            .await
            .unwrap();
        secret
    }

    /// Signs in through the API; returns the session secret.
    pub async fn sign_in(&self, email: &str) -> String {
        let r = self
            .send(
                "POST",
                "/api/auth/login",
                Who::Anonymous,
                json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.json()["token"].as_str().unwrap().to_string()
    }

    /// Creates a record as the system (no access rules): its id.
    pub async fn make(&self, kind: Kind, v: Value) -> i64 {
        let rec = domain::create(&self.state.store, &Principal::system("test"), kind, v)
            .await
            .unwrap_or_else(|e| panic!("{kind:?}: {}", e.detail()));
        rec["id"].as_i64().unwrap()
    }

    pub async fn exists(&self, kind: Kind, id: i64) -> bool {
        self.state.store.get(kind, id).await.unwrap().is_some()
    }

    pub async fn record(&self, kind: Kind, id: i64) -> Value {
        Value::Object(self.state.store.get(kind, id).await.unwrap().unwrap())
    }
}

pub const PASSWORD: &str = "a long enough password";

pub fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Programme 1 (published) with area A1 (published) and A2 (unpublished); programme 2
/// (unpublished) with area B1 (published) and a fund. A1 has a plan with a percentage KPI
/// and a count KPI, a fund's allocation, a grant and a research school; A2 a local
/// partner.
pub struct Fixture {
    pub p1: i64,
    pub p2: i64,
    pub a1: i64,
    pub a2: i64,
    pub b1: i64,
    pub board1: i64,
    pub national_partner: i64,
    pub local_partner_a2: i64,
    pub plan1: i64,
    pub priority1: i64,
    pub kpi_percent: i64,
    pub kpi_count: i64,
    pub school1: i64,
    pub fund1: i64,
    pub hidden_fund: i64,
    pub alloc1: i64,
    pub grant1: i64,
}

pub async fn fixture(app: &App) -> Fixture {
    let p1 = app
        .make(
            Kind::Programme,
            json!({"name": "P1", "starts_on": "2016-10-04", "ends_on": "2022-08-31", "published": true}),
        )
        .await;
    let p2 = app
        .make(
            Kind::Programme,
            json!({"name": "Secret programme", "starts_on": "2016-10-04", "ends_on": "2022-08-31"}),
        )
        .await;
    let area = |p: i64, code: &str, published: bool| json!({"programme_id": p, "code": code, "name": code, "districts": [{"code": "E06000009", "name": "D"}], "wave": 1, "published": published});
    let a1 = app.make(Kind::Area, area(p1, "A1", true)).await;
    let a2 = app.make(Kind::Area, area(p1, "A2", false)).await;
    let b1 = app.make(Kind::Area, area(p2, "B1", true)).await;
    let board1 = app
        .make(Kind::Board, json!({"area_id": a1, "name": "Board A1"}))
        .await;
    let national_partner = app
        .make(
            Kind::Partner,
            json!({"programme_id": p1, "name": "CBI", "scope": "national"}),
        )
        .await;
    let local_partner_a2 = app
        .make(
            Kind::Partner,
            json!({"programme_id": p1, "name": "A2 college", "scope": "local", "area_id": a2}),
        )
        .await;
    let plan1 = app
        .make(
            Kind::Plan,
            json!({"area_id": a1, "title": "Plan 1", "first_period": "2016/17", "last_period": "2021/22"}),
        )
        .await;
    let priority1 = app
        .make(
            Kind::Priority,
            json!({"plan_id": plan1, "theme": "early_years", "title": "Early years"}),
        )
        .await;
    let kpi_percent = app
        .make(
            Kind::Kpi,
            json!({"plan_id": plan1, "name": "KS2 RWM", "unit": "%", "period_kind": "academic", "direction": "higher_is_better", "baseline_period": "2016/17", "baseline_value": 48.0}),
        )
        .await;
    let kpi_count = app
        .make(
            Kind::Kpi,
            json!({"plan_id": plan1, "name": "Employer encounters", "unit": "encounters", "period_kind": "academic", "direction": "higher_is_better"}),
        )
        .await;
    let school1 = app
        .make(
            Kind::ResearchSchool,
            json!({"area_id": a1, "name": "Research school A1"}),
        )
        .await;
    let fund1 = app
        .make(
            Kind::Fund,
            json!({"programme_id": p1, "name": "Core", "total_pence": 100_000_000}),
        )
        .await;
    let hidden_fund = app
        .make(
            Kind::Fund,
            json!({"programme_id": p2, "name": "Secret fund", "total_pence": 5_000_000}),
        )
        .await;
    let alloc1 = app
        .make(
            Kind::Allocation,
            json!({"fund_id": fund1, "area_id": a1, "period": "2017-18", "amount_pence": 50_000_000}),
        )
        .await;
    let grant1 = app
        .make(
            Kind::Grant,
            json!({"allocation_id": alloc1, "recipient": "Council", "purpose": "Literacy", "amount_pence": 10_000_000, "awarded_on": "2017-11-01"}),
        )
        .await;
    Fixture {
        p1,
        p2,
        a1,
        a2,
        b1,
        board1,
        national_partner,
        local_partner_a2,
        plan1,
        priority1,
        kpi_percent,
        kpi_count,
        school1,
        fund1,
        hidden_fund,
        alloc1,
        grant1,
    }
}
