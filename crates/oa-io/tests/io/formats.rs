//! Each quirk of published files, on small files written by the tests.

use oa_io::{OutputFormat, Table, load_study_data, read_table};
use oa_model::Study;
use oa_model::study::{Layout, Source};
use std::path::{Path, PathBuf};

/// A study with one wide source `data` of file `file` and indicators `a`, `b`.
fn study(file: &str, extra_source_keys: &str, geography: &str) -> Study {
    let text = format!(
        r#"
schema = 1
[study]
id = "t"
title = "t"
[geography]
area_type = "district"
vintage = 2016
{geography}
[[sources]]
id = "data"
path = "{file}"
code_column = "code"
name_column = "name"
{extra_source_keys}
[[indicators]]
id = "a"
direction = "higher_is_better"
[[indicators]]
id = "b"
direction = "higher_is_worse"
"#
    );
    Study::from_toml_str(&text, "t.toml").unwrap()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn load_err(dir: &Path, s: &Study) -> String {
    load_study_data(s, dir).unwrap_err().to_string()
}

#[test]
fn csv_with_bom_quoted_thousands_spaces_percent_and_markers() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "d.csv",
        "\u{feff}code,name,a,b\nE1,One,\"29,199\", 12.5% \nE2,Two, c ,NA\nE3,Three,..,\nE4,Four,-,\"1,234,567.5\"\nE5,Five,:,x\n",
    );
    let data = load_study_data(&study("d.csv", "", ""), dir.path()).unwrap();
    assert_eq!(data.area_codes, ["E1", "E2", "E3", "E4", "E5"]);
    assert_eq!(data.area_names[0], "One");
    assert_eq!(data.columns[0][0], 29_199.0);
    assert_eq!(data.columns[1][0], 12.5);
    assert_eq!(data.columns[1][3], 1_234_567.5);
    assert!(data.columns[0][1..].iter().all(|v| v.is_nan()));
    assert_eq!(data.missing[0].get("c"), Some(&1));
    assert_eq!(data.missing[0].get(".."), Some(&1));
    assert_eq!(data.missing[0].get("-"), Some(&1));
    assert_eq!(data.missing[0].get(":"), Some(&1));
    assert_eq!(data.missing[1].get("NA"), Some(&1));
    assert_eq!(data.missing[1].get("(empty)"), Some(&1));
    assert_eq!(data.missing[1].get("x"), Some(&1));
}

#[test]
fn source_markers_add_to_the_standard_ones() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "d.csv",
        "code,name,a,b\nE1,One,*,1\nE2,Two,2,n/a\n",
    );
    let s = study("d.csv", "missing_markers = [\"*\", \"n/a\"]", "");
    let data = load_study_data(&s, dir.path()).unwrap();
    assert!(data.columns[0][0].is_nan());
    assert_eq!(data.missing[0].get("*"), Some(&1));
    assert_eq!(data.missing[1].get("n/a"), Some(&1));
    // Without the markers the same file is an error naming the cell.
    let e = load_err(dir.path(), &study("d.csv", "", ""));
    assert_eq!(
        e,
        format!(
            "{}: line 2, column `a`: `*` is not a number; fix the value, or list it in the source's `missing_markers` if it marks missing data",
            dir.path().join("d.csv").display()
        )
    );
}

#[test]
fn csv_header_below_a_title_block_is_found_or_given() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "d.csv",
        "Table 3: something,,,\nSource: somewhere,,,\n,,,\ncode,name,a,b\nE1,One,1,2\nE2,Two,3,4\n",
    );
    let data = load_study_data(&study("d.csv", "", ""), dir.path()).unwrap();
    assert_eq!(data.area_codes, ["E1", "E2"]);
    assert_eq!(data.columns[1], [2.0, 4.0]);
    let data = load_study_data(&study("d.csv", "header_row = 4", ""), dir.path()).unwrap();
    assert_eq!(data.columns[0], [1.0, 3.0]);
    let e = load_err(dir.path(), &study("d.csv", "header_row = 2", ""));
    assert!(
        e.contains("no column `code` in the header at line 2"),
        "{e}"
    );
}

