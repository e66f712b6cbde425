//! Backing up and restoring the programme database as the README's "Running in
//! production" section says: SQLite with `oa serve --backup-to FILE` while the service
//! runs, restored by copying the file back; PostgreSQL with `pg_dump -Fc` and
//! `pg_restore --clean --if-exists`. After the restore the service has exactly what the
//! backup held: the writes before it, not those after, and its users can sign in.
//! PostgreSQL needs `OA_TEST_DATABASE_URL` (set by `setup_postgres`); missing, it fails.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const ADMIN_PASSWORD: &str = "restore-test-password";

fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
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
    stream.write_all(req.as_bytes()).unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let (head, rest) = raw.split_once("\r\n\r\n").unwrap();
    (
        head.split(' ').nth(1).unwrap().parse().unwrap(),
        rest.to_string(),
    )
}

fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

fn oa(args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oa"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn start(database: &str) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oa"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database", database])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let addr = loop {
        let line = lines.next().expect("oa serve stopped").unwrap();
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines.by_ref() {});
    (child, addr)
}

fn stop(mut server: Child) {
    Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(server.wait().unwrap().success());
}

fn sign_in(addr: &str) -> String {
    let (status, body) = http(
        addr,
        "POST",
        "/api/auth/login",
        None,
        Some(&format!(
            "{{\"email\":\"admin@example.org\",\"password\":\"{ADMIN_PASSWORD}\"}}"
        )),
    );
    assert_eq!(status, 200, "{body}");
    json(&body)["token"].as_str().unwrap().to_string()
}

/// A programme and area, then `n` comments named `label i`: their ids.
fn write_comments(
    addr: &str,
    token: &str,
    area: Option<i64>,
    label: &str,
    n: usize,
) -> (i64, Vec<i64>) {
    let post = |path: &str, body: serde_json::Value| {
        let (s, b) = http(addr, "POST", path, Some(token), Some(&body.to_string()));
        assert_eq!(s, 201, "{path}: {b}");
        json(&b)["id"].as_i64().unwrap()
    };
    let area = area.unwrap_or_else(|| {
        let p = post("/api/programmes", serde_json::json!({"name": "P", "starts_on": "2016-10-04", "ends_on": "2022-08-31", "published": true}));
        post("/api/areas", serde_json::json!({"programme_id": p, "code": "A1", "name": "A1", "districts": [{"code": "E1", "name": "D"}], "wave": 1, "published": true}))
    });
    let ids = (0..n)
        .map(|i| {
            post(
                "/api/comments",
                serde_json::json!({"area_id": area, "body": format!("{label} {i}")}),
            )
        })
        .collect();
    (area, ids)
}

/// After a restore: the backup's comments are there, the later ones are not.
fn check_restored(addr: &str, before: &[i64], after: &[i64]) {
    let token = sign_in(addr);
    for id in before {
        let (s, b) = http(
            addr,
            "GET",
            &format!("/api/comments/{id}"),
            Some(&token),
            None,
        );
        assert_eq!(s, 200, "comment {id} from before the backup: {b}");
        assert!(
            json(&b)["body"]
                .as_str()
                .unwrap()
                .starts_with("before the backup")
        );
    }
    for id in after {
        let (s, _) = http(
            addr,
            "GET",
            &format!("/api/comments/{id}"),
            Some(&token),
            None,
        );
        assert_eq!(
            s, 404,
            "comment {id} written after the backup survived the restore"
        );
    }
    let (s, deep) = http(addr, "GET", "/api/admin/integrity", Some(&token), None);
    assert_eq!(s, 200, "{deep}");
    assert_eq!(json(&deep)["status"], "ok");
}

#[test]
fn sqlite_backup_while_serving_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("oa.db");
    let db = db.to_str().unwrap();
    let backup = dir.path().join("backup-2026-12-05.db");
    let out = oa(
        &[
            "user",
            "add",
            "--database",
            db,
            "--email",
            "admin@example.org",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some(&format!("{ADMIN_PASSWORD}\n")),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (server, addr) = start(db);
    let token = sign_in(&addr);
    let (area, before) = write_comments(&addr, &token, None, "before the backup", 10);
    // The backup, taken while the server runs.
    let out = oa(
        &[
            "serve",
            "--database",
            db,
            "--backup-to",
            backup.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("backed up"));
    let out = oa(
        &[
            "serve",
            "--database",
            db,
            "--backup-to",
            backup.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(2),
        "a backup never overwrites a file"
    );
    let (_, after) = write_comments(&addr, &token, Some(area), "after the backup", 5);
    stop(server);

    // Restore: the service stopped, the file copied back (and the old WAL removed).
    std::fs::copy(&backup, db).unwrap();
    for extra in ["oa.db-wal", "oa.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(extra));
    }
    let out = oa(&["serve", "--database", db, "--check-database"], None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("integrity ok"));
    let (server, addr) = start(db);
    check_restored(&addr, &before, &after);
    stop(server);

    // A damaged file is reported, not served.
    let damaged = dir.path().join("damaged.db");
    let mut bytes = std::fs::read(&backup).unwrap();
    let n = bytes.len();
    for b in &mut bytes[n / 2..n / 2 + 4096] {
        *b = 0xA5;
    }
    std::fs::write(&damaged, bytes).unwrap();
    let out = oa(
        &[
            "serve",
            "--database",
            damaged.to_str().unwrap(),
            "--check-database",
        ],
        None,
    );
    assert_ne!(
        out.status.code(),
        Some(0),
        "a damaged database passed the check"
    );
}

#[test]
fn postgres_dump_and_restore() {
    let url = std::env::var("OA_TEST_DATABASE_URL").expect(
        "OA_TEST_DATABASE_URL is not set: run scripts/test (it starts PostgreSQL on 127.0.0.1 and sets it), \
         or export OA_TEST_DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:5432/DB",
    );
    // A schema of its own, so the test shares the database with the others.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let schema = format!("t_restore_{}_{nanos}", std::process::id());
    let psql = |sql: &str| {
        let out = Command::new("psql")
            .args([&url, "-qAtc", sql])
            .output()
            .expect("psql (PostgreSQL's client)");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    psql(&format!("CREATE SCHEMA {schema}"));
    let sep = if url.contains('?') { '&' } else { '?' };
    let database = format!("{url}{sep}options=-csearch_path%3D{schema}");
    let out = oa(
        &[
            "user",
            "add",
            "--database",
            &database,
            "--email",
            "admin@example.org",
            "--role",
            "admin",
            "--password-stdin",
        ],
        Some(&format!("{ADMIN_PASSWORD}\n")),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (server, addr) = start(&database);
    let token = sign_in(&addr);
    let (area, before) = write_comments(&addr, &token, None, "before the backup", 10);
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("oa.dump");
    let out = Command::new("pg_dump")
        .args([
            "-Fc",
            "--schema",
            &schema,
            "-f",
            dump.to_str().unwrap(),
            &url,
        ])
        .output()
        .expect("pg_dump");
    assert!(
        out.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, after) = write_comments(&addr, &token, Some(area), "after the backup", 5);
    stop(server);
    let out = Command::new("pg_restore")
        .args([
            "--clean",
            "--if-exists",
            "--no-owner",
            "-d",
            &url,
            dump.to_str().unwrap(),
        ])
        .output()
        .expect("pg_restore");
    assert!(
        out.status.success(),
        "pg_restore: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (server, addr) = start(&database);
    check_restored(&addr, &before, &after);
    stop(server);
    psql(&format!("DROP SCHEMA {schema} CASCADE"));
}
