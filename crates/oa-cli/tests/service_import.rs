//! `oa serve --import BUNDLE`: a results bundle's chosen areas and allocations become a
//! programme. The bundle is verified against its `manifest.json` first (a tampered,
//! unlisted or missing file, or a missing or garbage manifest, is a user error, exit 2),
//! and the import is all or nothing: a bad line anywhere leaves the database as it was.

use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};

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

#[path = "../../oa-web/tests/common/bundle_files.rs"]
mod bundle_files;
use bundle_files::{allocations_csv, selection_csv};

fn selection() -> String {
    selection_csv(&[
        ("OA03", "Blackpool", &["E06000009"], true, "1", "2016-10"),
        (
            "OA09",
            "Fenland and East Cambridgeshire",
            &["E07000010", "E07000009"],
            true,
            "2",
            "2017-01",
        ),
        ("X1", "Elsewhere", &["E07000001"], false, "", ""),
    ])
}

fn allocations() -> String {
    allocations_csv(&[
        ("year4", "OA03", "2020-21", 197_000_000),
        ("year4", "OA09", "2020-21", 143_000_000),
    ])
}

/// Writes a bundle at `dir` with these files and a manifest listing them with their
/// SHA-256 and size, as `oa run` does.
fn bundle(dir: &Path, files: &[(&str, &str)]) {
    std::fs::create_dir_all(dir).unwrap();
    let mut outputs = Vec::new();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
        outputs.push(serde_json::json!({
            "path": name, "bytes": text.len(), "sha256": hex::encode(Sha256::digest(text.as_bytes())),
        }));
    }
    let manifest = serde_json::json!({"oa_version": "test", "outputs": outputs});
    std::fs::write(dir.join("manifest.json"), manifest.to_string()).unwrap();
}

/// `oa serve --import` that fails before serving: its output.
fn failed_import(db: &Path, bundle: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oa"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database"])
        .arg(db)
        .arg("--import")
        .arg(bundle)
        .output()
        .unwrap()
}

/// How many records of `kind` the database at `db` holds.
fn count(db: &Path, kind: oa_store::Kind) -> i64 {
    use oa_store::Store;
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = oa_store::AnyStore::open(db.to_str().unwrap())
            .await
            .unwrap();
        let n = store
            .list(
                kind,
                &oa_store::Filter::default(),
                oa_store::PageRequest::ALL,
            )
            .await
            .unwrap()
            .total;
        store.close().await;
        n
    })
}