#[test]
fn windows_line_endings_give_the_same_line_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = study("d.csv", "", "");
    write(
        d,
        "d.csv",
        "code,name,a,b\r\nE1,One,1,2\r\nE2,Two,1,two\r\n",
    );
    let e = load_err(d, &s);
    assert!(
        e.contains(": line 3, column `b`: `two` is not a number"),
        "{e}"
    );
    write(d, "d.csv", "code,name,a,b\r\nE1,One,1,2\r\nE1,Two,1,2\r\n");
    let e = load_err(d, &s);
    assert!(e.contains("appears twice, at line 2 and line 3"), "{e}");
}

#[test]
fn errors_name_file_place_and_fix() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let s = study("d.csv", "", "");
    let path = d.join("d.csv").display().to_string();

    let e = load_err(d, &s);
    assert_eq!(
        e,
        format!("{path}: file not found; check the source's `path` and `--data-dir`")
    );

    write(d, "d.csv", "code,name,a,bb\nE1,One,1,2\n");
    let e = load_err(d, &s);
    assert_eq!(
        e,
        format!("{path}: no column `b` in the header at line 1; did you mean `bb`?")
    );

    write(
        d,
        "d.csv",
        "code,name,a,b\nE1,One,1,2\nE2,Two,1,2\nE1,Again,3,4\n",
    );
    let e = load_err(d, &s);
    assert_eq!(
        e,
        format!(
            "{path}: area code `E1` appears twice, at line 2 and line 4; remove one of the rows, or keep one per area with `filters` in the layout of source `data`"
        )
    );

    write(d, "d.csv", "code,name,a,b\nE1,One,1,2\nE2,Two,1,two\n");
    let e = load_err(d, &s);
    assert!(
        e.starts_with(&format!(
            "{path}: line 3, column `b`: `two` is not a number"
        )),
        "{e}"
    );

    write(d, "d.csv", "code,name,a,b\nE1,One,NaN,2\n");
    let e = load_err(d, &s);
    assert!(
        e.contains("line 2, column `a`: `NaN` is not a finite number"),
        "{e}"
    );
    write(d, "d.csv", "code,name,a,b\nE1,One,1,-inf\n");
    assert!(load_err(d, &s).contains("`-inf` is not a finite number"));

    write(d, "d.csv", "code,name,a,b\n");
    let e = load_err(d, &s);
    assert!(
        e.starts_with(&format!("{path}: no data rows below the header (line 1)")),
        "{e}"
    );

    write(d, "d.csv", "");
    assert_eq!(
        load_err(d, &s),
        format!("{path}: no data rows; the file is empty")
    );

    write(d, "d.csv", "code,name,a,b\nE1,One,1\n");
    let e = load_err(d, &s);
    assert!(e.contains("line 2, column `b`: row has 3 fields"), "{e}");

    write(d, "d.csv", "code,name,a,b\n,One,1,2\n");
    let e = load_err(d, &s);
    assert!(e.contains("line 2, column `code`: empty area code"), "{e}");

    write(d, "d.dat", "code,name,a,b\nE1,One,1,2\n");
    let e = load_err(d, &study("d.dat", "", ""));
    assert!(e.contains("unknown format `dat`"), "{e}");

    write(d, "d.csv", "kode,name,a,b\nE1,One,1,2\n");
    let e = load_err(d, &s);
    assert!(
        e.contains("no header row naming the code column `code` in the first 2 rows"),
        "{e}"
    );
    assert!(e.contains("did you mean `kode`?"), "{e}");
}

#[test]
fn a_study_built_in_code_without_indicators_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = study("d.csv", "", "");
    s.indicators.clear();
    assert_eq!(
        load_err(dir.path(), &s),
        "the study has no indicators; add at least one [[indicators]] entry"
    );
}

