//! The IMD 2019's seven domains and File 2's published domain ranks, shared by the
//! engine's benchmarks.

use oa_engine::IndicatorMatrix;

/// Domain ids and their published weights.
pub const DOMAINS: [(&str, f64); 7] = [
    ("income", 0.225),
    ("employment", 0.225),
    ("education", 0.135),
    ("health", 0.135),
    ("crime", 0.093),
    ("barriers", 0.093),
    ("living_environment", 0.093),
];

/// File 2's domain ranks (32,844 LSOAs) as the engine's input.
pub fn file2() -> IndicatorMatrix {
    let path = oa_testkit::shared_data("imd2019/File_2_-_IoD2019_Domains_of_Deprivation.csv");
    let mut reader = csv::Reader::from_path(path).expect("File 2");
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let columns = [6, 8, 10, 12, 14, 16, 18]
        .iter()
        .map(|&c| {
            rows.iter()
                .map(|r| r[c].parse::<f64>().expect("rank"))
                .collect()
        })
        .collect();
    IndicatorMatrix::new(DOMAINS.iter().map(|d| d.0.to_string()).collect(), columns)
}
