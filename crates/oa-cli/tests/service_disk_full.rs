//! `oa serve` on a full disk: the database and the server's log on an 8 MiB tmpfs, writes
//! until SQLite reports the disk full, then room again. Every write answered 2xx must be
//! stored (also after a restart), no id handed out twice, every refusal a 503 with
//! Retry-After, every request answered (logging on a full disk must not panic), and
//! writes must work again once there is room. The test mounts a tmpfs (it runs as root,
//! locally and in CI) and fails loudly if it cannot.

mod service_support;

use service_support::{add_admin, http, programme_and_area, sign_in, start};
use std::collections::HashMap;
use std::process::Command;
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

/// `oa serve` with its log on the small disk and the write rate lifted (the test sends as
/// many writes as it can).
fn serve(db: &str, log: &std::path::Path) -> service_support::Server {
    start(
        db,
        &["--writes-per-second", "1000000", "--write-burst", "1000000"],
        Some(std::fs::File::create(log).unwrap()),
    )
}

#[test]
fn service_on_a_full_disk_acknowledges_only_what_it_stores() {
    let disk = SmallDisk::mount("8m");
    let db = disk.dir.path().join("oa.db").to_str().unwrap().to_string();
    let log = disk.dir.path().join("serve.log");
    let ballast = disk.dir.path().join("ballast");
    add_admin(&db, ADMIN_PASSWORD);
    std::fs::write(&ballast, vec![0u8; 3 << 19]).unwrap();
    let server = serve(&db, &log);
    let addr = server.addr.clone();
    let token = sign_in(&addr, ADMIN_PASSWORD);
    let area = programme_and_area(&addr, &token);

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
                    Ok(a) if a.status == 201 => acked
                        .lock()
                        .unwrap()
                        .push((a.json()["id"].as_i64().unwrap(), text)),
                    Ok(a) if a.status == 503 => {
                        assert!(a.head.contains("retry-after:"), "a 503 without Retry-After");
                        *refused.lock().unwrap() += 1;
                    }
                    Ok(a) => panic!("unexpected {}: {}", a.status, a.body),
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
        let a = http(&addr, "POST", "/api/comments", Some(&token), Some(&body)).unwrap();
        assert_eq!(a.status, 201, "write {i} after freeing space: {}", a.body);
        acked
            .lock()
            .unwrap()
            .push((a.json()["id"].as_i64().unwrap(), text));
    }

    let acked = acked.lock().unwrap().clone();
    let check = |addr: &str| {
        let mut seen = HashMap::new();
        for (id, text) in &acked {
            assert!(
                seen.insert(*id, ()).is_none(),
                "id {id} was handed out twice"
            );
            let a = http(
                addr,
                "GET",
                &format!("/api/comments/{id}"),
                Some(&token),
                None,
            )
            .unwrap();
            assert_eq!(
                a.status, 200,
                "acknowledged comment {id} is missing: {}",
                a.body
            );
            assert_eq!(
                a.json()["body"].as_str(),
                Some(text.as_str()),
                "comment {id}"
            );
        }
    };
    check(&addr);
    server.stop();
    let server = serve(&db, &log);
    check(&server.addr);
    let deep = http(
        &server.addr,
        "GET",
        "/api/admin/integrity",
        Some(&token),
        None,
    )
    .unwrap();
    assert_eq!(deep.status, 200, "{}", deep.body);
    assert_eq!(deep.json()["integrity"][0], "ok");
    server.stop();
    let log = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!log.contains("panicked"), "{log}");
    eprintln!(
        "{} writes acknowledged and stored, {refused} refused with 503",
        acked.len()
    );
}
