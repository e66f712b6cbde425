//! Spreadsheets (XLSX, XLS, ODS) through calamine: pick the sheet, find the header row
//! (often below a title block), then read cells as numbers or text.

use super::{
    Cell, HEADER_SEARCH_ROWS, ScanSummary, Visitor, Wanted, clean_header, list_names, resolve,
    row_names_column,
};
use crate::error::{Location, ReadError, closest};
use calamine::{Data, Reader, Sheets, open_workbook};
use oa_model::study::{Source, SourceFormat};
use std::borrow::Cow;
use std::path::Path;

pub(super) fn scan(
    path: &Path,
    format: SourceFormat,
    source: &Source,
    wanted: Wanted<'_>,
    visit: &mut Visitor<'_>,
) -> Result<ScanSummary, ReadError> {
    let (format_name, opened) = match format {
        SourceFormat::Xls => (
            "XLS",
            open_workbook(path)
                .map(Sheets::Xls)
                .map_err(|e| e.to_string()),
        ),
        SourceFormat::Ods => (
            "ODS",
            open_workbook(path)
                .map(Sheets::Ods)
                .map_err(|e| e.to_string()),
        ),
        _ => (
            "XLSX",
            open_workbook(path)
                .map(Sheets::Xlsx)
                .map_err(|e| e.to_string()),
        ),
    };
    let malformed = |message: String| ReadError::Malformed {
        path: path.display().to_string(),
        format: format_name,
        message,
    };
    let mut workbook = opened.map_err(malformed)?;
    let names = workbook.sheet_names();
    let sheet = match &source.sheet {
        Some(s) => names
            .iter()
            .find(|n| *n == s)
            .or_else(|| {
                names
                    .iter()
                    .find(|n| n.trim().eq_ignore_ascii_case(s.trim()))
            })
            .cloned()
            .ok_or_else(|| ReadError::UnknownSheet {
                path: path.display().to_string(),
                sheet: s.clone(),
                available: list_names(&names, 20),
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| ReadError::EmptyTable {
                path: path.display().to_string(),
                detail: "; the workbook has no sheets".into(),
            })?,
    };
    let range = workbook
        .worksheet_range(&sheet)
        .map_err(|e| malformed(e.to_string()))?;
    let (row0, col0) = range.start().unwrap_or((0, 0));
    let sheet_row = |i: usize| u64::from(row0) + i as u64 + 1;

    let header_index = match source.header_row {
        Some(n) => {
            let n = n as u64;
            if n < sheet_row(0) || n > sheet_row(range.height().saturating_sub(1)) {
                return Err(ReadError::HeaderNotFound {
                    path: path.display().to_string(),
                    column: source.code_column.clone(),
                    searched: 0,
                    where_: format!(
                        " of sheet `{sheet}` (`header_row = {n}` is outside rows {}..{})",
                        sheet_row(0),
                        sheet_row(range.height().saturating_sub(1))
                    ),
                    hint: String::new(),
                });
            }
            (n - sheet_row(0)) as usize
        }
        None => range
            .rows()
            .take(HEADER_SEARCH_ROWS)
            .position(|r| row_names_column(r.iter().map(data_text), &source.code_column))
            .ok_or_else(|| {
                let candidates: Vec<String> = range
                    .rows()
                    .take(HEADER_SEARCH_ROWS)
                    .flat_map(|r| r.iter().map(|c| data_text(c).into_owned()))
                    .filter(|c| !c.is_empty())
                    .collect();
                let hint = closest(&source.code_column, candidates.iter().map(String::as_str))
                    .map(|h| format!(" (did you mean `{h}`?)"))
                    .unwrap_or_default();
                let mut where_ = format!(" of sheet `{sheet}`");
                if source.sheet.is_none() && names.len() > 1 {
                    // The first sheet is often a cover or contents page: say where the
                    // table is, or at least which sheets there are.
                    let holder = names.iter().skip(1).find(|other| {
                        workbook_has_header(&mut workbook, other, &source.code_column)
                    });
                    where_ += &match holder {
                        Some(other) => format!(
                            " (the first sheet); sheet `{other}` has one: set `sheet = \"{other}\"` in source `{}` (the sheets are {})",
                            source.id,
                            list_names(&names, 20)
                        ),
                        None => format!(
                            " (the first sheet); name the sheet with `sheet` in source `{}`: the sheets are {}",
                            source.id,
                            list_names(&names, 20)
                        ),
                    };
                }
                ReadError::HeaderNotFound {
                    path: path.display().to_string(),
                    column: source.code_column.clone(),
                    searched: range.height().min(HEADER_SEARCH_ROWS),
                    where_,
                    hint,
                }
            })?,
    };
    let mut rows_iter = range.rows().skip(header_index);
    let header_cells = rows_iter.next().unwrap_or(&[]);
    let headers: Vec<String> = header_cells
        .iter()
        .map(|c| clean_header(&data_text(c)))
        .collect();
    let header_at = Location::SheetRow {
        sheet: sheet.clone(),
        row: sheet_row(header_index) as u32,
    };
    let ctx = resolve(path, Some(sheet), headers, header_at, col0 as usize, wanted)?;

    let mut rows = 0usize;
    for (i, row) in rows_iter.enumerate() {
        let number = sheet_row(header_index + 1 + i);
        let cells: Vec<Cell<'_>> = ctx
            .indices
            .iter()
            .map(|&j| row.get(j).map_or(Cell::Empty, data_cell))
            .collect();
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        rows += 1;
        visit(&ctx, number, &cells)?;
    }
    Ok(ScanSummary {
        ctx,
        rows,
        digest: None,
        delimiter: None,
    })
}

/// Whether one of the first rows of sheet `name` names the column `code`.
fn workbook_has_header(
    workbook: &mut Sheets<std::io::BufReader<std::fs::File>>,
    name: &str,
    code: &str,
) -> bool {
    workbook.worksheet_range(name).is_ok_and(|range| {
        range
            .rows()
            .take(HEADER_SEARCH_ROWS)
            .any(|r| row_names_column(r.iter().map(data_text), code))
    })
}

fn data_text(d: &Data) -> Cow<'_, str> {
    match d {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cow::Borrowed(s),
        Data::Empty => Cow::Borrowed(""),
        Data::Float(f) => Cow::Owned(format!("{f}")),
        other => Cow::Owned(other.to_string()),
    }
}

fn data_cell(d: &Data) -> Cell<'_> {
    match d {
        Data::Empty => Cell::Empty,
        Data::Float(f) => Cell::Number(*f),
        Data::Int(i) => Cell::Number(*i as f64),
        Data::DateTime(t) => Cell::Number(t.as_f64()),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => {
            Cell::Text(Cow::Borrowed(s))
        }
        Data::Bool(b) => Cell::Text(Cow::Owned(if *b { "TRUE" } else { "FALSE" }.into())),
        Data::Error(e) => Cell::Text(Cow::Owned(format!("#{e:?}"))),
    }
}
