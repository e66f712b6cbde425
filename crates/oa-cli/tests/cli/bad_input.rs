//! Bad input: each case exits 2 with a one-line message that names the file and line or
//! column (or the study key) and leaves no output behind.

use crate::support::{nothing_named, oa, temp};
use std::path::Path;

const STUDY: &str = r#"schema = 1

[study]
id = "bad"
title = "Bad input"

[geography]
area_type = "lad"
vintage = 2016

[[sources]]
id = "d"
path = "data.csv"
code_column = "code"
name_column = "name"

[[indicators]]
id = "a"
direction = "higher_is_better"

[[indicators]]
id = "b"
direction = "higher_is_worse"

[method]
normalisation = { method = "zscore" }
aggregation = { method = "arithmetic" }

[bands]
quantiles = 2
"#;

const DATA: &str = "code,name,a,b
E06000001,Hartlepool,1.5,3
E06000002,Middlesbrough,2.5,4
E06000003,Redcar and Cleveland,3.0,1
E06000004,Stockton-on-Tees,4.0,2
E06000005,Darlington,5.5,6
";

/// Writes the study and data into a temp dir, runs `oa run`, and checks the failure:
/// exit 2, one line containing every `needle`, no bundle or staging directory.
fn fails(study: &str, data: Option<&str>, needles: &[&str]) {
    let tmp = temp();
    let dir = tmp.path();
    std::fs::write(dir.join("study.toml"), study).unwrap();
    if let Some(d) = data {
        std::fs::write(dir.join("data.csv"), d).unwrap();
    }
    let out = dir.join("out");
    let r = oa([
        "run".as_ref(),
        dir.join("study.toml").as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(r.code, 2, "exit code; stderr: {}", r.stderr);
    let message = r.stderr.trim();
    assert_eq!(message.lines().count(), 1, "one line: {message}");
    assert!(message.starts_with("error: "), "{message}");
    for needle in needles {
        assert!(message.contains(needle), "`{needle}` not in: {message}");
    }
    assert!(!out.exists(), "no output directory");
    assert!(nothing_named(dir, ".oa-"), "no staging directory left");
    assert!(r.stdout.is_empty(), "nothing on stdout: {}", r.stdout);
    check_no_panic(&r.stderr, dir);
}

fn check_no_panic(stderr: &str, dir: &Path) {
    assert!(!stderr.contains("panicked"), "{}: {stderr}", dir.display());
}

#[test]
fn the_good_fixture_runs() {
    // The cases below each break one thing of this working study.
    let tmp = temp();
    std::fs::write(tmp.path().join("study.toml"), STUDY).unwrap();
    std::fs::write(tmp.path().join("data.csv"), DATA).unwrap();
    let out = tmp.path().join("out");
    let r = oa([
        "run".as_ref(),
        tmp.path().join("study.toml").as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(out.join("scores.csv").is_file());
    // No progress bar when stderr is not a terminal.
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn missing_study_file() {
    let tmp = temp();
    let r = oa(["run".as_ref(), tmp.path().join("nope.toml").as_os_str()]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("nope.toml") && r.stderr.contains("not found"),
        "{}",
        r.stderr
    );
}

#[test]
fn missing_data_file() {
    fails(STUDY, None, &["data.csv", "not found"]);
}

#[test]
fn missing_column() {
    let data = DATA.replace(",b\n", ",bee\n");
    fails(STUDY, Some(&data), &["data.csv", "`b`"]);
}

#[test]
fn duplicate_area_codes() {
    let data = format!("{DATA}E06000002,Middlesbrough again,1,1\n");
    fails(
        STUDY,
        Some(&data),
        &["data.csv", "E06000002", "line 3", "line 7"],
    );
}

#[test]
fn codes_outside_the_geography() {
    // A reference list of the geography's codes; the data has one it does not list,
    // which the list knows as a later code.
    let study = STUDY.replace(
        "vintage = 2016\n",
        "vintage = 2016\n\n[geography.areas]\nid = \"lad16\"\npath = \"areas.csv\"\ncode_column = \"code\"\n",
    );
    let tmp = temp();
    std::fs::write(
        tmp.path().join("areas.csv"),
        "code,successor\nE06000001,\nE06000002,\nE06000003,\nE06000004,\nE06000099,2019:E06000005 New Darlington\n",
    )
    .unwrap();
    let dir = tmp.path();
    std::fs::write(dir.join("study.toml"), &study).unwrap();
    std::fs::write(dir.join("data.csv"), DATA).unwrap();
    let out = dir.join("out");
    let r = oa([
        "run".as_ref(),
        dir.join("study.toml").as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1);
    for needle in ["data.csv", "`code`", "E06000005", "lad 2016", "2019"] {
        assert!(r.stderr.contains(needle), "`{needle}` not in {}", r.stderr);
    }
    assert!(!out.exists());
}

#[test]
fn non_numeric_value() {
    let data = DATA.replace("2.5,4", "2.5,four");
    fails(STUDY, Some(&data), &["data.csv", "line 3", "`b`", "four"]);
}

#[test]
fn nan_value() {
    let data = DATA.replace("3.0,1", "NaN,1");
    fails(STUDY, Some(&data), &["data.csv", "line 4", "`a`"]);
}

#[test]
fn infinite_value() {
    let data = DATA.replace("4.0,2", "inf,2");
    fails(STUDY, Some(&data), &["data.csv", "line 5", "`a`"]);
}

#[test]
fn empty_table() {
    fails(STUDY, Some("code,name,a,b\n"), &["data.csv"]);
}

#[test]
fn zero_variance_under_zscores() {
    let data = "code,name,a,b\nE06000001,A,1,3\nE06000002,B,1,4\nE06000003,C,1,5\n";
    fails(STUDY, Some(data), &["study.toml", "`a`", "zscore"]);
}

#[test]
fn non_positive_values_under_a_geometric_mean() {
    let study = STUDY.replace(
        "aggregation = { method = \"arithmetic\" }",
        "aggregation = { method = \"geometric\" }",
    );
    fails(&study, Some(DATA), &["study.toml", "geometric", "> 0"]);
}

#[test]
fn unknown_study_key() {
    let study = STUDY.replace("vintage = 2016", "vintage = 2016\nvintgae = 2017");
    fails(&study, Some(DATA), &["study.toml", "vintgae"]);
}

#[test]
fn negative_weight() {
    let study = STUDY.replace(
        "id = \"a\"\ndirection = \"higher_is_better\"",
        "id = \"a\"\ndirection = \"higher_is_better\"\nweight = -1",
    );
    fails(
        &study,
        Some(DATA),
        &["study.toml", "indicators[0].weight", "-1"],
    );
}

#[test]
fn band_that_does_not_fit() {
    let study =
        format!("{STUDY}\n[[bands.named]]\nname = \"coldspot\"\nend = \"worst\"\ncount = 9\n");
    fails(&study, Some(DATA), &["study.toml", "coldspot", "9", "5"]);
}

#[test]
fn too_many_quantiles() {
    let study = STUDY.replace("quantiles = 2", "quantiles = 10");
    fails(&study, Some(DATA), &["study.toml", "quantiles", "10"]);
}

#[test]
fn unknown_output_format() {
    let tmp = temp();
    std::fs::write(tmp.path().join("study.toml"), STUDY).unwrap();
    std::fs::write(tmp.path().join("data.csv"), DATA).unwrap();
    let r = oa([
        "run".as_ref(),
        tmp.path().join("study.toml").as_os_str(),
        "--format".as_ref(),
        "csv,pdf".as_ref(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("pdf"), "{}", r.stderr);
}

#[test]
fn refuses_to_overwrite_a_folder_that_is_not_a_bundle() {
    let tmp = temp();
    std::fs::write(tmp.path().join("study.toml"), STUDY).unwrap();
    std::fs::write(tmp.path().join("data.csv"), DATA).unwrap();
    let out = tmp.path().join("precious");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("thesis.txt"), "keep me").unwrap();
    let r = oa([
        "run".as_ref(),
        tmp.path().join("study.toml").as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("precious"), "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(out.join("thesis.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn run_summary_and_error_messages_read_well() {
    let tmp = temp();
    let dir = tmp.path();
    std::fs::write(dir.join("study.toml"), STUDY).unwrap();
    std::fs::write(dir.join("data.csv"), DATA).unwrap();
    let out = dir.join("out");
    let r = oa([
        "run".as_ref(),
        dir.join("study.toml").as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let tmp_text = dir.display().to_string();
    insta::assert_snapshot!(r.stdout.replace(&tmp_text, "[TMP]"), @r"
    Bad input (bad)
      areas: 5 ranked of 5 read (0 dropped for coverage), 2 indicators, 0 values imputed
      quantiles: 2 (1 = rank-1 end)
      method as run:
        screen     areas with no value are dropped, then areas with coverage under 0
        impute     none: aggregation uses the children present
        outliers   none
        orient     indicators running against the score are negated
        normalise  zscore
        weights    given
        aggregate  arithmetic
        rank       ties 'min'; rank 1 = the `[scoring] rank_1` end
        bands      2 quantiles
      rank 1 = best:
        #1 E06000004 Stockton-on-Tees (0.541)
        #2 E06000003 Redcar and Cleveland (0.473)
      worst:
        #4 E06000002 Middlesbrough (-0.470)
        #5 E06000001 Hartlepool (-0.538)
      results: [TMP]/out
    ");
    let scores = std::fs::read_to_string(out.join("scores.csv")).unwrap();
    insta::assert_snapshot!(scores, @r"
    area_code,area_name,score,rank,band,quantile
    E06000004,Stockton-on-Tees,0.5414641894704054,1,,1
    E06000003,Redcar and Cleveland,0.47348889403344707,2,,1
    E06000005,Darlington,-0.0064169235117025325,3,,2
    E06000002,Middlesbrough,-0.4702804322775956,4,,2
    E06000001,Hartlepool,-0.5382557277145539,5,,2
    ");

    std::fs::write(dir.join("data.csv"), format!("{DATA}E06000002,Again,1,1\n")).unwrap();
    let r = oa([
        "run".as_ref(),
        dir.join("study.toml").as_os_str(),
        "--out".as_ref(),
        dir.join("out2").as_os_str(),
    ]);
    insta::assert_snapshot!(r.stderr.replace(&tmp_text, "[TMP]"), @r"
    error: [TMP]/data.csv: area code `E06000002` appears twice, at line 3 and line 7; remove one of the rows, or keep one per area with `filters` in the layout of source `d`
    ");
}

#[test]
fn missing_file_of_an_optional_section_is_found_before_computing() {
    let tmp = temp();
    let demo = tmp.path().join("demo");
    let r = oa([
        "demo".as_ref(),
        "--out".as_ref(),
        demo.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let study = demo.join("input/demo.toml");
    let text = std::fs::read_to_string(&study).unwrap();
    let broken = text.replacen(
        "[maps]\nboundaries = \"boundaries.geojson\"",
        "[maps]\nboundaries = \"borders.geojson\"",
        1,
    );
    assert_ne!(text, broken, "the demo study has [maps] boundaries");
    std::fs::write(&study, broken).unwrap();
    let out = tmp.path().join("out");
    for args in [
        vec!["validate".as_ref(), study.as_os_str()],
        vec![
            "run".as_ref(),
            study.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
    ] {
        let r = oa(args);
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
        assert!(r.stderr.contains("borders.geojson"), "{}", r.stderr);
        assert!(r.stderr.contains("maps.boundaries"), "{}", r.stderr);
    }
    assert!(!out.exists());
}

#[test]
fn codes_of_another_area_type() {
    // An LSOA code in a district study.
    let data = DATA.replace("E06000003,Redcar", "E01000003,Redcar");
    fails(
        STUDY,
        Some(&data),
        &[
            "data.csv",
            "`code`",
            "E01000003",
            "an LSOA code",
            "not a lad 2016 code",
        ],
    );
}
