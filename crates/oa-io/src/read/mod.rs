//! Scanning a published table row by row, whatever its format.
//!
//! Each format module turns its file into the same stream: a header (found on line 1, on
//! `header_row`, or on the first row naming the code column), then rows of [`Cell`]s for
//! the wanted columns only, each with its [`Location`] for error messages. Everything
//! above this layer (wide and tidy layouts, joins) is format-independent.

mod csv;
mod parquet;
mod sheet;

use crate::digest::FileDigest;
use crate::error::{Location, ReadError, closest};
use crate::number::trim_cell;
use oa_model::study::{Source, SourceFormat};
use std::borrow::Cow;
use std::path::Path;

/// How many leading rows are searched for the header when `header_row` is not given.
pub(crate) const HEADER_SEARCH_ROWS: usize = 50;

/// One cell of a wanted column.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell<'a> {
    Empty,
    Text(Cow<'a, str>),
    Number(f64),
}

impl Cell<'_> {
    /// True for empty cells and cells holding only spaces.
    pub(crate) fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(t) => trim_cell(t).is_empty(),
            Cell::Number(_) => false,
        }
    }
}

/// The wanted cells of one data row, decoded on demand.
pub(crate) trait Cells {
    /// Number of wanted cells.
    fn len(&self) -> usize;
    /// Wanted cell `k`.
    fn get(&self, k: usize) -> Cell<'_>;
    /// Wanted cell `k` as trimmed text (numbers in shortest round-trip form).
    fn text(&self, k: usize) -> Cow<'_, str>;
}

impl Cells for Vec<Cell<'_>> {
    fn len(&self) -> usize {
        Vec::len(self)
    }
    fn get(&self, k: usize) -> Cell<'_> {
        match &self[k] {
            Cell::Empty => Cell::Empty,
            Cell::Number(v) => Cell::Number(*v),
            Cell::Text(t) => Cell::Text(Cow::Borrowed(t.as_ref())),
        }
    }
    fn text(&self, k: usize) -> Cow<'_, str> {
        match &self[k] {
            Cell::Empty => Cow::Borrowed(""),
            Cell::Text(t) => Cow::Borrowed(trim_cell(t)),
            Cell::Number(v) => Cow::Owned(format!("{v}")),
        }
    }
}

/// Which columns a scan delivers.
pub(crate) enum Wanted<'a> {
    /// These columns, in this order (matched against the header by name).
    Columns(&'a [String]),
    /// Every column of the header.
    All,
}

/// What a visitor knows about the scan: the file, the header and the wanted columns.
pub(crate) struct ScanCtx {
    pub path: String,
    pub sheet: Option<String>,
    /// Column names as they appear in the header (trimmed).
    pub headers: Vec<String>,
    /// The wanted columns' names (as in the header).
    pub names: Vec<String>,
    /// The wanted columns' positions in the header.
    pub indices: Vec<usize>,
    /// Added to a header position to get the spreadsheet column (sheets that do not start
    /// in column A).
    pub column_offset: usize,
    /// Where the header is (for messages).
    pub header_at: Location,
    /// The field separator of a CSV file.
    pub delimiter: Option<u8>,
    /// At most this many data rows follow (a CSV file's line count), so readers can
    /// size their columns once; 0 when unknown.
    pub rows_hint: usize,
    kind: RowKind,
}

#[derive(Clone, Copy)]
enum RowKind {
    Line,
    Sheet,
    Parquet,
}

impl ScanCtx {
    /// Where a data row is, from the row number the format reported.
    pub(crate) fn location(&self, row: u64) -> Location {
        match self.kind {
            RowKind::Line => Location::Line(row),
            RowKind::Sheet => Location::SheetRow {
                sheet: self.sheet.clone().unwrap_or_default(),
                row: u32::try_from(row).unwrap_or(u32::MAX),
            },
            RowKind::Parquet => Location::Row(row),
        }
    }

    /// Where one wanted cell is (`line 7, column `X``).
    pub(crate) fn cell(&self, row: u64, wanted: usize) -> String {
        self.location(row).cell(
            self.indices[wanted] + self.column_offset,
            &self.names[wanted],
        )
    }
}

