//! Shared by the `service_*` tests of the real `oa` binary: a minimal HTTP/1.1 client (one
//! request per connection), starting and stopping `oa serve`, adding the first admin, and
//! signing in.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// An answer: the status, the head in lower case (for header checks) and the body.
pub struct Answer {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        json(&self.body)
    }
}

pub fn json(s: &str) -> serde_json::Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}): {s}"))
}

/// One request on its own connection. An error means no complete answer came (the
/// connection was closed, or the server died mid-request).
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> std::io::Result<Answer> {
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
        .ok_or_else(|| std::io::Error::other(format!("incomplete response: {text:?}")))?;
    let status: u16 = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("no status"))?;
    let head = head.to_ascii_lowercase();
    let body = if head.contains("transfer-encoding: chunked") {
        dechunk(rest)
    } else {
        if let Some(len) = head
            .lines()
            .find_map(|l| {
                l.strip_prefix("content-length:")
                    .map(|v| v.trim().to_string())
            })
            .and_then(|v| v.parse::<usize>().ok())
            && rest.len() < len
        {
            return Err(std::io::Error::other("truncated body"));
        }
        rest.to_string()
    };
    Ok(Answer { status, head, body })
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

/// A running `oa serve`: the process, its address and its later stdout lines.
pub struct Server {
    pub child: Child,
    pub addr: String,
    pub out: mpsc::Receiver<String>,
}

/// Starts `oa serve --listen 127.0.0.1:0 --database DB EXTRA...` with stderr going to
/// `stderr` (inherited when `None`) and waits for its address.
pub fn start(database: &str, extra: &[&str], stderr: Option<std::fs::File>) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oa"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database", database])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(stderr.map_or_else(Stdio::inherit, Stdio::from))
        .spawn()
        .expect("start oa serve");
    let stdout = child.stdout.take().unwrap();
    let (tx, out) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let addr = loop {
        let Ok(line) = out.recv_timeout(deadline.saturating_duration_since(Instant::now())) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("oa serve did not print its address within 30 s");
        };
        if let Some(rest) = line.split("listening on http://").nth(1) {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    Server { child, addr, out }
}

impl Server {
    /// SIGTERM, and a clean exit.
    pub fn stop(mut self) {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "oa serve exited {status:?} on SIGTERM");
    }
}

/// Runs `oa ARGS` with `stdin` as its standard input.
pub fn oa(args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_oa"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `oa user add` of `admin@example.org` with `password`.
pub fn add_admin(database: &str, password: &str) {
    let out = oa(
        &[
            "user",
            "add",
            "--database",
            database,
            "--email",
            "admin@example.org",
            "--role",
            "admin",
            "--password-stdin",
        ],
        &format!("{password}\n"),
    );
    assert!(
        out.status.success(),
        "oa user add failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("added user admin@example.org"));
}

/// Signs the admin in: the session's token.
pub fn sign_in(addr: &str, password: &str) -> String {
    let a = http(
        addr,
        "POST",
        "/api/auth/login",
        None,
        Some(&format!(
            "{{\"email\":\"admin@example.org\",\"password\":\"{password}\"}}"
        )),
    )
    .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()["token"].as_str().unwrap().to_string()
}

/// POSTs `body` and returns the new record's id (201 expected).
pub fn create(addr: &str, token: &str, path: &str, body: serde_json::Value) -> i64 {
    let a = http(addr, "POST", path, Some(token), Some(&body.to_string())).unwrap();
    assert_eq!(a.status, 201, "{path}: {}", a.body);
    a.json()["id"].as_i64().unwrap()
}

/// A published programme with one published area: the area's id.
pub fn programme_and_area(addr: &str, token: &str) -> i64 {
    let p = create(
        addr,
        token,
        "/api/programmes",
        serde_json::json!({"name": "P", "starts_on": "2016-10-04", "ends_on": "2022-08-31", "published": true}),
    );
    create(
        addr,
        token,
        "/api/areas",
        serde_json::json!({"programme_id": p, "code": "A1", "name": "A1", "districts": [{"code": "E1", "name": "D"}], "wave": 1, "published": true}),
    )
}
