//! Indicator data held in memory instead of a file: a table handed over by a caller (a
//! DataFrame from Python) stands for the study's one source. `data::load` reads it here
//! instead of through `oa-io`, with the checks a file gets: the columns exist, every code
//! is filled in and appears once, numbers are finite (text cells are read as a file's
//! cells are, missing markers and `1,234` included), the geography filters, and codes of
//! the study's area type. Messages name the frame, the row position (counting from 0, as
//! DataFrames do) and the column.

use crate::error::{Code, Error};
use oa_io::number::{CellValue, DecimalMark, marker_name, parse_cell_as};
use oa_io::source::{RecasedCode, SkipReason, SkippedRow};
use oa_io::study_data::SourceRead;
use oa_io::{FileDigest, ReadError, StudyData};
use oa_model::Study;
use oa_model::study::{Layout, Source};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

/// A table in memory: named columns of equal length.
#[derive(Clone, PartialEq)]
pub struct Frame {
    /// How messages name the table (`data frame`).
    pub label: String,
    pub columns: Vec<(String, FrameColumn)>,
    /// Names of the table's other columns, not handed over (the study does not read
    /// them): for suggestions in messages.
    pub other_columns: Vec<String>,
}

/// One column of a [`Frame`].
#[derive(Debug, Clone, PartialEq)]
pub enum FrameColumn {
    /// Numbers; `NaN` is missing.
    Numbers(Vec<f64>),
    /// Text; `None` is missing (a null).
    Text(Vec<Option<String>>),
}

impl FrameColumn {
    fn len(&self) -> usize {
        match self {
            FrameColumn::Numbers(v) => v.len(),
            FrameColumn::Text(v) => v.len(),
        }
    }
}

impl fmt::Debug for Frame {
    /// The shape and column names only (a frame may hold millions of cells).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.columns.iter().map(|(n, _)| n.as_str()).collect();
        write!(f, "Frame({}: {} rows, {names:?})", self.label, self.rows())
    }
}

impl Frame {
    /// Number of rows (0 without columns).
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |(_, c)| c.len())
    }

    /// A column by name, or an error naming the closest column and the study key.
    fn column(&self, name: &str, key: &str) -> Result<&FrameColumn, Error> {
        if let Some((_, c)) = self.columns.iter().find(|(n, _)| n == name) {
            return Ok(c);
        }
        let names = self.columns.iter().map(|(n, _)| n.as_str());
        let hint = oa_io::error::closest(
            name,
            names.chain(self.other_columns.iter().map(String::as_str)),
        )
        .map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default();
        Err(Error::new(
            Code::DataMalformed,
            format!(
                "{}: no column `{name}` (study key `{key}`){hint}",
                self.label
            ),
        ))
    }

    /// `row 4, column `x``: where a cell is.
    fn cell(&self, row: usize, column: &str) -> String {
        format!("row {row}, column `{column}`")
    }

    /// Identity of the data for the manifest: SHA-256 over the column names and values.
    fn digest(&self) -> FileDigest {
        let mut bytes = Vec::new();
        for (name, column) in &self.columns {
            bytes.extend_from_slice(name.as_bytes());
            bytes.push(0);
            match column {
                FrameColumn::Numbers(v) => v
                    .iter()
                    .for_each(|x| bytes.extend_from_slice(&x.to_le_bytes())),
                FrameColumn::Text(v) => v.iter().for_each(|x| {
                    bytes.extend_from_slice(x.as_deref().unwrap_or("\u{1}").as_bytes());
                    bytes.push(0);
                }),
            }
        }
        FileDigest {
            path: self.label.clone(),
            bytes: bytes.len() as u64,
            sha256: oa_io::digest::sha256_hex(&bytes),
        }
    }
}

