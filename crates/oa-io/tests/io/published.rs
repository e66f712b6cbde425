//! Files as governments publish them, with nothing silent (issue 15, items 9 to 13):
//! rows that are not areas, duplicate headers, filters and periods on the wide layout,
//! delimiters and decimal marks, cover sheets, codes that do not join.

use oa_io::source::SkipReason;
use oa_io::{ReadError, load_study_data, read_table};
use oa_model::Study;
use oa_testkit::shared_data_dir;
use std::path::Path;

/// A study of `area_type` with one source `data` (file `file`, extra keys `keys`) and
/// indicators `a` (and `b` when `two`), plus `more` TOML at the end.
fn study(area_type: &str, file: &str, keys: &str, more: &str) -> Study {
    let text = format!(
        r#"
schema = 1
[study]
id = "t"
title = "t"
[geography]
area_type = "{area_type}"
vintage = 2019
[[sources]]
id = "data"
path = "{file}"
code_column = "code"
{keys}
[[indicators]]
id = "a"
source = "data"
direction = "higher_is_better"
{more}
"#
    );
    Study::from_toml_str(&text, "t.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// Twelve rows of district codes `E06000001..` with `a` = 1..12, then `tail`.
fn districts(tail: &str) -> String {
    let mut t = String::from("code,a\n");
    for i in 1..=12 {
        t += &format!("E060000{i:02},{i}\n");
    }
    t + tail
}

#[test]
fn note_rows_are_refused_with_the_key_that_skips_them_and_skipped_rows_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "d.csv",
        &districts("Source: ONS mid-year estimates,\nNotes: 1. Figures are rounded,\n"),
    );
    let e = load_study_data(&study("lad", "d.csv", "", ""), d).unwrap_err();
    assert!(matches!(e, ReadError::NoteRow { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("line 14") && msg.contains("`Source: ONS mid-year estimates`"),
        "{msg}"
    );
    assert!(
        msg.contains("`skip_notes = true` in source `data`"),
        "{msg}"
    );

    let data = load_study_data(&study("lad", "d.csv", "skip_notes = true", ""), d).unwrap();
    assert_eq!(data.len(), 12);
    let skipped: Vec<(&str, &str, SkipReason)> = data
        .skipped
        .iter()
        .map(|s| (s.location.as_str(), s.code.as_str(), s.reason))
        .collect();
    assert_eq!(
        skipped,
        vec![
            (
                "line 14",
                "Source: ONS mid-year estimates",
                SkipReason::Note
            ),
            ("line 15", "Notes: 1. Figures are rounded", SkipReason::Note),
        ]
    );
}

#[test]
fn a_totals_row_under_a_custom_area_type_is_refused_or_skipped_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "d.csv", &districts("England,78\n"));
    let e = load_study_data(&study("council", "d.csv", "", ""), d).unwrap_err();
    assert!(matches!(e, ReadError::OddCode { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("line 14, column `code`: area code `England`"),
        "{msg}"
    );
    assert!(
        msg.contains("unlike the other 12 codes (such as `E06000001`)"),
        "{msg}"
    );
    assert!(
        msg.contains("skip_codes = [\"England\"]") && msg.contains("accept_codes"),
        "{msg}"
    );

    let data = load_study_data(
        &study("council", "d.csv", "skip_codes = [\"england\"]", ""),
        d,
    )
    .unwrap();
    assert_eq!(data.len(), 12);
    assert_eq!(data.skipped.len(), 1);
    assert_eq!(data.skipped[0].reason, SkipReason::Listed);
    assert_eq!(data.skipped[0].location, "line 14");
    let data = load_study_data(
        &study("council", "d.csv", "accept_codes = [\"England\"]", ""),
        d,
    )
    .unwrap();
    assert_eq!(data.len(), 13);
}

#[test]
fn codes_must_fit_a_well_known_area_type() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "d.csv", &districts("E92000001,100\n"));
    let e = load_study_data(&study("lad", "d.csv", "", ""), d).unwrap_err();
    assert!(matches!(e, ReadError::CodeNotOfType { .. }), "{e}");
    let msg = e.to_string();
    assert!(
        msg.contains("line 14, column `code`: area code `E92000001` is not a lad 2019 code"),
        "{msg}"
    );
    assert!(msg.contains("a country code (E92)"), "{msg}");
    assert!(msg.contains("skip_codes = [\"E92000001\"]"), "{msg}");
    // Excluding it by the geography is enough: it is not an area of the study.
    let s = study("lad", "d.csv", "", "");
    let mut s2 = s.clone();
    s2.geography.exclude = vec!["E92000001".into()];
    assert_eq!(load_study_data(&s2, d).unwrap().len(), 12);

    write(d, "d.csv", &districts("Total,100\n"));
    let msg = load_study_data(&s, d).unwrap_err().to_string();
    assert!(
        msg.contains("`Total` is not a lad 2019 code: it is not shaped like a GSS code"),
        "{msg}"
    );
}

