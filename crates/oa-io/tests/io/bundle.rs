//! Results bundles: all-or-nothing writing, replacing, reading back, updating in place.

use oa_io::bundle::SCORES_FILE;
use oa_io::{
    BundleUpdate, BundleWriter, MANIFEST_FILE, Manifest, OutputFormat, Table, WriteError,
    read_manifest, read_scores,
};
use oa_model::Study;
use std::path::Path;
use std::time::Duration;

fn study() -> Study {
    Study::from_toml_str(
        r#"
schema = 1
[study]
id = "demo"
title = "Demo"
[geography]
area_type = "lad"
vintage = 2016
[[sources]]
id = "d"
path = "d.csv"
code_column = "code"
[[indicators]]
id = "a"
direction = "higher_is_better"
"#,
        "demo.toml",
    )
    .unwrap()
}

fn manifest(dir: &Path) -> Manifest {
    let study_path = dir.join("demo.toml");
    std::fs::write(&study_path, "schema = 1\n").unwrap();
    Manifest::new("0.1.0", &study(), &study_path, dir).unwrap()
}

fn scores_table() -> Table {
    let mut t = Table::new();
    t.push_text("area_code", vec!["E1".into(), "E2".into(), "E3".into()])
        .push_text(
            "area_name",
            vec!["One".into(), "Two".into(), "Three".into()],
        )
        .push_float("score", vec![2.5, f64::NAN, -1.0])
        .push_opt_int("rank", vec![Some(1), None, Some(2)])
        .push_text(
            "band",
            vec!["hotspot".into(), String::new(), "coldspot".into()],
        )
        .push_int("quantile", vec![1, 2, 2])
        .push_float("score_pillar", vec![0.5, 0.25, 0.125])
        .push_int("rank_pillar", vec![1, 2, 3]);
    t
}

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn bundle_is_written_with_manifest_and_read_back() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    let mut m = manifest(root.path());
    m.add_inputs(&[oa_io::FileDigest {
        path: "d.csv".into(),
        bytes: 3,
        sha256: "ab".repeat(32),
    }]);
    let bundle = BundleWriter::create(&out).unwrap();
    assert!(!out.exists(), "nothing appears at OUT before finish");
    let written = bundle
        .write_table(
            "scores",
            &scores_table(),
            &[OutputFormat::Csv, OutputFormat::Parquet],
        )
        .unwrap();
    assert_eq!(written, ["scores.csv", "scores.parquet"]);
    bundle.write_file("maps/map.svg", b"<svg/>").unwrap();
    m.add_timing("index", Duration::from_micros(1500));
    bundle.finish(&mut m).unwrap();

    assert_eq!(
        entries(&out),
        ["manifest.json", "maps", "scores.csv", "scores.parquet"]
    );
    // No staging directory is left beside OUT.
    assert_eq!(entries(root.path()), ["demo.toml", "out"]);
    let back = read_manifest(&out).unwrap();
    assert_eq!(back, m);
    let outputs: Vec<&str> = back.outputs.iter().map(|o| o.path.as_str()).collect();
    assert_eq!(outputs, ["maps/map.svg", "scores.csv", "scores.parquet"]);
    let svg = back
        .outputs
        .iter()
        .find(|o| o.path == "maps/map.svg")
        .unwrap();
    assert_eq!(svg.bytes, 6);
    assert_eq!(svg.sha256, oa_io::digest::sha256_hex(b"<svg/>"));
    assert_eq!(back.study.id, "demo");
    assert_eq!(
        back.study.sha256,
        oa_io::digest::sha256_hex(b"schema = 1\n")
    );
    assert_eq!(back.timings[0].stage, "index");
    assert_eq!(back.timings[0].ms, 1.5);
    assert_eq!(back.parameters["study"]["id"], "demo");
    assert!(back.created_at.ends_with('Z'), "{}", back.created_at);

    let s = read_scores(&out).unwrap();
    assert_eq!(s.area_codes, ["E1", "E2", "E3"]);
    assert_eq!(s.area_names[2], "Three");
    assert_eq!(s.score[0], 2.5);
    assert!(s.score[1].is_nan());
    assert_eq!(s.rank, [Some(1), None, Some(2)]);
    assert_eq!(s.band, ["hotspot", "", "coldspot"]);
    assert_eq!(s.quantile, Some(vec![Some(1), Some(2), Some(2)]));
    assert_eq!(s.groups.len(), 1);
    assert_eq!(s.groups[0].id, "pillar");
    assert_eq!(s.groups[0].score, [0.5, 0.25, 0.125]);
    assert_eq!(s.groups[0].rank, [Some(1), Some(2), Some(3)]);
}

#[test]
fn a_failed_run_leaves_nothing_and_keeps_the_old_bundle() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    let mut m = manifest(root.path());
    let first = BundleWriter::create(&out).unwrap();
    first.write_file(SCORES_FILE, b"old").unwrap();
    first.finish(&mut m).unwrap();

    // A run that fails midway: the writer is dropped without finish.
    {
        let failed = BundleWriter::create(&out).unwrap();
        failed.write_file(SCORES_FILE, b"half").unwrap();
    }
    assert_eq!(std::fs::read(out.join(SCORES_FILE)).unwrap(), b"old");
    assert_eq!(entries(root.path()), ["demo.toml", "out"]);

    // A successful run replaces the previous bundle entirely.
    let second = BundleWriter::create(&out).unwrap();
    second.write_file("other.csv", b"new").unwrap();
    second.finish(&mut manifest(root.path())).unwrap();
    assert_eq!(entries(&out), ["manifest.json", "other.csv"]);
    assert_eq!(entries(root.path()), ["demo.toml", "out"]);
}

