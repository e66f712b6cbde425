//! The dashboard end to end in headless Chromium: runs `e2e/run.mjs` (playwright-core
//! driving Debian's /usr/bin/chromium; axe-core for accessibility) against this build's
//! `oa` binary. It installs the e2e packages with `npm ci` when they are missing and fails
//! loudly, never skips, when node, npm or chromium is missing. Screenshots land in
//! `e2e/artifacts/`.

use std::path::PathBuf;
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("the repository root")
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn dashboard_in_headless_chromium() {
    let root = repo();
    let e2e = root.join("e2e");
    assert!(
        have("node"),
        "node is missing: install Node.js 20 (the dashboard's end-to-end tests need it)"
    );
    let chromium = std::env::var("OA_E2E_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        PathBuf::from(&chromium).is_file(),
        "{chromium} is missing: install Debian's chromium (apt-get install chromium), or set OA_E2E_CHROMIUM"
    );
    if !e2e.join("node_modules/playwright-core").is_dir()
        || !e2e.join("node_modules/axe-core").is_dir()
    {
        assert!(
            have("npm"),
            "npm is missing: it installs e2e/package-lock.json"
        );
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&e2e)
            .status()
            .expect("running npm ci");
        assert!(status.success(), "npm ci --prefix e2e failed");
    }
    // The evaluation's pages need a bundle with an evaluation: the shipped study, with
    // fewer placebo and randomisation draws for the test's time.
    let tmp = tempfile::tempdir().unwrap();
    let study = std::fs::read_to_string(root.join("studies/opportunity-areas-evaluation.toml"))
        .unwrap()
        .replace("placebos = 200", "placebos = 20")
        .replace("draws = 10000", "draws = 500");
    let study_path = tmp.path().join("oa-eval.toml");
    std::fs::write(&study_path, study).unwrap();
    let bundle = tmp.path().join("oa-eval");
    let run = Command::new(env!("CARGO_BIN_EXE_oa"))
        .arg("run")
        .arg(&study_path)
        .arg("--data-dir")
        .arg(oa_testkit::shared_data_dir())
        .arg("--out")
        .arg(&bundle)
        .arg("--quiet")
        .output()
        .expect("running oa run");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let out = Command::new("node")
        .arg(e2e.join("run.mjs"))
        .arg(env!("CARGO_BIN_EXE_oa"))
        .env("OA_E2E_EVALUATION", &bundle)
        .current_dir(&root)
        .output()
        .expect("running node e2e/run.mjs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the end-to-end run failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("steps passed"), "{stdout}");
    for shot in [
        "01-national.png",
        "02-area-profile.png",
        "04-kpi-recorded.png",
        "05-refused.png",
        "08-programme-evaluation.png",
        "09-area-evaluation.png",
    ] {
        assert!(
            e2e.join("artifacts").join(shot).is_file(),
            "no screenshot {shot}"
        );
    }
}
