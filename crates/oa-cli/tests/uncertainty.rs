//! `oa uncertainty` end to end on a small generated study: outputs, determinism across
//! thread counts, bad input (exit 2, nothing written).

use std::path::Path;
use std::process::{Command, Output};

fn write_study(dir: &Path, extra: &str) -> std::path::PathBuf {
    let mut csv = String::from("code,a,b,c\n");
    for i in 0..40u64 {
        let h = |k: u64| ((i * 2654435761 + k * 97) % 1000) as f64 / 10.0 + i as f64;
        csv.push_str(&format!("E07{i:06},{},{},{}\n", h(1), h(2), h(3)));
    }
    std::fs::write(dir.join("d.csv"), csv).unwrap();
    let study = format!(
        r#"schema = 1
[study]
id = "t"
title = "t"
[geography]
area_type = "lad"
vintage = 2019
[[sources]]
id = "d"
path = "d.csv"
code_column = "code"
[[indicators]]
id = "a"
direction = "higher_is_better"
[[indicators]]
id = "b"
direction = "higher_is_better"
weight = 2
[[indicators]]
id = "c"
direction = "higher_is_worse"
[method]
normalisation = {{ method = "min_max", low = 1, high = 100 }}
[scoring]
score = "higher_is_better"
rank_1 = "worst"
[[bands.named]]
name = "coldspot"
end = "worst"
share = 0.2
[uncertainty]
seed = 5
{extra}
"#
    );
    let path = dir.join("study.toml");
    std::fs::write(&path, study).unwrap();
    path
}

fn oa(args: &[&str], threads: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oa"))
        .args(args)
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .unwrap()
}

const INPUTS: &str = r#"weights = { noise = "uniform", spread = 0.3 }
normalisations = [{ method = "min_max", low = 1, high = 100 }, { method = "rank" }]
aggregations = [{ method = "arithmetic" }, { method = "geometric" }]
sobol = { samples = 100, bootstrap = 100 }"#;

