//! Rebuilds the English IMD 2019 from the seven published domain ranks (File 2) and
//! checks it against the published figures (METHODS.md section 3): transformed domain
//! scores (File 9) within 0.005, the IMD score within 0.002, every decile exactly and
//! every rank within 2 of File 1 (the published domain ranks carry ties).

use oa_engine::{IndicatorMatrix, NoProgress, compute_index};
use oa_model::Study;
use std::collections::HashMap;
use std::path::Path;

const DOMAINS: [(&str, f64); 7] = [
    ("income", 0.225),
    ("employment", 0.225),
    ("education", 0.135),
    ("health", 0.135),
    ("crime", 0.093),
    ("barriers", 0.093),
    ("living_environment", 0.093),
];

/// Column positions of the domain ranks in File 2 (after code, name, LAD code, LAD name,
/// IMD rank, IMD decile: rank and decile alternate per domain).
const FILE2_RANK_COLUMNS: [usize; 7] = [6, 8, 10, 12, 14, 16, 18];

fn study() -> Study {
    let mut toml = String::from(
        r#"
schema = 1
[study]
id = "imd2019-engine-test"
title = "IMD 2019 rebuilt from the domain ranks"
[geography]
area_type = "lsoa"
vintage = 2011
[[sources]]
id = "domains"
path = "imd2019/File_2_-_IoD2019_Domains_of_Deprivation.csv"
code_column = "LSOA code (2011)"
[method]
normalisation = { method = "imd_exponential" }
aggregation = { method = "weighted_sum" }
weights = "given"
[scoring]
score = "higher_is_worse"
rank_1 = "worst"
[bands]
quantiles = 10
[[bands.named]]
name = "most_deprived_10pc"
end = "worst"
share = 0.1
"#,
    );
    for (id, w) in DOMAINS {
        // A higher published domain rank number is less deprived.
        toml.push_str(&format!(
            "[[indicators]]\nid = \"{id}\"\ndirection = \"higher_is_better\"\nweight = {w}\n"
        ));
    }
    Study::from_toml_str(&toml, "imd2019 engine test").expect("test study parses")
}

fn read_rows(path: &Path) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::ReaderBuilder::new()
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = reader
        .headers()
        .expect("header row")
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("csv row"))
        .collect::<Vec<_>>();
    (headers, rows)
}

fn number(s: &str) -> f64 {
    s.replace(',', "")
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

#[test]
fn imd2019_rebuilt_from_domain_ranks_matches_published_figures() {
    let (h2, file2) = read_rows(&oa_testkit::shared_data(
        "imd2019/File_2_-_IoD2019_Domains_of_Deprivation.csv",
    ));
    assert_eq!(h2[0], "LSOA code (2011)");
    for (c, prefix) in FILE2_RANK_COLUMNS.iter().zip([
        "Income Rank",
        "Employment Rank",
        "Education, Skills and Training Rank",
        "Health Deprivation and Disability Rank",
        "Crime Rank",
        "Barriers to Housing and Services Rank",
        "Living Environment Rank",
    ]) {
        assert!(h2[*c].starts_with(prefix), "column {c} is {:?}", h2[*c]);
    }
    assert_eq!(file2.len(), 32_844);
    let codes: Vec<String> = file2.iter().map(|r| r[0].to_string()).collect();
    let columns: Vec<Vec<f64>> = FILE2_RANK_COLUMNS
        .iter()
        .map(|&c| file2.iter().map(|r| number(&r[c])).collect())
        .collect();
    let data = IndicatorMatrix::new(DOMAINS.iter().map(|d| d.0.to_string()).collect(), columns)
        .with_area_codes(codes.clone());

    let result = compute_index(&study(), &data, &NoProgress).expect("the IMD computes");
    assert_eq!(result.n_areas(), 32_844);
    assert!(result.dropped.is_empty());
    let position: HashMap<&str, usize> = result
        .kept
        .iter()
        .enumerate()
        .map(|(i, &a)| (codes[a].as_str(), i))
        .collect();

    // Transformed domain scores against File 9.
    let (_, file9) = read_rows(&oa_testkit::shared_data(
        "imd2019/File_9_-_IoD2019_Transformed_Scores.csv",
    ));
    assert_eq!(file9.len(), 32_844);
    let mut worst = [0.0f64; 7];
    for row in &file9 {
        let i = position[&row[0]];
        for d in 0..7 {
            let diff = (result.normalised[d][i] - number(&row[4 + d])).abs();
            worst[d] = worst[d].max(diff);
        }
    }
    for (d, w) in worst.iter().enumerate() {
        assert!(
            *w <= 0.005,
            "{}: transformed score off by {w}",
            DOMAINS[d].0
        );
    }

    // IMD score against the combined file.
    let (hc, combined) = read_rows(&oa_testkit::shared_data(
        "imd2019/imd2019_lsoa_combined.csv",
    ));
    let score_col = hc.iter().position(|h| h == "imd_score").expect("imd_score");
    assert_eq!(combined.len(), 32_844);
    let mut worst_score = 0.0f64;
    for row in &combined {
        let i = position[&row[0]];
        worst_score = worst_score.max((result.index.score[i] - number(&row[score_col])).abs());
    }
    assert!(worst_score <= 0.002, "IMD score off by {worst_score}");

    // Ranks and deciles against File 1.
    let (h1, file1) = read_rows(&oa_testkit::shared_data(
        "imd2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv",
    ));
    assert!(h1[4].starts_with("Index of Multiple Deprivation (IMD) Rank"));
    assert!(h1[5].starts_with("Index of Multiple Deprivation (IMD) Decile"));
    let deciles = result.quantile.as_ref().expect("deciles declared");
    let (mut worst_rank, mut decile_mismatches) = (0i64, 0);
    for row in &file1 {
        let i = position[&row[0]];
        let published_rank = number(&row[4]) as i64;
        worst_rank = worst_rank.max((i64::from(result.index.rank[i]) - published_rank).abs());
        if f64::from(deciles[i]) != number(&row[5]) {
            decile_mismatches += 1;
        }
    }
    eprintln!(
        "IMD 2019 rebuild: worst transformed-score error {:.5}, worst IMD score error {worst_score:.5}, worst rank error {worst_rank}, decile mismatches {decile_mismatches}",
        worst.iter().copied().fold(0.0, f64::max)
    );
    assert_eq!(decile_mismatches, 0, "deciles differ from File 1");
    assert!(worst_rank <= 2, "a rank is off by {worst_rank}");

    // The named band holds ceil(0.1 * 32,844) = 3,285 areas, all of decile 1 or 2.
    let in_band: Vec<usize> = (0..result.n_areas())
        .filter(|&i| result.band_of(i) == Some("most_deprived_10pc"))
        .collect();
    assert_eq!(in_band.len(), 3_285);
    assert!(in_band.iter().all(|&i| result.index.rank[i] <= 3_285));
}