/// The study's indicator data from `frame`, which stands for its one source.
pub(crate) fn study_data(study: &Study, frame: &Frame) -> Result<StudyData, Error> {
    let source = one_source(study)?;
    let rows = frame.rows();
    if let Some((name, _)) = frame.columns.iter().find(|(_, c)| c.len() != rows) {
        return Err(Error::new(
            Code::Internal,
            format!("{}: column `{name}` is not {rows} rows long", frame.label),
        ));
    }
    let codes = area_codes(frame, source, "sources[0].code_column")?;
    let names = match &source.name_column {
        Some(n) => Some(texts(frame.column(n, "sources[0].name_column")?)),
        None => None,
    };

    // Rows: every row that is not a listed skip code; codes once each.
    let skip: HashSet<String> = source
        .skip_codes
        .iter()
        .map(|c| c.trim().to_lowercase())
        .collect();
    let mut skipped = Vec::new();
    let mut recased = Vec::new();
    let mut read: Vec<(usize, Cow<'_, str>)> = Vec::with_capacity(rows);
    for (row, code) in codes.iter().enumerate() {
        let written = code.as_deref().map(str::trim).unwrap_or("");
        if written.is_empty() {
            return Err(Error::new(
                Code::DataMalformed,
                format!(
                    "{}: {}: empty area code; fill it in or drop the row",
                    frame.label,
                    frame.cell(row, &source.code_column)
                ),
            ));
        }
        if !skip.is_empty() && skip.contains(&written.to_lowercase()) {
            skipped.push(SkippedRow {
                source: source.id.clone(),
                location: format!("row {row}"),
                code: written.to_string(),
                reason: SkipReason::Listed,
            });
            continue;
        }
        let code = match oa_model::gss::upper_cased(written) {
            Some(upper) => {
                recased.push(RecasedCode {
                    source: source.id.clone(),
                    location: format!("row {row}"),
                    written: written.to_string(),
                    code: upper.clone(),
                });
                Cow::Owned(upper)
            }
            None => Cow::Borrowed(written),
        };
        read.push((row, code));
    }
    let mut first_row: HashMap<&str, usize> = HashMap::with_capacity(read.len());
    for (row, code) in &read {
        if let Some(earlier) = first_row.insert(code, *row) {
            return Err(ReadError::DuplicateCode {
                path: frame.label.clone(),
                code: code.to_string(),
                rows: format!("row {earlier} and row {row}"),
                advice:
                    "remove one of the rows (DataFrame.drop_duplicates) or aggregate them first"
                        .into(),
            }
            .into_error());
        }
    }
    if read.is_empty() {
        return Err(ReadError::EmptyTable {
            path: frame.label.clone(),
            detail: String::new(),
        }
        .into_error());
    }

    let kept = geography_filter(study, &frame.label, &read)?;
    check_code_types(study, source, &frame.label, &kept)?;

    let mut columns = Vec::with_capacity(study.indicators.len());
    let mut missing = Vec::with_capacity(study.indicators.len());
    for (i, ind) in study.indicators.iter().enumerate() {
        let name = ind.column.as_deref().unwrap_or(&ind.id);
        let key = match &ind.column {
            Some(_) => format!("indicators[{i}].column"),
            None => format!("indicators[{i}].id"),
        };
        let (values, counts) = numbers(frame, source, name, &key, &kept)?;
        columns.push(values);
        missing.push(counts);
    }

    Ok(StudyData {
        area_codes: kept.iter().map(|(_, c)| c.to_string()).collect(),
        area_names: match &names {
            Some(n) => kept
                .iter()
                .map(|(r, _)| n[*r].clone().unwrap_or_default())
                .collect(),
            None => vec![String::new(); kept.len()],
        },
        indicator_ids: study.indicators.iter().map(|i| i.id.clone()).collect(),
        columns,
        missing,
        joins: Vec::new(),
        inputs: vec![frame.digest()],
        areas_read: read.len(),
        skipped,
        recased,
        reads: vec![SourceRead {
            source: source.id.clone(),
            path: frame.label.clone(),
            rows_read: rows,
            areas: read.len(),
            period: None,
            delimiter: None,
        }],
    })
}

/// The study's one source, of the plain wide layout (a frame has one row per area).
fn one_source(study: &Study) -> Result<&Source, Error> {
    let source = match study.sources.as_slice() {
        [one] => one,
        _ => {
            return Err(Error::new(
                Code::StudyInvalid,
                format!(
                    "`sources`: a study on a data frame has one source, the frame ({} declared); join the tables into one frame first",
                    study.sources.len()
                ),
            ));
        }
    };
    match &source.layout {
        Layout::Wide { filters, period } if filters.is_empty() && period.is_none() => Ok(source),
        _ => Err(Error::new(
            Code::StudyInvalid,
            "`sources[0].layout`: a data frame has one row per area and a column per indicator; filter or pivot it before building the study",
        )),
    }
}

fn texts(column: &FrameColumn) -> Vec<Option<String>> {
    match column {
        FrameColumn::Text(v) => v.clone(),
        FrameColumn::Numbers(v) => v
            .iter()
            .map(|x| x.is_finite().then(|| x.to_string()))
            .collect(),
    }
}

fn area_codes<'f>(
    frame: &'f Frame,
    source: &Source,
    key: &str,
) -> Result<&'f [Option<String>], Error> {
    match frame.column(&source.code_column, key)? {
        FrameColumn::Text(v) => Ok(v),
        FrameColumn::Numbers(_) => Err(Error::new(
            Code::DataMalformed,
            format!(
                "{}: column `{}` holds numbers, but area codes are text; convert it (for example `df[\"{}\"].astype(str)`)",
                frame.label, source.code_column, source.code_column
            ),
        )),
    }
}

