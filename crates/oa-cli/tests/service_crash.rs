//! `oa serve` under fire: concurrent writes, SIGKILL, restart; every acknowledged write
//! must be there and the database must open cleanly (`PRAGMA integrity_check`). Then a
//! SIGTERM must stop the server cleanly.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

const ADMIN_PASSWORD: &str = "crash-test-password";

/// A minimal HTTP/1.1 client: one request per connection.
fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(20)))?;
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    if let Some(t) = token {
        req.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    let body = body.unwrap_or("");
    if !body.is_empty() {
        req.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, rest) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("incomplete response: {text:?}")))?;
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(rest)
    } else {
        if let Some(len) = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().to_string())
            })
            .and_then(|v| v.parse::<usize>().ok())
            && rest.len() < len
        {
            return Err(std::io::Error::other("truncated body"));
        }
        rest.to_string()
    };
    Ok((status, body))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// Starts `oa serve` on a free port; returns the child and its address. The per-user
/// write rate is lifted: this test is about durability under as many writes as one user
/// can send, not about throttling them.
fn start(db: &str) -> (Child, String, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oa"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database", db])
        .args(["--writes-per-second", "1000000", "--write-burst", "1000000"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start oa serve");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    match wait_for_address(&rx) {
        Some(addr) => (child, addr, rx),
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("oa serve did not print its address within 30 s");
        }
    }
}

/// The address from `oa serve`'s "listening on http://ADDR" line.
fn wait_for_address(rx: &mpsc::Receiver<String>) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .ok()?;
        if let Some(rest) = line.split("listening on http://").nth(1) {
            return rest.split_whitespace().next().map(str::to_string);
        }
    }
}

fn add_admin(db: &str) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oa"))
        .args([
            "user",
            "add",
            "--database",
            db,
            "--email",
            "admin@example.org",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{ADMIN_PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "oa user add failed");
    assert!(String::from_utf8_lossy(&out.stdout).contains("added user admin@example.org"));
}

#[test]
fn service_keeps_every_acknowledged_write_through_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("oa.db").to_str().unwrap().to_string();
    add_admin(&db);
    let (mut server, addr, _out) = start(&db);

    let (status, body) = http(
        &addr,
        "POST",
        "/api/auth/login",
        None,
        Some(&format!(
            "{{\"email\":\"admin@example.org\",\"password\":\"{ADMIN_PASSWORD}\"}}"
        )),
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let token = json(&body)["token"].as_str().unwrap().to_string();
    let post = |path: &str, body: serde_json::Value| {
        let (s, b) = http(&addr, "POST", path, Some(&token), Some(&body.to_string())).unwrap();
        assert_eq!(s, 201, "{path}: {b}");
        json(&b)["id"].as_i64().unwrap()
    };
    let p = post(
        "/api/programmes",
        serde_json::json!({"name": "P", "starts_on": "2016-10-04", "ends_on": "2022-08-31", "published": true}),
    );
    let area = post(
        "/api/areas",
        serde_json::json!({"programme_id": p, "code": "A1", "name": "A1", "districts": [{"code": "E1", "name": "D"}], "wave": 1, "published": true}),
    );
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
                    if let Ok((status, _)) = http(
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
                    Ok((201, b)) => comments
                        .lock()
                        .unwrap()
                        .push((json(&b)["id"].as_i64().unwrap(), text)),
                    Ok((status, b)) => panic!("unexpected {status}: {b}"),
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
    let (server, addr, out) = start(&db);
    let (status, csv) = http(
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
    let (_, summary) = http(
        &addr,
        "GET",
        &format!("/api/areas/{area}/summary"),
        Some(&token),
        None,
    )
    .unwrap();
    let summary = json(&summary);
    let values = summary["kpis"][0]["values"].as_array().unwrap();
    for (period, value) in &actuals {
        assert!(
            values
                .iter()
                .any(|v| v["period"] == period.as_str() && v["actual"] == *value),
            "acknowledged KPI actual {period} lost"
        );
    }
    let (_, health) = http(&addr, "GET", "/api/health", None, None).unwrap();
    assert_eq!(json(&health)["status"], "ok");
    let (status, deep) = http(&addr, "GET", "/api/admin/integrity", Some(&token), None).unwrap();
    assert_eq!(status, 200, "{deep}");
    assert_eq!(json(&deep)["integrity"][0], "ok");

    // SIGTERM: a clean stop.
    let killed = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let mut server = server;
    let status = server.wait().unwrap();
    assert!(status.success(), "oa serve exited {status:?} on SIGTERM");
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
    let mut child = Command::new(env!("CARGO_BIN_EXE_oa"))
        .args([
            "user",
            "add",
            "--database",
            &db,
            "--email",
            "lead@example.org",
            "--role",
            "area_lead",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{ADMIN_PASSWORD}\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--area: give the area's code (such as OA03) or id; an area lead needs"),
        "{err}"
    );
}
