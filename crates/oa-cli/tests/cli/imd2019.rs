//! `oa run studies/imd2019.toml` against the published IoD 2019 files: transformed domain
//! scores (File 9) within 0.005, the IMD score within 0.002, every decile exactly and
//! every rank within 2 of File 1 (METHODS.md section 3).

use crate::support::{Csv, num, oa_ok, study, temp};

/// (id in the study and indicators.csv, File 9 column prefix)
const DOMAINS: [(&str, &str); 7] = [
    ("income", "Income Score"),
    ("employment", "Employment Score"),
    ("education", "Education Score"),
    ("health", "Health Score"),
    ("crime", "Crime Score"),
    ("barriers", "Barriers Score"),
    ("living_environment", "Living Environment Score"),
];

#[test]
fn imd2019_reproduces_the_published_figures() {
    let tmp = temp();
    let out = tmp.path().join("imd");
    let data = oa_testkit::shared_data_dir();
    let run = oa_ok([
        "run".as_ref(),
        study("imd2019.toml").as_os_str(),
        "--data-dir".as_ref(),
        data.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ]);
    assert!(
        run.stdout.is_empty(),
        "--quiet prints nothing: {}",
        run.stdout
    );

    let scores = Csv::read(&out.join("scores.csv"));
    assert_eq!(
        scores.headers,
        [
            "area_code",
            "area_name",
            "score",
            "rank",
            "band",
            "quantile"
        ]
    );
    assert_eq!(scores.rows.len(), 32_844);

    // Transformed domain scores against File 9.
    let indicators = Csv::read(&out.join("indicators.csv"));
    let file9 = Csv::read(&oa_testkit::shared_data(
        "imd2019/File_9_-_IoD2019_Transformed_Scores.csv",
    ));
    assert_eq!(file9.rows.len(), 32_844);
    for (id, published) in DOMAINS {
        let ours = indicators.by_code(id);
        let theirs = file9.by_code(published);
        let worst = theirs
            .iter()
            .map(|(code, v)| (num(&ours[code]) - num(v)).abs())
            .fold(0.0, f64::max);
        assert!(worst <= 0.005, "{id}: transformed score off by {worst}");
    }

    // IMD score against the published score (the combined file carries it).
    let combined = Csv::read(&oa_testkit::shared_data(
        "imd2019/imd2019_lsoa_combined.csv",
    ));
    let published = combined.by_code("imd_score");
    let ours = scores.by_code("score");
    assert_eq!(published.len(), ours.len());
    let worst = published
        .iter()
        .map(|(code, v)| (num(&ours[code]) - num(v)).abs())
        .fold(0.0, f64::max);
    assert!(worst <= 0.002, "IMD score off by {worst}");

    // Ranks within 2 and deciles exactly, against File 1 (ranks written "29,199").
    let file1 = Csv::read(&oa_testkit::shared_data(
        "imd2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv",
    ));
    let rank = scores.by_code("rank");
    let decile = scores.by_code("quantile");
    let (pr, pd) = (
        file1.col("Index of Multiple Deprivation (IMD) Rank"),
        file1.col("Index of Multiple Deprivation (IMD) Decile"),
    );
    let mut worst_rank = 0.0f64;
    let mut decile_mismatches = Vec::new();
    for row in &file1.rows {
        worst_rank = worst_rank.max((num(&rank[&row[0]]) - num(&row[pr])).abs());
        if num(&decile[&row[0]]) != num(&row[pd]) {
            decile_mismatches.push(row[0].clone());
        }
    }
    assert!(worst_rank <= 2.0, "a rank is off by {worst_rank}");
    assert!(
        decile_mismatches.is_empty(),
        "{} deciles differ, e.g. {:?}",
        decile_mismatches.len(),
        &decile_mismatches[..decile_mismatches.len().min(5)]
    );

    // The coldspot band is the most deprived 20%: ceil(0.2 * 32,844) = 6,569 LSOAs, the
    // first in rank order; the most deprived LSOA is Tendring 018A.
    let band = scores.col("band");
    let cold: Vec<&Vec<String>> = scores
        .rows
        .iter()
        .filter(|r| r[band] == "coldspot")
        .collect();
    assert_eq!(cold.len(), 6_569);
    assert!(cold.iter().all(|r| num(&r[3]) <= 6_569.0));
    assert_eq!(scores.rows[0][0], "E01021988");
    assert_eq!(scores.rows[0][3], "1");

    // The manifest records the input's SHA-256, the parameters and the timings.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    let inputs = manifest["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), 1);
    assert_eq!(inputs[0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(manifest["parameters"]["bands"]["quantiles"], 10);
    let stages: Vec<&str> = manifest["timings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["stage"].as_str().unwrap())
        .collect();
    for s in [
        "parse study",
        "read data",
        "compute index",
        "write tables",
        "total",
    ] {
        assert!(stages.contains(&s), "no timing for {s}: {stages:?}");
    }
    let outputs: Vec<&str> = manifest["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    for f in ["coverage.csv", "indicators.csv", "scores.csv", "study.toml"] {
        assert!(
            outputs.contains(&f),
            "{f} not in manifest outputs {outputs:?}"
        );
    }
}