/// Column `name` for the kept rows, `NaN` where missing, with how many cells each missing
/// marker stood for.
fn numbers(
    frame: &Frame,
    source: &Source,
    name: &str,
    key: &str,
    kept: &[(usize, &str)],
) -> Result<(Vec<f64>, BTreeMap<String, usize>), Error> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut values = Vec::with_capacity(kept.len());
    let extra = &source.missing_markers;
    let mark = if source.decimal_comma() {
        DecimalMark::Comma
    } else {
        DecimalMark::Point
    };
    let bad = |row: usize, text: String, what: &str| {
        Error::new(
            Code::DataMalformed,
            format!(
                "{}: {}: `{text}` is not {what}; fix the value, or list it in `missing_markers` if it marks missing data",
                frame.label,
                frame.cell(row, name)
            ),
        )
    };
    match frame.column(name, key)? {
        FrameColumn::Numbers(v) => {
            for &(row, _) in kept {
                let x = v[row];
                if x.is_nan() {
                    *counts.entry(marker_name(0, extra)).or_default() += 1;
                } else if !x.is_finite() {
                    return Err(bad(row, x.to_string(), "a finite number"));
                }
                values.push(x);
            }
        }
        FrameColumn::Text(v) => {
            for &(row, _) in kept {
                let text = v[row].as_deref().unwrap_or("");
                match parse_cell_as(text, extra, mark) {
                    Ok(CellValue::Number(x)) => values.push(x),
                    Ok(CellValue::Missing(m)) => {
                        *counts.entry(marker_name(m, extra)).or_default() += 1;
                        values.push(f64::NAN);
                    }
                    Err(_) => return Err(bad(row, text.to_string(), "a number")),
                }
            }
        }
    }
    Ok((values, counts))
}

/// The rows kept by `geography.include`, `exclude` and `code_prefixes`.
fn geography_filter<'r>(
    study: &Study,
    label: &str,
    read: &'r [(usize, Cow<'_, str>)],
) -> Result<Vec<(usize, &'r str)>, Error> {
    let geo = &study.geography;
    let include: HashSet<&str> = geo.include.iter().map(|s| s.trim()).collect();
    if !include.is_empty() {
        let present: HashSet<&str> = read.iter().map(|(_, c)| c.as_ref()).collect();
        if let Some(code) = geo.include.iter().find(|c| !present.contains(c.trim())) {
            return Err(ReadError::IncludeNotFound {
                code: code.clone(),
                path: label.to_string(),
            }
            .into_error());
        }
    }
    let exclude: HashSet<&str> = geo.exclude.iter().map(|s| s.trim()).collect();
    let kept: Vec<(usize, &str)> = read
        .iter()
        .map(|(r, c)| (*r, c.as_ref()))
        .filter(|(_, code)| {
            (include.is_empty() || include.contains(code))
                && !exclude.contains(code)
                && (geo.code_prefixes.is_empty()
                    || geo
                        .code_prefixes
                        .iter()
                        .any(|p| code.starts_with(p.as_str())))
        })
        .collect();
    if kept.is_empty() {
        return Err(ReadError::EmptyTable {
            path: label.to_string(),
            detail: format!(
                " left after the geography filters ({} areas read); check `geography.include`, `exclude` and `code_prefixes`",
                read.len()
            ),
        }
        .into_error());
    }
    Ok(kept)
}

/// For a well-known area type, every code must be a GSS code of an entity it allows
/// (`accept_codes` exempts codes); the message says what the code is instead.
fn check_code_types(
    study: &Study,
    source: &Source,
    label: &str,
    kept: &[(usize, &str)],
) -> Result<(), Error> {
    let area_type = &study.geography.area_type;
    let Some(allowed) = oa_model::gss::allowed_prefixes(area_type) else {
        return Ok(());
    };
    let accepted: HashSet<&str> = source.accept_codes.iter().map(|c| c.trim()).collect();
    for &(row, code) in kept {
        if accepted.contains(code) {
            continue;
        }
        let why = match oa_model::gss::entity_of(code) {
            None => format!(
                "it is not shaped like a GSS code (a letter and eight digits, such as {}000001)",
                allowed[0]
            ),
            Some(kind) if !allowed.contains(&&code[..3]) => format!(
                "it is {kind} code ({}), and {area_type} codes start {}",
                &code[..3],
                allowed.join(", ")
            ),
            Some(_) => continue,
        };
        return Err(ReadError::CodeNotOfType {
            path: label.to_string(),
            location: format!("row {row}, column `{}`", source.code_column),
            code: code.to_string(),
            detail: format!(
                "is not a {area_type} {} code: {why}; drop the row, or set `geography.area_type`",
                study.geography.vintage
            ),
        }
        .into_error());
    }
    Ok(())
}

