//! Issue 13, one test per finding (the numbers are the issue's): each failed before its
//! fix. The disk-full, slow-client and restore tests run the real binary
//! (`crates/oa-cli/tests/service_*.rs`); the store's own disk-full test is in
//! `crates/oa-store/tests/store.rs`.
#[path = "common/bundle_files.rs"]
mod bundle_files;

mod support;

use axum::http::StatusCode;
use oa_store::{Actor, Kind, Op, Store};
use oa_web::limits::Settings;
use serde_json::{Value, json};
use support::{App, PASSWORD, Who, fixture, unthrottled};

/// 1. A KPI figure is validated on the way in (finite, within the unit's range), and a
/// figure stored anyway (an older database, a direct write) still renders every page.
#[tokio::test]
async fn f01_kpi_figures_are_validated_and_any_stored_figure_renders() {
    let app = App::new(unthrottled()).await;
    let f = fixture(&app).await;
    let lead = app
        .user("lead@example.org", "Lead A1", "area_lead", Some(f.a1))
        .await;
    let put = |kpi: i64, body: Value| {
        let app = &app;
        let lead = lead.clone();
        async move {
            app.send(
                "PUT",
                &format!("/api/kpis/{kpi}/actuals"),
                Who::Token(&lead),
                body,
            )
            .await
        }
    };
    for bad in [-1e308, 1e308, -0.5, 100.5, 1e13] {
        let r = put(f.kpi_percent, json!({"period": "2017/18", "actual": bad})).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.text
        );
        assert_eq!(r.json()["errors"][0]["field"], "actual", "{}", r.text);
    }
    let r = put(
        f.kpi_percent,
        json!({"period": "2017/18", "actual": 62.5, "national": 101}),
    )
    .await
    .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("percentage"), "{}", r.text);
    put(f.kpi_percent, json!({"period": "2017/18", "actual": 62.5}))
        .await
        .expect_status(StatusCode::CREATED);
    // A count has no percentage range, but stays within ±1e12.
    put(f.kpi_count, json!({"period": "2017/18", "actual": 1500.0}))
        .await
        .expect_status(StatusCode::CREATED);
    put(f.kpi_count, json!({"period": "2018/19", "actual": -1e308}))
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    // A KPI may say otherwise: an index from 0 to 200.
    app.send(
        "PATCH",
        &format!("/api/kpis/{}", f.kpi_percent),
        Who::Token(&lead),
        json!({"max_value": 200.0}),
    )
    .await
    .expect_status(StatusCode::OK);
    put(f.kpi_percent, json!({"period": "2018/19", "actual": 150.0}))
        .await
        .expect_status(StatusCode::CREATED);
    app.send(
        "PATCH",
        &format!("/api/kpis/{}", f.kpi_percent),
        Who::Token(&lead),
        json!({"min_value": 300.0}),
    )
    .await
    .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    // The form refuses the same.
    let session = app.sign_in("lead@example.org").await;
    app.form(
        &format!("/areas/{}/kpis/{}/actual", f.a1, f.kpi_count),
        &session,
        &[("period", "2019/20"), ("actual", "-1e308")],
    )
    .await
    .expect_status(StatusCode::UNPROCESSABLE_ENTITY);

    // Figures written past the rules (as an older version allowed) still render.
    for (period, actual) in [
        ("2019/20", -1e308),
        ("2020/21", f64::MAX),
        ("2021/22", 5e-324),
    ] {
        app.state
            .store
            .apply(
                vec![Op::Create {
                    kind: Kind::KpiValue,
                    record: json!({"area_id": f.a1, "kpi_id": f.kpi_percent, "period": period, "actual": actual})
                        .as_object()
                        .unwrap()
                        .clone(),
                }],
                vec![],
                &Actor::system("old version"),
            )
            .await
            .unwrap();
    }
    let started = std::time::Instant::now();
    for uri in [
        format!("/areas/{}", f.a1),
        format!("/areas/{}/kpis/{}/chart.svg", f.a1, f.kpi_percent),
        format!("/areas/{}/kpis/{}/chart.png", f.a1, f.kpi_percent),
        format!("/areas/{}/kpis.csv", f.a1),
        format!("/api/areas/{}/summary", f.a1),
        "/programme".to_string(),
        "/".to_string(),
    ] {
        let r = app.get(&uri, Who::Anonymous).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text);
        assert!(r.text.len() < 1 << 20, "{uri}: {} bytes", r.text.len());
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "the pages took {:?}",
        started.elapsed()
    );
}