#[test]
fn lower_case_gss_codes_are_read_upper_case_join_and_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "d.csv", &districts(""));
    write(
        d,
        "e.csv",
        "code,b\ne06000005,50\nE06000006,60\nE10000002,7\n",
    );
    let s = study(
        "lad",
        "d.csv",
        "",
        "[[sources]]\nid = \"more\"\npath = \"e.csv\"\ncode_column = \"code\"\n[[indicators]]\nid = \"b\"\nsource = \"more\"\ndirection = \"higher_is_better\"\n",
    );
    let data = load_study_data(&s, d).unwrap();
    let darlington = data
        .area_codes
        .iter()
        .position(|c| c == "E06000005")
        .unwrap();
    assert_eq!(data.columns[1][darlington], 50.0);
    assert_eq!(data.recased.len(), 1);
    assert_eq!(data.recased[0].written, "e06000005");
    assert_eq!(data.recased[0].location, "line 2");
    // Codes that do not join are listed, and their kind said.
    let join = &data.joins[0];
    assert_eq!(join.unmatched_codes, vec!["E10000002"]);
    assert_eq!(join.unmatched_described(), vec!["E10000002 (a county)"]);
    assert_eq!(join.missing_codes.len(), 10);
}

#[test]
fn duplicate_headers_name_both_positions() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "d.csv", "code,a,name,a\nE06000001,1,x,2\n");
    let e = load_study_data(&study("lad", "d.csv", "", ""), d).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{}: column 2 (B) and column 4 (D) are both named `a`, so `a` could mean either; rename one in the file or choose the other column",
            d.join("d.csv").display()
        )
    );
    let s = study("lad", "d.csv", "", "");
    let t = read_table(&d.join("d.csv"), &s.sources[0]).unwrap();
    assert!(t.text("name").is_ok());
    assert!(matches!(
        t.text("a"),
        Err(ReadError::DuplicateHeader { .. })
    ));
}

#[test]
fn wide_filters_are_honoured_and_checked() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "d.csv",
        "code,level,a\nE06000001,LA,1\n,National,9\nE06000002,LA,2\n",
    );
    let s = study(
        "lad",
        "d.csv",
        "layout = { kind = \"wide\", filters = { level = \"LA\" } }",
        "",
    );
    let data = load_study_data(&s, d).unwrap();
    assert_eq!(data.area_codes, vec!["E06000001", "E06000002"]);
    let s = study(
        "lad",
        "d.csv",
        "layout = { kind = \"wide\", filters = { levle = \"LA\" } }",
        "",
    );
    let msg = load_study_data(&s, d).unwrap_err().to_string();
    assert!(
        msg.contains("no column `levle`") && msg.contains("did you mean `level`?"),
        "{msg}"
    );
    // Unknown keys of a layout are errors too.
    let bad = Study::from_toml_str(
        r#"schema = 1
[study]
id = "t"
title = "t"
[geography]
area_type = "lad"
vintage = 2019
[[sources]]
id = "data"
path = "d.csv"
code_column = "code"
layout = { kind = "wide", filter = { level = "LA" } }
[[indicators]]
id = "a"
direction = "higher_is_better"
"#,
        "t.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(bad.contains("unknown field `filter`"), "{bad}");
}