/// A read error of the frame, coded as the file reader's would be.
trait IntoError {
    fn into_error(self) -> Error;
}

impl IntoError for ReadError {
    fn into_error(self) -> Error {
        let code = match self {
            ReadError::CodeNotOfType { .. } | ReadError::OddCode { .. } => Code::AreaCode,
            _ => Code::DataMalformed,
        };
        Error::new(code, self.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn study(extra: &str) -> Study {
        let text = format!(
            r#"schema = 1
[study]
id = "t"
title = "t"
[geography]
area_type = "lad"
vintage = 2019
{extra}
[[sources]]
id = "frame"
path = "(data frame)"
code_column = "code"
[[indicators]]
id = "x"
direction = "higher_is_better"
"#
        );
        Study::from_toml_str(&text, "t").unwrap()
    }

    fn frame(codes: &[&str], x: FrameColumn) -> Frame {
        Frame {
            label: "data frame".into(),
            columns: vec![
                (
                    "code".into(),
                    FrameColumn::Text(codes.iter().map(|c| Some(c.to_string())).collect()),
                ),
                ("x".into(), x),
            ],
            other_columns: Vec::new(),
        }
    }

    #[test]
    fn reads_numbers_text_markers_and_recases_codes() {
        let f = frame(
            &["E06000001", "e06000002", "E06000003"],
            FrameColumn::Text(vec![Some("1,234".into()), Some("c".into()), None]),
        );
        let d = study_data(&study(""), &f).unwrap();
        assert_eq!(d.area_codes, ["E06000001", "E06000002", "E06000003"]);
        assert_eq!(d.columns[0][0], 1234.0);
        assert!(d.columns[0][1].is_nan() && d.columns[0][2].is_nan());
        assert_eq!(d.missing[0]["c"], 1);
        assert_eq!(d.missing[0]["(empty)"], 1);
        assert_eq!(d.recased.len(), 1);
        assert_eq!(d.inputs[0].sha256.len(), 64);
    }

    #[test]
    fn errors_name_the_row_and_column() {
        let dup = frame(
            &["E06000001", "E06000001"],
            FrameColumn::Numbers(vec![1.0, 2.0]),
        );
        let e = study_data(&study(""), &dup).unwrap_err();
        assert_eq!(e.code, Code::DataMalformed);
        assert!(
            e.message.contains("appears twice, at row 0 and row 1"),
            "{e}"
        );

        let inf = frame(
            &["E06000001", "E06000002"],
            FrameColumn::Numbers(vec![1.0, f64::INFINITY]),
        );
        let e = study_data(&study(""), &inf).unwrap_err();
        assert!(e.message.contains("row 1, column `x`"), "{e}");

        let lsoa = frame(&["E01000001"], FrameColumn::Numbers(vec![1.0]));
        let e = study_data(&study(""), &lsoa).unwrap_err();
        assert_eq!(e.code, Code::AreaCode);
        assert!(e.message.contains("an LSOA code"), "{e}");

        let mut renamed = frame(&["E06000001"], FrameColumn::Numbers(vec![1.0]));
        renamed.columns.remove(0);
        renamed.other_columns.push("codes".into());
        let e = study_data(&study(""), &renamed).unwrap_err();
        assert!(e.message.contains("did you mean `codes`?"), "{e}");
    }

    #[test]
    fn geography_filters_apply() {
        let f = frame(
            &["E06000001", "E07000002", "E08000003"],
            FrameColumn::Numbers(vec![1.0, 2.0, 3.0]),
        );
        let d = study_data(
            &study("code_prefixes = [\"E06\", \"E08\"]\nexclude = [\"E08000003\"]"),
            &f,
        )
        .unwrap();
        assert_eq!(d.area_codes, ["E06000001"]);
        let e = study_data(&study("include = [\"E09000001\"]"), &f).unwrap_err();
        assert!(e.message.contains("geography.include"), "{e}");
    }
}
