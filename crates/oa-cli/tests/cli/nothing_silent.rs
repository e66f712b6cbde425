//! Issue 15 at the command line: `oa audit` into a bundle or a folder, `oa validate`
//! reporting every problem at once, `oa run` printing its notes, the build in the
//! manifest, and files readable by colleagues (the demo's input, `oa map` outputs).

use crate::support::{oa, oa_ok, temp};
use std::path::Path;

/// `oa demo` into `dir`; returns (study, bundle).
fn demo(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    oa_ok([
        "demo".as_ref(),
        "--out".as_ref(),
        dir.as_os_str(),
        "--quiet".as_ref(),
    ]);
    (dir.join("input/demo.toml"), dir.join("results"))
}

#[test]
fn audit_writes_into_a_bundle_of_the_same_study_or_a_folder() {
    let tmp = temp();
    let (study, bundle) = demo(&tmp.path().join("demo"));
    // The demo declares [audit]: `oa run` wrote the section.
    let before = oa_bundle::read(&bundle).unwrap();
    let audit = before.audit.clone().expect("the demo study has [audit]");
    assert!(
        before
            .manifest
            .sections
            .contains(&oa_bundle::Section::Audit)
    );
    for f in oa_bundle::AUDIT_CHARTS {
        assert!(bundle.join(f).is_file(), "{f}");
    }

    // Into a folder that is not a bundle: the same tables, byte for byte.
    let folder = tmp.path().join("audit");
    let r = oa_ok([
        "audit".as_ref(),
        study.as_os_str(),
        "--out".as_ref(),
        folder.as_os_str(),
    ]);
    assert!(r.stdout.contains("audited 12 indicators"), "{}", r.stdout);
    // The demo's adulthood stage mixes pay and house prices: flagged.
    assert!(
        r.stdout.contains("adulthood: Cronbach's alpha"),
        "{}",
        r.stdout
    );
    for t in &audit.tables {
        let name = format!("{}.csv", t.stem);
        assert_eq!(
            std::fs::read(folder.join(&name)).unwrap(),
            std::fs::read(bundle.join(&name)).unwrap(),
            "{name}"
        );
    }

    // Into the bundle again: the files are replaced (a chart spoilt by hand is written
    // again), the manifest records them, and the bundle still reads and verifies.
    std::fs::write(bundle.join("audit_weights.svg"), "<svg/>").unwrap();
    assert!(oa_bundle::verify(&bundle).is_err());
    oa_ok([
        "audit".as_ref(),
        study.as_os_str(),
        "--out".as_ref(),
        bundle.as_os_str(),
        "--quiet".as_ref(),
    ]);
    oa_bundle::verify(&bundle).unwrap();
    let after = oa_bundle::read(&bundle).unwrap();
    assert_eq!(after.audit, Some(audit));

    // A bundle of another study is refused, untouched.
    let other = tmp.path().join("other.toml");
    let text = std::fs::read_to_string(&study)
        .unwrap()
        .replace("strengths = 3", "strengths = 2");
    std::fs::write(&other, text).unwrap();
    let r = oa([
        "audit".as_ref(),
        other.as_os_str(),
        "--data-dir".as_ref(),
        study.parent().unwrap().as_os_str(),
        "--out".as_ref(),
        bundle.as_os_str(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("another study"), "{}", r.stderr);
    oa_bundle::verify(&bundle).unwrap();
}

#[test]
fn validate_lists_every_problem_and_exits_2() {
    let tmp = temp();
    let (study, _) = demo(&tmp.path().join("demo"));
    let text = std::fs::read_to_string(&study)
        .unwrap()
        .replacen(
            "[maps]\nboundaries = \"boundaries.geojson\"",
            "[maps]\nboundaries = \"borders.geojson\"",
            1,
        )
        .replacen("path = \"areas.csv\"", "path = \"regions.csv\"", 1);
    std::fs::write(&study, text).unwrap();
    let r = oa(["validate".as_ref(), study.as_os_str()]);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    assert_eq!(errors.len(), 2, "{}", r.stderr);
    assert!(errors.iter().any(|e| e.contains("borders.geojson")));
    assert!(errors.iter().any(|e| e.contains("regions.csv")));
    assert!(r.stdout.contains("2 problems found"), "{}", r.stdout);
    // What could not be checked because of them is said.
    assert!(
        r.stdout.contains("not checked: the selection"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("not checked: the maps"), "{}", r.stdout);
    assert!(r.stdout.contains("not checked: the funds"), "{}", r.stdout);
    assert!(
        r.stdout.contains("not checked: the uncertainty"),
        "{}",
        r.stdout
    );
    // The index and clusters were still checked.
    assert!(
        r.stdout.contains("index: computed, 234 areas ranked"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("clusters: every one of the 234 areas"),
        "{}",
        r.stdout
    );
}

#[test]
fn validate_lists_codes_that_do_not_join_and_run_prints_notes() {
    let tmp = temp();
    let dir = tmp.path();
    std::fs::write(
        dir.join("study.toml"),
        "schema = 1\n[study]\nid = \"j\"\ntitle = \"Joins\"\n[geography]\narea_type = \"lad\"\nvintage = 2019\n\
         [[sources]]\nid = \"a\"\npath = \"a.csv\"\ncode_column = \"code\"\n\
         [[sources]]\nid = \"b\"\npath = \"b.csv\"\ncode_column = \"code\"\n\
         [[indicators]]\nid = \"x\"\nsource = \"a\"\ndirection = \"higher_is_better\"\n\
         [[indicators]]\nid = \"y\"\nsource = \"b\"\ndirection = \"higher_is_better\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("a.csv"),
        "code,x\nE08000037,1\nE06000057,2\ne06000001,3\nE06000002,4\n",
    )
    .unwrap();
    // Published with the codes of before 2013 and a county.
    std::fs::write(
        dir.join("b.csv"),
        "code,y\nE08000020,1\nE06000048,2\nE06000001,3\nE06000002,4\nE10000002,5\n",
    )
    .unwrap();
    let r = oa_ok(["validate".as_ref(), dir.join("study.toml").as_os_str()]);
    assert!(
        r.stdout
            .contains("join b: 3 codes not used (not areas of the study): E08000020")
            && r.stdout.contains("E10000002 (a county)"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout
            .contains("join b: no row for 2 areas: E08000037, E06000057"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("read upper case: `e06000001` (line 4)"),
        "{}",
        r.stdout
    );
    let out = dir.join("out");
    let r = oa_ok([
        "run".as_ref(),
        dir.join("study.toml").as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert!(
        r.stderr.contains("note: source `b`: 3 codes are not areas"),
        "{}",
        r.stderr
    );
    let m = oa_bundle::read(&out).unwrap().manifest;
    assert!(
        m.notes.iter().any(|n| n.contains("E10000002 (a county)")),
        "{:?}",
        m.notes
    );
    assert_eq!(m.sources.len(), 2);
    assert_eq!(m.sources[0].recased, 1);
}

#[test]
fn the_manifest_records_the_build() {
    let tmp = temp();
    let (_, bundle) = demo(&tmp.path().join("demo"));
    let m = oa_bundle::read(&bundle).unwrap().manifest;
    let build = m.build.expect("the build is recorded");
    assert_eq!(build.version, m.oa_version);
    // Built in this checkout: the commit is recorded; outside git it would be absent.
    let in_git = std::process::Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(oa_testkit::repo_root())
        .output()
        .is_ok_and(|o| o.status.success());
    match (&build.commit, in_git) {
        (Some(c), true) => {
            assert_eq!(c.len(), 40, "{c}");
            assert!(c.chars().all(|x| x.is_ascii_hexdigit()), "{c}");
        }
        (None, false) => {}
        other => panic!("commit {other:?}"),
    }
}

#[cfg(unix)]
#[test]
fn demo_input_and_maps_are_readable_by_colleagues() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = temp();
    let (_, bundle) = demo(&tmp.path().join("demo"));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let input = tmp.path().join("demo/input");
    for entry in std::fs::read_dir(&input).unwrap() {
        let path = entry.unwrap().path();
        assert_eq!(mode(&path) & 0o044, 0o044, "{}", path.display());
    }
    for ext in ["svg", "png"] {
        let map = tmp.path().join(format!("map.{ext}"));
        oa_ok([
            "map".as_ref(),
            bundle.as_os_str(),
            "--column".as_ref(),
            "score".as_ref(),
            "--out".as_ref(),
            map.as_os_str(),
        ]);
        assert_eq!(mode(&map) & 0o044, 0o044, "{}", map.display());
    }
}
