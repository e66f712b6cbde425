//! A bundle that is not what `oa` wrote gives one clear error naming the file.

use crate::support::run;
use oa_bundle::BundleError;
use oa_pipeline::Plan;
use std::path::Path;

/// The Synthland demonstration bundle written into `dir/out`.
fn demo_bundle(dir: &Path) -> std::path::PathBuf {
    let country = oa_synth::generate(oa_synth::DEFAULT_SEED);
    std::fs::write(dir.join("indicators.csv"), country.indicators_csv()).unwrap();
    std::fs::write(dir.join("areas.csv"), country.areas_csv()).unwrap();
    std::fs::write(dir.join("boundaries.geojson"), country.boundaries_geojson()).unwrap();
    let study = std::fs::read_to_string(oa_testkit::repo_path("studies/demo.toml")).unwrap();
    std::fs::write(dir.join("demo.toml"), study).unwrap();
    let mut results = run(&Plan::from_file(&dir.join("demo.toml"), None).unwrap());
    let out = dir.join("out");
    oa_bundle::write(&mut results, &out).unwrap();
    out
}

fn edit(path: &Path, f: impl Fn(String) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    std::fs::write(path, f(text)).unwrap();
}

#[test]
fn damaged_bundles_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let out = demo_bundle(tmp.path());
    oa_bundle::verify(&out).unwrap();

    // A later layout.
    let manifest = out.join("manifest.json");
    let original = std::fs::read_to_string(&manifest).unwrap();
    edit(&manifest, |t| {
        t.replacen("\"bundle_version\": 2", "\"bundle_version\": 9", 1)
    });
    let e = oa_bundle::read(&out).unwrap_err();
    assert!(
        matches!(e, BundleError::NewerVersion { found: 9, .. }),
        "{e}"
    );
    assert!(
        e.to_string().contains("manifest.json") && e.to_string().contains("upgrade"),
        "{e}"
    );
    std::fs::write(&manifest, "{ not json").unwrap();
    let e = oa_bundle::read(&out).unwrap_err().to_string();
    assert!(e.contains("manifest.json") && e.contains("line 1"), "{e}");
    std::fs::write(&manifest, &original).unwrap();

    // A cell that is not a number, a column added by hand, a file removed.
    let scores = out.join("scores.csv");
    let before = std::fs::read_to_string(&scores).unwrap();
    let line3 = before.lines().nth(2).unwrap().to_string();
    let score = line3.split(',').nth(2).unwrap().to_string();
    edit(&scores, |t| {
        t.replacen(&line3, &line3.replacen(&score, "high", 1), 1)
    });
    let e = oa_bundle::read(&out).unwrap_err();
    assert!(
        matches!(&e, BundleError::BadCell { line: 3, column, .. } if column == "score"),
        "{e}"
    );
    assert!(e.to_string().contains("scores.csv"), "{e}");
    // verify names the changed file too.
    let e = oa_bundle::verify(&out).unwrap_err().to_string();
    assert!(
        e.contains("scores.csv") && e.contains("changed after"),
        "{e}"
    );
    edit(&scores, |t| t.replacen("area_code,", "area_code,extra,", 1));
    let e = oa_bundle::read(&out).unwrap_err();
    assert!(
        matches!(
            e,
            BundleError::Inconsistent { .. } | BundleError::UnknownColumn { .. }
        ),
        "{e}"
    );
    std::fs::write(&scores, &before).unwrap();
    std::fs::remove_file(out.join("coverage.csv")).unwrap();
    let e = oa_bundle::read(&out).unwrap_err();
    assert!(matches!(e, BundleError::MissingFile { .. }), "{e}");
    assert!(e.to_string().contains("coverage.csv"), "{e}");
    let e = oa_bundle::read(&tmp.path().join("nowhere")).unwrap_err();
    assert!(matches!(e, BundleError::NotABundle { .. }), "{e}");
}

#[test]
fn a_section_is_replaced_inside_a_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let out = demo_bundle(tmp.path());
    let mut results = oa_bundle::read(&out).unwrap();
    let plan = Plan::from_toml(
        results.study_toml.clone(),
        "demo.toml",
        tmp.path().to_path_buf(),
    )
    .unwrap();
    let again = oa_pipeline::select(&plan, &results).unwrap();
    assert_eq!(&again, results.selection.as_ref().unwrap());
    std::fs::remove_file(out.join("selection.md")).unwrap();
    results.selection = Some(again);
    let written = oa_bundle::update(&out, &mut results, &[oa_bundle::Section::Selection]).unwrap();
    assert_eq!(written, ["selection.csv", "selection.md"]);
    oa_bundle::verify(&out).unwrap();
    let read = oa_bundle::read(&out).unwrap();
    assert_eq!(read.selection, results.selection);
}