#[test]
fn service_imports_a_results_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out-2016");
    bundle(
        &out,
        &[
            ("selection.csv", &selection()),
            ("allocations.csv", &allocations()),
        ],
    );
    let db = dir.path().join("oa.db");
    let mut child = Command::new(env!("CARGO_BIN_EXE_oa"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database"])
        .arg(&db)
        .arg("--import")
        .arg(&out)
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
    let out2 = Command::new(env!("CARGO_BIN_EXE_oa"))
        .args(["serve", "--listen", "127.0.0.1:0", "--database"])
        .arg(&db)
        .arg("--import")
        .arg(&out)
        .args(["--programme", "1"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out2 = out2;
    let first = BufReader::new(out2.stdout.take().unwrap())
        .lines()
        .next()
        .unwrap()
        .unwrap();
    Command::new("kill")
        .args(["-TERM", &out2.id().to_string()])
        .status()
        .unwrap();
    assert!(out2.wait().unwrap().success());
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
    bundle(dir.path(), &[("scores.csv", "area_code,score\n")]);
    let out = failed_import(&dir.path().join("oa.db"), dir.path());
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has no selection.csv"), "{err}");
}

/// A bundle that is not what its manifest says is refused before anything is written.
#[test]
fn service_import_verifies_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("oa.db");
    type Make<'a> = &'a dyn Fn(&Path);
    let cases: [(&str, Make, &str); 5] = [
        (
            "tampered",
            &|b: &Path| {
                bundle(b, &[("selection.csv", &selection())]);
                let changed = selection().replace(
                    "X1,Elsewhere,E07000001,false",
                    "X1,Elsewhere,E07000001,true",
                );
                assert_ne!(changed, selection());
                std::fs::write(b.join("selection.csv"), changed).unwrap();
            },
            "selection.csv does not match manifest.json",
        ),
        (
            "no manifest",
            &|b: &Path| {
                bundle(b, &[("selection.csv", &selection())]);
                std::fs::remove_file(b.join("manifest.json")).unwrap();
            },
            "has no manifest.json",
        ),
        (
            "garbage manifest",
            &|b: &Path| {
                bundle(b, &[("selection.csv", &selection())]);
                std::fs::write(b.join("manifest.json"), "{\"outputs\": [oops").unwrap();
            },
            "manifest.json: not a valid manifest",
        ),
        (
            "unlisted allocations",
            &|b: &Path| {
                bundle(b, &[("selection.csv", &selection())]);
                std::fs::write(b.join("allocations.csv"), allocations()).unwrap();
            },
            "allocations.csv is not listed in manifest.json",
        ),
        (
            "listed but missing",
            &|b: &Path| {
                bundle(
                    b,
                    &[
                        ("selection.csv", &selection()),
                        ("allocations.csv", &allocations()),
                    ],
                );
                std::fs::remove_file(b.join("allocations.csv")).unwrap();
            },
            "allocations.csv: file missing from the bundle (the manifest lists it)",
        ),
    ];
    for (name, make, expect) in cases {
        let b = dir.path().join(name.replace(' ', "-"));
        make(&b);
        let out = failed_import(&db, &b);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(expect), "{name}: {err}");
        assert_eq!(
            count(&db, oa_store::Kind::Programme),
            0,
            "{name}: nothing imported"
        );
    }
}

/// A bad line late in a file, or money that overflows, leaves nothing behind: no
/// programme, no area, no fund, no allocation.
#[test]
fn service_import_is_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("oa.db");
    let mut lines: Vec<(String, &str, i64)> = Vec::new();
    for year in 2017..2022 {
        for area in ["OA03", "OA09"] {
            lines.push((format!("{year}-{:02}", (year + 1) % 100), area, 1_000_000));
        }
    }
    let with = |extra: (&str, &str, i64)| {
        let mut rows: Vec<(&str, &str, &str, i64)> = lines
            .iter()
            .map(|(period, area, pence)| ("core", *area, period.as_str(), *pence))
            .collect();
        rows.push(("core", extra.1, extra.0, extra.2));
        allocations_csv(&rows)
    };
    let late_unknown = with(("2020-21", "OA99", 5));
    let late_repeat = with(("2017-18", "OA03", 7));
    let overflow = allocations_csv(&[
        ("core", "OA03", "2020-21", 999_999_999_999_999_999),
        ("core", "OA09", "2020-21", 999_999_999_999_999_999),
    ]);
    for (name, text, expect) in [
        (
            "unknown area on the last line",
            late_unknown.as_str(),
            "line 12: area_id `OA99` is not a chosen area",
        ),
        (
            "repeated line",
            late_repeat.as_str(),
            "line 12 repeats line 2",
        ),
        (
            "amount beyond the limit",
            overflow.as_str(),
            "line 2, column amount_pence",
        ),
    ] {
        let b = dir.path().join(name.replace(' ', "-"));
        bundle(
            &b,
            &[("selection.csv", &selection()), ("allocations.csv", text)],
        );
        let out = failed_import(&db, &b);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(expect), "{name}: {err}");
        for kind in [
            oa_store::Kind::Programme,
            oa_store::Kind::Area,
            oa_store::Kind::Fund,
            oa_store::Kind::Allocation,
        ] {
            assert_eq!(count(&db, kind), 0, "{name}: a {kind:?} was left behind");
        }
    }
    // Amounts that each fit but add up past the limit for one fund.
    let sum = allocations_csv(&[
        ("core", "OA03", "2020-21", 600_000_000_000_000),
        ("core", "OA09", "2020-21", 600_000_000_000_000),
    ]);
    let b = dir.path().join("sum");
    bundle(
        &b,
        &[("selection.csv", &selection()), ("allocations.csv", &sum)],
    );
    let out = failed_import(&db, &b);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("fund `core` would total more than £10 trillion"),
        "{err}"
    );
    assert_eq!(count(&db, oa_store::Kind::Area), 0);
}
