//! CSV (and tab-separated) files, read as byte records so cells are not copied.

use super::{
    Cell, Cells, HEADER_SEARCH_ROWS, ScanSummary, Visitor, Wanted, clean_header, resolve,
    row_names_column,
};
use crate::digest::HashingReader;
use crate::error::{Location, ReadError, closest};
use crate::number::trim_cell;
use oa_model::study::Source;
use std::borrow::Cow;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

pub(super) fn scan(
    path: &Path,
    source: &Source,
    wanted: Wanted<'_>,
    visit: &mut Visitor<'_>,
) -> Result<ScanSummary, ReadError> {
    let file = File::open(path).map_err(|e| ReadError::io(path, &e))?;
    let delimiter = match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("tsv") => b'\t',
        _ => b',',
    };
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(1 << 16)
        .from_reader(CrlfAsLf::new(HashingReader::new(BufReader::with_capacity(
            1 << 16,
            file,
        ))));
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
        if !reader.read_byte_record(&mut record).map_err(malformed)? {
            return Err(header_not_found(path, source, record_number, first_record));
        }
        record_number += 1;
        let line = record.position().map_or(record_number as u64, |p| p.line());
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
        if source.header_row.is_none() && record_number >= HEADER_SEARCH_ROWS {
            return Err(header_not_found(path, source, record_number, first_record));
        }
    };
    let ctx = resolve(path, None, headers, Location::Line(header_line), 0, wanted)?;

    let mut rows = 0usize;
    let needed = ctx.indices.iter().max().map_or(0, |m| m + 1);
    while reader.read_byte_record(&mut record).map_err(malformed)? {
        let line = record.position().map_or(0, |p| p.line());
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
    let label = path.display().to_string();
    let digest = reader.into_inner().inner.finish(&label);
    Ok(ScanSummary {
        ctx,
        rows,
        digest: Some(digest),
    })
}

fn header_not_found(
    path: &Path,
    source: &Source,
    searched: usize,
    first_record: Option<Vec<String>>,
) -> ReadError {
    if searched == 0 {
        return ReadError::EmptyTable {
            path: path.display().to_string(),
            detail: "; the file is empty".into(),
        };
    }
    let hint = first_record
        .as_deref()
        .and_then(|h| closest(&source.code_column, h.iter().map(String::as_str)))
        .map(|h| format!(" (did you mean `{h}`?)"))
        .unwrap_or_default();
    ReadError::HeaderNotFound {
        path: path.display().to_string(),
        column: source.code_column.clone(),
        searched,
        where_: String::new(),
        hint,
    }
}

/// Reads `\r\n` as `\n`. The csv crate ends a record at the `\r` and counts the line at
/// the `\n`, which it reads as the start of the next record, so in Windows files every
/// row after the header was reported one line too early.
struct CrlfAsLf<R> {
    inner: R,
    /// A `\r` ended the last chunk: dropped if the next byte is `\n`, else given back.
    pending_cr: bool,
}

impl<R> CrlfAsLf<R> {
    fn new(inner: R) -> Self {
        CrlfAsLf {
            inner,
            pending_cr: false,
        }
    }
}

impl<R: Read> Read for CrlfAsLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let start = usize::from(self.pending_cr);
        let n = self.inner.read(&mut buf[start..])?;
        if self.pending_cr {
            self.pending_cr = false;
            if n == 0 {
                buf[0] = b'\r';
                return Ok(1);
            }
            buf[0] = b'\r';
        }
        let end = start + n;
        let mut out = 0;
        for i in 0..end {
            let b = buf[i];
            if b == b'\r' {
                if i + 1 == end {
                    if n > 0 {
                        self.pending_cr = true;
                        continue;
                    }
                } else if buf[i + 1] == b'\n' {
                    continue;
                }
            }
            buf[out] = b;
            out += 1;
        }
        if out == 0 && end > 0 {
            // Only a held-back `\r`: read on so that 0 still means the end of the file.
            return self.read(buf);
        }
        Ok(out)
    }
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
fn decode(bytes: &[u8]) -> Cow<'_, str> {
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

    /// Gives its bytes `chunk` at a time, so a `\r\n` can fall across two reads.
    struct Trickle<'a> {
        bytes: &'a [u8],
        chunk: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.chunk.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    #[test]
    fn crlf_reads_as_lf_across_chunk_boundaries() {
        let text = b"a,b\r\n1,\"x\ry\"\r\n\r\r\n2,3\r";
        for chunk in 1..=text.len() {
            let mut out = Vec::new();
            let mut r = CrlfAsLf::new(Trickle { bytes: text, chunk });
            r.read_to_end(&mut out).unwrap();
            assert_eq!(out, b"a,b\n1,\"x\ry\"\n\r\n2,3\r", "chunk {chunk}");
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
