//! CSV (and tab-separated) files, read as byte records so cells are not copied.

use super::{
    Cell, Cells, HEADER_SEARCH_ROWS, ScanSummary, Visitor, Wanted, clean_header, resolve,
    row_names_column,
};
use crate::digest::{FileDigest, sha256_hex};
use crate::error::{Location, ReadError, closest};
use crate::number::trim_cell;
use oa_model::study::Source;
use std::borrow::Cow;
use std::path::Path;

pub(super) fn scan(
    path: &Path,
    source: &Source,
    wanted: Wanted<'_>,
    visit: &mut Visitor<'_>,
) -> Result<ScanSummary, ReadError> {
    // The file is read once, whole: its SHA-256 is computed on another thread while this
    // one parses it (published tables are megabytes, not gigabytes).
    let bytes = std::fs::read(path).map_err(|e| ReadError::io(path, &e))?;
    std::thread::scope(|scope| {
        let hashing = scope.spawn(|| FileDigest {
            path: path.display().to_string(),
            bytes: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
        });
        let parsed = parse(path, source, wanted, visit, &bytes);
        let digest = hashing.join().map_err(|_| ReadError::Io {
            path: path.display().to_string(),
            message: "hashing the file failed".into(),
        })?;
        parsed.map(|mut summary| {
            summary.digest = Some(digest);
            summary
        })
    })
}

fn parse(
    path: &Path,
    source: &Source,
    wanted: Wanted<'_>,
    visit: &mut Visitor<'_>,
    bytes: &[u8],
) -> Result<ScanSummary, ReadError> {
    let delimiter = match source.delimiter_byte() {
        Some(d) => d,
        None => match path.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("tsv") => b'\t',
            _ => detect_delimiter(bytes),
        },
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(1 << 16)
        .from_reader(bytes);
    let mut lines = LineCounter::new(bytes);
    let malformed = |e: csv::Error| match e.kind() {
        csv::ErrorKind::Io(io) => ReadError::io(path, io),
        _ => ReadError::Malformed {
            path: path.display().to_string(),
            format: "CSV",
            message: e.to_string(),
        },
    };

    // Find the header: the `header_row`-th record, or the first naming the code column.
    let mut record = csv::ByteRecord::new();
    let mut first_record: Option<Vec<String>> = None;
    let mut record_number = 0usize;
    let (headers, header_line) = loop {
        let more = reader.read_byte_record(&mut record).map_err(malformed)?;
        let gave_up = source.header_row.is_none() && record_number >= HEADER_SEARCH_ROWS;
        if !more || gave_up {
            return Err(header_not_found(
                path,
                source,
                record_number,
                first_record,
                delimiter,
            ));
        }
        record_number += 1;
        let line = record
            .position()
            .map_or(record_number as u64, |p| lines.line_at(p.byte()));
        let cells = || record.iter().map(decode);
        let is_header = match source.header_row {
            Some(n) => record_number == n,
            None => row_names_column(cells(), &source.code_column),
        };
        if is_header {
            break (cells().map(|c| clean_header(&c)).collect::<Vec<_>>(), line);
        }
        if first_record.is_none() {
            first_record = Some(cells().map(|c| clean_header(&c)).collect());
        }
    };
    let mut ctx = resolve(path, None, headers, Location::Line(header_line), 0, wanted)?;
    ctx.delimiter = Some(delimiter);
    // Capped, so a file of empty lines cannot make a reader reserve gigabytes.
    ctx.rows_hint = (memchr::memchr_iter(b'\n', bytes).count() + 1).min(1 << 20);

    let mut rows = 0usize;
    let needed = ctx.indices.iter().max().map_or(0, |m| m + 1);
    while reader.read_byte_record(&mut record).map_err(malformed)? {
        let line = record.position().map_or(0, |p| lines.line_at(p.byte()));
        let blank = ctx
            .indices
            .iter()
            .all(|&i| record.get(i).is_none_or(|b| b.trim_ascii().is_empty()));
        if blank {
            continue;
        }
        if record.len() < needed {
            let k = ctx
                .indices
                .iter()
                .position(|&i| i >= record.len())
                .unwrap_or(0);
            return Err(ReadError::ShortRow {
                path: ctx.path.clone(),
                cell: ctx.cell(line, k),
                fields: record.len(),
            });
        }
        rows += 1;
        let cells = CsvCells {
            record: &record,
            indices: &ctx.indices,
        };
        visit(&ctx, line, &cells)?;
    }
    Ok(ScanSummary {
        ctx,
        rows,
        digest: None,
        delimiter: Some(delimiter),
    })
}

