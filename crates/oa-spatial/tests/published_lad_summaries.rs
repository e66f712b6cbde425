//! The roll-up against MHCLG's published IoD2019 local-authority summaries (File 10).
//!
//! Inputs: the published LSOA IMD scores, ranks and File 6 mid-2015 populations, from
//! `imd2019/imd2019_lsoa_combined.csv` in the shared data (a join of Files 1, 2, 6, 9).
//!
//! Expected figures: MHCLG, English Indices of Deprivation 2019, File 10 (local authority
//! district summaries), IMD rows, as republished in GitHub `traffordDataLab/open_data`,
//! `IndicesOfDeprivation/IoD2019/local_authority_district/IoD2019.csv`, commit
//! `e943c9f9c03b086d921aa5f89ee3433967f69244` (OGL v3). That file is held back from the
//! shared data on purpose, so the figures are written here as facts.

use oa_spatial::rollup::{SmallArea, roll_up};
use std::collections::BTreeMap;

/// (code, name, average rank, its rank, average score, its rank, proportion of LSOAs in
/// the most deprived 10% (published to 4 dp), its rank).
type Published = (
    &'static str,
    &'static str,
    f64,
    usize,
    f64,
    usize,
    f64,
    usize,
);

const PUBLISHED: &[Published] = &[
    ("E06000009", "Blackpool", 26765.29, 1, 45.039, 1, 0.4149, 6),
    (
        "E06000002",
        "Middlesbrough",
        23729.10,
        16,
        40.460,
        5,
        0.4884,
        1,
    ),
    ("E08000011", "Knowsley", 26199.75, 3, 43.006, 2, 0.4694, 3),
    ("E08000012", "Liverpool", 25833.57, 4, 42.412, 3, 0.4866, 2),
    ("E08000003", "Manchester", 26417.75, 2, 40.005, 6, 0.4326, 5),
    (
        "E06000010",
        "Kingston upon Hull, City of",
        25222.75,
        9,
        40.564,
        4,
        0.4518,
        4,
    ),
    ("E08000025", "Birmingham", 25319.55, 6, 38.067, 7, 0.4131, 7),
    (
        "E06000001",
        "Hartlepool",
        22581.98,
        25,
        35.037,
        10,
        0.3621,
        10,
    ),
    (
        "E09000002",
        "Barking and Dagenham",
        25551.85,
        5,
        32.768,
        21,
        0.0364,
        139,
    ),
    (
        "E07000062",
        "Hastings",
        23845.37,
        13,
        34.281,
        17,
        0.3019,
        17,
    ),
    (
        "E06000012",
        "North East Lincolnshire",
        20177.27,
        66,
        31.335,
        29,
        0.3019,
        17,
    ),
    ("E08000028", "Sandwell", 25276.49, 8, 34.884, 12, 0.1989, 44),
    (
        "E07000076",
        "Tendring",
        22083.12,
        32,
        30.484,
        36,
        0.1798,
        48,
    ),
    (
        "E08000019",
        "Sheffield",
        18742.72,
        93,
        27.060,
        57,
        0.2377,
        30,
    ),
    ("E09000022", "Lambeth", 21351.38, 42, 25.422, 81, 0.0, 195),
    (
        "E07000246",
        "Somerset West and Taunton",
        16082.97,
        142,
        19.142,
        146,
        0.0341,
        142,
    ),
    (
        "E06000058",
        "Bournemouth, Christchurch and Poole",
        14820.73,
        166,
        18.173,
        160,
        0.0386,
        137,
    ),
    ("E07000041", "Exeter", 13406.01, 193, 16.215, 189, 0.0, 195),
    (
        "E09000001",
        "City of London",
        12420.52,
        208,
        14.720,
        212,
        0.0,
        195,
    ),
    (
        "E06000053",
        "Isles of Scilly",
        10680.00,
        245,
        12.005,
        258,
        0.0,
        195,
    ),
    ("E06000041", "Wokingham", 3651.54, 316, 5.846, 316, 0.0, 195),
    ("E07000089", "Hart", 3284.07, 317, 5.544, 317, 0.0, 195),
];

#[test]
fn lad_summaries_match_file_10() {
    let path = oa_testkit::shared_data("imd2019/imd2019_lsoa_combined.csv");
    let mut reader = csv::Reader::from_path(&path).expect("combined IoD2019 file opens");
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("column {name} missing from {}", path.display()))
    };
    let (c_lad, c_score, c_rank, c_pop) = (
        col("lad19cd"),
        col("imd_score"),
        col("imd_rank"),
        col("pop_total_2015"),
    );
    let mut districts: BTreeMap<String, usize> = BTreeMap::new();
    let mut small = Vec::new();
    for row in reader.records() {
        let row = row.unwrap();
        let next = districts.len();
        let district = *districts.entry(row[c_lad].to_string()).or_insert(next);
        small.push(SmallArea {
            district,
            score: row[c_score].parse().unwrap(),
            rank: row[c_rank].parse().unwrap(),
            population: row[c_pop].parse().unwrap(),
        });
    }
    assert_eq!(small.len(), 32_844);
    assert_eq!(districts.len(), 317);
    let out = roll_up(&small, districts.len(), true).unwrap();
    for &(code, name, avg_rank, r_avg_rank, avg_score, r_avg_score, prop, r_prop) in PUBLISHED {
        let (s, r) = out[districts[code]];
        // Published to 2 dp (rank) and 3 dp (score).
        assert!(
            (s.average_rank - avg_rank).abs() <= 0.01,
            "{name}: average rank {} vs published {avg_rank}",
            s.average_rank
        );
        assert!(
            (s.average_score - avg_score).abs() <= 0.0015,
            "{name}: average score {} vs published {avg_score}",
            s.average_score
        );
        assert!(
            (s.proportion_most_deprived_10pc - prop).abs() <= 0.00005,
            "{name}: proportion {} vs published {prop}",
            s.proportion_most_deprived_10pc
        );
        assert_eq!(r.average_rank, r_avg_rank, "{name}: rank of average rank");
        assert_eq!(
            r.average_score, r_avg_score,
            "{name}: rank of average score"
        );
        assert_eq!(
            r.proportion_most_deprived_10pc, r_prop,
            "{name}: rank of proportion"
        );
        // Extent and local concentration are not in the published extract; they must at
        // least be consistent with the other measures.
        assert!(
            (0.0..=1.0).contains(&s.extent),
            "{name}: extent {}",
            s.extent
        );
        assert!(s.local_concentration >= s.average_rank - 1e-9, "{name}");
    }
    // The most deprived districts by extent and local concentration are among the most
    // deprived by average score.
    let top_extent = out.iter().position(|(_, r)| r.extent == 1).unwrap();
    assert!(out[top_extent].1.average_score <= 10);
}