/// 3. Only a comment's author, or a national admin, may change or delete it.
#[tokio::test]
async fn f03_only_the_author_or_an_admin_changes_a_comment() {
    let app = App::new(unthrottled()).await;
    let f = fixture(&app).await;
    let admin = app.user("admin@example.org", "Admin", "admin", None).await;
    let lead = app
        .user("lead@example.org", "Lead", "area_lead", Some(f.a1))
        .await;
    let member = app
        .user("m1@example.org", "Member one", "board_member", Some(f.a1))
        .await;
    let other = app
        .user("m2@example.org", "Member two", "board_member", Some(f.a1))
        .await;
    let comment = |who: &str, text: &str| {
        let who = who.to_string();
        let text = text.to_string();
        let app = &app;
        async move {
            let r = app
                .send(
                    "POST",
                    "/api/comments",
                    Who::Token(&who),
                    json!({"area_id": f.a1, "body": text}),
                )
                .await
                .expect_status(StatusCode::CREATED);
            r.json()["id"].as_i64().unwrap()
        }
    };
    let by_admin = comment(&admin, "from the admin").await;
    let by_lead = comment(&lead, "from the lead").await;
    let by_member = comment(&member, "from member one").await;
    for (who, id) in [
        (&other, by_admin),
        (&other, by_lead),
        (&other, by_member),
        (&lead, by_member),
        (&member, by_lead),
    ] {
        let uri = format!("/api/comments/{id}");
        let r = app
            .send("PATCH", &uri, Who::Token(who), json!({"body": "rewritten"}))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "PATCH {id}: {}", r.text);
        let r = app
            .send_with("DELETE", &uri, Who::Token(who), None, &[])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "DELETE {id}: {}", r.text);
        assert!(app.exists(Kind::Comment, id).await);
    }
    assert_ne!(
        app.record(Kind::Comment, by_admin).await["body"],
        "rewritten"
    );
    app.send(
        "PATCH",
        &format!("/api/comments/{by_member}"),
        Who::Token(&member),
        json!({"body": "corrected by its author"}),
    )
    .await
    .expect_status(StatusCode::OK);
    app.send_with(
        "DELETE",
        &format!("/api/comments/{by_lead}"),
        Who::Token(&admin),
        None,
        &[],
    )
    .await
    .expect_status(StatusCode::NO_CONTENT);
}

