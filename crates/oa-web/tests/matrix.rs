//! Red-team checks kept in the suite: an authorisation matrix over every write endpoint
//! and role, with the expected answers written out here (not derived from the code under
//! test), and extreme numbers in every numeric field.

mod support;

use axum::http::StatusCode;
use oa_store::{ColType, Kind, Store};
use serde_json::{Value, json};
use support::{App, Fixture, Who, fixture, unthrottled};

/// The roles of the matrix.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Role {
    Anonymous,
    Viewer,
    /// Board member of A1 (the records' area).
    Member,
    /// Board member of A2.
    OtherMember,
    /// Area lead of A1.
    Lead,
    /// Area lead of A2.
    OtherLead,
    Admin,
}

const ROLES: [Role; 7] = [
    Role::Anonymous,
    Role::Viewer,
    Role::Member,
    Role::OtherMember,
    Role::Lead,
    Role::OtherLead,
    Role::Admin,
];

/// What a role may do, written from the access rules in the README: admins everything;
/// the area's lead the area's own records of these kinds; the area's board members
/// only comments (their own to change); viewers nothing; anonymous callers must sign in.
fn expected(role: Role, kind: Kind, op: &str) -> StatusCode {
    const LEAD_KINDS: [Kind; 14] = [
        Kind::Board,
        Kind::Member,
        Kind::Commitment,
        Kind::Plan,
        Kind::Priority,
        Kind::Intervention,
        Kind::Kpi,
        Kind::KpiValue,
        Kind::SeriesBreak,
        Kind::ResearchSchool,
        Kind::ResearchActivity,
        Kind::Grant,
        Kind::SpendReturn,
        Kind::Comment,
    ];
    // Plan versions are written by the server alone: refused to everyone, first.
    if kind == Kind::PlanVersion {
        return StatusCode::FORBIDDEN;
    }
    if role == Role::Anonymous {
        return StatusCode::UNAUTHORIZED;
    }
    let allowed = match role {
        Role::Admin => true,
        // The matrix's comments are written by the system, not by these users: only an
        // admin may change or delete them, anyone of the area may add one.
        Role::Lead => LEAD_KINDS.contains(&kind) && (kind != Kind::Comment || op == "create"),
        Role::Member => kind == Kind::Comment && op == "create",
        _ => false,
    };
    if !allowed {
        return StatusCode::FORBIDDEN;
    }
    match op {
        "create" => StatusCode::CREATED,
        "update" => StatusCode::OK,
        _ if kind == Kind::Plan => StatusCode::CONFLICT,
        _ => StatusCode::NO_CONTENT,
    }
}

/// A valid new record of `kind` in area A1 (or programme 1); `n` keeps unique keys apart.
fn new_record(f: &Fixture, kind: Kind, n: usize) -> Value {
    let period = format!("{}/{:02}", 2016 + n % 6, (2017 + n % 6) % 100);
    match kind {
        Kind::Programme => {
            json!({"name": format!("P{n}"), "starts_on": "2016-10-04", "ends_on": "2022-08-31"})
        }
        Kind::Area => {
            json!({"programme_id": f.p1, "code": format!("M{n}"), "name": "M", "districts": [{"code": "E1", "name": "D"}], "wave": 1})
        }
        Kind::Board => json!({"area_id": f.a1, "name": format!("Board {n}")}),
        Kind::Member => {
            json!({"board_id": f.board1, "name": "M", "role": "chair", "term_start": "2018-01-01"})
        }
        Kind::Partner => {
            json!({"programme_id": f.p1, "name": format!("Partner {n}"), "scope": "national"})
        }
        Kind::Commitment => {
            json!({"partner_id": f.national_partner, "area_id": f.a1, "description": "D"})
        }
        Kind::Plan => {
            json!({"area_id": f.a1, "title": "T", "first_period": "2016/17", "last_period": "2021/22"})
        }
        Kind::PlanVersion => {
            json!({"plan_id": f.plan1, "version": 9, "snapshot": {}, "created_at": "2026-01-01T00:00:00Z"})
        }
        Kind::Priority => json!({"plan_id": f.plan1, "theme": "wellbeing", "title": "T"}),
        Kind::Intervention => {
            json!({"priority_id": f.priority1, "name": "I", "provider": "P", "starts_on": "2018-01-01", "beneficiaries": 5})
        }
        Kind::Kpi => {
            json!({"plan_id": f.plan1, "name": "K", "unit": "%", "period_kind": "academic", "direction": "higher_is_better"})
        }
        // A KPI value per (KPI, period): the matrix makes many, so the period cycles and
        // the KPI is fresh per case (see `target`).
        Kind::KpiValue => json!({"kpi_id": f.kpi_count, "period": period, "actual": 1.0}),
        Kind::SeriesBreak => json!({"kpi_id": f.kpi_count, "period": "2018/19", "reason": "R"}),
        Kind::ResearchSchool => json!({"area_id": f.a1, "name": "S"}),
        Kind::ResearchActivity => {
            json!({"research_school_id": f.school1, "kind": "event", "title": "T", "held_on": "2018-01-01", "schools_reached": 1, "participants": 2})
        }
        Kind::Fund => json!({"programme_id": f.p1, "name": format!("Fund {n}"), "total_pence": 1}),
        Kind::Allocation => {
            json!({"fund_id": f.fund1, "area_id": f.a1, "period": format!("{}-{:02}", 2030 + n, (2031 + n) % 100), "amount_pence": 1})
        }
        Kind::Grant => {
            json!({"allocation_id": f.alloc1, "recipient": "R", "purpose": "P", "amount_pence": 1, "awarded_on": "2018-01-01"})
        }
        Kind::SpendReturn => {
            json!({"grant_id": f.grant1, "month": format!("{}-{:02}", 2030 + n / 12, n % 12 + 1), "amount_pence": 1})
        }
        Kind::Comment => json!({"area_id": f.a1, "body": "B"}),
    }
}

