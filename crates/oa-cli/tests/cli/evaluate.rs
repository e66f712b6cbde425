//! `oa evaluate`: the quick form on the published examples reproduces the reference
//! implementations' estimates through the binary (Proposition 99's synthetic DiD -15.6 as
//! synthdid; mpdta's simple ATT -0.0400 as R `did`), and bad input exits 2 with nothing
//! written.

use crate::support::{Csv, num, oa, oa_ok, temp};
use oa_testkit::shared_data;

/// The `att` row of `method` in an `evaluation.csv`.
fn att(csv: &Csv, method: &str) -> Vec<String> {
    csv.rows
        .iter()
        .find(|r| r[0] == method && r[1] == "att" && r[2] == "all")
        .unwrap_or_else(|| panic!("no overall {method} row"))
        .clone()
}

#[test]
fn proposition_99_through_the_binary() {
    let tmp = temp();
    let out = tmp.path().join("prop99");
    let panel = shared_data("evaluation-examples/california_prop99.csv");
    let run = oa_ok([
        "evaluate".as_ref(),
        "--panel".as_ref(),
        panel.as_os_str(),
        "--unit".as_ref(),
        "State".as_ref(),
        "--period".as_ref(),
        "Year".as_ref(),
        "--outcome".as_ref(),
        "PacksPerCapita".as_ref(),
        "--treated".as_ref(),
        "treated".as_ref(),
        "--method".as_ref(),
        "did,sc,sdid".as_ref(),
        "--placebos".as_ref(),
        "50".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let csv = Csv::read(&out.join("evaluation.csv"));
    assert_eq!(
        csv.headers[..9],
        [
            "method", "estimand", "group", "period", "estimate", "se", "ci_low", "ci_high",
            "p_value"
        ]
    );
    // Published: SDID -15.6 (Python synthdid -15.60383), DiD -27.3.
    let sdid = num(&att(&csv, "sdid")[4]);
    assert!((sdid - -15.60383).abs() < 5e-5, "{sdid}");
    let did = num(&att(&csv, "did")[4]);
    assert!((did - -27.3491).abs() < 5e-4, "{did}");
    // A standard error from the placebo replications, and an interval around the estimate.
    let row = att(&csv, "sdid");
    let (se, low, high) = (num(&row[5]), num(&row[6]), num(&row[7]));
    assert!(se > 0.0 && low < sdid && sdid < high, "{row:?}");
    assert!(
        run.stdout
            .contains("sdid PacksPerCapita vs never_treated: -15.6038"),
        "{}",
        run.stdout
    );
    for f in ["weights.csv", "evaluation_paths.csv", "evaluation.md"] {
        assert!(out.join(f).is_file(), "{f}");
    }
    // California against its synthetic control, drawn.
    let charts: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("evaluation_synthetic_"))
        .collect();
    assert!(!charts.is_empty());
    // SDID unit weights sum to one.
    let weights = Csv::read(&out.join("weights.csv"));
    let total: f64 = weights
        .rows
        .iter()
        .filter(|r| r[0] == "sdid" && r[3] == "unit" && r[6] == "all")
        .map(|r| num(&r[2]))
        .sum();
    assert!((total - 1.0).abs() < 1e-9, "{total}");
}

#[test]
fn mpdta_simple_att_through_the_binary() {
    let tmp = temp();
    let out = tmp.path().join("mpdta");
    let panel = shared_data("evaluation-examples/mpdta.csv");
    oa_ok([
        "evaluate".as_ref(),
        "--panel".as_ref(),
        panel.as_os_str(),
        "--unit".as_ref(),
        "countyreal".as_ref(),
        "--period".as_ref(),
        "year".as_ref(),
        "--outcome".as_ref(),
        "lemp".as_ref(),
        "--first-treated".as_ref(),
        "first.treat".as_ref(),
        "--method".as_ref(),
        "cs".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let csv = Csv::read(&out.join("evaluation.csv"));
    let cs = att(&csv, "cs");
    assert_eq!(format!("{:.4}", num(&cs[4])), "-0.0400", "{cs:?}");
    // Every group-time effect of the three groups over five years: 3 x 4 cells.
    let cells = csv
        .rows
        .iter()
        .filter(|r| r[0] == "cs" && r[1] == "att_gt")
        .count();
    assert_eq!(cells, 12);
    // ATT(2004, 2004) = -0.0105 in R `did`.
    let cell = csv
        .rows
        .iter()
        .find(|r| r[1] == "att_gt" && r[2] == "2004" && r[3] == "2004")
        .unwrap();
    assert_eq!(format!("{:.4}", num(&cell[4])), "-0.0105");
}

/// Runs the quick form with `extra` arguments on `panel` and expects exit 2 with a
/// message containing `says` and nothing in the output folder.
fn refused(panel: &std::path::Path, extra: &[&str], says: &str) {
    let tmp = temp();
    let out = tmp.path().join("out");
    let mut args: Vec<std::ffi::OsString> = vec!["evaluate".into(), "--panel".into(), panel.into()];
    args.extend(extra.iter().map(|a| a.into()));
    args.extend(["--out".into(), out.clone().into_os_string()]);
    let r = oa(&args);
    assert_eq!(r.code, 2, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains(says), "{says}: {}", r.stderr);
    assert!(!out.exists(), "{} was written", out.display());
}

#[test]
fn bad_input_exits_2_with_nothing_written() {
    let tmp = temp();
    let base = [
        "--unit",
        "u",
        "--period",
        "p",
        "--outcome",
        "y",
        "--method",
        "did",
    ];
    let treated = [&base[..], &["--treated", "d"]].concat();
    // (file, its text, what the message must say)
    let cases = [
        // A unit-period given twice: the second line named.
        (
            "dup.csv",
            "u,p,y,d\nA,2001,1,0\nA,2002,2,1\nB,2001,1,0\nB,2002,1,0\nB,2002,3,0\n",
            "line 6",
        ),
        // A gap: the missing unit-period named.
        (
            "gap.csv",
            "u,p,y,d\nA,2001,1,0\nA,2002,2,1\nB,2001,1,0\nC,2001,1,0\nC,2002,1,0\n",
            "B in 2002",
        ),
        // Treatment that switches off.
        (
            "off.csv",
            "u,p,y,d\nA,2001,1,0\nA,2002,2,1\nA,2003,2,0\nB,2001,1,0\nB,2002,1,0\nB,2003,1,0\n",
            "must be absorbing",
        ),
        // A treatment flag that is not 0 or 1.
        (
            "flag.csv",
            "u,p,y,d\nA,2001,1,0\nA,2002,2,2\nB,2001,1,0\nB,2002,1,0\n",
            "0 or 1",
        ),
        // A period that does not read.
        (
            "period.csv",
            "u,p,y,d\nA,2001,1,0\nA,20x2,2,1\nB,2001,1,0\nB,2002,1,0\n",
            "line 3",
        ),
    ];
    for (name, text, says) in cases {
        let path = tmp.path().join(name);
        std::fs::write(&path, text).unwrap();
        refused(&path, &treated, says);
    }
    let good = tmp.path().join("good.csv");
    std::fs::write(
        &good,
        "u,p,y,d\nA,2001,1,0\nA,2002,2,1\nB,2001,1,0\nB,2002,1,0\n",
    )
    .unwrap();
    // A column that is not there.
    refused(
        &good,
        &[&base[..], &["--treated", "treated"]].concat(),
        "treated",
    );
    // Who is treated is not said.
    refused(&good, &base, "--treated");
    // A method that does not exist.
    let magic: Vec<&str> = base
        .iter()
        .map(|a| if *a == "did" { "magic" } else { a })
        .collect();
    refused(&good, &[&magic[..], &["--treated", "d"]].concat(), "magic");
    // A file that does not exist.
    refused(&tmp.path().join("absent.csv"), &treated, "does not exist");
}
