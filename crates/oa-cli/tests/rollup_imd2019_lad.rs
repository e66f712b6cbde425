//! `oa run studies/imd2019-lad.toml`: the IoD2019 district summaries rolled up from the
//! LSOA index rebuilt from its domain ranks, checked against the published File 10.
//!
//! Published figures: MHCLG, English Indices of Deprivation 2019, File 10 (local authority
//! district summaries), IMD rows, as republished in GitHub `traffordDataLab/open_data`,
//! `IndicesOfDeprivation/IoD2019/local_authority_district/IoD2019.csv`, commit
//! `e943c9f9c03b086d921aa5f89ee3433967f69244` (OGL v3); held back from the shared data.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

const COLUMNS: &str = "area_code,area_name,average_score,rank_average_score,average_rank,rank_average_rank,proportion_most_deprived_10pc,rank_proportion_most_deprived_10pc,extent,rank_extent,local_concentration,rank_local_concentration,band";

/// (code, average rank, its rank, average score, its rank, proportion in the most deprived
/// decile, its rank).
type Published = (&'static str, f64, usize, f64, usize, f64, usize);

const PUBLISHED: &[Published] = &[
    ("E06000009", 26765.29, 1, 45.039, 1, 0.4149, 6), // Blackpool
    ("E06000002", 23729.10, 16, 40.460, 5, 0.4884, 1), // Middlesbrough
    ("E08000011", 26199.75, 3, 43.006, 2, 0.4694, 3), // Knowsley
    ("E08000012", 25833.57, 4, 42.412, 3, 0.4866, 2), // Liverpool
    ("E08000003", 26417.75, 2, 40.005, 6, 0.4326, 5), // Manchester
    ("E08000025", 25319.55, 6, 38.067, 7, 0.4131, 7), // Birmingham
    ("E09000002", 25551.85, 5, 32.768, 21, 0.0364, 139), // Barking and Dagenham
    ("E07000076", 22083.12, 32, 30.484, 36, 0.1798, 48), // Tendring
    ("E07000246", 16082.97, 142, 19.142, 146, 0.0341, 142), // Somerset West and Taunton
    ("E09000001", 12420.52, 208, 14.720, 212, 0.0, 195), // City of London
    ("E06000053", 10680.00, 245, 12.005, 258, 0.0, 195), // Isles of Scilly
    ("E07000089", 3284.07, 317, 5.544, 317, 0.0, 195), // Hart
];

fn run(study: &Path, out: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_oa"))
        .arg("run")
        .arg(study)
        .arg("--data-dir")
        .arg(oa_testkit::shared_data_dir())
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .output()
        .expect("oa runs")
}

#[test]
fn imd2019_lad_matches_file_10() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("lad");
    // The shipped study with fewer Monte Carlo samples (the figures checked here do not
    // depend on them).
    let text = std::fs::read_to_string(oa_testkit::repo_path("studies/imd2019-lad.toml")).unwrap();
    let quick = text.replacen("samples = 1000", "samples = 20", 1);
    assert_ne!(quick, text);
    let study = tmp.path().join("imd2019-lad.toml");
    std::fs::write(&study, quick).unwrap();
    let result = run(&study, &out);
    assert!(
        result.status.success(),
        "oa run failed: {}",
        String::from_utf8_lossy(&result.stderr)
    );
    let text = std::fs::read_to_string(out.join("scores.csv")).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(COLUMNS));
    let mut reader = csv::Reader::from_path(out.join("scores.csv")).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 317, "the 317 districts of 2019");
    let by_code: HashMap<&str, &csv::StringRecord> = rows.iter().map(|r| (&r[0], r)).collect();
    let num = |r: &csv::StringRecord, i: usize| -> f64 { r[i].parse().unwrap() };
    for &(code, avg_rank, r_avg_rank, avg_score, r_avg_score, prop, r_prop) in PUBLISHED {
        let r = by_code[code];
        let name = &r[1];
        // LSOA ranks rebuilt from the domain ranks are within ±2 of the published ones, so
        // a district's average rank moves by far less than 0.05.
        assert!(
            (num(r, 4) - avg_rank).abs() < 0.05,
            "{name}: average rank {} vs {avg_rank}",
            &r[4]
        );
        // The rebuilt LSOA scores are within ±0.002 of the published ones.
        assert!(
            (num(r, 2) - avg_score).abs() < 0.01,
            "{name}: average score {} vs {avg_score}",
            &r[2]
        );
        assert!(
            (num(r, 6) - prop).abs() < 0.00005,
            "{name}: proportion {} vs {prop}",
            &r[6]
        );
        assert_eq!(
            num(r, 5) as usize,
            r_avg_rank,
            "{name}: rank of average rank"
        );
        assert_eq!(
            num(r, 3) as usize,
            r_avg_score,
            "{name}: rank of average score"
        );
        assert_eq!(num(r, 7) as usize, r_prop, "{name}: rank of proportion");
    }
    // The 64 most deprived districts on the average score are the cold spots, and each
    // district has a probability of being one.
    let cold = rows.iter().filter(|r| &r[12] == "coldspot").count();
    assert_eq!(cold, 64);
    assert!(rows[..64].iter().all(|r| &r[12] == "coldspot"));
    let uncertainty = std::fs::read_to_string(out.join("uncertainty.csv")).unwrap();
    assert!(
        uncertainty
            .starts_with("area_code,nominal_rank,median_rank,p05_rank,p95_rank,p_coldspot\n")
    );
    assert_eq!(uncertainty.lines().count(), 318);
    // The LSOA table is kept beside it.
    let small = std::fs::read_to_string(out.join("small_area_scores.csv")).unwrap();
    assert_eq!(small.lines().count(), 32_845);
    assert!(small.starts_with("area_code,area_name,score,rank"));
}

#[test]
fn a_missing_population_column_is_a_user_error_without_output() {
    let tmp = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(oa_testkit::repo_path("studies/imd2019-lad.toml"))
        .unwrap()
        .replace(
            "column = \"Total population: mid 2015 (excluding prisoners)\"",
            "column = \"Total population mid 2015\"",
        );
    let study = tmp.path().join("bad.toml");
    std::fs::write(&study, text).unwrap();
    let out = tmp.path().join("out");
    let result = run(&study, &out);
    assert_eq!(result.status.code(), Some(2));
    let err = String::from_utf8_lossy(&result.stderr);
    assert!(
        err.contains("File_6") && err.contains("Total population mid 2015"),
        "{err}"
    );
    assert!(!out.exists(), "no partial bundle");
}