/// Separators a CSV file may use, in order of preference on ties.
const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// How many times `d` separates fields in `line`, outside double quotes.
fn count_outside_quotes(line: &[u8], d: u8) -> usize {
    let mut quoted = false;
    let mut n = 0;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if b == d && !quoted {
            n += 1;
        }
    }
    n
}

/// The field separator of CSV text: among `,` `;` tab `|`, the one that splits the most
/// of the first 30 non-blank lines into the same number of fields (at least two), the
/// comma on ties or when none does.
pub(crate) fn sniff_delimiter(text: &[u8]) -> u8 {
    let lines: Vec<&[u8]> = text
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| !l.trim_ascii().is_empty())
        .take(30)
        .collect();
    if lines.is_empty() {
        return b',';
    }
    let mut best = (b',', 0usize, 0usize);
    for d in CANDIDATES {
        let counts: Vec<usize> = lines.iter().map(|l| count_outside_quotes(l, d)).collect();
        // The most common non-zero count and how many lines have it.
        let mut modal = (0usize, 0usize);
        for &c in counts.iter().filter(|&&c| c > 0) {
            let k = counts.iter().filter(|&&x| x == c).count();
            if (k, c) > (modal.1, modal.0) {
                modal = (c, k);
            }
        }
        let (fields, agreeing) = modal;
        if fields > 0 && agreeing * 10 >= lines.len() * 8 && (agreeing, fields) > (best.1, best.2) {
            best = (d, agreeing, fields);
        }
    }
    best.0
}

/// Reads the start of the file (64 KiB) to detect its separator.
/// The separator of a file, from its first 64 KiB.
fn detect_delimiter(bytes: &[u8]) -> u8 {
    let mut head = &bytes[..bytes.len().min(1 << 16)];
    // A partial last line could mislead the count.
    if head.len() == 1 << 16
        && let Some(end) = memchr::memrchr(b'\n', head)
    {
        head = &head[..end];
    }
    sniff_delimiter(head)
}

/// How a separator is written in a study.
fn delimiter_name(d: u8) -> &'static str {
    match d {
        b',' => "\",\"",
        b';' => "\";\"",
        b'\t' => "\"\\t\"",
        b'|' => "\"|\"",
        _ => "?",
    }
}

fn header_not_found(
    path: &Path,
    source: &Source,
    searched: usize,
    first_record: Option<Vec<String>>,
    delimiter: u8,
) -> ReadError {
    if searched == 0 {
        return ReadError::EmptyTable {
            path: path.display().to_string(),
            detail: "; the file is empty".into(),
        };
    }
    let mut hint = first_record
        .as_deref()
        .and_then(|h| closest(&source.code_column, h.iter().map(String::as_str)))
        .map(|h| format!(" (did you mean `{h}`?)"))
        .unwrap_or_default();
    // A whole line read as one field that holds another separator: the file is split
    // by that one.
    if let Some(first) = first_record.as_deref()
        && first.len() == 1
        && let Some(&other) = CANDIDATES
            .iter()
            .find(|&&d| d != delimiter && first[0].as_bytes().contains(&d))
    {
        hint.push_str(&format!(
            "; the fields were split on {} but the first line holds {}: set `delimiter = {}` in source `{}`",
            delimiter_name(delimiter),
            delimiter_name(other),
            delimiter_name(other),
            source.id
        ));
    }
    ReadError::HeaderNotFound {
        path: path.display().to_string(),
        column: source.code_column.clone(),
        searched,
        where_: String::new(),
        hint,
    }
}

/// Line numbers of record starts, counted from the bytes: the csv crate ends a record at
/// the `\r` of `\r\n` and counts the line at the `\n`, which it reads as the start of
/// the next record, so its own line numbers run one line early in Windows files. Records
/// are asked for in file order, so each call counts only the newlines since the last.
struct LineCounter<'b> {
    bytes: &'b [u8],
    at: usize,
    line: u64,
}