#[test]
fn geography_filters_and_include_check() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "d.csv",
        "code,name,a,b\nE06000001,A,1,1\nE07000002,B,2,2\nW06000003,C,3,3\nE09000001,D,4,4\n",
    );
    let s = study(
        "d.csv",
        "",
        "code_prefixes = [\"E06\", \"E07\", \"E09\"]\nexclude = [\"E09000001\"]",
    );
    let data = load_study_data(&s, dir.path()).unwrap();
    assert_eq!(data.area_codes, ["E06000001", "E07000002"]);
    assert_eq!(data.columns[0], [1.0, 2.0]);
    assert_eq!(data.areas_read, 4);
    let s = study("d.csv", "", "include = [\"W06000003\", \"E09000001\"]");
    let data = load_study_data(&s, dir.path()).unwrap();
    assert_eq!(data.area_codes, ["W06000003", "E09000001"]);
    let s = study("d.csv", "", "include = [\"E09000009\"]");
    let e = load_err(dir.path(), &s);
    assert!(
        e.starts_with("geography.include: area code `E09000009` is not in"),
        "{e}"
    );
    let s = study("d.csv", "", "code_prefixes = [\"S12\"]");
    let e = load_err(dir.path(), &s);
    assert!(
        e.contains("no data rows left after the geography filters (4 areas read)"),
        "{e}"
    );
}

#[test]
fn two_sources_join_in_first_source_order_and_report_gaps() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "one.csv",
        "code,name,a\nE3,Three,3\nE1,One,1\nE2,Two,2\n",
    );
    write(dir.path(), "two.csv", "area,b\nE1,10\nE9,90\nE3,30\n");
    let s = Study::from_toml_str(
        r#"
schema = 1
[study]
id = "t"
title = "t"
[geography]
area_type = "district"
vintage = 2016
[[sources]]
id = "two"
path = "two.csv"
code_column = "area"
[[sources]]
id = "one"
path = "one.csv"
code_column = "code"
name_column = "name"
[[indicators]]
id = "a"
source = "one"
direction = "higher_is_better"
[[indicators]]
id = "b"
source = "two"
direction = "higher_is_better"
"#,
        "t.toml",
    )
    .unwrap();
    let data = load_study_data(&s, dir.path()).unwrap();
    // `one` is the first source used (by the first indicator): its order rules.
    assert_eq!(data.area_codes, ["E3", "E1", "E2"]);
    assert_eq!(data.area_names, ["Three", "One", "Two"]);
    assert_eq!(data.columns[0], [3.0, 1.0, 2.0]);
    assert_eq!(data.columns[1][..2], [30.0, 10.0]);
    assert!(data.columns[1][2].is_nan());
    assert_eq!(data.missing[1].get("(not in source)"), Some(&1));
    assert_eq!(data.joins.len(), 1);
    assert_eq!(data.joins[0].source, "two");
    assert_eq!(data.joins[0].missing_codes, ["E2"]);
    assert_eq!(data.joins[0].unmatched_codes, ["E9"]);
    assert_eq!(
        data.inputs
            .iter()
            .map(|i| i.path.as_str())
            .collect::<Vec<_>>(),
        ["one.csv", "two.csv"]
    );
}

fn sample_table() -> Table<'static> {
    let mut t = Table::new();
    t.push_text("code", vec!["E1".into(), "E2".into(), "E3".into()])
        .push_text(
            "name",
            vec!["One".into(), "Two, Ltd".into(), "Three".into()],
        )
        .push_float("a", vec![0.1, f64::NAN, 1.0 / 3.0])
        .push_int("b", vec![7, -2, 1_000_000]);
    t
}

fn check_sample(data: &oa_io::StudyData) {
    assert_eq!(data.area_codes, ["E1", "E2", "E3"]);
    assert_eq!(data.area_names[1], "Two, Ltd");
    assert_eq!(data.columns[0][0], 0.1);
    assert!(data.columns[0][1].is_nan());
    assert_eq!(data.columns[0][2], 1.0 / 3.0);
    assert_eq!(data.columns[1], [7.0, -2.0, 1_000_000.0]);
}

#[test]
fn csv_round_trip_through_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    sample_table().write_csv(&dir.path().join("d.csv")).unwrap();
    let data = load_study_data(&study("d.csv", "", ""), dir.path()).unwrap();
    check_sample(&data);
}

#[test]
fn parquet_round_trip_through_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    sample_table()
        .write_parquet(&dir.path().join("d.parquet"))
        .unwrap();
    let data = load_study_data(&study("d.parquet", "", ""), dir.path()).unwrap();
    check_sample(&data);
    assert_eq!(data.missing[0].get("(empty)"), Some(&1));
    let e = load_err(
        dir.path(),
        &study("d.parquet", "", "").tap_column("a", "aa"),
    );
    assert!(
        e.contains("no column `aa` in the header at the Parquet schema; did you mean `a`?"),
        "{e}"
    );
}

