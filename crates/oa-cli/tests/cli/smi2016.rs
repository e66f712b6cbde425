//! `studies/smi2016.toml` on generated data whose answer is known independently: the
//! published per-area inputs are not available, so the tests build an input file for the
//! 326 LAD 2016 codes of the shared lookup and check `oa` against (a) a separate,
//! straightforward implementation of the default method, and (b) data constructed so the
//! order is known in advance.

use crate::support::{Csv, num, oa, oa_ok, study, temp};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

/// (id, life stage, higher is better), as in METHODS.md section 2.
const INDICATORS: [(&str, &str, bool); 16] = [
    ("EY1", "early_years", true),
    ("EY2", "early_years", true),
    ("S1", "school", true),
    ("S2", "school", true),
    ("S3", "school", true),
    ("S4", "school", true),
    ("Y1", "youth", false),
    ("Y2", "youth", true),
    ("Y3", "youth", true),
    ("Y4", "youth", true),
    ("Y5", "youth", true),
    ("A1", "adulthood", true),
    ("A2", "adulthood", false),
    ("A3", "adulthood", true),
    ("A4", "adulthood", false),
    ("A5", "adulthood", true),
];
const STAGES: [&str; 4] = ["early_years", "school", "youth", "adulthood"];
const EXCLUDED: [&str; 2] = ["E09000001", "E06000053"];

/// The 326 LAD 2016 codes and names of the shared lookup.
fn lad16() -> Vec<(String, String)> {
    let lookup = Csv::read(&oa_testkit::shared_data("lookups/lad16_england_lookup.csv"));
    let name = lookup.col("lad16nm");
    lookup
        .rows
        .iter()
        .map(|r| (r[0].clone(), r[name].clone()))
        .collect()
}

/// A data directory holding `smi2016/indicators.csv` (one row per code) and a copy of the
/// LAD 2016 lookup the study checks codes against.
fn data_dir(dir: &Path, codes: &[String], value: impl Fn(usize, usize) -> f64) {
    std::fs::create_dir_all(dir.join("smi2016")).unwrap();
    std::fs::create_dir_all(dir.join("lookups")).unwrap();
    std::fs::copy(
        oa_testkit::shared_data("lookups/lad16_england_lookup.csv"),
        dir.join("lookups/lad16_england_lookup.csv"),
    )
    .unwrap();
    let mut csv = String::from("lad_code");
    for (id, _, _) in INDICATORS {
        csv.push(',');
        csv.push_str(id);
    }
    csv.push('\n');
    for (a, code) in codes.iter().enumerate() {
        csv.push_str(code);
        for j in 0..INDICATORS.len() {
            let _ = write!(csv, ",{}", value(a, j));
        }
        csv.push('\n');
    }
    std::fs::write(dir.join("smi2016/indicators.csv"), csv).unwrap();
}

fn run_smi(data: &Path, out: &Path) {
    oa_ok([
        "run".as_ref(),
        study("smi2016.toml").as_os_str(),
        "--data-dir".as_ref(),
        data.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        "--quiet".as_ref(),
    ]);
}

