//! Targeting and funding through the CLI: the shipped 2016 opportunity-areas study on the
//! real IoD 2019 data, `oa select` / `oa allocate` on an existing bundle, and bad input
//! (exit 2, nothing written).
//!
//! Expected ranks were computed independently (a short script over
//! `imd2019_lsoa_combined.csv`: children-weighted mean IDACI rank per 2016 district,
//! placing LSOAs by their 2011 names), not read back from `oa`'s output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn oa(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_oa"))
        .args(args)
        .output()
        .expect("the oa binary runs")
}

fn study_path() -> PathBuf {
    oa_testkit::repo_path("studies/opportunity-areas-2016.toml")
}

fn data() -> String {
    oa_testkit::shared_data_dir().display().to_string()
}

/// Rows of a CSV as header -> value maps.
fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|rec| {
            headers
                .iter()
                .cloned()
                .zip(rec.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

fn run_oa2016(out: &Path) {
    let o = oa(&[
        "run",
        study_path().to_str().unwrap(),
        "--data-dir",
        &data(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(
        o.status.success(),
        "oa run failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn opportunity_areas_2016_selects_the_twelve_and_reconciles_every_fund() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("oa2016");
    run_oa2016(&out);

    let rows = read_csv(&out.join("selection.csv"));
    assert_eq!(
        rows.len(),
        323,
        "324 districts, Fenland and East Cambs as one area"
    );
    let selected: Vec<&str> = rows
        .iter()
        .filter(|r| r["selected"] == "true")
        .map(|r| r["area_id"].as_str())
        .collect();
    let expected: Vec<String> = (1..=12).map(|i| format!("OA{i:02}")).collect();
    assert_eq!(selected, expected);
    let by_id: BTreeMap<&str, &BTreeMap<String, String>> =
        rows.iter().map(|r| (r["area_id"].as_str(), r)).collect();
    for id in &expected {
        let wave = if id.as_str() <= "OA06" { "1" } else { "2" };
        assert_eq!(by_id[id.as_str()]["wave"], wave, "{id}");
    }
    assert_eq!(by_id["OA01"]["announced"], "2016-10");
    assert_eq!(by_id["OA12"]["announced"], "2017-01");
    // Blackpool: 6th of 324 on children's income deprivation, 8th on education.
    let blackpool = by_id["OA03"];
    assert_eq!(blackpool["rank"], "6");
    assert!(
        blackpool["reason"].contains("ranked 6 of 324 on children's income deprivation")
            && blackpool["reason"].contains("ranked 8 of 324 on education deprivation"),
        "{}",
        blackpool["reason"]
    );
    assert_eq!(blackpool["on_long_list"], "true");
    // Fenland and East Cambridgeshire: two districts, the worse one (Fenland, 46th) counts.
    let fec = by_id["OA09"];
    assert_eq!(fec["districts"], "E07000010;E07000009");
    assert_eq!(fec["rank"], "46");
    // West Somerset keeps its own 2016 district although its code changed in 2019.
    assert_eq!(by_id["OA01"]["rank"], "112");
    // The stand-in long list: 30 districts, 7 of the 12 areas.
    assert_eq!(
        rows.iter().filter(|r| r["on_long_list"] == "true").count(),
        30
    );
    assert_eq!(
        expected
            .iter()
            .filter(|id| by_id[id.as_str()]["on_long_list"] == "true")
            .count(),
        7
    );
    // A long-listed district left out names the full region.
    let yarmouth = by_id["E07000145"];
    assert!(
        yarmouth["reason"].contains("East of England already has 3 areas (the maximum)"),
        "{}",
        yarmouth["reason"]
    );

    let funds: BTreeMap<String, BTreeMap<String, String>> = read_csv(&out.join("funds.csv"))
        .into_iter()
        .map(|r| (r["fund"].clone(), r))
        .collect();
    let pence = |fund: &str, col: &str| funds[fund][col].parse::<i64>().unwrap();
    assert_eq!(pence("core", "allocated_pence"), 7_200_000_000);
    assert_eq!(pence("year4", "total_pence"), 1_800_000_000);
    assert_eq!(pence("year4", "allocated_pence"), 1_759_000_000);
    assert_eq!(pence("year4", "unallocated_pence"), 41_000_000);
    assert_eq!(pence("research_schools", "allocated_pence"), 240_000_000);
    assert_eq!(pence("research_schools", "unallocated_pence"), 110_000_000);
    assert_eq!(pence("tlif", "allocated_pence"), 0);
    assert_eq!(pence("tlif", "unallocated_pence"), 7_500_000_000);
    assert!(funds["core"]["notes"].contains("re-scaled proportionately to 12 areas"));

    let lines = read_csv(&out.join("allocations.csv"));
    for (id, f) in &funds {
        let sum: i64 = lines
            .iter()
            .filter(|l| &l["fund"] == id)
            .map(|l| l["amount_pence"].parse::<i64>().unwrap())
            .sum();
        assert_eq!(sum.to_string(), f["allocated_pence"], "fund {id}");
    }
    let blackpool_y4: Vec<&BTreeMap<String, String>> = lines
        .iter()
        .filter(|l| l["fund"] == "year4" && l["area_id"] == "OA03")
        .collect();
    assert_eq!(blackpool_y4.len(), 1);
    assert_eq!(blackpool_y4[0]["amount_pence"], "197000000");
    let md = std::fs::read_to_string(out.join("allocations.md")).unwrap();
    assert!(md.contains("**Not allocated: £410,000.00**"), "{md}");
    let sel_md = std::fs::read_to_string(out.join("selection.md")).unwrap();
    assert!(sel_md.contains("at most 3 areas in East of England"));
}

#[test]
fn select_on_a_bundle_chooses_under_the_constraints_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("oa2016");
    run_oa2016(&out);
    // The same study without the declared waves, choosing only from the long list.
    let text = std::fs::read_to_string(study_path()).unwrap();
    let start = text.find("[[selection.waves]]").unwrap();
    let end = text.find("# Core funding").unwrap();
    let what_if = format!("{}{}", &text[..start], &text[end..]).replace(
        "restrict_to_long_list = false",
        "restrict_to_long_list = true",
    );
    let study = tmp.path().join("what-if.toml");
    std::fs::write(&study, what_if).unwrap();
    let o = oa(&[
        "select",
        out.to_str().unwrap(),
        "--study",
        study.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = read_csv(&out.join("selection.csv"));
    let chosen: Vec<&BTreeMap<String, String>> =
        rows.iter().filter(|r| r["selected"] == "true").collect();
    assert_eq!(chosen.len(), 12);
    assert!(chosen.iter().all(|r| r["on_long_list"] == "true"));
    let mut per_region: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &chosen {
        *per_region.entry(r["region"].as_str()).or_default() += 1;
    }
    assert!(per_region.values().all(|&n| n <= 3), "{per_region:?}");
    let tagged = |t: &str| {
        chosen
            .iter()
            .filter(|r| r["tags"].split(';').any(|x| x == t))
            .count()
    };
    assert!(tagged("coastal") >= 2 && tagged("rural") >= 1);
    // The only long-listed coastal areas are Blackpool and Hastings; the only rural one is
    // Fenland and East Cambridgeshire: the constraints force them in.
    for id in ["OA03", "OA10", "OA09"] {
        assert!(
            chosen.iter().any(|r| r["area_id"] == id),
            "{id} must be chosen"
        );
    }
    // Nottingham (2nd of 324) is chosen on need alone.
    assert!(chosen.iter().any(|r| r["area_id"] == "E06000018"));
    // Year 4's published amounts name areas this choice leaves out: a clear error.
    let o = oa(&[
        "allocate",
        out.to_str().unwrap(),
        "--study",
        study.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("which is not a funded area"), "{err}");
}

/// A small study over eight districts in a temporary data directory.
fn small_study(dir: &Path, selection_and_funds: &str) -> PathBuf {
    let mut csv = String::from("code,name,region,need,pop\n");
    for (i, region) in ["A", "A", "B", "B", "B", "C", "C", "C"].iter().enumerate() {
        csv.push_str(&format!(
            "X{i},District {i},{region},{},{}\n",
            10 + i,
            100 * (i + 1)
        ));
    }
    std::fs::write(dir.join("areas.csv"), csv).unwrap();
    let study = format!(
        r#"schema = 1
[study]
id = "small"
title = "need"
[geography]
area_type = "district"
vintage = 2016
[[sources]]
id = "areas"
path = "areas.csv"
code_column = "code"
name_column = "name"
[[indicators]]
id = "need"
direction = "higher_is_worse"
[scoring]
score = "higher_is_worse"
rank_1 = "worst"
[selection]
count = 2
population = "pop"
{selection_and_funds}
[selection.universe]
path = "areas.csv"
code_column = "code"
name_column = "name"
region_column = "region"
[[selection.measures]]
id = "pop"
path = "areas.csv"
code_column = "code"
value_column = "pop"
better = "lower"
"#
    );
    let path = dir.join("small.toml");
    std::fs::write(&path, study).unwrap();
    path
}

fn run_small(extra: &str) -> (Output, bool) {
    let tmp = tempfile::tempdir().unwrap();
    let study = small_study(tmp.path(), extra);
    let out = tmp.path().join("out");
    let o = oa(&[
        "run",
        study.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    (o, out.exists())
}

#[test]
fn a_small_study_chooses_by_the_index_and_allocates_by_population() {
    let tmp = tempfile::tempdir().unwrap();
    let study = small_study(
        tmp.path(),
        r#"[[selection.quotas]]
by = "region"
max = 1
[[funds]]
id = "pot"
total = "£1,000"
formula = { method = "proportional", measure = "pop" }
cap = "£600"
"#,
    );
    let out = tmp.path().join("out");
    let o = oa(&[
        "run",
        study.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let rows = read_csv(&out.join("selection.csv"));
    let chosen: Vec<&str> = rows
        .iter()
        .filter(|r| r["selected"] == "true")
        .map(|r| r["area_id"].as_str())
        .collect();
    // Highest need is X7 (C), then X6 and X5 (C, full), then X4 (B).
    assert_eq!(chosen, ["X4", "X7"]);
    let lines = read_csv(&out.join("allocations.csv"));
    let amounts: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l["area_id"].as_str(), l["amount_pence"].as_str()))
        .collect();
    // Populations 500 and 800: £384.62 / £615.38 by proportion; X7 is capped at £600.
    assert_eq!(amounts, [("X4", "40000"), ("X7", "60000")]);
}

#[test]
fn conflicting_constraints_are_named_and_nothing_is_written() {
    let (o, exists) = run_small(
        r#"must_include = ["X2", "X3"]
[[selection.quotas]]
by = "region"
value = "A"
min = 1
"#,
    );
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    for phrase in [
        "choose exactly 2 areas",
        "must include District 2 (X2)",
        "must include District 3 (X3)",
        "at least 1 area in A",
    ] {
        assert!(err.contains(phrase), "missing `{phrase}` in: {err}");
    }
    assert!(!exists, "no partial output");
}

#[test]
fn bad_selection_and_fund_declarations_exit_2() {
    let cases = [
        (
            r#"[[selection.areas]]
id = "P"
name = "P"
districts = ["X0", "X1"]
[[selection.areas]]
id = "Q"
name = "Q"
districts = ["X1", "X2"]
"#,
            "district X1 is in two areas",
        ),
        (
            r#"[[selection.waves]]
id = "1"
announced = "2016-10"
areas = ["X1"]
[[selection.waves]]
id = "2"
announced = "2017-01"
areas = ["X1"]
"#,
            "listed in two waves",
        ),
        (
            r#"[[funds]]
id = "rs"
total = "£3.5m"
funders = [{ name = "DfE", amount = "£1.5m" }, { name = "EEF", amount = "£1.9m" }]
formula = { method = "equal" }
"#,
            "add up to £3,400,000.00, not the total £3,500,000.00",
        ),
        (
            r#"[[funds]]
id = "neg"
total = -5
formula = { method = "equal" }
"#,
            "must be above zero",
        ),
        (
            r#"[[funds]]
id = "m"
total = 100
formula = { method = "proportional", measure = "pupils" }
"#,
            "unknown measure `pupils`",
        ),
        (
            r#"long_list = "worst(index, 1/2"
"#,
            "long_list rule",
        ),
    ];
    for (extra, phrase) in cases {
        let (o, exists) = run_small(extra);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{phrase}: {err}");
        assert!(err.contains(phrase), "missing `{phrase}` in: {err}");
        assert!(!exists, "no partial output for `{phrase}`");
    }
}

#[test]
fn a_measure_missing_for_an_area_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let study = small_study(
        tmp.path(),
        r#"[[selection.measures]]
id = "pupils"
path = "pupils.csv"
code_column = "code"
value_column = "pupils"
better = "lower"
[[funds]]
id = "pot"
total = 100
formula = { method = "proportional", measure = "pupils" }
"#,
    );
    std::fs::write(tmp.path().join("pupils.csv"), "code,pupils\nX0,5\nX1,6\n").unwrap();
    let out = tmp.path().join("out");
    let o = oa(&[
        "run",
        study.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("measure `pupils` has no value for district X2"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn select_and_allocate_need_a_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    for cmd in ["select", "allocate"] {
        let o = oa(&[cmd, tmp.path().to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("not a results bundle (no manifest.json)"),
            "{cmd}: {err}"
        );
    }
}

/// A bundle whose study has no funds (or no selection): the error names the study file.
#[test]
fn allocate_and_select_name_the_study_that_lacks_the_section() {
    let tmp = tempfile::tempdir().unwrap();
    let study = small_study(tmp.path(), "");
    let out = tmp.path().join("out");
    let o = oa(&[
        "run",
        study.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = oa(&["allocate", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    let copy = out.join("study.toml").display().to_string();
    assert!(
        err.contains(&format!("{copy}: the study declares no [[funds]]")),
        "{err}"
    );
    assert!(!out.join("allocations.csv").exists());

    let bare = tmp.path().join("bare.toml");
    let text = std::fs::read_to_string(&study).unwrap();
    std::fs::write(&bare, &text[..text.find("[selection]").unwrap()]).unwrap();
    let o = oa(&[
        "select",
        out.to_str().unwrap(),
        "--study",
        bare.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!(
            "{}: the study declares no [selection]",
            bare.display()
        )),
        "{err}"
    );
}
