//! The API story through the router (no network): roles, validation, money rules,
//! pagination, CSV, audit and sign-in. It runs against SQLite always and against
//! PostgreSQL through `OA_TEST_DATABASE_URL` (set by scripts/test; missing = failure).
#[path = "common/bundle_files.rs"]
mod bundle_files;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use oa_store::Kind;
use oa_store::postgres::PgStore;
use oa_store::{AnyStore, NewUser, Store};
use oa_web::auth::{self, Principal};
use oa_web::domain;
use oa_web::{AppState, router};
use serde_json::{Value, json};
use tower::ServiceExt;

struct Resp {
    status: StatusCode,
    content_type: String,
    headers: axum::http::HeaderMap,
    text: String,
}

impl Resp {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
}

struct App {
    state: AppState,
}

impl App {
    async fn call(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        body: Option<&str>,
        content_type: &str,
    ) -> Resp {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if body.is_some() {
            req = req.header(header::CONTENT_TYPE, content_type);
        }
        let req = req
            .body(Body::from(body.unwrap_or("").to_string()))
            .unwrap();
        let resp = router(self.state.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            content_type,
            headers,
            text: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    async fn get(&self, uri: &str, token: Option<&str>) -> Resp {
        self.call("GET", uri, token, None, "").await
    }

    async fn send(&self, method: &str, uri: &str, token: Option<&str>, body: Value) -> Resp {
        self.call(
            method,
            uri,
            token,
            Some(&body.to_string()),
            "application/json",
        )
        .await
    }

    async fn user(&self, email: &str, role: &str, area: Option<i64>) -> String {
        let user = self
            .state
            .store
            .create_user(
                NewUser {
                    email: email.into(),
                    name: email.into(),
                    role: role.into(),
                    area_id: area,
                    password_hash: auth::hash_password("a long enough password").unwrap(),
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
                expires_at: None,
            })
            .await
            .unwrap();
        secret
    }
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// Two areas of one programme (the second unpublished), a third area in another
/// programme, a plan with a KPI, and money for area 1.
struct Fixture {
    p1: i64,
    a1: i64,
    a2: i64,
    board_other_programme: i64,
    partner1: i64,
    kpi1: i64,
    plan2: i64,
    alloc1: i64,
    grant1: i64,
}

async fn fixture(state: &AppState) -> Fixture {
    let s = &state.store;
    let sys = Principal::system("test");
    let c = |kind, v: Value| {
        let sys = sys.clone();
        async move {
            domain::create(s, &sys, kind, v)
                .await
                .unwrap_or_else(|e| panic!("{kind:?}: {}", e.detail()))
        }
    };
    let p1 = id(&Value::Object(c(Kind::Programme, json!({"name": "P1", "starts_on": "2016-10-04", "ends_on": "2022-08-31", "published": true})).await));
    let p2 = id(&Value::Object(
        c(
            Kind::Programme,
            json!({"name": "P2", "starts_on": "2016-10-04", "ends_on": "2022-08-31"}),
        )
        .await,
    ));
    let area = |p: i64, code: &str, published: bool| json!({"programme_id": p, "code": code, "name": code, "districts": [{"code": "E1", "name": "D"}], "wave": 1, "published": published});
    let a1 = id(&Value::Object(c(Kind::Area, area(p1, "A1", true)).await));
    let a2 = id(&Value::Object(c(Kind::Area, area(p1, "A2", false)).await));
    let a3 = id(&Value::Object(c(Kind::Area, area(p2, "B1", true)).await));
    let board_other_programme = id(&Value::Object(
        c(Kind::Board, json!({"area_id": a3, "name": "Board B1"})).await,
    ));
    let partner1 = id(&Value::Object(c(Kind::Partner, json!({"programme_id": p1, "name": "Careers and Enterprise Company", "scope": "national"})).await));
    let plan1 = id(&Value::Object(c(Kind::Plan, json!({"area_id": a1, "title": "Plan 1", "first_period": "2017/18", "last_period": "2020/21"})).await));
    let plan2 = id(&Value::Object(c(Kind::Plan, json!({"area_id": a2, "title": "Plan 2", "first_period": "2017/18", "last_period": "2020/21"})).await));
    let kpi1 = id(&Value::Object(c(Kind::Kpi, json!({"plan_id": plan1, "name": "KS2 RWM", "unit": "%", "period_kind": "academic", "direction": "higher_is_better", "baseline_period": "2015/16", "baseline_value": 48.0, "target_period": "2020/21", "target_value": 65.0})).await));
    let fund = id(&Value::Object(
        c(
            Kind::Fund,
            json!({"programme_id": p1, "name": "Core", "total_pence": 1_000_000}),
        )
        .await,
    ));
    let alloc1 = id(&Value::Object(
        c(
            Kind::Allocation,
            json!({"fund_id": fund, "area_id": a1, "period": "2017-18", "amount_pence": 600_000}),
        )
        .await,
    ));
    let grant1 = id(&Value::Object(c(Kind::Grant, json!({"allocation_id": alloc1, "recipient": "Council", "purpose": "Literacy", "amount_pence": 500_000, "awarded_on": "2017-11-01"})).await));
    Fixture {
        p1,
        a1,
        a2,
        board_other_programme,
        partner1,
        kpi1,
        plan2,
        alloc1,
        grant1,
    }
}

async fn story(store: AnyStore) {
    let app = App {
        state: AppState::new(store),
    };
    let f = fixture(&app.state).await;
    let admin = app.user("admin@example.org", "admin", None).await;
    let lead1 = app.user("lead1@example.org", "area_lead", Some(f.a1)).await;
    let lead2 = app.user("lead2@example.org", "area_lead", Some(f.a2)).await;
    let member1 = app
        .user("member1@example.org", "board_member", Some(f.a1))
        .await;
    let viewer = app.user("viewer@example.org", "viewer", None).await;

    // --- Roles ---
    // An area lead writes their own area...
    let r = app
        .send(
            "PUT",
            &format!("/api/kpis/{}/actuals", f.kpi1),
            Some(&lead1),
            json!({"period": "2018/19", "actual": 55.5, "national": 64.0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let value_id = id(&r.json());
    let r = app
        .send(
            "PUT",
            &format!("/api/kpis/{}/actuals", f.kpi1),
            Some(&lead1),
            json!({"period": "2018/19", "actual": 56.0}),
        )
        .await;
    // A correction of a recorded figure needs its reason (the history keeps it).
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text
            .contains("already 55.5: give a reason for changing it to 56"),
        "{}",
        r.text
    );
    let r = app
        .send(
            "PUT",
            &format!("/api/kpis/{}/actuals", f.kpi1),
            Some(&lead1),
            json!({"period": "2018/19", "actual": 56.0, "reason": "the 55.5 was a provisional figure"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["reason"], "the 55.5 was a provisional figure");
    assert_eq!(
        id(&r.json()),
        value_id,
        "a correction updates the same value"
    );
    assert_eq!(r.json()["actual"], 56.0);
    // ...and gets 403 on another area's records, reading or writing.
    let r = app
        .send(
            "PUT",
            &format!("/api/kpis/{}/actuals", f.kpi1),
            Some(&lead2),
            json!({"period": "2019/20", "actual": 1.0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(r.content_type, "application/problem+json");
    assert!(
        r.json()["detail"].as_str().unwrap().contains("own area"),
        "{}",
        r.text
    );
    let r = app
        .send(
            "PATCH",
            &format!("/api/plans/{}", f.plan2),
            Some(&lead1),
            json!({"title": "Taken over"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .get(&format!("/api/plans/{}", f.plan2), Some(&lead1))
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "area 2 is unpublished: {}",
        r.text
    );
    let r = app.send("POST", "/api/grants", Some(&lead2), json!({"allocation_id": f.alloc1, "recipient": "X", "purpose": "Y", "amount_pence": 1, "awarded_on": "2018-01-01"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // Area leads do not manage funds.
    let r = app
        .send(
            "POST",
            "/api/funds",
            Some(&lead1),
            json!({"programme_id": f.p1, "name": "Mine", "total_pence": 5}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // A viewer reads what is published and cannot write.
    let r = app
        .get(&format!("/api/kpis/{}", f.kpi1), Some(&viewer))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = app
        .send(
            "PUT",
            &format!("/api/kpis/{}/actuals", f.kpi1),
            Some(&viewer),
            json!({"period": "2019/20", "actual": 1.0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app
        .send(
            "POST",
            "/api/comments",
            Some(&viewer),
            json!({"area_id": f.a1, "body": "hello"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    let r = app.get("/api/plans", Some(&viewer)).await;
    assert_eq!(
        r.json()["total"],
        1,
        "only the published area's plan: {}",
        r.text
    );
    let r = app
        .get(&format!("/api/plans/{}", f.plan2), Some(&viewer))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Not signed in: reads published, writes get 401 with how to sign in.
    let r = app
        .send(
            "POST",
            "/api/comments",
            None,
            json!({"area_id": f.a1, "body": "hello"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.text);
    assert!(
        r.json()["detail"]
            .as_str()
            .unwrap()
            .contains("/api/auth/login")
    );
    let r = app.get(&format!("/api/plans/{}", f.plan2), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // A board member comments on their area only.
    let r = app
        .send(
            "POST",
            "/api/comments",
            Some(&member1),
            json!({"area_id": f.a1, "body": "Good progress"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(r.json()["author_id"].as_i64().unwrap() > 0);
    let r = app
        .send(
            "POST",
            "/api/comments",
            Some(&member1),
            json!({"area_id": f.a2, "body": "Elsewhere"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // The comment length rule the pages share: a problem document naming `body`.
    let r = app
        .send(
            "POST",
            "/api/comments",
            Some(&member1),
            json!({"area_id": f.a1, "body": "x".repeat(2001)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text.contains("body") && r.text.contains("2000 characters or fewer"),
        "{}",
        r.text
    );
    let r = app
        .send(
            "PUT",
            &format!("/api/kpis/{}/actuals", f.kpi1),
            Some(&member1),
            json!({"period": "2019/20", "actual": 1.0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // A bad token is a 401, not anonymous access.
    let r = app.get("/api/plans", Some("not-a-token")).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // --- Bad input: 4xx with what to fix, never a 500 ---
    let r = app
        .call(
            "POST",
            "/api/spend-returns",
            Some(&lead1),
            Some("{\"grant_id\": 1,"),
            "application/json",
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert!(
        r.json()["detail"]
            .as_str()
            .unwrap()
            .contains("not valid JSON at line 1"),
        "{}",
        r.text
    );
    let r = app
        .call(
            "POST",
            "/api/spend-returns",
            Some(&lead1),
            Some("grant_id=1"),
            "application/x-www-form-urlencoded",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{}", r.text);
    let big = format!("{{\"note\": \"{}\"}}", "x".repeat(100_000));
    let r = app
        .call(
            "POST",
            "/api/spend-returns",
            Some(&lead1),
            Some(&big),
            "application/json",
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.text);
    let r = app
        .send("POST", "/api/spend-returns", Some(&lead1), json!([1, 2]))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let r = app
        .send(
            "POST",
            "/api/spend-returns",
            Some(&lead1),
            json!({"grant_id": f.grant1, "month": "2018-13", "amount_pence": -1, "colour": "red"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let errors = r.json()["errors"].as_array().unwrap().clone();
    let fields: Vec<&str> = errors
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"amount_pence") && fields.contains(&"month") && fields.contains(&"colour"),
        "{fields:?}"
    );
    // Spend above a grant.
    let r = app
        .send(
            "POST",
            "/api/spend-returns",
            Some(&lead1),
            json!({"grant_id": f.grant1, "month": "2018-01", "amount_pence": 400_000}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = app
        .send(
            "POST",
            "/api/spend-returns",
            Some(&lead1),
            json!({"grant_id": f.grant1, "month": "2018-02", "amount_pence": 100_001}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.json()["errors"][0]["field"], "amount_pence");
    assert!(
        r.json()["detail"].as_str().unwrap().contains("£0.01 over"),
        "{}",
        r.text
    );
    // Grants above an allocation (admin, so it is the rule that refuses, not the role).
    let r = app.send("POST", "/api/grants", Some(&admin), json!({"allocation_id": f.alloc1, "recipient": "X", "purpose": "Y", "amount_pence": 100_001, "awarded_on": "2018-01-01"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    // A KPI period outside the plan, or of the wrong kind.
    let r = app
        .send(
            "PUT",
            &format!("/api/kpis/{}/actuals", f.kpi1),
            Some(&lead1),
            json!({"period": "2024/25", "actual": 1.0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.json()["detail"]
            .as_str()
            .unwrap()
            .contains("outside plan"),
        "{}",
        r.text
    );
    let r = app
        .send(
            "PUT",
            &format!("/api/kpis/{}/actuals", f.kpi1),
            Some(&lead1),
            json!({"period": "2018-19", "actual": 1.0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    // A member on a board of another programme.
    let r = app.send("POST", "/api/members", Some(&admin), json!({"board_id": f.board_other_programme, "name": "CEC adviser", "role": "national_partner", "partner_id": f.partner1, "term_start": "2017-10-01"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.json()["detail"]
            .as_str()
            .unwrap()
            .contains("board of their own programme"),
        "{}",
        r.text
    );
    let r = app.send("POST", "/api/members", Some(&admin), json!({"board_id": f.board_other_programme, "programme_id": f.p1, "name": "Someone", "role": "chair", "term_start": "2017-10-01"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    // Unknown collection, bad id, bad filter, bad page.
    assert_eq!(
        app.get("/api/widgets", None).await.status,
        StatusCode::NOT_FOUND
    );

    let r = app.call("PUT", "/api/grants", Some(&admin), None, "").await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.content_type, "application/problem+json");
    let r = app
        .send(
            "PUT",
            "/api/kpis/abc/actuals",
            Some(&admin),
            json!({"period": "2018/19"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.content_type, "application/problem+json");
    assert_eq!(
        app.get("/api/grants/abc", Some(&admin)).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/api/grants?colour=red", Some(&admin)).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/api/grants?page=0", Some(&admin)).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/api/grants/999999", Some(&admin)).await.status,
        StatusCode::NOT_FOUND
    );
    // Deleting a grant with spend: 409 saying what to do.
    let r = app
        .call(
            "DELETE",
            &format!("/api/grants/{}", f.grant1),
            Some(&admin),
            None,
            "",
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);

    // --- Plans keep versions ---
    let r = app
        .send(
            "PATCH",
            &format!("/api/plans/{}", f.plan2),
            Some(&lead2),
            json!({"title": "Plan 2, revised"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["version"], 2);
    let r = app
        .get(
            &format!("/api/plan-versions?plan_id={}", f.plan2),
            Some(&lead2),
        )
        .await;
    assert_eq!(r.json()["total"], 2, "{}", r.text);
    assert_eq!(r.json()["items"][1]["snapshot"]["title"], "Plan 2, revised");
    let r = app
        .call(
            "DELETE",
            &format!("/api/plans/{}", f.plan2),
            Some(&lead2),
            None,
            "",
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(
        r.json()["detail"]
            .as_str()
            .unwrap()
            .contains("version history")
    );

    // --- Pagination and CSV ---
    for i in 0..7 {
        let r = app
            .send(
                "POST",
                "/api/boards",
                Some(&lead1),
                json!({"area_id": f.a1, "name": format!("Board {i}")}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }
    let r = app
        .get(
            &format!("/api/boards?area_id={}&page=2&per_page=3", f.a1),
            Some(&lead1),
        )
        .await;
    let page = r.json();
    assert_eq!(page["total"], 7, "{page}");
    assert_eq!(page["pages"], 3);
    assert_eq!(page["items"][0]["name"], "Board 3");
    assert_eq!(r.headers["x-total-count"], "7");
    let r = app
        .get(
            &format!("/api/boards?format=csv&area_id={}", f.a1),
            Some(&lead1),
        )
        .await;
    assert!(r.content_type.starts_with("text/csv"), "{}", r.content_type);
    let lines: Vec<&str> = r.text.lines().collect();
    assert_eq!(lines[0], "id,programme_id,area_id,name,established_on");
    assert_eq!(lines.len(), 8, "header and every row: {}", r.text);
    let r = app.call("GET", "/api/money", Some(&admin), None, "").await;
    let money = r.json();
    assert_eq!(money["items"][0]["allocated_pence"], 600_000);
    assert_eq!(money["items"][0]["committed_pence"], 500_000);
    assert_eq!(money["items"][0]["spent_pence"], 400_000);
    let mut req_csv = app.get("/api/money?format=csv", Some(&admin)).await;
    assert!(
        req_csv.text.starts_with("allocation_id,fund_id,fund,"),
        "{}",
        req_csv.text
    );
    req_csv = app.get("/api/audit?format=csv", Some(&admin)).await;
    assert!(
        req_csv.text.starts_with("id,at,user_id,actor,action"),
        "{}",
        req_csv.text
    );

    // --- Audit: who, when, before, after ---
    let r = app
        .get(
            &format!("/api/audit?entity=kpi_values&entity_id={value_id}"),
            Some(&admin),
        )
        .await;
    let audit = r.json();
    assert_eq!(audit["total"], 2, "{audit}");
    let update = &audit["items"][0];
    assert_eq!(update["actor"], "lead1@example.org");
    assert_eq!(update["action"], "update");
    assert_eq!(update["before"]["actual"], 55.5);
    assert_eq!(update["after"]["actual"], 56.0);
    assert!(update["at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        app.get("/api/audit", Some(&viewer)).await.status,
        StatusCode::FORBIDDEN
    );

    // --- Area summary: the area page in one read, fresh after a write ---
    let r = app
        .get(&format!("/api/areas/{}/summary", f.a1), Some(&viewer))
        .await;
    let s1 = r.json();
    assert_eq!(s1["kpis"][0]["values"][0]["actual"], 56.0, "{s1}");
    assert_eq!(s1["money"]["spent_pence"], 400_000);
    app.send(
        "PUT",
        &format!("/api/kpis/{}/actuals", f.kpi1),
        Some(&lead1),
        json!({"period": "2018/19", "actual": 57.0, "reason": "revised by the department"}),
    )
    .await;
    let s2 = app.get("/api/areas/A1/summary", Some(&viewer)).await.json();
    assert_eq!(
        s2["kpis"][0]["values"][0]["actual"], 57.0,
        "the cache was dropped by the write"
    );
    assert_eq!(
        app.get(&format!("/api/areas/{}/summary", f.a2), Some(&viewer))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get(&format!("/api/areas/{}/summary", f.a2), Some(&lead2))
            .await
            .status,
        StatusCode::OK
    );

    // --- Users and sign-in ---
    let r = app
        .send(
            "POST",
            "/api/users",
            Some(&admin),
            json!({"email": "new@example.org", "role": "area_lead", "password": "short"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let fields: Vec<String> = r.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    assert!(
        fields.contains(&"area_id".to_string()) && fields.contains(&"password".to_string()),
        "{fields:?}"
    );
    let r = app
        .send(
            "POST",
            "/api/users",
            Some(&lead1),
            json!({"email": "x@example.org", "role": "admin", "password": "0123456789"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .send(
            "POST",
            "/api/auth/login",
            None,
            json!({"email": "lead1@example.org", "password": "wrong password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app
        .send(
            "POST",
            "/api/auth/login",
            None,
            json!({"email": "lead1@example.org", "password": "a long enough password"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let cookie = r.headers[header::SET_COOKIE].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.starts_with("oa_session="),
        "{cookie}"
    );
    assert!(r.json()["user"].get("password_hash").is_none());
    let session = r.json()["token"].as_str().unwrap().to_string();
    let me = app.get("/api/auth/me", Some(&session)).await.json();
    assert_eq!(me["email"], "lead1@example.org");
    let by_cookie = {
        let req = Request::builder()
            .uri("/api/auth/me")
            .header(header::COOKIE, cookie.split(';').next().unwrap())
            .body(Body::empty())
            .unwrap();
        router(app.state.clone())
            .oneshot(req)
            .await
            .unwrap()
            .status()
    };
    assert_eq!(by_cookie, StatusCode::OK);
    assert_eq!(
        app.call("POST", "/api/auth/logout", Some(&session), None, "")
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        app.get("/api/auth/me", Some(&session)).await.status,
        StatusCode::UNAUTHORIZED
    );

    // --- OpenAPI ---
    let doc = app.get("/api/openapi.json", None).await.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"]["/api/spend-returns"]["post"].is_object());
}

#[tokio::test]
async fn api_story_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let store = AnyStore::open(dir.path().join("oa.db").to_str().unwrap())
        .await
        .unwrap();
    story(store).await;
}

#[tokio::test]
async fn api_story_on_postgres() {
    let url = std::env::var("OA_TEST_DATABASE_URL").expect(
        "OA_TEST_DATABASE_URL is not set: run scripts/test (it starts PostgreSQL on 127.0.0.1 and sets it), \
         or export OA_TEST_DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:5432/DB",
    );
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let store = PgStore::open_in_schema(&url, &format!("t_api_{}_{nanos}", std::process::id()))
        .await
        .unwrap();
    story(AnyStore::Postgres(store)).await;
}

#[tokio::test]
async fn import_reads_a_bundle_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let store = AnyStore::open(dir.path().join("oa.db").to_str().unwrap())
        .await
        .unwrap();
    let app = App {
        state: AppState::new(store),
    };
    let admin = app.user("admin@example.org", "admin", None).await;
    let p = app
        .send(
            "POST",
            "/api/programmes",
            Some(&admin),
            json!({"name": "P", "starts_on": "2016-10-04", "ends_on": "2022-08-31"}),
        )
        .await
        .json();
    let selection = &bundle_files::selection_csv(&[
        (
            "OA09",
            "Fenland and East Cambridgeshire",
            &["E07000010", "E07000009"],
            true,
            "2",
            "2017-01",
        ),
        ("ZZ", "Not chosen", &["E1"], false, "", ""),
    ]);
    let allocations = &bundle_files::allocations_csv(&[("year4", "OA09", "2020-21", 143_000_000)]);
    let body = json!({
        "selection_csv": selection,
        "allocations_csv": allocations,
        "manifest_json": manifest(&[("selection.csv", selection), ("allocations.csv", allocations)]),
    });
    let uri = format!("/api/programmes/{}/import", id(&p));
    let r = app.send("POST", &uri, Some(&admin), body.clone()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(
        r.json(),
        json!({"areas_created": 1, "areas_present": 0, "funds_created": 1, "allocations_created": 1, "allocations_present": 0})
    );
    let r = app.send("POST", &uri, Some(&admin), body).await;
    assert_eq!(r.json()["areas_present"], 1);
    assert_eq!(r.json()["allocations_present"], 1);
    let area = app.get("/api/areas/OA09", Some(&admin)).await.json();
    assert_eq!(area["districts"].as_array().unwrap().len(), 2);
    assert_eq!(area["wave"], 2);
    let bad_selection = &bundle_files::selection_csv(&[("X", "Y", &["E1"], true, "", "")])
        .replace(",true,", ",perhaps,");
    let bad = json!({"selection_csv": bad_selection, "manifest_json": manifest(&[("selection.csv", bad_selection)])});
    let r = app.send("POST", &uri, Some(&admin), bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.json()["detail"].as_str().unwrap().contains("line 2"),
        "{}",
        r.text
    );
}

/// A `manifest.json` listing `files` with their SHA-256 and size, as `oa run` writes it.
fn manifest(files: &[(&str, &str)]) -> String {
    use sha2::Digest;
    let outputs: Vec<Value> = files
        .iter()
        .map(|(path, text)| {
            json!({"path": path, "bytes": text.len(), "sha256": hex::encode(sha2::Sha256::digest(text.as_bytes()))})
        })
        .collect();
    json!({"oa_version": "test", "outputs": outputs}).to_string()
}
