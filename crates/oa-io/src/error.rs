//! Errors of reading and writing, each a one-line cause that names the file, where in it,
//! and what to do about it.

use std::fmt;

/// Where in a file a problem is: a CSV line, a spreadsheet row, or a Parquet row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// 1-based line of a text file (the line where the record starts).
    Line(u64),
    /// 1-based row of a spreadsheet sheet.
    SheetRow { sheet: String, row: u32 },
    /// 1-based row of a Parquet file (0: its schema, where the column names are).
    Row(u64),
}

impl Location {
    /// The location of one cell: `line 7, column `X``, `sheet `Data` cell C7 (column `X`)`.
    pub fn cell(&self, column_index: usize, column: &str) -> String {
        match self {
            Location::Line(l) => format!("line {l}, column `{column}`"),
            Location::SheetRow { sheet, row } => format!(
                "sheet `{sheet}` cell {}{row} (column `{column}`)",
                column_letters(column_index)
            ),
            Location::Row(r) => format!("row {r}, column `{column}`"),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Line(l) => write!(f, "line {l}"),
            Location::SheetRow { sheet, row } => write!(f, "sheet `{sheet}` row {row}"),
            Location::Row(0) => write!(f, "the Parquet schema"),
            Location::Row(r) => write!(f, "row {r}"),
        }
    }
}

/// Spreadsheet column letters for a 0-based column index: 0 -> `A`, 27 -> `AB`.
pub fn column_letters(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A problem reading a data file or a results bundle.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: file not found; check the source's `path` and `--data-dir`")]
    MissingFile { path: String },

    #[error("{path}: cannot read: {message}")]
    Io { path: String, message: String },

    #[error(
        "{path}: unknown format `{extension}`; use .csv, .tsv, .xlsx, .xlsm, .xls, .ods or .parquet, or set `format` in the source"
    )]
    UnknownFormat { path: String, extension: String },

    #[error("{path}: {message}; check the file is a valid {format} file")]
    Malformed {
        path: String,
        format: &'static str,
        message: String,
    },

    #[error("{path}: no sheet `{sheet}`; the sheets are {available}; fix `sheet` in the source")]
    UnknownSheet {
        path: String,
        sheet: String,
        available: String,
    },

    #[error(
        "{path}: no header row naming the code column `{column}` in the first {searched} rows{where_}; set `header_row` or fix `code_column`{hint}"
    )]
    HeaderNotFound {
        path: String,
        column: String,
        searched: usize,
        where_: String,
        hint: String,
    },

    #[error("{path}: no column `{column}` in the header at {header}{hint}")]
    MissingColumn {
        path: String,
        column: String,
        header: Location,
        hint: String,
    },

    #[error("{path}: area code `{code}` appears twice, at {rows}; {advice}")]
    DuplicateCode {
        path: String,
        code: String,
        /// Where the two rows are (`line 12 and line 40`, `sheet `Data` row 12 and ...`).
        rows: String,
        /// Remove a row, or keep one per area with `filters` and `period`.
        advice: String,
    },

    #[error(
        "{path}: area `{code}` has two rows for `{measure}` after filtering, at {first} and {second}; add a `filters` entry (for example on the time period or a breakdown column) so one row remains"
    )]
    TidyDuplicate {
        path: String,
        code: String,
        measure: String,
        first: String,
        second: String,
    },

    #[error("{path}: {cell}: empty area code in a row with data; {advice}")]
    EmptyCode {
        path: String,
        cell: String,
        /// What to do: fill it in, or, in a file with rows for other levels (national,
        /// regional totals without a code), keep the level wanted with `filters`.
        advice: String,
    },

    #[error(
        "{path}: {column_a} and {column_b} are both named `{name}`, so `{name}` could mean either; rename one in the file or choose the other column"
    )]
    DuplicateHeader {
        path: String,
        name: String,
        /// Where the two columns are: `column 3 (C)`.
        column_a: String,
        column_b: String,
    },

    #[error(
        "{path}: {location}: `{code}` looks like a note, not an area; skip note rows with `skip_notes = true` in source `{source_id}`"
    )]
    NoteRow {
        path: String,
        location: String,
        code: String,
        source_id: String,
    },

    /// A code that is not one of the area type's: `detail` says what it is and which
    /// study key skips or accepts it.
    #[error("{path}: {location}: area code `{code}` {detail}")]
    CodeNotOfType {
        path: String,
        location: String,
        code: String,
        detail: String,
    },

    /// A code shaped unlike nearly all the others (`England` among `E06...` codes).
    #[error("{path}: {location}: area code `{code}` {detail}")]
    OddCode {
        path: String,
        location: String,
        code: String,
        detail: String,
    },

    #[error(
        "{path}: {cell}: `{text}` could be read two ways in a semicolon-separated file: set `decimal = \",\"` in source `{source_id}` for decimal commas (1,5 = 1.5) or `decimal = \".\"` for thousands separators"
    )]
    AmbiguousDecimal {
        path: String,
        cell: String,
        text: String,
        source_id: String,
    },

    #[error(
        "{path}: no period to select in column `{column}`{detail}; fix `period` in the layout of source `{source_id}`"
    )]
    PeriodNotFound {
        path: String,
        column: String,
        /// Why: the column is empty, or no row passes the filters.
        detail: String,
        source_id: String,
    },

    #[error(
        "{path}: {cell}: `{text}` is not a number; fix the value, or list it in the source's `missing_markers` if it marks missing data"
    )]
    NonNumeric {
        path: String,
        cell: String,
        text: String,
    },

    #[error(
        "{path}: {cell}: `{text}` is not a finite number; replace it with a value or a missing marker such as `NA`"
    )]
    NotFinite {
        path: String,
        cell: String,
        text: String,
    },

    #[error("{path}: {cell}: row has {fields} fields but the header has more; fix the row")]
    ShortRow {
        path: String,
        cell: String,
        fields: usize,
    },

    #[error("{path}: no data rows{detail}")]
    EmptyTable { path: String, detail: String },

    #[error(
        "{path}: no rows for measure `{measure}` in column `{column}` after filtering; the measures present are {available}; fix the indicator's `column`"
    )]
    MissingMeasure {
        path: String,
        measure: String,
        column: String,
        available: String,
    },

    #[error(
        "geography.include: area code `{code}` is not in {path} (the first source); fix the code or the source"
    )]
    IncludeNotFound { code: String, path: String },

    #[error("indicators[{index}]: no source for indicator `{indicator}`; name a declared source")]
    NoSource { index: usize, indicator: String },

    #[error("the study has no indicators; add at least one [[indicators]] entry")]
    NoIndicators,
}