/// A harmless change of one field of `kind`.
fn change(kind: Kind) -> Value {
    match kind {
        Kind::Programme => json!({"description": "changed"}),
        Kind::Area
        | Kind::Board
        | Kind::Member
        | Kind::Partner
        | Kind::ResearchSchool
        | Kind::Fund
        | Kind::Intervention
        | Kind::Kpi => json!({"name": "changed"}),
        Kind::Commitment => json!({"description": "changed"}),
        Kind::Plan | Kind::Priority | Kind::ResearchActivity => json!({"title": "changed"}),
        Kind::PlanVersion => json!({"note": "changed"}),
        Kind::KpiValue | Kind::SpendReturn => json!({"note": "changed"}),
        Kind::SeriesBreak => json!({"reason": "changed"}),
        Kind::Allocation => json!({"amount_pence": 2}),
        Kind::Grant => json!({"purpose": "changed"}),
        Kind::Comment => json!({"body": "changed"}),
    }
}

/// Every create, update and delete of every collection, and the other write endpoints,
/// as each role: the answer is the expected one, and a refused write changes nothing.
#[tokio::test]
async fn authorisation_matrix_over_every_write_endpoint_and_role() {
    let app = App::new(unthrottled()).await;
    let f = fixture(&app).await;
    let token = |role: Role| {
        let app = &app;
        async move {
            match role {
                Role::Anonymous => None,
                Role::Viewer => Some(app.user("viewer@example.org", "V", "viewer", None).await),
                Role::Member => Some(
                    app.user("m1@example.org", "M1", "board_member", Some(f.a1))
                        .await,
                ),
                Role::OtherMember => Some(
                    app.user("m2@example.org", "M2", "board_member", Some(f.a2))
                        .await,
                ),
                Role::Lead => Some(
                    app.user("l1@example.org", "L1", "area_lead", Some(f.a1))
                        .await,
                ),
                Role::OtherLead => Some(
                    app.user("l2@example.org", "L2", "area_lead", Some(f.a2))
                        .await,
                ),
                Role::Admin => Some(app.user("admin@example.org", "A", "admin", None).await),
            }
        }
    };
    let mut tokens = Vec::new();
    for role in ROLES {
        tokens.push((role, token(role).await));
    }
    fn who(t: &Option<String>) -> Who<'_> {
        match t {
            None => Who::Anonymous,
            Some(t) => Who::Token(t),
        }
    }
    let mut n = 0;
    let mut cases = 0;
    let mut mismatches = Vec::new();
    // A record of `kind` to send; a KPI value gets a KPI of its own (one value per period).
    let body = |kind: Kind, n: usize| {
        let (app, f) = (&app, &f);
        async move {
            let mut b = new_record(f, kind, n);
            if kind == Kind::KpiValue {
                let kpi = app.make(Kind::Kpi, new_record(f, Kind::Kpi, n)).await;
                b["kpi_id"] = json!(kpi);
            }
            b
        }
    };
    let version = app
        .state
        .store
        .list(
            Kind::PlanVersion,
            &Default::default(),
            oa_store::PageRequest::ALL,
        )
        .await
        .unwrap()
        .items[0]["id"]
        .as_i64()
        .unwrap();
    for kind in Kind::ALL {
        let collection = kind.table().collection;
        for (role, t) in &tokens {
            // Create.
            n += 1;
            let r = app
                .send(
                    "POST",
                    &format!("/api/{collection}"),
                    who(t),
                    body(kind, n).await,
                )
                .await;
            let want = expected(*role, kind, "create");
            cases += 1;
            if r.status != want {
                mismatches.push(format!(
                    "{role:?} POST /api/{collection}: {} (expected {want}): {}",
                    r.status, r.text
                ));
            }
            if kind == Kind::PlanVersion {
                for (method, body) in [("PATCH", Some(change(kind))), ("DELETE", None)] {
                    let uri = format!("/api/{collection}/{version}");
                    let r = app.send_with(method, &uri, who(t), body, &[]).await;
                    cases += 1;
                    if r.status != StatusCode::FORBIDDEN {
                        mismatches.push(format!("{role:?} {method} {uri}: {}", r.status));
                    }
                }
                continue;
            }
            // Update and delete a fresh record made by the system.
            n += 1;
            let id = app.make(kind, body(kind, n).await).await;
            let before = app.record(kind, id).await;
            let uri = format!("/api/{collection}/{id}");
            let r = app.send("PATCH", &uri, who(t), change(kind)).await;
            let want = expected(*role, kind, "update");
            cases += 1;
            if r.status != want {
                mismatches.push(format!(
                    "{role:?} PATCH {uri}: {} (expected {want}): {}",
                    r.status, r.text
                ));
            }
            if want != StatusCode::OK && app.record(kind, id).await != before {
                mismatches.push(format!(
                    "{role:?} PATCH {uri} was refused but changed the record"
                ));
            }
            let r = app.send_with("DELETE", &uri, who(t), None, &[]).await;
            let want = expected(*role, kind, "delete");
            cases += 1;
            if r.status != want {
                mismatches.push(format!(
                    "{role:?} DELETE {uri}: {} (expected {want}): {}",
                    r.status, r.text
                ));
            }
            if (want == StatusCode::NO_CONTENT) == app.exists(kind, id).await {
                mismatches.push(format!(
                    "{role:?} DELETE {uri}: the record's presence does not match {}",
                    r.status
                ));
            }
        }
    }
    // The other write endpoints.
    let admin_only = |role: Role| match role {
        Role::Anonymous => StatusCode::UNAUTHORIZED,
        Role::Admin => StatusCode::OK,
        _ => StatusCode::FORBIDDEN,
    };
    let viewer_id = app
        .state
        .store
        .user_by_email("viewer@example.org")
        .await
        .unwrap()
        .unwrap()
        .id;
    for (role, t) in &tokens {
        n += 1;
        let checks: Vec<(String, String, Value, StatusCode)> = vec![
            (
                "PUT".into(),
                format!("/api/kpis/{}/actuals", f.kpi_count),
                json!({"period": format!("{}/{:02}", 2016 + n % 6, (2017 + n % 6) % 100), "actual": 3.0, "reason": "matrix"}),
                match role {
                    Role::Anonymous => StatusCode::UNAUTHORIZED,
                    // The first actual of a period is created (201), later ones updated
                    // (200): both are "allowed"; compared below by class.
                    Role::Lead | Role::Admin => StatusCode::OK,
                    _ => StatusCode::FORBIDDEN,
                },
            ),
            (
                "POST".into(),
                "/api/users".into(),
                json!({"email": format!("new{n}@example.org"), "role": "viewer", "password": "0123456789"}),
                match admin_only(*role) {
                    StatusCode::OK => StatusCode::CREATED,
                    other => other,
                },
            ),
            (
                "PATCH".into(),
                format!("/api/users/{viewer_id}"),
                json!({"disabled": false}),
                admin_only(*role),
            ),
            (
                "POST".into(),
                format!("/api/programmes/{}/import", f.p1),
                json!({"selection_csv": "area_id,area_name,districts,selected\n", "manifest_json": "{}"}),
                match admin_only(*role) {
                    // Past access, the empty manifest is refused: 422 is "allowed".
                    StatusCode::OK => StatusCode::UNPROCESSABLE_ENTITY,
                    other => other,
                },
            ),
        ];
        for (method, uri, body, want) in checks {
            let r = app.send(&method, &uri, who(t), body).await;
            cases += 1;
            let same = r.status == want
                || (want == StatusCode::OK && r.status == StatusCode::CREATED && method == "PUT");
            if !same {
                mismatches.push(format!(
                    "{role:?} {method} {uri}: {} (expected {want}): {}",
                    r.status, r.text
                ));
            }
        }
    }
    // The page forms, signed in by session (anonymous: 401 asks to sign in).
    let sessions = [
        (Role::Viewer, "viewer@example.org"),
        (Role::Member, "m1@example.org"),
        (Role::OtherMember, "m2@example.org"),
        (Role::Lead, "l1@example.org"),
        (Role::OtherLead, "l2@example.org"),
        (Role::Admin, "admin@example.org"),
    ];
    for (role, email) in sessions {
        let s = app.sign_in(email).await;
        n += 1;
        type FormCase = (String, Vec<(&'static str, String)>, Kind);
        let forms: Vec<FormCase> = vec![
            (
                format!("/areas/{}/kpis/{}/actual", f.a1, f.kpi_count),
                vec![
                    (
                        "period",
                        format!("{}/{:02}", 2016 + n % 6, (2017 + n % 6) % 100),
                    ),
                    ("actual", "4".into()),
                    // A change of a recorded figure, or one in a series break, needs a reason.
                    ("reason", "matrix".into()),
                ],
                Kind::KpiValue,
            ),
            (
                format!("/areas/{}/spend", f.a1),
                vec![
                    ("grant_id", f.grant1.to_string()),
                    ("month", format!("{}-{:02}", 2040 + n / 12, n % 12 + 1)),
                    ("amount", "0.01".into()),
                ],
                Kind::SpendReturn,
            ),
            (
                format!("/areas/{}/comments", f.a1),
                vec![("body", "hello".into())],
                Kind::Comment,
            ),
        ];
        for (uri, pairs, kind) in forms {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = app.form(&uri, &s, &pairs).await;
            cases += 1;
            let allowed = expected(role, kind, "create") == StatusCode::CREATED;
            let want = if allowed {
                StatusCode::SEE_OTHER
            } else {
                StatusCode::FORBIDDEN
            };
            if r.status != want {
                mismatches.push(format!(
                    "{role:?} form {uri}: {} (expected {want})",
                    r.status
                ));
            }
        }
    }
    for uri in [
        format!("/areas/{}/comments", f.a1),
        format!("/areas/{}/spend", f.a1),
    ] {
        let r = app
            .request(
                "POST",
                &uri,
                Who::Anonymous,
                Some(("body=x".into(), "application/x-www-form-urlencoded")),
                &[],
                None,
            )
            .await;
        cases += 1;
        if r.status != StatusCode::UNAUTHORIZED {
            mismatches.push(format!("Anonymous form {uri}: {}", r.status));
        }
    }
    assert!(cases > 450, "{cases} cases");
    assert!(
        mismatches.is_empty(),
        "{} of {cases} cases differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// Numbers a client could send: the edges of 64-bit integers and doubles, fractions where
/// whole numbers belong, negatives where counts belong, and a JSON number no double holds.
const EXTREMES: [&str; 12] = [
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551615",
    "-1",
    "0",
    "0.5",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "5e-324",
    "1e400",
    "-0.0",
];

/// Every numeric field of every collection, created and changed with each extreme: never
/// a 5xx, and whatever is accepted reads back as sent and leaves every page rendering.
#[tokio::test]
async fn extreme_numbers_in_every_numeric_field() {
    let app = App::new(unthrottled()).await;
    let f = fixture(&app).await;
    let admin = app.user("admin@example.org", "Admin", "admin", None).await;
    let mut n = 1000;
    let mut cases = 0;
    let mut accepted = 0;
    for kind in Kind::ALL {
        let t = kind.table();
        for c in t
            .columns
            .iter()
            .filter(|c| matches!(c.ty, ColType::Int | ColType::Real))
        {
            for raw in EXTREMES {
                n += 1;
                let mut body = new_record(&f, kind, n);
                let obj = body.as_object_mut().unwrap();
                obj.insert(c.name.to_string(), Value::Null);
                // Splice the number in as text: some of these have no exact JSON value.
                let text = body.to_string().replace(
                    &format!("\"{}\":null", c.name),
                    &format!("\"{}\":{raw}", c.name),
                );
                let r = app
                    .request(
                        "POST",
                        &format!("/api/{}", t.collection),
                        Who::Token(&admin),
                        Some((text, "application/json")),
                        &[],
                        None,
                    )
                    .await;
                cases += 1;
                assert!(
                    r.status.is_success() || r.status.is_client_error(),
                    "POST {} with {} = {raw}: {} {}",
                    t.collection,
                    c.name,
                    r.status,
                    r.text
                );
                if r.status == StatusCode::CREATED {
                    accepted += 1;
                    let stored = &r.json()[c.name];
                    let sent: Value = serde_json::from_str(raw).unwrap_or(Value::Null);
                    if let (Some(a), Some(b)) = (stored.as_f64(), sent.as_f64()) {
                        assert!(
                            a == b,
                            "{}.{} stored {stored} for {raw}",
                            t.collection,
                            c.name
                        );
                    }
                }
            }
        }
    }
    // Changes with extremes, and extremes as list filters.
    let intervention = app
        .make(Kind::Intervention, new_record(&f, Kind::Intervention, 1))
        .await;
    for raw in EXTREMES {
        for (uri, field) in [
            (format!("/api/kpis/{}", f.kpi_percent), "baseline_value"),
            (format!("/api/kpis/{}", f.kpi_count), "target_value"),
            (
                format!("/api/interventions/{intervention}"),
                "beneficiaries",
            ),
            (format!("/api/allocations/{}", f.alloc1), "amount_pence"),
            (format!("/api/funds/{}", f.fund1), "total_pence"),
        ] {
            let r = app
                .request(
                    "PATCH",
                    &uri,
                    Who::Token(&admin),
                    Some((format!("{{\"{field}\": {raw}}}"), "application/json")),
                    &[],
                    None,
                )
                .await;
            cases += 1;
            assert!(
                r.status.is_success() || r.status.is_client_error(),
                "PATCH {uri} {field}={raw}: {} {}",
                r.status,
                r.text
            );
        }
        for query in [
            "area_id",
            "amount_pence",
            "actual",
            "id",
            "wave",
            "page",
            "per_page",
        ] {
            let uri = format!("/api/kpi-values?{query}={}", support::encode(raw));
            let r = app.get(&uri, Who::Token(&admin)).await;
            cases += 1;
            assert!(
                r.status == StatusCode::OK || r.status == StatusCode::BAD_REQUEST,
                "{uri}: {} {}",
                r.status,
                r.text
            );
        }
    }
    // The numeric fields of the forms.
    let session = app.sign_in("admin@example.org").await;
    for raw in [
        "1e308",
        "-1e308",
        "NaN",
        "inf",
        "1e999",
        "99999999999999999999",
        "0x10",
        "1,000,000.5",
    ] {
        let r = app
            .form(
                &format!("/areas/{}/kpis/{}/actual", f.a1, f.kpi_count),
                &session,
                &[("period", "2019/20"), ("actual", raw), ("national", raw)],
            )
            .await;
        cases += 1;
        assert!(
            r.status == StatusCode::SEE_OTHER || r.status == StatusCode::UNPROCESSABLE_ENTITY,
            "actual {raw}: {}",
            r.status
        );
        let r = app
            .form(
                &format!("/areas/{}/spend", f.a1),
                &session,
                &[
                    ("grant_id", &f.grant1.to_string()),
                    ("month", "2019-02"),
                    ("amount", raw),
                ],
            )
            .await;
        cases += 1;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "amount {raw}");
    }
    assert!(
        cases > 250 && accepted > 20,
        "{cases} cases, {accepted} accepted"
    );
    // Whatever was accepted, everything still renders.
    for uri in [
        "/".to_string(),
        "/programme".to_string(),
        format!("/areas/{}", f.a1),
        format!("/areas/{}/money.svg", f.a1),
        "/programme/spend.svg".to_string(),
        "/api/money".to_string(),
        format!("/api/areas/{}/summary", f.a1),
        "/programme/schools.csv".to_string(),
    ] {
        let r = app.get(&uri, Who::Token(&admin)).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text);
    }
}
