//! `oa serve` on a full disk: the database and the server's log on an 8 MiB tmpfs, writes
//! until SQLite reports the disk full, then room again. Every write answered 2xx must be
//! stored (also after a restart), no id handed out twice, every refusal a 503 with
//! Retry-After, every request answered (logging on a full disk must not panic), and
//! writes must work again once there is room. The test mounts a tmpfs (it runs as root,
//! locally and in CI) and fails loudly if it cannot.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ADMIN_PASSWORD: &str = "disk-full-password";

/// A tmpfs of `size` on a fresh folder, unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .expect("running mount");
        assert!(
            out.status.success(),
            "cannot mount a {size} tmpfs for the disk-full test (it needs root, as in CI): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk { dir }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

/// One HTTP/1.1 request on its own connection: the status and body, or the I/O error
/// (a connection closed with no answer).
fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> std::io::Result<(u16, String, String)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
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
        .ok_or_else(|| std::io::Error::other(format!("no answer: {text:?}")))?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    Ok((status, head.to_ascii_lowercase(), rest.to_string()))
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// Starts `oa serve` with its stderr in `log` (on the small disk).
fn start(db: &str, log: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oa"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database", db])
        .args(["--writes-per-second", "1000000", "--write-burst", "1000000"])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .expect("start oa serve");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        match lines.next() {
            Some(Ok(line)) => {
                if let Some(rest) = line.split("listening on http://").nth(1) {
                    break rest.split_whitespace().next().unwrap().to_string();
                }
            }
            _ => {
                let _ = child.kill();
                panic!("oa serve did not start");
            }
        }
    };
    // Keep reading stdout so the server never blocks on it.
    std::thread::spawn(move || for _ in lines.by_ref() {});
    (child, addr)
}

#[test]
fn service_on_a_full_disk_acknowledges_only_what_it_stores() {
    let disk = SmallDisk::mount("8m");
    let db = disk.dir.path().join("oa.db").to_str().unwrap().to_string();
    let log = disk.dir.path().join("serve.log");
    let ballast = disk.dir.path().join("ballast");
    let mut add = Command::new(env!("CARGO_BIN_EXE_oa"))
        .args([
            "user",
            "add",
            "--database",
            &db,
            "--email",
            "admin@example.org",
            "--role",
            "admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    add.stdin
        .take()
        .unwrap()
        .write_all(format!("{ADMIN_PASSWORD}\n").as_bytes())
        .unwrap();
    assert!(add.wait().unwrap().success());
    std::fs::write(&ballast, vec![0u8; 3 << 19]).unwrap();
    let (mut server, addr) = start(&db, &log);

    let (status, _, body) = http(
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
        let (s, _, b) = http(&addr, "POST", path, Some(&token), Some(&body.to_string())).unwrap();
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

    // Writers until the disk has refused plenty.
    let acked = Arc::new(Mutex::new(Vec::<(i64, String)>::new()));
    let refused = Arc::new(Mutex::new(0usize));
    let unanswered = Arc::new(Mutex::new(Vec::<String>::new()));
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut writers = Vec::new();
    for w in 0..6 {
        let (addr, token) = (addr.clone(), token.clone());
        let (acked, refused, unanswered) = (acked.clone(), refused.clone(), unanswered.clone());
        writers.push(std::thread::spawn(move || {
            let mut i = 0;
            while *refused.lock().unwrap() < 200 && Instant::now() < deadline {
                i += 1;
                let text = format!("writer {w} comment {i} {}", "x".repeat(1_800));
                let body = serde_json::json!({"area_id": area, "body": text}).to_string();
                match http(&addr, "POST", "/api/comments", Some(&token), Some(&body)) {
                    Ok((201, _, b)) => acked
                        .lock()
                        .unwrap()
                        .push((json(&b)["id"].as_i64().unwrap(), text)),
                    Ok((503, head, _)) => {
                        assert!(head.contains("retry-after:"), "a 503 without Retry-After");
                        *refused.lock().unwrap() += 1;
                    }
                    Ok((status, _, b)) => panic!("unexpected {status}: {b}"),
                    Err(e) => unanswered.lock().unwrap().push(e.to_string()),
                }
            }
        }));
    }
    for w in writers {
        w.join().unwrap();
    }
    let refused = *refused.lock().unwrap();
    assert!(
        refused >= 200,
        "the disk never filled up ({refused} refusals)"
    );
    let unanswered = unanswered.lock().unwrap().clone();
    assert!(
        unanswered.is_empty(),
        "{} requests got no answer: {:?}",
        unanswered.len(),
        &unanswered[..unanswered.len().min(3)]
    );

    // Room again: writes are stored again.
    std::fs::remove_file(&ballast).unwrap();
    for i in 0..20 {
        let text = format!("after the space came back {i}");
        let body = serde_json::json!({"area_id": area, "body": text}).to_string();
        let (status, _, b) =
            http(&addr, "POST", "/api/comments", Some(&token), Some(&body)).unwrap();
        assert_eq!(status, 201, "write {i} after freeing space: {b}");
        acked
            .lock()
            .unwrap()
            .push((json(&b)["id"].as_i64().unwrap(), text));
    }

    let acked = acked.lock().unwrap().clone();
    let check = |addr: &str| {
        let mut seen = HashMap::new();
        for (id, text) in &acked {
            assert!(
                seen.insert(*id, ()).is_none(),
                "id {id} was handed out twice"
            );
            let (status, _, b) = http(
                addr,
                "GET",
                &format!("/api/comments/{id}"),
                Some(&token),
                None,
            )
            .unwrap();
            assert_eq!(status, 200, "acknowledged comment {id} is missing: {b}");
            assert_eq!(
                json(&b)["body"].as_str(),
                Some(text.as_str()),
                "comment {id}"
            );
        }
    };
    check(&addr);
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let exit = server.wait().unwrap();
    assert!(
        exit.success(),
        "oa serve exited {exit:?} after the disk filled"
    );
    let (mut server, addr) = start(&db, &log);
    check(&addr);
    let (status, _, deep) = http(&addr, "GET", "/api/admin/integrity", Some(&token), None).unwrap();
    assert_eq!(status, 200, "{deep}");
    assert_eq!(json(&deep)["integrity"][0], "ok");
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(server.wait().unwrap().success());
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!log.contains("panicked"), "{log}");
    eprintln!(
        "{} writes acknowledged and stored, {refused} refused with 503",
        acked.len()
    );
}