#[test]
fn writes_summaries_and_sensitivity_identically_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let study = write_study(dir.path(), INPUTS);
    let s = study.to_str().unwrap();
    let run = |out: &str, threads: &str| {
        let out = dir.path().join(out);
        let o = oa(
            &[
                "uncertainty",
                s,
                "--samples",
                "300",
                "--out",
                out.to_str().unwrap(),
                "--quiet",
            ],
            threads,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    };
    let one = run("one", "1");
    let two = run("two", "2");
    for f in [
        "uncertainty.csv",
        "sensitivity.csv",
        "uncertainty.svg",
        "sensitivity.svg",
    ] {
        let a = std::fs::read(one.join(f)).unwrap();
        assert_eq!(
            a,
            std::fs::read(two.join(f)).unwrap(),
            "{f} differs between 1 and 2 threads"
        );
    }
    let text = std::fs::read_to_string(one.join("uncertainty.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("area_code,nominal_rank,median_rank,p05_rank,p95_rank,p_coldspot")
    );
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 40);
    let mut p_sum = 0.0;
    for r in &rows {
        let (lo, med, hi): (u32, u32, u32) = (
            r[3].parse().unwrap(),
            r[2].parse().unwrap(),
            r[4].parse().unwrap(),
        );
        assert!(1 <= lo && lo <= med && med <= hi && hi <= 40, "{r:?}");
        let p: f64 = r[5].parse().unwrap();
        assert!((0.0..=1.0).contains(&p));
        p_sum += p;
    }
    // Each sample puts exactly 8 areas (20% of 40) in the band.
    assert!((p_sum - 8.0).abs() < 1e-9, "{p_sum}");
    let sens = std::fs::read_to_string(one.join("sensitivity.csv")).unwrap();
    let inputs: Vec<&str> = sens
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(inputs, ["weights", "normalisation", "aggregation"]);
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o_str = out.to_str().unwrap();
    let study = write_study(dir.path(), INPUTS);
    let o = oa(
        &[
            "uncertainty",
            study.to_str().unwrap(),
            "--samples",
            "0",
            "--out",
            o_str,
        ],
        "1",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--samples"));
    let o = oa(
        &[
            "uncertainty",
            study.to_str().unwrap(),
            "--samples",
            "-4",
            "--out",
            o_str,
        ],
        "1",
    );
    assert_eq!(o.status.code(), Some(2));
    let study = write_study(
        dir.path(),
        r#"aggregations = [{ method = "geometric" }]
normalisations = [{ method = "zscore" }]"#,
    );
    let o = oa(
        &["uncertainty", study.to_str().unwrap(), "--out", o_str],
        "1",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("uncertainty.aggregations"));
    let study = write_study(
        dir.path(),
        r#"weights = { noise = "uniform", spread = 1.2 }"#,
    );
    let o = oa(
        &["uncertainty", study.to_str().unwrap(), "--out", o_str],
        "1",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("uncertainty.weights.spread"));
    let study = write_study(
        dir.path(),
        "sobol = { samples = 5 }\nweights = { noise = \"uniform\", spread = 0.1 }",
    );
    let o = oa(
        &["uncertainty", study.to_str().unwrap(), "--out", o_str],
        "1",
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("sobol.samples"));
    assert!(!out.exists(), "no output on error");
}

#[test]
fn the_shipped_study_is_valid() {
    let path = oa_testkit::repo_path("studies/imd2019-uncertainty.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let study = oa_model::Study::from_toml_str(&text, "imd2019-uncertainty.toml").unwrap();
    let u = study.uncertainty.unwrap();
    assert_eq!(u.normalisations.len(), 2);
    assert_eq!(u.aggregations.len(), 2);
    assert!(u.weights.is_some());
    assert_eq!(study.bands.named[0].name, "coldspot");
}

/// A low-noise analysis with a selection of 5 of the 40 areas: the most needy area
/// (E07000000, rank 1) excluded, the least needy (E07000039) included.
const SELECTION: &str = r#"weights = { noise = "uniform", spread = 0.05 }

[selection]
count = 5
must_include = ["E07000039"]
must_exclude = ["E07000000"]"#;

#[test]
fn p_selected_follows_the_rules_and_the_nominal_selection() {
    let dir = tempfile::tempdir().unwrap();
    let study = write_study(dir.path(), SELECTION);
    let run = |out: &str, threads: &str| {
        let out = dir.path().join(out);
        let o = oa(
            &[
                "uncertainty",
                study.to_str().unwrap(),
                "--samples",
                "200",
                "--out",
                out.to_str().unwrap(),
                "--quiet",
            ],
            threads,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    };
    let one = run("one", "1");
    let two = run("two", "2");
    for f in ["uncertainty.csv", "selection_stability.csv"] {
        assert_eq!(
            std::fs::read(one.join(f)).unwrap(),
            std::fs::read(two.join(f)).unwrap(),
            "{f} differs between 1 and 2 threads"
        );
    }
    let text = std::fs::read_to_string(one.join("uncertainty.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("area_code,nominal_rank,median_rank,p05_rank,p95_rank,p_coldspot,p_selected")
    );
    let p: Vec<(String, f64)> = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), f[6].parse().unwrap())
        })
        .collect();
    assert_eq!(p.len(), 40);
    assert!(p.iter().all(|(_, x)| (0.0..=1.0).contains(x)), "{p:?}");
    let of = |code: &str| p.iter().find(|(c, _)| c == code).unwrap().1;
    assert_eq!(of("E07000039"), 1.0);
    assert_eq!(of("E07000000"), 0.0);
    // Every feasible sample selects exactly 5 areas.
    let total: f64 = p.iter().map(|(_, x)| x).sum();
    assert!((total - 5.0).abs() < 1e-4, "{total}");

    let stability = std::fs::read_to_string(one.join("selection_stability.csv")).unwrap();
    let mut lines = stability.lines();
    assert_eq!(
        lines.next(),
        Some("samples,feasible,infeasible,share_equal_nominal,mean_jaccard,nominal_selected")
    );
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&row[..3], ["200", "200", "0"]);
    let share_equal: f64 = row[3].parse().unwrap();
    let jaccard: f64 = row[4].parse().unwrap();
    assert!((0.0..=1.0).contains(&share_equal) && share_equal <= jaccard && jaccard <= 1.0);
    let nominal: Vec<&str> = row[5].split(';').collect();
    assert_eq!(nominal.len(), 5);
    assert!(nominal.contains(&"E07000039") && !nominal.contains(&"E07000000"));
    // Low noise: the nominal set is the most often selected.
    let lowest_in = nominal.iter().map(|c| of(c)).fold(1.0, f64::min);
    let highest_out = p
        .iter()
        .filter(|(c, _)| !nominal.contains(&c.as_str()))
        .map(|(_, x)| *x)
        .fold(0.0, f64::max);
    assert!(lowest_in > highest_out, "{lowest_in} <= {highest_out}");
    assert!(lowest_in > 0.5, "{lowest_in}");
}
