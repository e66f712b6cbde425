//! Writing, replacing and refusing folders; permissions.

use crate::support::{entries, results, written};
use oa_bundle::BundleError;

#[test]
fn a_bundle_is_written_whole_and_replaces_an_earlier_one() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    let mut r = results();
    oa_bundle::write(&mut r, &out).unwrap();
    assert_eq!(
        entries(&out),
        [
            "coverage.csv",
            "indicators.csv",
            "manifest.json",
            "scores.csv",
            "study.toml"
        ]
    );
    // Nothing is left beside it.
    assert_eq!(entries(root.path()), ["out"]);
    let m = &r.manifest;
    assert_eq!(m.bundle_version, oa_bundle::BUNDLE_VERSION);
    let outputs: Vec<&str> = m.outputs.iter().map(|o| o.path.as_str()).collect();
    assert_eq!(
        outputs,
        ["coverage.csv", "indicators.csv", "scores.csv", "study.toml"]
    );
    let headline = m.headline.as_ref().unwrap();
    assert_eq!((headline.score.as_str(), headline.areas), ("score", 2));
    assert_eq!(headline.bands, ["coldspot"]);
    oa_bundle::verify(&out).unwrap();

    // An earlier bundle is replaced, with Parquet and XLSX copies this time.
    r.manifest.formats = vec!["csv".into(), "parquet".into(), "xlsx".into()];
    std::fs::write(out.join("stale.txt"), "from before").unwrap();
    oa_bundle::write(&mut r, &out).unwrap();
    let files = entries(&out);
    assert!(!files.contains(&"stale.txt".to_string()), "{files:?}");
    assert!(
        files.contains(&"scores.parquet".to_string())
            && files.contains(&"coverage.xlsx".to_string())
    );
    assert_eq!(entries(root.path()), ["out"]);
}

#[test]
fn a_folder_that_is_not_a_bundle_is_refused_untouched() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("mine");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("thesis.docx"), "precious").unwrap();
    let e = oa_bundle::write(&mut results(), &out).unwrap_err();
    assert!(matches!(e, BundleError::OutputRefused { .. }), "{e}");
    assert!(e.to_string().contains("no manifest.json"), "{e}");
    assert_eq!(entries(&out), ["thesis.docx"]);
    assert_eq!(entries(root.path()), ["mine"]);
    // A file in the way.
    let file = root.path().join("file");
    std::fs::write(&file, "x").unwrap();
    assert!(oa_bundle::check_out(&file).is_err());
    // An empty folder is fine.
    let empty = root.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    oa_bundle::write(&mut results(), &empty).unwrap();
}

#[cfg(unix)]
#[test]
fn outputs_are_readable_by_colleagues() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    oa_bundle::write(&mut results(), &out).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&out), 0o755);
    for f in entries(&out) {
        assert_eq!(
            mode(&out.join(&f)) & 0o044,
            0o044,
            "{f} is not readable by group and others"
        );
    }
    let loose = root.path().join("loose");
    let files = vec![oa_bundle::File::Bytes {
        name: "uncertainty.svg".into(),
        bytes: b"<svg/>",
    }];
    assert_eq!(
        oa_bundle::write_loose(&files, &loose).unwrap(),
        ["uncertainty.svg"]
    );
    assert_eq!(entries(&loose), ["uncertainty.svg"]);
    assert_eq!(mode(&loose.join("uncertainty.svg")) & 0o044, 0o044);
}

/// `indicators.csv` repeats the areas of `scores.csv`; the results hold them once, so a
/// copy that no longer matches (a code or a name changed, a column removed) is refused.
#[test]
fn indicators_of_other_areas_are_refused() {
    let (_tmp, out, path, original) = written(results(), "indicators.csv");
    let (header, rows) = original.split_once('\n').unwrap();
    let without_names = original
        .lines()
        .map(|l| {
            let (code, rest) = l.split_once(',').unwrap();
            let values = rest.rsplit_once(',').unwrap().1;
            format!("{code},{values}\n")
        })
        .collect::<String>();
    assert!(
        without_names.starts_with("area_code,a\n"),
        "{without_names}"
    );
    for edited in [
        format!("{header}\n{}", rows.replacen("E2,", "E9,", 1)),
        format!(
            "{header}\n{}",
            rows.replacen("\"Two, the second\"", "Two", 1)
        ),
        without_names,
    ] {
        assert_ne!(edited, original);
        std::fs::write(&path, &edited).unwrap();
        let e = oa_bundle::read(&out).unwrap_err();
        assert!(e.to_string().contains("indicators.csv"), "{edited}: {e}");
        if edited.starts_with("area_code,area_name") {
            assert!(e.to_string().contains("scores.csv"), "{edited}: {e}");
        } else {
            assert!(e.to_string().contains("area_name"), "{edited}: {e}");
        }
    }
    std::fs::write(&path, original).unwrap();
    oa_bundle::read(&out).unwrap();
}