/// Called for each data row with its row number and the wanted cells.
pub(crate) type Visitor<'v> = dyn FnMut(&ScanCtx, u64, &dyn Cells) -> Result<(), ReadError> + 'v;

/// What a scan found besides the rows.
pub(crate) struct ScanSummary {
    pub ctx: ScanCtx,
    /// Data rows delivered (blank rows skipped).
    pub rows: usize,
    /// The file's digest, when the format computed it while reading.
    pub digest: Option<FileDigest>,
    /// The field separator of a CSV file (declared or detected).
    pub delimiter: Option<u8>,
}

/// The format of a source: declared, or from the file extension.
pub fn source_format(
    path: &Path,
    declared: Option<SourceFormat>,
) -> Result<SourceFormat, ReadError> {
    if let Some(f) = declared {
        return Ok(f);
    }
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" | "tsv" | "txt" => Ok(SourceFormat::Csv),
        "xlsx" | "xlsm" => Ok(SourceFormat::Xlsx),
        "xls" => Ok(SourceFormat::Xls),
        "ods" => Ok(SourceFormat::Ods),
        "parquet" | "pq" => Ok(SourceFormat::Parquet),
        _ => Err(ReadError::UnknownFormat {
            path: path.display().to_string(),
            extension: ext,
        }),
    }
}

/// Reads `path` as `source` describes it and calls `visit` for every non-blank data row.
pub(crate) fn scan(
    path: &Path,
    source: &Source,
    wanted: Wanted<'_>,
    visit: &mut Visitor<'_>,
) -> Result<ScanSummary, ReadError> {
    if !path.exists() {
        return Err(ReadError::MissingFile {
            path: path.display().to_string(),
        });
    }
    let summary = match source_format(path, source.format)? {
        SourceFormat::Csv => csv::scan(path, source, wanted, visit)?,
        f @ (SourceFormat::Xlsx | SourceFormat::Xls | SourceFormat::Ods) => {
            sheet::scan(path, f, source, wanted, visit)?
        }
        SourceFormat::Parquet => parquet::scan(path, wanted, visit)?,
    };
    if summary.rows == 0 {
        return Err(ReadError::EmptyTable {
            path: summary.ctx.path.clone(),
            detail: format!(
                " below the header ({}); check the file or `header_row`",
                summary.ctx.header_at
            ),
        });
    }
    Ok(summary)
}

/// Header names compare after trimming spaces and a BOM; a second pass ignores case and
/// runs of inner spaces.
fn normalise_loose(s: &str) -> String {
    trim_cell(s)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Position of `name` in `headers`: exact (trimmed) first, then ignoring case and spaces.
pub(crate) fn find_column(headers: &[String], name: &str) -> Option<usize> {
    let wanted = trim_cell(name);
    headers.iter().position(|h| h == wanted).or_else(|| {
        let loose = normalise_loose(name);
        let mut hits = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| normalise_loose(h) == loose);
        match (hits.next(), hits.next()) {
            (Some((i, _)), None) => Some(i),
            _ => None,
        }
    })
}

/// True when a row (as text cells) names the code column: the detected header row.
pub(crate) fn row_names_column<'a>(
    mut cells: impl Iterator<Item = Cow<'a, str>>,
    code: &str,
) -> bool {
    let exact = trim_cell(code);
    let loose = normalise_loose(code);
    cells.any(|c| trim_cell(&c) == exact || normalise_loose(&c) == loose)
}

/// Positions of every header equal to `name` (trimmed), else every header equal to it
/// ignoring case and spaces.
pub(crate) fn matching_columns(headers: &[String], name: &str) -> Vec<usize> {
    let wanted = trim_cell(name);
    let exact: Vec<usize> = (0..headers.len())
        .filter(|&i| headers[i] == wanted)
        .collect();
    if !exact.is_empty() {
        return exact;
    }
    let loose = normalise_loose(name);
    (0..headers.len())
        .filter(|&i| normalise_loose(&headers[i]) == loose)
        .collect()
}