#[test]
fn xlsx_round_trip_through_the_writer() {
    let dir = tempfile::tempdir().unwrap();
    let written = sample_table()
        .write_formats(dir.path(), "d", &[OutputFormat::Xlsx, OutputFormat::Csv])
        .unwrap();
    assert_eq!(written, ["d.csv", "d.xlsx"]);
    let data = load_study_data(&study("d.xlsx", "", ""), dir.path()).unwrap();
    check_sample(&data);
    let data = load_study_data(&study("d.xlsx", "sheet = \"d\"", ""), dir.path()).unwrap();
    check_sample(&data);
    let e = load_err(dir.path(), &study("d.xlsx", "sheet = \"Data\"", ""));
    assert!(e.contains("no sheet `Data`; the sheets are `d`"), "{e}");
}

/// A workbook as statisticians publish it: a cover sheet, then a data sheet whose header
/// sits on row 4 under a title, with numbers stored as text and a suppression marker.
fn published_workbook(path: &Path) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let cover = wb.add_worksheet();
    cover.set_name("Cover").unwrap();
    cover.write_string(0, 0, "Example statistics").unwrap();
    let ws = wb.add_worksheet();
    ws.set_name("Table 1").unwrap();
    ws.write_string(0, 0, "Table 1: Example").unwrap();
    ws.write_string(1, 0, "Source: test").unwrap();
    for (c, h) in ["code", "name", "a", "b"].iter().enumerate() {
        ws.write_string(3, c as u16, *h).unwrap();
    }
    ws.write_string(4, 0, "E1").unwrap();
    ws.write_string(4, 1, "One").unwrap();
    ws.write_number(4, 2, 1.5).unwrap();
    ws.write_string(4, 3, "1,234").unwrap();
    ws.write_string(5, 0, "E2").unwrap();
    ws.write_string(5, 1, "Two").unwrap();
    ws.write_string(5, 2, "[c]").unwrap();
    ws.write_number(5, 3, 2).unwrap();
    ws.write_string(6, 0, "E3").unwrap();
    ws.write_string(6, 1, "Three").unwrap();
    ws.write_string(6, 2, "oops").unwrap();
    ws.write_number(6, 3, 3).unwrap();
    wb.save(path).unwrap();
}

#[test]
fn xlsx_header_on_row_4_of_the_second_sheet() {
    let dir = tempfile::tempdir().unwrap();
    published_workbook(&dir.path().join("p.xlsx"));
    let e = load_err(dir.path(), &study("p.xlsx", "sheet = \"Table 1\"", ""));
    // The bad cell is named by sheet and cell reference.
    assert!(
        e.contains("sheet `Table 1` cell C7 (column `a`): `oops` is not a number"),
        "{e}"
    );
    let data = load_study_data(
        &study(
            "p.xlsx",
            "sheet = \"Table 1\"\nmissing_markers = [\"oops\"]",
            "",
        ),
        dir.path(),
    )
    .unwrap();
    assert_eq!(data.area_codes, ["E1", "E2", "E3"]);
    assert_eq!(data.columns[0][0], 1.5);
    assert!(data.columns[0][1].is_nan());
    assert_eq!(data.columns[1], [1234.0, 2.0, 3.0]);
    let data = load_study_data(
        &study(
            "p.xlsx",
            "sheet = \"Table 1\"\nheader_row = 4\nmissing_markers = [\"oops\"]",
            "",
        ),
        dir.path(),
    )
    .unwrap();
    assert_eq!(data.len(), 3);
    // The first sheet (the cover) has no header row.
    let e = load_err(dir.path(), &study("p.xlsx", "", ""));
    assert!(
        e.contains("no header row naming the code column `code`"),
        "{e}"
    );
    assert!(e.contains("of sheet `Cover`"), "{e}");
    let e = load_err(
        dir.path(),
        &study("p.xlsx", "sheet = \"Table 1\"\nheader_row = 40", ""),
    );
    assert!(e.contains("`header_row = 40` is outside rows"), "{e}");
}

