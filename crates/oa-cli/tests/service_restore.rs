//! Backing up and restoring the programme database as the README's "Running in
//! production" section says: SQLite with `oa serve --backup-to FILE` while the service
//! runs, restored by copying the file back; PostgreSQL with `pg_dump -Fc` and
//! `pg_restore --clean --if-exists`. After the restore the service has exactly what the
//! backup held: the writes before it, not those after, and its users can sign in.
//! PostgreSQL needs `OA_TEST_DATABASE_URL` (set by `setup_postgres`); missing, it fails.

mod service_support;

use service_support::{add_admin, create, http, oa, programme_and_area, sign_in, start};
use std::process::Command;

const ADMIN_PASSWORD: &str = "restore-test-password";

/// `n` comments named `label i` in `area` (a new programme's area when `None`): the area
/// and the comments' ids.
fn write_comments(
    addr: &str,
    token: &str,
    area: Option<i64>,
    label: &str,
    n: usize,
) -> (i64, Vec<i64>) {
    let area = area.unwrap_or_else(|| programme_and_area(addr, token));
    let ids = (0..n)
        .map(|i| {
            create(
                addr,
                token,
                "/api/comments",
                serde_json::json!({"area_id": area, "body": format!("{label} {i}")}),
            )
        })
        .collect();
    (area, ids)
}

/// After a restore: the backup's comments are there, the later ones are not, and the
/// integrity check passes.
fn check_restored(addr: &str, before: &[i64], after: &[i64]) {
    let token = sign_in(addr, ADMIN_PASSWORD);
    let get = |id: &i64| {
        http(
            addr,
            "GET",
            &format!("/api/comments/{id}"),
            Some(&token),
            None,
        )
        .unwrap()
    };
    for id in before {
        let a = get(id);
        assert_eq!(
            a.status, 200,
            "comment {id} from before the backup: {}",
            a.body
        );
        assert!(
            a.json()["body"]
                .as_str()
                .unwrap()
                .starts_with("before the backup")
        );
    }
    for id in after {
        assert_eq!(
            get(id).status,
            404,
            "comment {id} written after the backup survived the restore"
        );
    }
    let deep = http(addr, "GET", "/api/admin/integrity", Some(&token), None).unwrap();
    assert_eq!(deep.status, 200, "{}", deep.body);
    assert_eq!(deep.json()["status"], "ok");
}

/// Writes, a backup by `back_up`, more writes, the service stopped, a restore by
/// `restore`: the restored service has exactly the writes from before the backup.
fn backup_and_restore(database: &str, back_up: impl Fn(), restore: impl Fn()) {
    add_admin(database, ADMIN_PASSWORD);
    let server = start(database, &[], None);
    let token = sign_in(&server.addr, ADMIN_PASSWORD);
    let (area, before) = write_comments(&server.addr, &token, None, "before the backup", 10);
    back_up();
    let (_, after) = write_comments(&server.addr, &token, Some(area), "after the backup", 5);
    server.stop();
    restore();
    let server = start(database, &[], None);
    check_restored(&server.addr, &before, &after);
    server.stop();
}

#[test]
fn sqlite_backup_while_serving_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("oa.db");
    let db = db.to_str().unwrap();
    let backup = dir.path().join("backup-2026-12-05.db");
    let backup_path = backup.to_str().unwrap();
    backup_and_restore(
        db,
        || {
            // The backup, taken while the server runs; never over an existing file.
            let out = oa(&["serve", "--database", db, "--backup-to", backup_path], "");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(String::from_utf8_lossy(&out.stdout).contains("backed up"));
            let out = oa(&["serve", "--database", db, "--backup-to", backup_path], "");
            assert_eq!(
                out.status.code(),
                Some(2),
                "a backup never overwrites a file"
            );
        },
        || {
            // The file copied back (and the old write-ahead files removed), then checked.
            std::fs::copy(&backup, db).unwrap();
            for extra in ["oa.db-wal", "oa.db-shm"] {
                let _ = std::fs::remove_file(dir.path().join(extra));
            }
            let out = oa(&["serve", "--database", db, "--check-database"], "");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(String::from_utf8_lossy(&out.stdout).contains("integrity ok"));
        },
    );
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
        "",
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
    let run = |program: &str, args: &[&str]| {
        let out = Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program} (PostgreSQL's client tools): {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run("psql", &[&url, "-qAtc", &format!("CREATE SCHEMA {schema}")]);
    let sep = if url.contains('?') { '&' } else { '?' };
    let database = format!("{url}{sep}options=-csearch_path%3D{schema}");
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("oa.dump");
    let dump = dump.to_str().unwrap();
    backup_and_restore(
        &database,
        || run("pg_dump", &["-Fc", "--schema", &schema, "-f", dump, &url]),
        || {
            run(
                "pg_restore",
                &["--clean", "--if-exists", "--no-owner", "-d", &url, dump],
            )
        },
    );
    run(
        "psql",
        &[&url, "-qAtc", &format!("DROP SCHEMA {schema} CASCADE")],
    );
}