/// `column 3 (C)`: a header position for messages, with its spreadsheet letters.
pub(crate) fn column_label(index: usize) -> String {
    format!(
        "column {} ({})",
        index + 1,
        crate::error::column_letters(index)
    )
}

/// The duplicate-header error for `name` found at `positions` (two or more).
pub(crate) fn duplicate_header(
    path: &str,
    headers: &[String],
    positions: &[usize],
    offset: usize,
) -> ReadError {
    ReadError::DuplicateHeader {
        path: path.to_string(),
        name: headers[positions[0]].clone(),
        column_a: column_label(positions[0] + offset),
        column_b: column_label(positions[1] + offset),
    }
}

/// Builds the scan context once the header is known, resolving wanted columns by name.
/// A wanted name that two header cells carry is an error naming both.
pub(crate) fn resolve(
    path: &Path,
    sheet: Option<String>,
    headers: Vec<String>,
    header_at: Location,
    column_offset: usize,
    wanted: Wanted<'_>,
) -> Result<ScanCtx, ReadError> {
    let (names, indices) = match wanted {
        Wanted::All => (headers.clone(), (0..headers.len()).collect()),
        Wanted::Columns(cols) => {
            let mut names = Vec::with_capacity(cols.len());
            let mut indices = Vec::with_capacity(cols.len());
            for c in cols {
                let hits = matching_columns(&headers, c);
                if hits.len() > 1 {
                    return Err(duplicate_header(
                        &path.display().to_string(),
                        &headers,
                        &hits,
                        column_offset,
                    ));
                }
                let Some(i) = hits.first().copied() else {
                    let hint = closest(c, headers.iter().map(String::as_str))
                        .map(|h| format!("; did you mean `{h}`?"))
                        .unwrap_or_else(|| {
                            format!("; the columns are {}", list_names(&headers, 12))
                        });
                    return Err(ReadError::MissingColumn {
                        path: path.display().to_string(),
                        column: c.clone(),
                        header: header_at,
                        hint,
                    });
                };
                names.push(headers[i].clone());
                indices.push(i);
            }
            (names, indices)
        }
    };
    let kind = match header_at {
        Location::Line(_) => RowKind::Line,
        Location::SheetRow { .. } => RowKind::Sheet,
        Location::Row(_) => RowKind::Parquet,
    };
    Ok(ScanCtx {
        path: path.display().to_string(),
        sheet,
        headers,
        names,
        indices,
        column_offset,
        header_at,
        delimiter: None,
        rows_hint: 0,
        kind,
    })
}

/// `` `a`, `b`, `c` `` with at most `max` names, then `...`.
pub(crate) fn list_names<S: AsRef<str>>(names: &[S], max: usize) -> String {
    let mut s = names
        .iter()
        .take(max)
        .map(|n| format!("`{}`", n.as_ref()))
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > max {
        s.push_str(", ...");
    }
    s
}

/// Cleans a header cell: trims spaces and a stray BOM.
pub(crate) fn clean_header(s: &str) -> String {
    trim_cell(s).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_match_exactly_then_loosely() {
        let h: Vec<String> = ["LSOA code (2011)", "Income  Rank", "x"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(find_column(&h, "LSOA code (2011)"), Some(0));
        assert_eq!(find_column(&h, " lsoa CODE (2011) "), Some(0));
        assert_eq!(find_column(&h, "income rank"), Some(1));
        assert_eq!(find_column(&h, "y"), None);
    }

    #[test]
    fn formats_follow_extension_or_declaration() {
        assert_eq!(
            source_format(Path::new("a.CSV"), None),
            Ok(SourceFormat::Csv)
        );
        assert_eq!(
            source_format(Path::new("a.ods"), None),
            Ok(SourceFormat::Ods)
        );
        assert_eq!(
            source_format(Path::new("a.dat"), Some(SourceFormat::Parquet)),
            Ok(SourceFormat::Parquet)
        );
        let e = source_format(Path::new("a.dat"), None).unwrap_err();
        assert!(e.to_string().contains("unknown format `dat`"), "{e}");
    }
}