impl<'b> LineCounter<'b> {
    fn new(bytes: &'b [u8]) -> Self {
        LineCounter {
            bytes,
            at: 0,
            line: 1,
        }
    }

    /// The line (1-based) of the record starting at byte `offset`, at or after the
    /// previous offset asked for. A record the csv crate starts at a line end (the `\n`
    /// of `\r\n`, or skipped blank lines) begins after it.
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut to = offset as usize;
        while matches!(self.bytes.get(to), Some(b'\n' | b'\r')) {
            to += 1;
        }
        let to = to.clamp(self.at, self.bytes.len());
        self.line += memchr::memchr_iter(b'\n', &self.bytes[self.at..to]).count() as u64;
        self.at = to;
        self.line
    }
}

/// Text with `\r\n` read as `\n` (borrowed when it has no `\r`), for a quoted field that
/// spans lines of a Windows file. A lone `\r` is kept.
fn crlf_as_lf(bytes: &[u8]) -> Cow<'_, [u8]> {
    let Some(first) = memchr::memchr(b'\r', bytes) else {
        return Cow::Borrowed(bytes);
    };
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(&bytes[..first]);
    let mut at = first;
    while at < bytes.len() {
        // bytes[at] is a `\r`: dropped when a `\n` follows.
        if bytes.get(at + 1) != Some(&b'\n') {
            out.push(b'\r');
        }
        let next = memchr::memchr(b'\r', &bytes[at + 1..]).map_or(bytes.len(), |k| at + 1 + k);
        out.extend_from_slice(&bytes[at + 1..next]);
        at = next;
    }
    Cow::Owned(out)
}

/// The wanted fields of a CSV record, decoded only when asked for.
struct CsvCells<'r> {
    record: &'r csv::ByteRecord,
    indices: &'r [usize],
}

impl CsvCells<'_> {
    fn bytes(&self, k: usize) -> &[u8] {
        self.record.get(self.indices[k]).unwrap_or(b"")
    }
}

impl Cells for CsvCells<'_> {
    fn len(&self) -> usize {
        self.indices.len()
    }
    fn get(&self, k: usize) -> Cell<'_> {
        Cell::Text(decode(self.bytes(k)))
    }
    fn text(&self, k: usize) -> Cow<'_, str> {
        match decode(self.bytes(k)) {
            Cow::Borrowed(s) => Cow::Borrowed(trim_cell(s)),
            Cow::Owned(s) => Cow::Owned(trim_cell(&s).to_string()),
        }
    }
}

/// A field as text: UTF-8 when it is valid (almost always, borrowed), else Windows-1252,
/// the encoding older government CSVs were saved in (`Ynys M\xf4n`, `\xa3`).
/// A quoted field spanning lines of a Windows file has its `\r\n` read as `\n`.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    if memchr::memchr(b'\r', bytes).is_some() {
        return Cow::Owned(decode_text(&crlf_as_lf(bytes)).into_owned());
    }
    decode_text(bytes)
}

fn decode_text(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| windows_1252(b)).collect()),
    }
}