/// 4. Two simultaneous PATCHes of different fields both survive; a PATCH naming an old
/// version (If-Match) gets 412 and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn f04_concurrent_updates_lose_nothing_and_if_match_is_checked() {
    let app = App::new(unthrottled()).await;
    let f = fixture(&app).await;
    let lead = app
        .user("lead@example.org", "Lead", "area_lead", Some(f.a1))
        .await;
    let app = std::sync::Arc::new(app);
    for round in 0..30 {
        let uri = format!("/api/research-schools/{}", f.school1);
        let (a, b) = tokio::join!(
            {
                let (app, lead, uri) = (app.clone(), lead.clone(), uri.clone());
                async move {
                    app.send(
                        "PATCH",
                        &uri,
                        Who::Token(&lead),
                        json!({"name": format!("School {round}")}),
                    )
                    .await
                }
            },
            {
                let (app, lead, uri) = (app.clone(), lead.clone(), uri.clone());
                async move {
                    app.send(
                        "PATCH",
                        &uri,
                        Who::Token(&lead),
                        json!({"lead_school": format!("Lead school {round}")}),
                    )
                    .await
                }
            }
        );
        assert_eq!(a.status, StatusCode::OK, "{}", a.text);
        assert_eq!(b.status, StatusCode::OK, "{}", b.text);
        let now = app.record(Kind::ResearchSchool, f.school1).await;
        assert_eq!(
            now["name"],
            format!("School {round}"),
            "round {round}: {now}"
        );
        assert_eq!(
            now["lead_school"],
            format!("Lead school {round}"),
            "round {round}: {now}"
        );
    }
    // ETags and If-Match.
    let uri = format!("/api/boards/{}", f.board1);
    let r = app.get(&uri, Who::Token(&lead)).await;
    let tag = r.header("etag").to_string();
    assert!(tag.starts_with('"') && tag.len() == 18, "{tag}");
    let r = app
        .send_with(
            "PATCH",
            &uri,
            Who::Token(&lead),
            Some(json!({"name": "Renamed"})),
            &[("if-match", &tag)],
        )
        .await
        .expect_status(StatusCode::OK);
    let new_tag = r.header("etag").to_string();
    assert_ne!(new_tag, tag);
    app.send_with(
        "PATCH",
        &uri,
        Who::Token(&lead),
        Some(json!({"name": "Stale edit"})),
        &[("if-match", &tag)],
    )
    .await
    .expect_status(StatusCode::PRECONDITION_FAILED);
    assert_eq!(app.record(Kind::Board, f.board1).await["name"], "Renamed");
    app.send_with(
        "DELETE",
        &uri,
        Who::Token(&lead),
        None,
        &[("if-match", &tag)],
    )
    .await
    .expect_status(StatusCode::PRECONDITION_FAILED);
    assert!(app.exists(Kind::Board, f.board1).await);
    // KPI actuals carry a version too.
    let put = |body: Value, tag: Option<&str>| {
        let (app, lead) = (app.clone(), lead.clone());
        let tag = tag.map(str::to_string);
        async move {
            let extra: Vec<(&str, &str)> = tag
                .as_deref()
                .map(|t| ("if-match", t))
                .into_iter()
                .collect();
            app.send_with(
                "PUT",
                &format!("/api/kpis/{}/actuals", f.kpi_percent),
                Who::Token(&lead),
                Some(body),
                &extra,
            )
            .await
        }
    };
    let r = put(
        json!({"period": "2017/18", "actual": 60.0}),
        Some("\"0000000000000000\""),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::PRECONDITION_FAILED,
        "no value yet: {}",
        r.text
    );
    let r = put(json!({"period": "2017/18", "actual": 60.0}), None)
        .await
        .expect_status(StatusCode::CREATED);
    let first = r.header("etag").to_string();
    put(
        json!({"period": "2017/18", "actual": 61.0, "reason": "revised"}),
        Some(&first),
    )
    .await
    .expect_status(StatusCode::OK);
    put(
        json!({"period": "2017/18", "actual": 99.0, "reason": "revised"}),
        Some(&first),
    )
    .await
    .expect_status(StatusCode::PRECONDITION_FAILED);
}

