//! Reading the files as MHCLG, the DfE and the Social Mobility Commission publish them.

use oa_io::{ReadError, load_study_data, read_columns, read_table};
use oa_model::Study;
use oa_model::study::{Layout, Source};
use oa_testkit::{repo_path, shared_data, shared_data_dir};
use std::collections::BTreeMap;

const LSOA_COUNT: usize = 32_844;

fn source(path: &str, code: &str) -> Source {
    Source {
        id: "s".into(),
        path: path.into(),
        format: None,
        sheet: None,
        header_row: None,
        code_column: code.into(),
        name_column: None,
        layout: Layout::default(),
        missing_markers: Vec::new(),
        ..Default::default()
    }
}

#[test]
fn file_1_ranks_with_thousands_separators_are_numbers() {
    let path = shared_data("imd2019/File_1_-_IMD2019_Index_of_Multiple_Deprivation.csv");
    let t = read_table(&path, &source("", "LSOA code (2011)")).unwrap();
    assert_eq!(t.len(), LSOA_COUNT);
    // The BOM is not part of the first header.
    assert_eq!(t.headers[0], "LSOA code (2011)");
    let codes = t.text("LSOA code (2011)").unwrap();
    assert_eq!(codes[0], "E01000001");
    let ranks = t
        .numbers("Index of Multiple Deprivation (IMD) Rank")
        .unwrap();
    // Published: E01000001 (City of London 001A) has IMD rank "29,199", decile 9.
    assert_eq!(ranks[0], 29_199.0);
    // Ranks run 1..=32,844; the published ranks carry ties, leaving 32,818 distinct
    // values (counted independently with Python's csv module).
    let mut sorted: Vec<u32> = ranks.iter().map(|&r| r as u32).collect();
    sorted.sort_unstable();
    assert_eq!(sorted[0], 1);
    assert_eq!(sorted[LSOA_COUNT - 1], LSOA_COUNT as u32);
    sorted.dedup();
    assert_eq!(sorted.len(), 32_818);
    let deciles = t
        .numbers("Index of Multiple Deprivation (IMD) Decile")
        .unwrap();
    assert_eq!(deciles[0], 9.0);
    // The last row has no trailing newline and is still read.
    assert_eq!(codes[LSOA_COUNT - 1], "E01033768");
    assert_eq!(ranks[LSOA_COUNT - 1], 1_833.0);
}

#[test]
fn file_6_populations_read_with_separators() {
    let path = shared_data("imd2019/File_6_-_IoD2019_Population_Denominators.csv");
    let t = read_table(&path, &source("", "LSOA code (2011)")).unwrap();
    assert_eq!(t.len(), LSOA_COUNT);
    let total = t
        .numbers("Total population: mid 2015 (excluding prisoners)")
        .unwrap();
    // Published first row: E01000001 total population "1,296".
    assert_eq!(total[0], 1_296.0);
    assert!(total.iter().all(|v| v.is_finite() && *v > 0.0));
    let sum: f64 = total.iter().sum();
    // England's mid-2015 population (excluding prisoners) is about 54.6 million.
    assert!((54.0e6..55.5e6).contains(&sum), "sum {sum}");
}

#[test]
fn file_3_decimals_read_as_whole_ranks() {
    let path = shared_data("imd2019/File_3_-_IoD2019_Supplementary_Indices_-_IDACI_and_IDAOPI.csv");
    let t = read_table(&path, &source("", "LSOA code (2011)")).unwrap();
    let imd = t
        .numbers("Index of Multiple Deprivation (IMD) Rank (where 1 is most deprived)")
        .unwrap();
    assert_eq!(imd[0], 29_199.0);
    assert!(imd.iter().all(|v| v.fract() == 0.0));
}

#[test]
fn imd2019_study_loads_seven_domains_in_study_order() {
    let text = std::fs::read_to_string(repo_path("studies/imd2019.toml")).unwrap();
    let study = Study::from_toml_str(&text, "studies/imd2019.toml").unwrap();
    let data = load_study_data(&study, &shared_data_dir()).unwrap();
    assert_eq!(data.len(), LSOA_COUNT);
    assert_eq!(data.indicator_ids, study.indicator_ids());
    assert_eq!(data.columns.len(), study.indicators.len());
    assert_eq!(data.area_codes[0], "E01000001");
    assert_eq!(data.area_names[0], "City of London 001A");
    // Published File 2 row 1: income rank 32,831; employment 32,742.
    let income = data
        .indicator_ids
        .iter()
        .position(|i| i == "income")
        .unwrap();
    assert_eq!(data.columns[income][0], 32_831.0);
    for column in &data.columns {
        assert_eq!(column.len(), LSOA_COUNT);
        assert!(column.iter().all(|v| v.is_finite()));
    }
    assert!(data.missing.iter().all(BTreeMap::is_empty));
    assert_eq!(data.inputs.len(), 1);
    assert_eq!(
        data.inputs[0].path,
        "imd2019/File_2_-_IoD2019_Domains_of_Deprivation.csv"
    );
    assert_eq!(data.inputs[0].bytes, 3_662_040);
    assert_eq!(data.inputs[0].sha256.len(), 64);
}

fn fsm_source(filters: &[(&str, &str)]) -> Source {
    Source {
        id: "fsm".into(),
        path: "indicators/dfe-fsm/fsm_time_series.csv".into(),
        format: None,
        sheet: None,
        header_row: None,
        code_column: "new_la_code".into(),
        name_column: Some("la_name".into()),
        layout: Layout::Tidy {
            measure_column: None,
            value_column: "fsm_eligible_percent".into(),
            filters: filters
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            period: None,
        },
        missing_markers: Vec::new(),
        ..Default::default()
    }
}

