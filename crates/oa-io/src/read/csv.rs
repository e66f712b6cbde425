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
use std::io::BufReader;
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
        .from_reader(HashingReader::new(BufReader::with_capacity(1 << 16, file)));
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
        let cells = || record.iter().map(String::from_utf8_lossy);
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
    let digest = reader.into_inner().finish(&label);
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
        Cell::Text(String::from_utf8_lossy(self.bytes(k)))
    }
    fn text(&self, k: usize) -> Cow<'_, str> {
        match String::from_utf8_lossy(self.bytes(k)) {
            Cow::Borrowed(s) => Cow::Borrowed(trim_cell(s)),
            Cow::Owned(s) => Cow::Owned(trim_cell(&s).to_string()),
        }
    }
}