/// A small deterministic generator (splitmix64), independent of the code under test.
struct Gen(u64);
impl Gen {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
    fn normal(&mut self) -> f64 {
        let (u, v) = (self.next().max(1e-12), self.next());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

/// The SMI default method written out plainly: z-score each indicator over the ranked
/// areas (sample sd), flip those where lower is better, average within each life stage,
/// average the stages, rank descending (ties share the smaller rank).
fn reference(values: &[Vec<f64>]) -> (Vec<f64>, Vec<u32>, Vec<Vec<f64>>) {
    let n = values.len();
    let mut z = vec![vec![0.0; INDICATORS.len()]; n];
    for (j, (_, _, better)) in INDICATORS.iter().enumerate() {
        let mean = values.iter().map(|r| r[j]).sum::<f64>() / n as f64;
        let var = values.iter().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        for a in 0..n {
            let s = (values[a][j] - mean) / var.sqrt();
            z[a][j] = if *better { s } else { -s };
        }
    }
    let stage_scores: Vec<Vec<f64>> = STAGES
        .iter()
        .map(|stage| {
            let members: Vec<usize> = (0..INDICATORS.len())
                .filter(|&j| INDICATORS[j].1 == *stage)
                .collect();
            (0..n)
                .map(|a| members.iter().map(|&j| z[a][j]).sum::<f64>() / members.len() as f64)
                .collect()
        })
        .collect();
    let index: Vec<f64> = (0..n)
        .map(|a| stage_scores.iter().map(|s| s[a]).sum::<f64>() / STAGES.len() as f64)
        .collect();
    let rank = (0..n)
        .map(|a| 1 + index.iter().filter(|&&x| x > index[a]).count() as u32)
        .collect();
    (index, rank, stage_scores)
}

#[test]
fn smi2016_matches_a_separate_implementation_of_the_method() {
    let lads = lad16();
    assert_eq!(lads.len(), 326);
    let codes: Vec<String> = lads.iter().map(|l| l.0.clone()).collect();
    // Correlated, realistic-looking values: a hidden factor per area plus noise.
    let mut g = Gen(2016);
    let factor: Vec<f64> = (0..codes.len()).map(|_| g.normal()).collect();
    let mut values = vec![vec![0.0; INDICATORS.len()]; codes.len()];
    for (a, row) in values.iter_mut().enumerate() {
        for (j, v) in row.iter_mut().enumerate() {
            let sign = if INDICATORS[j].2 { 1.0 } else { -1.0 };
            let x = 50.0 + 8.0 * sign * factor[a] + 6.0 * g.normal();
            *v = (x * 1000.0).round() / 1000.0;
        }
    }
    let tmp = temp();
    let (data, out) = (tmp.path().join("data"), tmp.path().join("out"));
    data_dir(&data, &codes, |a, j| values[a][j]);
    run_smi(&data, &out);

    // The reference works on the 324 ranked districts only.
    let ranked: Vec<usize> = (0..codes.len())
        .filter(|&a| !EXCLUDED.contains(&codes[a].as_str()))
        .collect();
    assert_eq!(ranked.len(), 324);
    let subset: Vec<Vec<f64>> = ranked.iter().map(|&a| values[a].clone()).collect();
    let (index, rank, stage_scores) = reference(&subset);

    let scores = Csv::read(&out.join("scores.csv"));
    assert_eq!(scores.rows.len(), 324);
    let mut expected_header = vec!["area_code", "area_name", "score", "rank", "band"]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
    for s in STAGES {
        expected_header.push(format!("score_{s}"));
        expected_header.push(format!("rank_{s}"));
    }
    assert_eq!(scores.headers, expected_header);
    let row_of: HashMap<&str, &Vec<String>> =
        scores.rows.iter().map(|r| (r[0].as_str(), r)).collect();
    let names: HashMap<&str, &str> = lads.iter().map(|l| (l.0.as_str(), l.1.as_str())).collect();
    for (k, &a) in ranked.iter().enumerate() {
        let row = row_of[codes[a].as_str()];
        assert_eq!(row[1], names[codes[a].as_str()], "name from the lookup");
        assert!(
            (num(&row[2]) - index[k]).abs() < 1e-9,
            "{}: score",
            codes[a]
        );
        assert_eq!(num(&row[3]) as u32, rank[k], "{}: rank", codes[a]);
        let expected_band = if rank[k] <= 65 {
            "hotspot"
        } else if rank[k] > 324 - 65 {
            "coldspot"
        } else {
            ""
        };
        assert_eq!(row[4], expected_band, "{}: band", codes[a]);
        for (s, stage) in STAGES.iter().enumerate() {
            let c = scores.col(&format!("score_{stage}"));
            assert!((num(&row[c]) - stage_scores[s][k]).abs() < 1e-9);
        }
    }
    for band in ["hotspot", "coldspot"] {
        assert_eq!(
            scores.rows.iter().filter(|r| r[4] == band).count(),
            65,
            "{band}"
        );
    }
    for code in EXCLUDED {
        assert!(!row_of.contains_key(code), "{code} must not be ranked");
    }
}

#[test]
fn smi2016_puts_areas_in_the_order_the_data_was_built_in() {
    // Area k (a known permutation of the districts) gets value a_j + b_j * k on every
    // indicator, rising when higher is better and falling otherwise: every z-score is
    // then the same increasing function of k, so rank = 324 - k exactly. West Somerset
    // (E07000191) is built last, as it ranked in 2016.
    let lads = lad16();
    let mut codes: Vec<String> = lads
        .iter()
        .map(|l| l.0.clone())
        .filter(|c| !EXCLUDED.contains(&c.as_str()) && c != "E07000191")
        .collect();
    codes.sort_by(|a, b| b.cmp(a));
    codes.insert(0, "E07000191".to_string());
    assert_eq!(codes.len(), 324);
    let tmp = temp();
    let (data, out) = (tmp.path().join("data"), tmp.path().join("out"));
    data_dir(&data, &codes, |k, j| {
        let slope = 0.05 + 0.01 * j as f64;
        let level = 20.0 + 3.0 * j as f64;
        if INDICATORS[j].2 {
            level + slope * k as f64
        } else {
            level + 40.0 - slope * k as f64
        }
    });
    run_smi(&data, &out);
    let scores = Csv::read(&out.join("scores.csv"));
    let rank = scores.by_code("rank");
    for (k, code) in codes.iter().enumerate() {
        assert_eq!(num(&rank[code]) as usize, 324 - k, "{code}");
    }
    let band = scores.by_code("band");
    assert_eq!(band["E07000191"], "coldspot");
    assert_eq!(rank["E07000191"], "324");
    let name = scores.by_code("area_name");
    assert_eq!(name["E07000191"], "West Somerset");
}

#[test]
fn smi2016_rejects_a_code_of_a_later_vintage() {
    // Bournemouth, Christchurch and Poole (E06000058) exists from 2019, not in LAD 2016.
    let mut codes: Vec<String> = lad16().into_iter().map(|l| l.0).collect();
    codes[5] = "E06000058".to_string();
    let tmp = temp();
    let (data, out) = (tmp.path().join("data"), tmp.path().join("out"));
    data_dir(&data, &codes, |a, j| (a * 7 + j * 3) as f64 % 23.0);
    let r = oa([
        "run".as_ref(),
        study("smi2016.toml").as_os_str(),
        "--data-dir".as_ref(),
        data.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stderr.trim().lines().count(), 1, "{}", r.stderr);
    for needle in ["smi2016/indicators.csv", "E06000058", "lad 2016", "2019"] {
        assert!(r.stderr.contains(needle), "`{needle}` not in: {}", r.stderr);
    }
    assert!(!out.exists());
}
