//! Running a study in process and round-tripping its bundle.

use oa_bundle::Results;
use oa_pipeline::{NoProgress, Plan};
use std::path::Path;

/// Runs the shipped study `studies/<name>.toml` on the shared data.
pub fn run_shipped(name: &str) -> Results {
    let plan = Plan::from_file(
        &oa_testkit::repo_path(&format!("studies/{name}.toml")),
        Some(&oa_testkit::shared_data_dir()),
    )
    .unwrap();
    run(&plan)
}

/// Runs the shipped study `studies/<name>.toml` with some settings changed in its text
/// (fewer Monte Carlo samples, to keep a test quick): each (from, to) must apply.
pub fn run_shipped_with(name: &str, edits: &[(&str, &str)]) -> Results {
    let path = oa_testkit::repo_path(&format!("studies/{name}.toml"));
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "{name}: no `{from}` to change");
        text = text.replacen(from, to, 1);
    }
    let plan = Plan::from_toml(
        text.into_bytes(),
        &path.display().to_string(),
        oa_testkit::shared_data_dir(),
    )
    .unwrap();
    run(&plan)
}

pub fn run(plan: &Plan) -> Results {
    oa_pipeline::run(plan, &NoProgress).unwrap_or_else(|e| panic!("{}: {e}", plan.study_path))
}

/// Writes `results`, reads the bundle back and writes that again: every file of the two
/// bundles is identical (so the reader recovers all the writer wrote), and the results
/// read back equal those written (compared through `Debug`, in which NaN equals NaN).
/// Returns the results read back.
pub fn round_trip(mut results: Results) -> Results {
    let tmp = tempfile::tempdir().unwrap();
    let first = tmp.path().join("first");
    oa_bundle::write(&mut results, &first).unwrap();
    let mut read = oa_bundle::read(&first).unwrap();
    let (a, b) = (format!("{read:?}"), format!("{results:?}"));
    if a != b {
        let at = a
            .bytes()
            .zip(b.bytes())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        let window = |s: &str| s[at.saturating_sub(200)..(at + 200).min(s.len())].to_string();
        panic!(
            "{}: the results read back differ from those written:\nread:    {}\nwritten: {}",
            results.study.study.id,
            window(&a),
            window(&b)
        );
    }
    let second = tmp.path().join("second");
    oa_bundle::write(&mut read, &second).unwrap();
    for file in files(&first) {
        let (a, b) = (
            std::fs::read(first.join(&file)).unwrap(),
            std::fs::read(second.join(&file)).unwrap_or_default(),
        );
        if file == "manifest.json" {
            // Only the time the second write took differs.
            let without_write = |bytes: &[u8]| {
                let mut m: serde_json::Value = serde_json::from_slice(bytes).unwrap();
                m["timings"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|t| t["stage"] != "write tables");
                m
            };
            assert_eq!(without_write(&a), without_write(&b));
        } else {
            assert!(a == b, "{file} differs after a round trip");
        }
    }
    assert_eq!(files(&first), files(&second));
    oa_bundle::verify(&second).unwrap();
    read
}

/// The files of a bundle, sorted.
pub fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}