fn windows_1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '\u{20ac}', '\u{81}', '\u{201a}', '\u{192}', '\u{201e}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{2c6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8d}', '\u{17d}',
        '\u{8f}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201c}', '\u{201d}', '\u{2022}', '\u{2013}',
        '\u{2014}', '\u{2dc}', '\u{2122}', '\u{161}', '\u{203a}', '\u{153}', '\u{9d}', '\u{17e}',
        '\u{178}',
    ];
    match b {
        0x80..=0x9f => HIGH[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quoted_field_spanning_windows_lines_reads_with_lf() {
        assert_eq!(decode(b"Line one\r\nline two"), "Line one\nline two");
        assert_eq!(decode(b"a\rb"), "a\rb");
        assert_eq!(decode(b"M\xf4n\r\n"), "M\u{f4}n\n");
    }

    #[test]
    fn crlf_reads_as_lf_and_lone_cr_is_kept() {
        let text = b"a,b\r\n1,\"x\ry\"\r\n\r\r\n2,3\r";
        assert_eq!(&crlf_as_lf(text)[..], b"a,b\n1,\"x\ry\"\n\r\n2,3\r");
        assert!(matches!(crlf_as_lf(b"a\nb\n"), Cow::Borrowed(_)));
        assert_eq!(&crlf_as_lf(b"\r\n\r\n")[..], b"\n\n");
    }

    proptest::proptest! {
        #[test]
        fn crlf_as_lf_matches_a_byte_by_byte_reading(bytes in proptest::collection::vec(
            proptest::sample::select(vec![b'a', b'\r', b'\n', b',', b'"']), 0..64)
        ) {
            let mut expected = Vec::new();
            for (i, &b) in bytes.iter().enumerate() {
                if !(b == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
                    expected.push(b);
                }
            }
            proptest::prop_assert_eq!(&crlf_as_lf(&bytes)[..], &expected[..]);
        }

        #[test]
        fn records_are_given_the_line_they_start_on(
            rows in proptest::collection::vec(
                ("[ab]{1,3}(,[ab]{0,2}){0,2}", 0usize..3, proptest::bool::ANY), 1..12)
        ) {
            // Rows ending in `\n` or `\r\n`, each followed by 0-2 blank lines.
            let mut text = Vec::new();
            let mut expected = Vec::new();
            let mut line = 1u64;
            for (row, blanks, windows) in &rows {
                expected.push(line);
                let end: &[u8] = if *windows { b"\r\n" } else { b"\n" };
                text.extend_from_slice(row.as_bytes());
                text.extend_from_slice(end);
                for _ in 0..*blanks {
                    text.extend_from_slice(end);
                }
                line += 1 + *blanks as u64;
            }
            let mut lines = LineCounter::new(&text);
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(&text[..]);
            let mut record = csv::ByteRecord::new();
            let mut got = Vec::new();
            while reader.read_byte_record(&mut record).expect("plain text") {
                got.push(lines.line_at(record.position().expect("a position").byte()));
            }
            proptest::prop_assert_eq!(got, expected);
        }
    }

    #[test]
    fn delimiters_are_detected_from_the_first_lines() {
        assert_eq!(
            sniff_delimiter(b"State;Year;Packs\nAlabama;1970;89.8\n"),
            b';'
        );
        assert_eq!(sniff_delimiter(b"a,b,c\n1,2,3\n4,5,6\n"), b',');
        assert_eq!(sniff_delimiter(b"a\tb\n1\t2\r\n"), b'\t');
        // Commas inside quotes do not count; decimal commas in a semicolon file neither
        // agree line by line.
        assert_eq!(
            sniff_delimiter(b"name;value\n\"a, b\";1,5\nc;22,25\nd;3\n"),
            b';'
        );
        assert_eq!(sniff_delimiter(b"code|x\nE1|1\n"), b'|');
        assert_eq!(sniff_delimiter(b"one column\nvalue\n"), b',');
        assert_eq!(sniff_delimiter(b""), b',');
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// A table of 2 to 8 columns and 1 to 20 rows of plain cells, written with any
        /// of the separators, is detected as written.
        #[test]
        fn written_separators_are_detected(
            d in proptest::sample::select(CANDIDATES.to_vec()),
            columns in 2usize..8,
            cells in proptest::collection::vec("[A-Za-z0-9 ._-]{1,8}", 2..160),
        ) {
            let rows = (cells.len() / columns).max(1);
            let mut text = Vec::new();
            for r in 0..rows.min(20) {
                let row: Vec<&str> = (0..columns)
                    .map(|c| cells.get(r * columns + c).map_or("x", String::as_str))
                    .collect();
                text.extend_from_slice(row.join(&char::from(d).to_string()).as_bytes());
                text.push(b'\n');
            }
            proptest::prop_assert_eq!(sniff_delimiter(&text), d);
        }

        /// Any bytes: a separator is chosen, never a panic.
        #[test]
        fn sniffing_never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400)) {
            proptest::prop_assert!(CANDIDATES.contains(&sniff_delimiter(&bytes)));
        }
    }

    #[test]
    fn invalid_utf8_reads_as_windows_1252() {
        assert_eq!(decode(b"Ynys M\xf4n"), "Ynys M\u{f4}n");
        assert_eq!(decode(b"\xa31,250"), "\u{a3}1,250");
        assert_eq!(decode(b"\x80 \x96 \x92"), "\u{20ac} \u{2013} \u{2019}");
        assert!(matches!(
            decode("caf\u{e9}".as_bytes()),
            Cow::Borrowed("caf\u{e9}")
        ));
    }
}