fn ods_study(extra: &str) -> Study {
    let text = format!(
        r#"
schema = 1
[study]
id = "t"
title = "t"
[geography]
area_type = "district"
vintage = 2016
[[sources]]
id = "data"
path = "tiny.ods"
code_column = "Area code"
name_column = "Area name"
{extra}
[[indicators]]
id = "value"
column = "Value"
direction = "higher_is_better"
[[indicators]]
id = "rate"
column = "Rate"
direction = "higher_is_better"
"#
    );
    Study::from_toml_str(&text, "t.toml").unwrap()
}

#[test]
fn ods_fixture_with_title_block_and_two_sheets() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let data = load_study_data(&ods_study("sheet = \"Data\""), &fixtures).unwrap();
    assert_eq!(data.area_codes, ["E06000001", "E06000002", "E06000003"]);
    assert_eq!(data.area_names[2], "Redcar and Cleveland");
    assert_eq!(data.columns[0], [10.5, 1234.0, -3.0]);
    assert_eq!(data.columns[1][0], 0.25);
    assert!(data.columns[1][1].is_nan());
    assert_eq!(data.missing[1].get("[c]"), Some(&1));
    assert_eq!(data.inputs[0].path, "tiny.ods");
    let e = load_study_data(&ods_study(""), &fixtures)
        .unwrap_err()
        .to_string();
    assert!(e.contains("of sheet `Notes`"), "{e}");
}

#[test]
fn read_table_gives_every_column_and_tidy_filters() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "t.csv",
        "time_period,level,code,measure,value\n2021,LA,E1,m,1\n2021,Region,R1,m,2\n2022,LA,E1,m,3\n",
    );
    let source = Source {
        id: "t".into(),
        path: "t.csv".into(),
        format: None,
        sheet: None,
        header_row: None,
        code_column: "code".into(),
        name_column: None,
        layout: Layout::Tidy {
            measure_column: Some("measure".into()),
            value_column: "value".into(),
            filters: [("level".to_string(), "LA".to_string())].into(),
            period: None,
        },
        missing_markers: Vec::new(),
        ..Default::default()
    };
    let t = read_table(&path, &source).unwrap();
    assert_eq!(
        t.headers,
        ["time_period", "level", "code", "measure", "value"]
    );
    assert_eq!(t.len(), 2);
    assert_eq!(t.text("time_period").unwrap(), ["2021", "2022"]);
    assert_eq!(t.numbers("value").unwrap(), [1.0, 3.0]);
    assert_eq!(t.location(1).to_string(), "line 4");
    let e = t.numbers("level").unwrap_err().to_string();
    assert!(
        e.contains("line 2, column `level`: `LA` is not a number"),
        "{e}"
    );
    let e = t.text("valeu").unwrap_err().to_string();
    assert!(e.contains("did you mean `value`?"), "{e}");
    // Only some columns: the filter column is read to filter, but not returned.
    let t = oa_io::read_columns(&path, &source, &["code", "value"]).unwrap();
    assert_eq!(t.headers, ["code", "value"]);
    assert_eq!(t.text("code").unwrap(), ["E1", "E1"]);
    assert_eq!(t.numbers("value").unwrap(), [1.0, 3.0]);
    assert!(t.text("level").is_err());
}

