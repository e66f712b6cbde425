//! Small results to write.

use oa_bundle::{
    AreaStatus, Coverage, DropReason, GroupScores, Index, Indicators, Manifest, Results, Scores,
    SkipReason, SkippedRow,
};
use oa_model::Study;

pub const STUDY: &str = r#"schema = 1
[study]
id = "small"
title = "Small"
[geography]
area_type = "lad"
vintage = 2016
[[sources]]
id = "d"
path = "d.csv"
code_column = "code"
[[groups]]
id = "pillar"
[[indicators]]
id = "a"
direction = "higher_is_better"
group = "pillar"
[[bands.named]]
name = "coldspot"
end = "worst"
count = 1
"#;

/// Three areas, one unranked, with a group and a named band.
pub fn results() -> Results {
    let study = Study::from_toml_str(STUDY, "small.toml").unwrap();
    let manifest = Manifest::new(
        "0.0.0",
        &study,
        "small.toml",
        STUDY.as_bytes(),
        std::path::Path::new("."),
    );
    let codes: Vec<String> = ["E1", "E2", "E3"].map(String::from).to_vec();
    let names: Vec<String> = ["One", "Two, the second", "Three \"3\""]
        .map(String::from)
        .to_vec();
    Results {
        manifest,
        study,
        study_toml: STUDY.as_bytes().to_vec(),
        index: Index {
            scores: Scores {
                area_code: codes.clone(),
                area_name: names.clone(),
                score: vec![2.5, -1.0 / 3.0, f64::NAN],
                rank: vec![Some(1), Some(2), None],
                band: vec![String::new(), "coldspot".into(), String::new()],
                quantile: None,
                groups: vec![GroupScores {
                    id: "pillar".into(),
                    score: vec![0.1, 1e-9, f64::NAN],
                    rank: vec![Some(1), Some(2), None],
                }],
            },
            indicators: Indicators {
                columns: vec![("a".into(), vec![1.0, 0.0, f64::NAN])],
            },
            coverage: Coverage {
                area_code: codes,
                area_name: names,
                indicators: vec![1, 1, 1],
                present: vec![1, 1, 0],
                coverage: vec![1.0, 1.0, 0.0],
                imputed: vec![0, 0, 0],
                status: vec![AreaStatus::Kept, AreaStatus::Kept, AreaStatus::Dropped],
                reason: vec![None, None, Some(DropReason::NoData)],
                skipped: vec![SkippedRow {
                    source: "d".into(),
                    location: "line 5".into(),
                    code: "Source: a note, with \"quotes\"".into(),
                    reason: SkipReason::Note,
                }],
            },
            outliers: None,
            pca: None,
        },
        rollup: None,
        clusters: None,
        selection: None,
        funding: None,
        uncertainty: None,
        maps: None,
        audit: None,
        evaluation: None,
        report: None,
    }
}

/// `results` written as a bundle in a temporary folder (kept while the first value
/// lives), with the path of its file `file` and that file's text: the start of each test
/// that edits one file by hand.
pub fn written(
    mut results: Results,
    file: &str,
) -> (
    tempfile::TempDir,
    std::path::PathBuf,
    std::path::PathBuf,
    String,
) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    oa_bundle::write(&mut results, &out).unwrap();
    let path = out.join(file);
    let original = std::fs::read_to_string(&path).unwrap();
    (tmp, out, path, original)
}

/// The entries of a folder, sorted.
pub fn entries(dir: &std::path::Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}
