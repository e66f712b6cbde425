//! `oa serve` against slow and greedy clients: 1,000 connections from one address that
//! never finish their headers. The server keeps at most `--max-connections-per-address`
//! of them, drops each after `--header-timeout`, and meanwhile answers a normal client
//! (from another address) at once; a client that trickles its body past
//! `--request-timeout` gets a 503.

mod service_support;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// A GET from the normal client: the status and how long it took.
fn timed_get(addr: &str, path: &str) -> (u16, Duration) {
    let t = Instant::now();
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).expect("an answer");
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, t.elapsed())
}

/// Whether the server has closed `s` (a read returns end of file or an error).
fn closed(s: &TcpStream) -> bool {
    s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let mut buf = [0u8; 64];
    let mut reader = s;
    match reader.read(&mut buf) {
        Ok(0) => true,
        Ok(_) => true, // an error response, then the close
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

#[test]
fn slow_clients_cannot_hold_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("oa.db").to_str().unwrap().to_string();
    let server = service_support::start(
        &db,
        &[
            "--header-timeout",
            "2",
            "--request-timeout",
            "3",
            "--max-connections-per-address",
            "64",
        ],
        None,
    );
    let addr = server.addr.clone();
    let target: SocketAddr = addr.parse().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    // 1,000 connections from 127.0.0.2 that send half a request line and stop.
    let slow: Vec<TcpStream> = rt.block_on(async {
        let mut out = Vec::new();
        for _ in 0..1000 {
            let socket = tokio::net::TcpSocket::new_v4().unwrap();
            socket.bind("127.0.0.2:0".parse().unwrap()).unwrap();
            if let Ok(stream) = socket.connect(target).await {
                let std = stream.into_std().unwrap();
                std.set_nonblocking(false).unwrap();
                let _ = (&std).write_all(b"GET / HTTP/1.1\r\nHost: x\r\n");
                out.push(std);
            }
        }
        out
    });
    assert!(
        slow.len() >= 900,
        "only {} slow connections were made",
        slow.len()
    );
    std::thread::sleep(Duration::from_millis(300));
    // The server keeps at most 64 from that address; the rest were closed at once.
    let held = slow.iter().filter(|s| !closed(s)).count();
    assert!(
        held <= 64,
        "{held} slow connections from one address are held"
    );
    // A normal client from another address is answered at once.
    let (status, took) = timed_get(&addr, "/api/health");
    assert_eq!(status, 200);
    assert!(
        took < Duration::from_secs(1),
        "a normal request took {took:?} during the attack"
    );
    // After the header timeout every slow connection is closed.
    std::thread::sleep(Duration::from_millis(2_500));
    let still = slow.iter().filter(|s| !closed(s)).count();
    assert_eq!(still, 0, "{still} connections outlived the header timeout");
    drop(slow);

    // A body trickled past the request deadline: a 503, not a held connection.
    let mut s = TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{"
    )
    .unwrap();
    let t = Instant::now();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer:?}");
    assert!(
        t.elapsed() < Duration::from_secs(8),
        "answered after {:?}",
        t.elapsed()
    );

    server.stop();
}