#[test]
fn tidy_pivot_with_measure_column_and_filters() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "t.csv",
        "time_period,geographic_level,code,name,measure,value\n\
         2021,Local authority,E1,One,a,1\n\
         2021,Local authority,E1,One,b,10\n\
         2021,Regional,R1,North,a,100\n\
         2021,Local authority,E2,Two,a,c\n\
         2020,Local authority,E2,Two,b,99\n\
         2021,Local authority,E2,Two,b,20\n\
         2021,Local authority,E3,Three,b,30\n\
         2021,Local authority,E3,Three,other,0\n",
    );
    let tidy = "layout = { kind = \"tidy\", measure_column = \"measure\", value_column = \"value\", filters = { geographic_level = \"Local authority\", time_period = \"2021\" } }";
    let data = load_study_data(&study("t.csv", tidy, ""), dir.path()).unwrap();
    assert_eq!(data.area_codes, ["E1", "E2", "E3"]);
    assert_eq!(data.area_names, ["One", "Two", "Three"]);
    assert_eq!(data.columns[0][0], 1.0);
    assert!(data.columns[0][1].is_nan());
    assert!(data.columns[0][2].is_nan());
    assert_eq!(data.columns[1], [10.0, 20.0, 30.0]);
    assert_eq!(data.missing[0].get("c"), Some(&1));
    assert_eq!(data.missing[0].get("(no row)"), Some(&1));

    let loose = "layout = { kind = \"tidy\", measure_column = \"measure\", value_column = \"value\", filters = { geographic_level = \"Local authority\" } }";
    let e = load_err(dir.path(), &study("t.csv", loose, ""));
    assert!(
        e.contains("area `E2` has two rows for `b` after filtering, at line 6 and line 7"),
        "{e}"
    );

    let wrong = "layout = { kind = \"tidy\", measure_column = \"measure\", value_column = \"value\", filters = { time_period = \"2021\" } }";
    let mut s = study("t.csv", wrong, "");
    s.indicators[1].column = Some("B".into());
    let e = load_err(dir.path(), &s);
    assert!(
        e.contains("no rows for measure `B` in column `measure`"),
        "{e}"
    );
    assert!(e.contains("did you mean `b`?"), "{e}");
}

trait TapColumn {
    fn tap_column(self, id: &str, column: &str) -> Self;
}

impl TapColumn for Study {
    fn tap_column(mut self, id: &str, column: &str) -> Self {
        let ind = self.indicators.iter_mut().find(|i| i.id == id).unwrap();
        ind.column = Some(column.into());
        self
    }
}

#[test]
fn read_errors_are_one_line_even_for_multiline_cells() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "d.csv", "code,name,a,b\nE1,One,1,\"x\ny\"\n");
    let e = load_err(dir.path(), &study("d.csv", "", ""));
    assert!(!e.contains('\n'), "{e}");
    assert!(
        e.contains("line 2, column `b`: `x\\ny` is not a number"),
        "{e}"
    );
}

#[test]
fn xlsx_table_not_starting_at_a1_names_real_cells() {
    // Rows 1-2 and column A empty: the used range starts at B3, the header is on row 3.
    let dir = tempfile::tempdir().unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["Code", "Name", "A", "B"].iter().enumerate() {
        ws.write_string(2, c as u16 + 1, *h).unwrap();
    }
    ws.write_number(3, 1, 830).unwrap(); // an old-style numeric LA code
    ws.write_string(3, 2, "Derbyshire").unwrap();
    ws.write_number(3, 3, 1.25).unwrap();
    ws.write_string(3, 4, "bad").unwrap();
    wb.save(dir.path().join("o.xlsx")).unwrap();
    // The code column is matched ignoring case; the bad cell is E4 on the sheet.
    let e = load_err(dir.path(), &study("o.xlsx", "", ""));
    assert!(
        e.contains("sheet `Sheet1` cell E4 (column `B`): `bad` is not a number"),
        "{e}"
    );
    let data = load_study_data(
        &study("o.xlsx", "header_row = 3\nmissing_markers = [\"bad\"]", ""),
        dir.path(),
    )
    .unwrap();
    assert_eq!(data.area_codes, ["830"]);
    assert_eq!(data.area_names, ["Derbyshire"]);
    assert_eq!(data.columns[0], [1.25]);
    assert!(data.columns[1][0].is_nan());
}

#[test]
fn tab_separated_files_and_tidy_without_a_measure_column() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "t.tsv",
        "year\tcode\tname\ta\tb\n2021\tE1\tOne\t1\t2\n2022\tE1\tOne\t3\t4\n2022\tE2\tTwo\t5\t6\n",
    );
    // Without a measure column each indicator names its value column (`a`, `b`).
    let tidy = "layout = { kind = \"tidy\", value_column = \"a\", filters = { year = \"2022\" } }";
    let mut s = study("t.tsv", tidy, "");
    s.indicators[0].column = Some("a".into());
    s.indicators[1].column = Some("b".into());
    let data = load_study_data(&s, dir.path()).unwrap();
    assert_eq!(data.area_codes, ["E1", "E2"]);
    assert_eq!(data.columns[0], [3.0, 5.0]);
    assert_eq!(data.columns[1], [4.0, 6.0]);
    // Without the filter, E1 has two rows.
    let mut s = study(
        "t.tsv",
        "layout = { kind = \"tidy\", value_column = \"a\" }",
        "",
    );
    s.indicators[0].column = Some("a".into());
    s.indicators[1].column = Some("b".into());
    let e = load_err(dir.path(), &s);
    assert!(
        e.contains("area `E1` has two rows for `a` after filtering, at line 2 and line 3"),
        "{e}"
    );
}

