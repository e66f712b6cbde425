//! `oa serve` under fire: concurrent writes, SIGKILL, restart; every acknowledged write
//! must be there and the database must open cleanly (`PRAGMA integrity_check`). Then a
//! SIGTERM must stop the server cleanly.

mod service_support;

use service_support::{Server, add_admin, create, http, programme_and_area, sign_in};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const ADMIN_PASSWORD: &str = "crash-test-password";

/// Starts `oa serve` on a free port. The per-user write rate is lifted: this test is about
/// durability under as many writes as one user can send, not about throttling them.
fn start(db: &str) -> Server {
    service_support::start(
        db,
        &["--writes-per-second", "1000000", "--write-burst", "1000000"],
        None,
    )
}

#[test]
fn service_keeps_every_acknowledged_write_through_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("oa.db").to_str().unwrap().to_string();
    add_admin(&db, ADMIN_PASSWORD);
    let Server {
        child: mut server,
        addr,
        ..
    } = start(&db);
    let token = sign_in(&addr, ADMIN_PASSWORD);
    let post = |path: &str, body: serde_json::Value| create(&addr, &token, path, body);
    let area = programme_and_area(&addr, &token);
    let plan = post(
        "/api/plans",
        serde_json::json!({"area_id": area, "title": "Plan", "first_period": "2000/01", "last_period": "2098/99"}),
    );
    let kpi = post(
        "/api/kpis",
        serde_json::json!({"plan_id": plan, "name": "K", "unit": "%", "period_kind": "academic", "direction": "higher_is_better"}),
    );

    // Writers: comments (each a new row) and KPI actuals (upserts), until the kill.
    let acked_comments = Arc::new(Mutex::new(Vec::<(i64, String)>::new()));
    let acked_actuals = Arc::new(Mutex::new(Vec::<(String, f64)>::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..6 {
        let (addr, token, stop) = (addr.clone(), token.clone(), stop.clone());
        let (comments, actuals) = (acked_comments.clone(), acked_actuals.clone());
        writers.push(std::thread::spawn(move || {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) && i < 5_000 {
                i += 1;
                if w == 0 && i <= 98 {
                    let year = 2000 + i;
                    let period = format!("{year}/{:02}", (year + 1) % 100);
                    let value = f64::from(i) + 0.5;
                    let body = serde_json::json!({"period": period, "actual": value}).to_string();
                    if let Ok(service_support::Answer { status, .. }) = http(
                        &addr,
                        "PUT",
                        &format!("/api/kpis/{kpi}/actuals"),
                        Some(&token),
                        Some(&body),
                    ) {
                        if status == 201 || status == 200 {
                            actuals.lock().unwrap().push((period, value));
                        }
                    } else {
                        break;
                    }
                    continue;
                }
                let text = format!("writer {w} comment {i}");
                let body = serde_json::json!({"area_id": area, "body": text}).to_string();
                match http(&addr, "POST", "/api/comments", Some(&token), Some(&body)) {
                    Ok(a) if a.status == 201 => comments
                        .lock()
                        .unwrap()
                        .push((a.json()["id"].as_i64().unwrap(), text)),
                    Ok(a) => panic!("unexpected {}: {}", a.status, a.body),
                    Err(_) => break, // the server died mid-request: not acknowledged
                }
            }
        }));
    }
    std::thread::sleep(Duration::from_millis(1_500));
    server.kill().expect("SIGKILL oa serve");
    server.wait().unwrap();
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().unwrap();
    }
    let comments = acked_comments.lock().unwrap().clone();
    let actuals = acked_actuals.lock().unwrap().clone();
    eprintln!(
        "acknowledged before SIGKILL: {} comments, {} KPI actuals",
        comments.len(),
        actuals.len()
    );
    assert!(
        comments.len() > 20,
        "the writers got going before the kill ({} writes)",
        comments.len()
    );

    // The database opens cleanly.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use oa_store::Store;
        let store = oa_store::AnyStore::open(&db)
            .await
            .expect("reopen after SIGKILL");
        assert_eq!(
            store.integrity_check().await.unwrap(),
            vec!["ok".to_string()]
        );
        store.close().await;
    });

    // Restarted, the server has every acknowledged write.
    let mut server = start(&db);
    let addr = server.addr.clone();
    let service_support::Answer {
        status, body: csv, ..
    } = http(
        &addr,
        "GET",
        &format!("/api/comments?format=csv&area_id={area}"),
        Some(&token),
        None,
    )
    .unwrap();
    assert_eq!(status, 200, "the session survived the restart: {csv}");
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    let headers = rows.headers().unwrap().clone();
    let id_col = headers.iter().position(|h| h == "id").unwrap();
    let body_col = headers.iter().position(|h| h == "body").unwrap();
    let stored: std::collections::HashMap<i64, String> = rows
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[id_col].parse().unwrap(), r[body_col].to_string())
        })
        .collect();
    for (id, text) in &comments {
        assert_eq!(stored.get(id), Some(text), "acknowledged comment {id} lost");
    }
    let summary = http(
        &addr,
        "GET",
        &format!("/api/areas/{area}/summary"),
        Some(&token),
        None,
    )
    .unwrap()
    .json();
    let values = summary["kpis"][0]["values"].as_array().unwrap();
    for (period, value) in &actuals {
        assert!(
            values
                .iter()
                .any(|v| v["period"] == period.as_str() && v["actual"] == *value),
            "acknowledged KPI actual {period} lost"
        );
    }
    let health = http(&addr, "GET", "/api/health", None, None).unwrap();
    assert_eq!(health.json()["status"], "ok");
    let deep = http(&addr, "GET", "/api/admin/integrity", Some(&token), None).unwrap();
    assert_eq!(deep.status, 200, "{}", deep.body);
    assert_eq!(deep.json()["integrity"][0], "ok");

    // SIGTERM: a clean stop.
    let out = std::mem::replace(&mut server.out, std::sync::mpsc::channel().1);
    server.stop();
    let rest: Vec<String> = out.try_iter().collect();
    assert!(
        rest.iter().any(|l| l.contains("stopped cleanly")),
        "{rest:?}"
    );
}

/// `oa user add` errors speak of the command's flags: an area lead without `--area`.
#[test]
fn user_add_names_the_area_flag() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("oa.db").to_str().unwrap().to_string();
    let out = service_support::oa(
        &[
            "user",
            "add",
            "--database",
            &db,
            "--email",
            "lead@example.org",
            "--role",
            "area_lead",
            "--password-stdin",
        ],
        &format!("{ADMIN_PASSWORD}\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--area: give the area's code (such as OA03) or id; an area lead needs"),
        "{err}"
    );
}