/// The DfE statistics-service shape: measures as columns, rows by year, level and phase.
/// Read directly as a wide layout with filters and the latest period.
#[test]
fn dfe_fsm_time_series_reads_directly_with_filters_and_the_latest_period() {
    let s = study(
        "utla",
        "indicators/dfe-fsm/fsm_time_series.csv",
        "layout = { kind = \"wide\", filters = { geographic_level = \"Local authority\", phase = \"Total\" }, period = { column = \"time_period\" } }\nname_column = \"la_name\"",
        "[[indicators]]\nid = \"headcount\"\ndirection = \"higher_is_better\"\n",
    )
    .tap_code("new_la_code", "fsm_eligible_percent");
    let data = load_study_data(&s, &shared_data_dir()).unwrap();
    // The 2020/21 file has 151 local authorities with a `Total` row (as the tidy test).
    assert_eq!(data.len(), 151);
    assert_eq!(data.reads[0].period.as_deref(), Some("202021"));
    let city = data
        .area_codes
        .iter()
        .position(|c| c == "E09000001")
        .unwrap();
    assert!((data.columns[0][city] - 12.82051282).abs() < 1e-9);
    assert_eq!(data.columns[1][city], 273.0);
    // Without the period, the rows of other years are duplicates: the advice says so.
    let s = study(
        "utla",
        "indicators/dfe-fsm/fsm_time_series.csv",
        "layout = { kind = \"wide\", filters = { geographic_level = \"Local authority\", phase = \"Total\" } }",
        "",
    )
    .tap_code("new_la_code", "fsm_eligible_percent");
    let msg = load_study_data(&s, &shared_data_dir())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("appears twice") && msg.contains("select = \"latest\""),
        "{msg}"
    );
    // Without the level filter, national rows have no code: the advice names the filter
    // (it used to say "delete the row").
    let s = study("utla", "indicators/dfe-fsm/fsm_time_series.csv", "", "")
        .tap_code("new_la_code", "fsm_eligible_percent");
    let msg = load_study_data(&s, &shared_data_dir())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("empty area code") && msg.contains("geographic_level = \"Local authority\""),
        "{msg}"
    );
    assert!(!msg.contains("delete the row"), "{msg}");
}

trait TapCode {
    fn tap_code(self, code: &str, column: &str) -> Self;
}

impl TapCode for Study {
    /// Sets the source's code column and the first indicator's column.
    fn tap_code(mut self, code: &str, column: &str) -> Self {
        self.sources[0].code_column = code.to_string();
        self.indicators[0].column = Some(column.to_string());
        self
    }
}

#[test]
fn semicolon_files_are_detected_and_decimal_commas_declared() {
    // California (Proposition 99): semicolon-separated, decimal points.
    let s = study(
        "state",
        "evaluation-examples/california_prop99.csv",
        "layout = { kind = \"wide\", period = { column = \"Year\", select = \"1988\" } }",
        "",
    )
    .tap_code("State", "PacksPerCapita");
    let data = load_study_data(&s, &shared_data_dir()).unwrap();
    assert_eq!(data.len(), 39);
    assert_eq!(data.reads[0].delimiter.as_deref(), Some(";"));
    assert!(data.columns[0].iter().all(|v| v.is_finite() && *v > 0.0));

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "d.csv",
        &districts("").replace(',', ";").replace(";1\n", ";1,5\n"),
    );
    let e = load_study_data(&study("lad", "d.csv", "", ""), d).unwrap_err();
    assert!(matches!(e, ReadError::AmbiguousDecimal { .. }), "{e}");
    assert!(
        e.to_string().contains("`1,5`") && e.to_string().contains("decimal = \",\""),
        "{e}"
    );
    let data = load_study_data(&study("lad", "d.csv", "decimal = \",\"", ""), d).unwrap();
    assert_eq!(data.columns[0][0], 1.5);
    // A wrongly declared separator: the header is not found, and the message says why.
    let msg = load_study_data(&study("lad", "d.csv", "delimiter = \",\"", ""), d)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("set `delimiter = \";\"` in source `data`"),
        "{msg}"
    );
    // Declared keys are checked.
    let e = Study::from_toml_str(
        &study("lad", "d.csv", "", "")
            .to_toml_string()
            .replace("code_column", "delimiter = \"::\"\ncode_column"),
        "t.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("sources[0].delimiter"), "{e}");
}

#[test]
fn a_cover_sheet_first_suggests_the_sheet_with_the_table() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let cover = book.add_worksheet().set_name("Cover").unwrap();
    cover
        .write_string(0, 0, "Local authority statistics")
        .unwrap();
    cover
        .write_string(2, 0, "Contents: see the Data sheet")
        .unwrap();
    let data = book.add_worksheet().set_name("Data").unwrap();
    data.write_string(0, 0, "code").unwrap();
    data.write_string(0, 1, "a").unwrap();
    data.write_string(1, 0, "E06000001").unwrap();
    data.write_number(1, 1, 3.0).unwrap();
    book.save(&path).unwrap();
    let s = study("lad", "w.xlsx", "", "");
    let msg = load_study_data(&s, dir.path()).unwrap_err().to_string();
    assert!(msg.contains("of sheet `Cover` (the first sheet)"), "{msg}");
    assert!(
        msg.contains("sheet `Data` has one: set `sheet = \"Data\"`"),
        "{msg}"
    );
    assert!(msg.contains("the sheets are `Cover`, `Data`"), "{msg}");
    let s = study("lad", "w.xlsx", "sheet = \"Data\"", "");
    assert_eq!(load_study_data(&s, dir.path()).unwrap().len(), 1);
}
