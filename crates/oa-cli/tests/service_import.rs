//! `oa serve --import BUNDLE`: a results bundle's chosen areas and allocations become a
//! programme; a bundle without `selection.csv` is a user error (exit 2).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn get(addr: &str, path: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.split_once("\r\n\r\n").unwrap().1.to_string()
}

#[test]
fn service_imports_a_results_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("out-2016");
    std::fs::create_dir(&bundle).unwrap();
    std::fs::write(
        bundle.join("selection.csv"),
        "area_id,area_name,districts,selected,wave,announced,reason\n\
         OA03,Blackpool,E06000009,true,1,2016-10,chosen\n\
         OA09,Fenland and East Cambridgeshire,E07000010;E07000009,true,2,2017-01,chosen\n\
         X1,Elsewhere,E07000001,false,,,not chosen\n",
    )
    .unwrap();
    std::fs::write(
        bundle.join("allocations.csv"),
        "fund,area_id,area_name,period,amount_pence\n\
         year4,OA03,Blackpool,2020-21,197000000\n\
         year4,OA09,Fenland and East Cambridgeshire,2020-21,143000000\n",
    )
    .unwrap();
    let db = dir.path().join("oa.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_oa"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database"])
        .arg(&db)
        .arg("--import")
        .arg(&bundle)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let imported = lines.next().unwrap().unwrap();
    let listening = lines.next().unwrap().unwrap();
    let addr = listening
        .split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .map(str::to_string);
    let areas = addr.as_deref().map(|a| get(a, "/api/areas?format=csv"));
    // Stop the server before asserting, so a failure leaves no process behind.
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert!(
        imported.contains(
            "2 areas created (0 already present), 1 funds created, 2 allocations created"
        ),
        "{imported}"
    );
    // Imported areas are unpublished until an admin publishes them: anonymous sees none.
    let areas = areas.unwrap();
    assert_eq!(areas.lines().count(), 1, "{areas}");

    // Importing again keeps what is there.
    let out = Command::new(env!("CARGO_BIN_EXE_oa"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database"])
        .arg(&db)
        .arg("--import")
        .arg(&bundle)
        .args(["--programme", "1"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = out;
    let first = BufReader::new(out.stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    Command::new("kill")
        .args(["-TERM", &out.id().to_string()])
        .status()
        .unwrap();
    assert!(out.wait().unwrap().success());
    assert!(
        first.contains("0 areas created (2 already present)"),
        "{first}"
    );
    assert!(
        first.contains("0 allocations created (2 already present)"),
        "{first}"
    );
}

#[test]
fn service_import_without_selection_is_a_user_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_oa"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database"])
        .arg(dir.path().join("oa.db"))
        .arg("--import")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has no selection.csv"), "{err}");
}