/// 5. Sign-in: back-off per account and per address (even the right password waits), an
/// unknown email takes as long as a known one, and hashing waits for a free slot.
#[tokio::test]
async fn f05_sign_in_is_throttled_and_does_not_reveal_accounts() {
    let app = App::new(Settings::default()).await;
    let f = fixture(&app).await;
    app.user("lead@example.org", "Lead", "area_lead", Some(f.a1))
        .await;
    let login = |email: &str, password: &str, from: Option<&str>| {
        let app = &app;
        let body = json!({"email": email, "password": password}).to_string();
        let from = from.map(str::to_string);
        async move {
            app.request(
                "POST",
                "/api/auth/login",
                Who::Anonymous,
                Some((body, "application/json")),
                &[],
                from.as_deref(),
            )
            .await
        }
    };
    // Timing: a known email with a wrong password against unknown emails (each its own
    // account, so the first failures are free).
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for i in 0..4 {
        let t = std::time::Instant::now();
        let known_answer = login("lead@example.org", "wrong password", None).await;
        known.push(t.elapsed());
        assert_eq!(known_answer.status, StatusCode::UNAUTHORIZED);
        let t = std::time::Instant::now();
        let r = login(&format!("nobody{i}@example.org"), "wrong password", None).await;
        unknown.push(t.elapsed());
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.text, known_answer.text, "the same answer for both");
    }
    known.sort();
    unknown.sort();
    let (k, u) = (known[1], unknown[1]);
    assert!(
        u.as_secs_f64() > k.as_secs_f64() * 0.5,
        "an unknown email answers in {u:?}, a known one in {k:?}: accounts can be told apart"
    );
    // The fifth failure starts the back-off; then 40 more guesses and the right password
    // are all refused with a growing wait.
    assert_eq!(
        login("lead@example.org", "wrong", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let mut last_wait = 0;
    for _ in 0..40 {
        let r = login("lead@example.org", "wrong password", None)
            .await
            .expect_status(StatusCode::TOO_MANY_REQUESTS);
        last_wait = r.header("retry-after").parse::<u64>().unwrap();
    }
    assert!(last_wait >= 1);
    let r = login("LEAD@example.org", PASSWORD, None).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the right password waits too: {}",
        r.text
    );
    // Per address: many accounts from one address.
    for i in 0..20 {
        let r = login(&format!("guess{i}@example.org"), "x", Some("10.0.0.1")).await;
        assert_eq!(
            r.status,
            StatusCode::UNAUTHORIZED,
            "attempt {i}: {}",
            r.text
        );
    }
    login("guess-next@example.org", "x", Some("10.0.0.1"))
        .await
        .expect_status(StatusCode::TOO_MANY_REQUESTS);
    let r = login("guess-next@example.org", "x", Some("10.0.0.2")).await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "another address is not throttled"
    );

    // Hashing waits for a slot: with every slot taken, a sign-in does not finish.
    let fresh = App::new(Settings {
        concurrent_hashes: 1,
        ..Settings::default()
    })
    .await;
    let f2 = fixture(&fresh).await;
    fresh
        .user("lead@example.org", "Lead", "area_lead", Some(f2.a1))
        .await;
    let held = fresh.state.limits.hashing.acquire().await.unwrap();
    let waiting = tokio::time::timeout(
        std::time::Duration::from_millis(400),
        fresh.send(
            "POST",
            "/api/auth/login",
            Who::Anonymous,
            json!({"email": "lead@example.org", "password": PASSWORD}),
        ),
    )
    .await;
    assert!(waiting.is_err(), "a sign-in hashed without a free slot");
    drop(held);
    fresh
        .send(
            "POST",
            "/api/auth/login",
            Who::Anonymous,
            json!({"email": "lead@example.org", "password": PASSWORD}),
        )
        .await
        .expect_status(StatusCode::OK);
}

/// 6. `/api/health` is cheap and public; the integrity check is an admin's.
#[tokio::test]
async fn f06_health_is_cheap_and_the_deep_check_is_for_admins() {
    let app = App::new(unthrottled()).await;
    let f = fixture(&app).await;
    let admin = app.user("admin@example.org", "Admin", "admin", None).await;
    let lead = app
        .user("lead@example.org", "Lead", "area_lead", Some(f.a1))
        .await;
    let r = app.get("/api/health", Who::Anonymous).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json(), json!({"status": "ok", "database": "sqlite"}));
    assert_eq!(
        app.get("/api/admin/integrity", Who::Anonymous).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/admin/integrity", Who::Token(&lead))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let r = app
        .get("/api/admin/integrity", Who::Token(&admin))
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(r.json()["integrity"], json!(["ok"]));
}