fn fsm_study(filters: &[(&str, &str)]) -> Study {
    let mut study = Study::from_toml_str(
        r#"
schema = 1
[study]
id = "fsm"
title = "FSM"
[geography]
area_type = "utla"
vintage = 2020
[[sources]]
id = "fsm"
path = "x.csv"
code_column = "x"
[[indicators]]
id = "fsm_percent"
direction = "higher_is_worse"
[[indicators]]
id = "pupils"
column = "headcount"
direction = "higher_is_better"
"#,
        "fsm.toml",
    )
    .unwrap();
    study.sources[0] = fsm_source(filters);
    study
}

#[test]
fn dfe_tidy_file_filters_to_one_row_per_local_authority() {
    let study = fsm_study(&[
        ("geographic_level", "Local authority"),
        ("phase", "Total"),
        ("time_period", "202021"),
    ]);
    let data = load_study_data(&study, &shared_data_dir()).unwrap();
    // The 2020/21 autumn file has 151 local authorities with a `Total` row (the data,
    // checked independently with Python's csv module).
    assert_eq!(data.len(), 151);
    let city = data
        .area_codes
        .iter()
        .position(|c| c == "E09000001")
        .unwrap();
    assert_eq!(data.area_names[city], "City of London");
    assert!((data.columns[0][city] - 12.82051282).abs() < 1e-9);
    assert_eq!(data.columns[1][city], 273.0);
    let scilly = data
        .area_codes
        .iter()
        .position(|c| c == "E06000053")
        .unwrap();
    assert!((data.columns[0][scilly] - 2.362204724).abs() < 1e-9);
    assert!(data.columns.iter().flatten().all(|v| v.is_finite()));
}

#[test]
fn dfe_tidy_file_without_enough_filters_names_the_duplicate_rows() {
    let study = fsm_study(&[("geographic_level", "Local authority"), ("phase", "Total")]);
    let err = load_study_data(&study, &shared_data_dir()).unwrap_err();
    assert!(matches!(err, ReadError::TidyDuplicate { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("fsm_time_series.csv"), "{msg}");
    assert!(msg.contains("two rows for `fsm_eligible_percent`"), "{msg}");
    assert!(msg.contains("at line "), "{msg}");
}

#[test]
fn dfe_tidy_filter_that_matches_nothing_lists_the_values_seen() {
    let study = fsm_study(&[("geographic_level", "Local Authority District")]);
    let err = load_study_data(&study, &shared_data_dir())
        .unwrap_err()
        .to_string();
    assert!(err.contains("no data rows match the filters"), "{err}");
    assert!(err.contains("`Local authority`"), "{err}");
}

#[test]
fn smc_tidy_file_with_na_markers() {
    // IN12: attainment at 11 by local authority and disadvantage; `NA` fills the unused
    // breakdown columns, and `Value` is the measure.
    let src = Source {
        id: "in12".into(),
        path: "indicators/smc-son/IN12-attainment-at-age-11--by-local-authority-and-disadvantage--original.csv".into(),
        format: None,
        sheet: None,
        header_row: None,
        code_column: "Area_code".into(),
        name_column: Some("Area_name".into()),
        layout: Layout::Tidy {
            measure_column: Some("SEB".into()),
            value_column: "Value".into(),
            filters: [("Time_period".to_string(), "202122".to_string())].into(),
            period: None,
        },
        missing_markers: Vec::new(),
        ..Default::default()
    };
    let path = shared_data_dir().join(&src.path);
    let data = oa_io::source::read_source(
        &path,
        &src,
        &[
            "Disadvantaged".to_string(),
            "Not known to be disadvantaged".to_string(),
        ],
        &src.path,
    )
    .unwrap();
    let gateshead = data.codes.iter().position(|c| c == "E08000037").unwrap();
    assert_eq!(data.names.as_ref().unwrap()[gateshead], "Gateshead");
    assert_eq!(data.columns[0][gateshead], 41.0);
    assert_eq!(data.columns[1][gateshead], 69.0);
    // The NA in the unused `Sample_size` column is never parsed: only wanted columns are.
    let t = read_table(&path, &src).unwrap();
    let sample = t.numbers("Sample_size").unwrap();
    assert!(sample.iter().all(|v| v.is_nan()));
}

#[test]
fn read_columns_matches_read_table_on_file_6() {
    let path = shared_data("imd2019/File_6_-_IoD2019_Population_Denominators.csv");
    let src = source("", "LSOA code (2011)");
    let total = "Total population: mid 2015 (excluding prisoners)";
    let all = read_table(&path, &src).unwrap();
    // Matched loosely (case), reported as the file spells it.
    let some = read_columns(&path, &src, &["lsoa code (2011)", total]).unwrap();
    assert_eq!(some.headers, ["LSOA code (2011)", total]);
    assert_eq!(some.len(), LSOA_COUNT);
    assert_eq!(
        some.text("LSOA code (2011)").unwrap(),
        all.text("LSOA code (2011)").unwrap()
    );
    assert_eq!(some.numbers(total).unwrap(), all.numbers(total).unwrap());
    assert_eq!(some.location(1), all.location(1));
    let e = read_columns(&path, &src, &["Total population"])
        .unwrap_err()
        .to_string();
    assert!(e.contains("no column `Total population`"), "{e}");
}