/// A problem writing a table, a results bundle or its manifest.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: cannot write: {message}")]
    Io { path: String, message: String },

    #[error(
        "{path}: refusing to overwrite a non-empty directory that is not an `oa` results bundle (no manifest.json); choose another --out or empty it"
    )]
    NotABundle { path: String },

    #[error("{path}: exists and is not a directory; choose another --out")]
    NotADirectory { path: String },

    #[error("{path}: cannot write {format}: {message}")]
    Format {
        path: String,
        format: &'static str,
        message: String,
    },

    #[error("{path}: `{name}` is not a relative path inside the bundle")]
    BadRelativePath { path: String, name: String },
}

impl WriteError {
    pub(crate) fn io(path: &std::path::Path, e: impl fmt::Display) -> WriteError {
        WriteError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    }
}

/// Cell text for a one-line message: control characters escaped, at most 60 characters.
pub(crate) fn quote_cell(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(60)
        .flat_map(char::escape_default)
        .collect();
    if text.chars().count() > 60 {
        out.push_str("...");
    }
    out
}

impl ReadError {
    pub(crate) fn io(path: &std::path::Path, e: &std::io::Error) -> ReadError {
        if e.kind() == std::io::ErrorKind::NotFound {
            ReadError::MissingFile {
                path: path.display().to_string(),
            }
        } else {
            ReadError::Io {
                path: path.display().to_string(),
                message: e.to_string(),
            }
        }
    }
}

/// The candidate closest to `wanted` by edit distance (case-insensitive), when close enough
/// to be a plausible typo, for "did you mean" hints.
pub fn closest<'a>(wanted: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let w = wanted.to_lowercase();
    // Ties go to a candidate that contains the wanted name or is contained in it.
    let mut best: Option<((usize, bool), &str)> = None;
    for c in candidates {
        let lc = c.to_lowercase();
        let key = (
            edit_distance(&w, &lc),
            !(lc.contains(&w) || w.contains(&lc)),
        );
        if best.is_none_or(|(bk, _)| key < bk) {
            best = Some((key, c));
        }
    }
    let ((d, _), c) = best?;
    let limit = (wanted.chars().count() / 2).max(3);
    (d <= limit).then_some(c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters_follow_spreadsheet_naming() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(27), "AB");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
    }

    #[test]
    fn closest_suggests_a_near_header_and_not_a_far_one() {
        let headers = ["LSOA code (2011)", "Income Rank", "Employment Rank"];
        assert_eq!(closest("Income rnk", headers), Some("Income Rank"));
        assert_eq!(
            closest("lsoa code (2011)", headers),
            Some("LSOA code (2011)")
        );
        assert_eq!(closest("zzzzzzzzzzzzzzzzzzzzzzzzz", headers), None);
    }

    #[test]
    fn cell_locations_name_line_or_cell() {
        assert_eq!(Location::Line(7).cell(2, "X"), "line 7, column `X`");
        let l = Location::SheetRow {
            sheet: "Data".into(),
            row: 7,
        };
        assert_eq!(l.cell(2, "X"), "sheet `Data` cell C7 (column `X`)");
    }
}