/// 8. Nothing unpublished or personal is public: no email on any page or download,
/// comments only within their area, unpublished programmes and their funds hidden, no
/// partner of another (unpublished) area linked.
#[tokio::test]
async fn f08_nothing_unpublished_or_personal_is_public() {
    let app = App::new(unthrottled()).await;
    let f = fixture(&app).await;
    // A board member without a display name.
    let member = app
        .user("board.a1@example.org", "", "board_member", Some(f.a1))
        .await;
    let lead = app
        .user("lead@example.org", "Lead A1", "area_lead", Some(f.a1))
        .await;
    let viewer = app
        .user("viewer@example.org", "Viewer", "viewer", None)
        .await;
    app.send(
        "POST",
        "/api/comments",
        Who::Token(&member),
        json!({"area_id": f.a1, "body": "Careers fair went well"}),
    )
    .await
    .expect_status(StatusCode::CREATED);
    let session = app.sign_in("board.a1@example.org").await;
    let page = app
        .get(&format!("/areas/{}", f.a1), Who::Cookie(&session))
        .await;
    assert!(page.text.contains("Careers fair went well"));
    assert!(page.text.contains("A board member"), "named by role");
    let csv = app
        .get(&format!("/areas/{}/comments.csv", f.a1), Who::Token(&lead))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(!csv.text.contains("board.a1@"), "{}", csv.text);
    for who in [Who::Anonymous, Who::Token(&viewer)] {
        for uri in [
            format!("/areas/{}", f.a1),
            format!("/areas/{}/comments.csv", f.a1),
            "/api/comments".to_string(),
            format!("/api/areas/{}/summary", f.a1),
            "/".to_string(),
            "/programme".to_string(),
            "/api/funds".to_string(),
            "/api/programmes".to_string(),
        ] {
            let r = app.get(&uri, who).await;
            assert!(!r.text.contains("@example.org"), "{uri}: an email is shown");
            assert!(
                !r.text.contains("Careers fair went well"),
                "{uri}: a comment is public"
            );
            assert!(
                !r.text.contains("Secret fund") && !r.text.contains("Secret programme"),
                "{uri}: {}",
                r.text
            );
        }
        let r = app.get(&format!("/api/programmes/{}", f.p2), who).await;
        assert!(
            matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
            "{}",
            r.text
        );
        let r = app.get(&format!("/api/funds/{}", f.hidden_fund), who).await;
        assert!(
            matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
            "{}",
            r.text
        );
        // B1 is published, but its programme is not.
        let r = app.get(&format!("/api/areas/{}", f.b1), who).await;
        assert!(
            matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN),
            "{}",
            r.text
        );
    }
    // A partner local to A2 (unpublished) cannot be linked to A1's board.
    let r = app
        .send(
            "POST",
            "/api/members",
            Who::Token(&lead),
            json!({"board_id": f.board1, "name": "X", "role": "employer", "partner_id": f.local_partner_a2, "term_start": "2018-01-01"}),
        )
        .await.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.json()["errors"][0]["field"], "partner_id");
    let r = app
        .send(
            "POST",
            "/api/members",
            Who::Token(&lead),
            json!({"board_id": f.board1, "name": "Y", "role": "employer", "partner_id": f.national_partner, "term_start": "2018-01-01"}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "a national partner can be: {}",
        r.text
    );
    // A user's name may not be an email.
    let admin = app.user("admin@example.org", "Admin", "admin", None).await;
    app
        .send(
            "POST",
            "/api/users",
            Who::Token(&admin),
            json!({"email": "x@example.org", "name": "x@example.org", "role": "viewer", "password": "0123456789"}),
        )
        .await.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
}