#[test]
fn spreadsheet_infinity_and_formula_errors_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in ["code", "name", "a", "b"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "E1").unwrap();
    ws.write_string(1, 1, "One").unwrap();
    ws.write_number(1, 2, 1).unwrap();
    ws.write_string(1, 3, "#DIV/0!").unwrap();
    wb.save(dir.path().join("e.xlsx")).unwrap();
    let e = load_err(dir.path(), &study("e.xlsx", "", ""));
    assert!(
        e.contains("cell D2 (column `b`): `#DIV/0!` is not a number"),
        "{e}"
    );
}

#[test]
fn missing_counts_cover_only_the_study_areas() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "d.csv",
        "code,name,a,b\nE06000001,A,c,1\nW06000002,B,c,x\nE06000003,C,..,2\n",
    );
    let s = study("d.csv", "", "code_prefixes = [\"E\"]");
    let data = load_study_data(&s, dir.path()).unwrap();
    assert_eq!(data.area_codes, ["E06000001", "E06000003"]);
    // The Welsh row's `c` and `x` are not counted: it is not an area of the study.
    assert_eq!(data.missing[0].get("c"), Some(&1));
    assert_eq!(data.missing[0].get(".."), Some(&1));
    assert!(data.missing[1].is_empty(), "{:?}", data.missing[1]);
}

#[test]
fn windows_1252_csv_keeps_names_and_pound_signs() {
    let dir = tempfile::tempdir().unwrap();
    let bytes: &[u8] = b"code,name,a,b\r\nW06000001,Ynys M\xf4n,\"\xa31,250\",2\r\n";
    std::fs::write(dir.path().join("w.csv"), bytes).unwrap();
    let data = load_study_data(&study("w.csv", "", ""), dir.path()).unwrap();
    assert_eq!(data.area_names, ["Ynys Môn"]);
    assert_eq!(data.columns[0], [1250.0]);
    assert_eq!(data.columns[1], [2.0]);
}

mod round_trip {
    use super::*;
    use proptest::prelude::*;

    fn finite_or_missing() -> impl Strategy<Value = f64> {
        prop_oneof![
            4 => any::<f64>().prop_filter("finite", |v| v.is_finite()),
            1 => Just(f64::NAN),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Whatever the writer writes (any finite float, gaps, awkward names), the reader
        /// reads back exactly, in CSV and in Parquet.
        #[test]
        fn written_tables_read_back_exactly(
            rows in proptest::collection::vec(
                (finite_or_missing(), finite_or_missing(), "[ -~]{0,12}"),
                1..40,
            )
        ) {
            let dir = tempfile::tempdir().unwrap();
            let mut t = Table::new();
            t.push_text("code", (0..rows.len()).map(|i| format!("E{i:08}")).collect())
                .push_text("name", rows.iter().map(|r| r.2.trim().to_string()).collect())
                .push_float("a", rows.iter().map(|r| r.0).collect())
                .push_float("b", rows.iter().map(|r| r.1).collect());
            t.write_csv(&dir.path().join("r.csv")).unwrap();
            t.write_parquet(&dir.path().join("r.parquet")).unwrap();
            for file in ["r.csv", "r.parquet"] {
                let data = load_study_data(&study(file, "", ""), dir.path()).unwrap();
                prop_assert_eq!(data.len(), rows.len());
                for (i, r) in rows.iter().enumerate() {
                    prop_assert_eq!(&data.area_names[i], r.2.trim());
                    for (col, want) in [(0, r.0), (1, r.1)] {
                        let got = data.columns[col][i];
                        prop_assert!(got == want || (got.is_nan() && want.is_nan()), "{} row {} {} vs {}", file, i, got, want);
                    }
                }
            }
        }
    }
}