#[test]
fn refuses_to_overwrite_what_is_not_a_bundle() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("precious");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("thesis.tex"), "...").unwrap();
    let e = BundleWriter::create(&out).err().unwrap();
    assert!(matches!(e, WriteError::NotABundle { .. }));
    assert!(
        e.to_string()
            .contains("not an `oa` results bundle (no manifest.json)"),
        "{e}"
    );
    let file = root.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let e = BundleWriter::create(&file).err().unwrap();
    assert!(
        e.to_string().contains("exists and is not a directory"),
        "{e}"
    );
    // An empty directory is fine.
    let empty = root.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let b = BundleWriter::create(&empty).unwrap();
    b.write_file("a.csv", b"a").unwrap();
    b.finish(&mut manifest(root.path())).unwrap();
    assert_eq!(entries(&empty), ["a.csv", MANIFEST_FILE]);
    // Paths outside the bundle are refused.
    let b = BundleWriter::create(&root.path().join("x")).unwrap();
    assert!(matches!(
        b.write_file("../escape", b"x"),
        Err(WriteError::BadRelativePath { .. })
    ));
}

#[test]
fn update_replaces_files_and_refreshes_the_manifest() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    let b = BundleWriter::create(&out).unwrap();
    b.write_file("selection.csv", b"old").unwrap();
    b.write_file(SCORES_FILE, b"keep").unwrap();
    b.finish(&mut manifest(root.path())).unwrap();

    // Dropped without commit: nothing changes.
    {
        let mut u = BundleUpdate::open(&out).unwrap();
        u.write_file("selection.csv", b"abandoned").unwrap();
    }
    assert_eq!(std::fs::read(out.join("selection.csv")).unwrap(), b"old");

    let mut u = BundleUpdate::open(&out).unwrap();
    u.write_file("selection.csv", b"new!").unwrap();
    let mut t = Table::new();
    t.push_text("fund", vec!["f".into()]);
    u.write_table("funds", &t, &[OutputFormat::Csv]).unwrap();
    u.manifest_mut()
        .add_timing("selection", Duration::from_millis(2));
    let changed = u.commit().unwrap();
    assert_eq!(changed, ["selection.csv", "funds.csv"]);
    assert_eq!(std::fs::read(out.join("selection.csv")).unwrap(), b"new!");
    assert_eq!(
        entries(&out),
        ["funds.csv", "manifest.json", "scores.csv", "selection.csv"]
    );
    let m = read_manifest(&out).unwrap();
    let sel = m
        .outputs
        .iter()
        .find(|o| o.path == "selection.csv")
        .unwrap();
    assert_eq!(sel.sha256, oa_io::digest::sha256_hex(b"new!"));
    assert!(m.outputs.iter().any(|o| o.path == "funds.csv"));
    assert_eq!(m.timings.last().unwrap().stage, "selection");

    let e = BundleUpdate::open(root.path()).err().unwrap().to_string();
    assert!(e.contains("is") && e.contains("a results bundle?"), "{e}");
}

#[test]
fn read_scores_names_bad_cells() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(
        root.path().join(SCORES_FILE),
        "area_code,area_name,score,rank,band\nE1,One,1.5,1.5,\n",
    )
    .unwrap();
    let e = read_scores(root.path()).unwrap_err().to_string();
    assert!(e.contains("line 2, column `rank`"), "{e}");
    assert!(e.contains("whole number"), "{e}");
    std::fs::write(
        root.path().join(SCORES_FILE),
        "area_code,area_name,score,band\nE1,One,1,\n",
    )
    .unwrap();
    let e = read_scores(root.path()).unwrap_err().to_string();
    assert!(e.contains("no column `rank`"), "{e}");
}

/// The digests of tables hashed while being written equal a fresh hash of the files, and a
/// table rewritten behind the writer's back (as a stage may) is hashed afresh once the
/// writer is told to forget.
#[test]
fn table_digests_taken_while_writing_match_the_files() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    let bundle = BundleWriter::create(&out).unwrap();
    bundle
        .write_table("scores", &scores_table(), &[OutputFormat::Csv])
        .unwrap();
    bundle
        .write_table("kept", &scores_table(), &[OutputFormat::Csv])
        .unwrap();
    // A stage rewrites scores.csv directly.
    std::fs::write(bundle.dir().join("scores.csv"), b"area_code\nE1\n").unwrap();
    bundle.forget_digests();
    let mut m = manifest(root.path());
    bundle.finish(&mut m).unwrap();
    for name in ["kept.csv", "scores.csv"] {
        let fresh = oa_io::digest::digest_file(&out.join(name), name).unwrap();
        let recorded = m.outputs.iter().find(|o| o.path == name).unwrap();
        assert_eq!(recorded, &fresh, "{name}");
    }
    let rewritten = m.outputs.iter().find(|o| o.path == "scores.csv").unwrap();
    assert_eq!(rewritten.bytes, 13);
}