/// 9. Tokens expire and can be listed and revoked; minting one needs the password; users
/// can be disabled; a new sign-in and a password reset end old sessions; emails are one
/// account whatever their case.
#[tokio::test]
async fn f09_tokens_and_sessions_have_an_end() {
    let app = App::new(unthrottled()).await;
    let f = fixture(&app).await;
    let admin = app.user("admin@example.org", "Admin", "admin", None).await;
    app.user("lead@example.org", "Lead", "area_lead", Some(f.a1))
        .await;
    let first = app.sign_in("lead@example.org").await;
    let me = |who: &str| {
        let (app, who) = (&app, who.to_string());
        async move { app.get("/api/auth/me", Who::Token(&who)).await.status }
    };
    assert_eq!(me(&first).await, StatusCode::OK);
    // A new sign-in (any case of the email) ends the earlier session.
    let r = app
        .send(
            "POST",
            "/api/auth/login",
            Who::Anonymous,
            json!({"email": "Lead@Example.ORG", "password": PASSWORD}),
        )
        .await
        .expect_status(StatusCode::OK);
    let session = r.json()["token"].as_str().unwrap().to_string();
    assert_eq!(me(&first).await, StatusCode::UNAUTHORIZED);
    // Minting a token: the password again, and a lifetime.
    let mint = |body: Value| {
        let (app, session) = (&app, session.clone());
        async move {
            app.send("POST", "/api/tokens", Who::Token(&session), body)
                .await
        }
    };
    assert_eq!(
        mint(json!({"label": "script"})).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    mint(json!({"label": "script", "password": "wrong password"}))
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    mint(json!({"label": "script", "password": PASSWORD, "expires_in_days": 400}))
        .await
        .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    let r = mint(json!({"label": "script", "password": PASSWORD}))
        .await
        .expect_status(StatusCode::CREATED);
    let token = r.json()["token"].as_str().unwrap().to_string();
    let token_id = r.json()["id"].as_str().unwrap().to_string();
    let expires = r.json()["expires_at"].as_i64().unwrap();
    let now = oa_web::auth::now_unix();
    assert!(
        expires > now && expires <= now + 90 * 86_400 + 5,
        "{expires}"
    );
    assert_eq!(me(&token).await, StatusCode::OK);
    let listed = app.get("/api/tokens", Who::Token(&session)).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(
        listed.text.contains(&token_id) && !listed.text.contains(&token),
        "{}",
        listed.text
    );
    app.send_with(
        "DELETE",
        &format!("/api/tokens/{token_id}"),
        Who::Token(&session),
        None,
        &[],
    )
    .await
    .expect_status(StatusCode::NO_CONTENT);
    assert_eq!(me(&token).await, StatusCode::UNAUTHORIZED);
    // A password reset ends every session and token.
    let token = mint(json!({"label": "again", "password": PASSWORD}))
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let lead_id = app
        .state
        .store
        .user_by_email("lead@example.org")
        .await
        .unwrap()
        .unwrap()
        .id;
    app.send(
        "PATCH",
        &format!("/api/users/{lead_id}"),
        Who::Token(&admin),
        json!({"password": "a brand new password"}),
    )
    .await
    .expect_status(StatusCode::OK);
    assert_eq!(me(&session).await, StatusCode::UNAUTHORIZED);
    assert_eq!(me(&token).await, StatusCode::UNAUTHORIZED);
    // Disabled: no sign-in; enabled again: sign-in works.
    let r = app
        .send(
            "PATCH",
            &format!("/api/users/{lead_id}"),
            Who::Token(&admin),
            json!({"disabled": true}),
        )
        .await
        .expect_status(StatusCode::OK);
    assert_eq!(r.json()["disabled"], true);
    app.send(
        "POST",
        "/api/auth/login",
        Who::Anonymous,
        json!({"email": "lead@example.org", "password": "a brand new password"}),
    )
    .await
    .expect_status(StatusCode::UNAUTHORIZED);
    app.send(
        "PATCH",
        &format!("/api/users/{lead_id}"),
        Who::Token(&admin),
        json!({"disabled": false}),
    )
    .await;
    app.send(
        "POST",
        "/api/auth/login",
        Who::Anonymous,
        json!({"email": "lead@example.org", "password": "a brand new password"}),
    )
    .await
    .expect_status(StatusCode::OK);
    // One account per email, whatever the case.
    app.send(
        "POST",
        "/api/users",
        Who::Token(&admin),
        json!({"email": "LEAD@example.org", "role": "viewer", "password": "0123456789"}),
    )
    .await
    .expect_status(StatusCode::CONFLICT);
}

/// 10. The return path after signing in stays on this site and never breaks the
/// response.
#[tokio::test]
async fn f10_sign_in_redirects_only_to_this_site() {
    let app = App::new(unthrottled()).await;
    let f = fixture(&app).await;
    app.user("lead@example.org", "Lead", "area_lead", Some(f.a1))
        .await;
    for (next, expect) in [
        ("/areas/1#kpis", "/areas/1#kpis"),
        ("/\t/evil.example/phish", "/"),
        ("/\\evil.example", "/"),
        ("//evil.example", "/"),
        ("/x\r\nSet-Cookie: stolen=1", "/"),
        ("https://evil.example/", "/"),
    ] {
        let body = format!(
            "email=lead%40example.org&password={}&next={}",
            support::encode(PASSWORD),
            support::encode(next)
        );
        let r = app
            .request(
                "POST",
                "/sign-in",
                Who::Anonymous,
                Some((body, "application/x-www-form-urlencoded")),
                &[],
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next:?}: {}", r.text);
        assert_eq!(r.header("location"), expect, "{next:?}");
        assert!(r.header("set-cookie").starts_with("oa_session="));
    }
}

/// 11. Security headers on pages and the API; `Secure` cookies and HSTS behind HTTPS;
/// nothing with a token or personal data may be cached.
#[tokio::test]
async fn f11_security_headers() {
    let app = App::new(unthrottled()).await;
    let f = fixture(&app).await;
    let lead = app
        .user("lead@example.org", "Lead", "area_lead", Some(f.a1))
        .await;
    for (uri, who) in [
        ("/", Who::Anonymous),
        ("/api/health", Who::Anonymous),
        ("/api/auth/me", Who::Token(&lead)),
        ("/sign-in", Who::Anonymous),
    ] {
        let r = app.get(uri, who).await;
        let csp = r.header("content-security-policy");
        assert!(
            csp.contains("frame-ancestors 'none'")
                && csp.contains("script-src 'self'")
                && csp.contains("default-src 'none'"),
            "{uri}: {csp}"
        );
        assert_eq!(r.header("x-frame-options"), "DENY", "{uri}");
        assert_eq!(r.header("x-content-type-options"), "nosniff", "{uri}");
        assert_eq!(r.header("referrer-policy"), "same-origin", "{uri}");
        assert_eq!(r.header("cache-control"), "no-store", "{uri}");
        assert_eq!(
            r.header("strict-transport-security"),
            "",
            "{uri}: no HSTS over plain HTTP"
        );
    }
    let r = app
        .send(
            "POST",
            "/api/auth/login",
            Who::Anonymous,
            json!({"email": "lead@example.org", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.header("cache-control"), "no-store");
    assert!(!r.header("set-cookie").contains("Secure"));
    // Assets may be cached.
    assert!(
        app.get("/assets/app.css", Who::Anonymous)
            .await
            .header("cache-control")
            .contains("max-age")
    );

    let https = App::new(Settings {
        https: true,
        ..unthrottled()
    })
    .await;
    let f = fixture(&https).await;
    https
        .user("lead@example.org", "Lead", "area_lead", Some(f.a1))
        .await;
    let r = https
        .send(
            "POST",
            "/api/auth/login",
            Who::Anonymous,
            json!({"email": "lead@example.org", "password": PASSWORD}),
        )
        .await;
    let cookie = r.header("set-cookie");
    assert!(
        cookie.contains("; Secure")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        r.header("strict-transport-security")
            .starts_with("max-age=")
    );
}

/// 12. The API import is verified against the manifest and is all or nothing.
#[tokio::test]
async fn f12_api_import_is_verified_and_atomic() {
    use sha2::Digest;
    let app = App::new(unthrottled()).await;
    let f = fixture(&app).await;
    let admin = app.user("admin@example.org", "Admin", "admin", None).await;
    let manifest = |files: &[(&str, &str)]| {
        let outputs: Vec<Value> = files
            .iter()
            .map(|(p, t)| json!({"path": p, "bytes": t.len(), "sha256": hex::encode(sha2::Sha256::digest(t.as_bytes()))}))
            .collect();
        json!({"outputs": outputs}).to_string()
    };
    let selection = &bundle_files::selection_csv(&[
        ("N1", "New one", &["E1"], true, "1", ""),
        ("N2", "New two", &["E2"], true, "2", ""),
    ]);
    let late_bad = &bundle_files::allocations_csv(&[
        ("new fund", "N1", "2020-21", 100),
        ("new fund", "N2", "2020-21", 100),
        ("new fund", "N3", "2020-21", 100),
    ]);
    let uri = format!("/api/programmes/{}/import", f.p1);
    let r = app
        .send("POST", &uri, Who::Token(&admin), json!({"selection_csv": selection, "manifest_json": manifest(&[("selection.csv", "something else")])}))
        .await.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("does not match manifest.json"),
        "{}",
        r.text
    );
    let r = app
        .send(
            "POST",
            &uri,
            Who::Token(&admin),
            json!({"selection_csv": selection, "allocations_csv": late_bad, "manifest_json": manifest(&[("selection.csv", selection), ("allocations.csv", late_bad)])}),
        )
        .await.expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("line 4"), "{}", r.text);
    let areas = app.get("/api/areas?format=csv", Who::Token(&admin)).await;
    assert!(
        !areas.text.contains("New one"),
        "half an import was left: {}",
        areas.text
    );
    let funds = app.get("/api/funds?format=csv", Who::Token(&admin)).await;
    assert!(!funds.text.contains("new fund"), "{}", funds.text);
}

/// 13. One user's write rate is bounded; a busy area's comments come in pages; the map's
/// PNG is rendered once per version of its data; every text field has a length limit.
#[tokio::test]
async fn f13_load_is_bounded() {
    let app = App::new(Settings {
        writes_per_second: 1.0,
        write_burst: 5.0,
        ..Settings::default()
    })
    .await;
    let f = fixture(&app).await;
    let lead = app
        .user("lead@example.org", "Lead", "area_lead", Some(f.a1))
        .await;
    let other = app
        .user("lead2@example.org", "Lead two", "area_lead", Some(f.a1))
        .await;
    let mut statuses = Vec::new();
    for i in 0..8 {
        let r = app
            .send(
                "POST",
                "/api/boards",
                Who::Token(&lead),
                json!({"area_id": f.a1, "name": format!("Board {i}")}),
            )
            .await;
        statuses.push(r.status);
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(r.header("retry-after").parse::<u64>().unwrap() >= 1);
        }
    }
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::CREATED)
            .count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count(),
        3
    );
    // Reads are not limited; another user has their own allowance.
    assert_eq!(
        app.get("/api/boards", Who::Token(&lead)).await.status,
        StatusCode::OK
    );
    let r = app
        .send(
            "POST",
            "/api/boards",
            Who::Token(&other),
            json!({"area_id": f.a1, "name": "Theirs"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);

    // 120 comments: the profile shows the newest page of 50, with links to the rest.
    let mut ops = Vec::new();
    for i in 0..120 {
        ops.push(Op::Create {
            kind: Kind::Comment,
            record: json!({"area_id": f.a1, "author_id": 1, "body": format!("comment number {i:03}"), "created_at": "2026-01-01T00:00:00Z"})
                .as_object()
                .unwrap()
                .clone(),
        });
    }
    app.state
        .store
        .apply(ops, vec![], &Actor::system("test"))
        .await
        .unwrap();
    let session = app.sign_in("lead2@example.org").await;
    let page = app
        .get(&format!("/areas/{}", f.a1), Who::Cookie(&session))
        .await;
    assert_eq!(
        page.text.matches("class=\"oa-comment\"").count(),
        20,
        "the last page holds 120 - 2 * 50"
    );
    assert!(page.text.contains("Page 3 of 3") && page.text.contains("comment number 119"));
    assert!(page.text.contains("comments_page=2"));
    let page = app
        .get(
            &format!("/areas/{}?comments_page=1", f.a1),
            Who::Cookie(&session),
        )
        .await;
    assert_eq!(page.text.matches("class=\"oa-comment\"").count(), 50);
    assert!(page.text.contains("comment number 000") && !page.text.contains("comment number 050"));

    // The map's PNG: rendered once for the same data.
    let svg = std::sync::Arc::new(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10" fill="#0072B2"/></svg>"##.to_string(),
    );
    let before = oa_web::pages::map::png_renders();
    let a = oa_web::pages::map::png_cached(svg.clone()).await.unwrap();
    let b = oa_web::pages::map::png_cached(svg.clone()).await.unwrap();
    assert_eq!(a, b);
    assert_eq!(
        oa_web::pages::map::png_renders() - before,
        1,
        "rendered again for the same map"
    );

    // Text fields have limits (64 KiB used to be taken in any of them).
    let admin = App::new(unthrottled()).await;
    let f2 = fixture(&admin).await;
    let token = admin
        .user("admin@example.org", "Admin", "admin", None)
        .await;
    for (uri, body, field) in [
        (
            "/api/boards",
            json!({"area_id": f2.a1, "name": "n".repeat(201)}),
            "name",
        ),
        (
            "/api/spend-returns",
            json!({"grant_id": f2.grant1, "month": "2018-01", "amount_pence": 1, "note": "x".repeat(2001)}),
            "note",
        ),
        (
            "/api/areas",
            json!({"programme_id": f2.p1, "code": "Z", "name": "Z", "wave": 1, "districts": (0..101).map(|i| json!({"code": format!("E{i}"), "name": "d"})).collect::<Vec<_>>()}),
            "districts",
        ),
    ] {
        let r = admin.send("POST", uri, Who::Token(&token), body).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{uri}: {}",
            r.text
        );
        assert_eq!(r.json()["errors"][0]["field"], field, "{}", r.text);
    }
    // A form body is limited like a JSON one.
    let session = admin.sign_in("admin@example.org").await;
    let r = admin
        .form(
            &format!("/areas/{}/comments", f2.a1),
            &session,
            &[("body", &"x".repeat(100_000))],
        )
        .await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.status);
}
