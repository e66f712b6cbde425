//! CSV (and tab-separated) files. A second thread splits the records and copies each
//! row's wanted fields once, into batches; cells are then borrowed, decoded only when asked
//! for.

use super::{
    Cell, Cells, HEADER_SEARCH_ROWS, ScanCtx, ScanSummary, Visitor, Wanted, clean_header, resolve,
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

    // Find the header: the `header_row`-th record, or the first naming the code column.
    let mut record = csv::ByteRecord::new();
    let mut first_record: Option<Vec<String>> = None;
    let mut record_number = 0usize;
    let (headers, header_line) = loop {
        let more = reader
            .read_byte_record(&mut record)
            .map_err(|e| malformed(path, e))?;
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

    let tokeniser = Tokeniser {
        bytes,
        // The csv reader's position is the byte after the header's line end.
        at: reader.position().byte() as usize,
        core: core_reader(delimiter),
        delimiter,
        lines,
        indices: ctx.indices.clone(),
        rows_hint: ctx.rows_hint,
    };
    let rows = visit_batches(tokeniser, &ctx, visit)?;
    Ok(ScanSummary {
        ctx,
        rows,
        digest: None,
        delimiter: Some(delimiter),
    })
}

/// How many rows the tokenising thread hands over at once.
const BATCH_ROWS: usize = if cfg!(test) { 3 } else { 1024 };
/// A batch also ends at this many fields or bytes, so that wide files (every column of
/// a table with thousands) do not hold megabytes per batch. A batch has at least a row.
/// Unit tests use a few of each, so that small files cross many batches, ended by each.
const BATCH_FIELDS: usize = if cfg!(test) { 5 } else { 1 << 16 };
const BATCH_BYTES: usize = if cfg!(test) { 12 } else { 1 << 20 };

/// Splits the records after the header into fields on a second thread while this one
/// visits them: the split (the CSV state machine, line numbers, UTF-8 checks) is about
/// half the work of a wide file, and visiting in file order keeps every error where a
/// single pass would find it. Returns the number of rows visited.
fn visit_batches(
    tokeniser: Tokeniser<'_>,
    ctx: &ScanCtx,
    visit: &mut Visitor<'_>,
) -> Result<usize, ReadError> {
    let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<Batch>(4);
    let (empty_tx, empty_rx) = std::sync::mpsc::channel::<Batch>();
    std::thread::scope(|scope| {
        scope.spawn(move || tokeniser.run(&full_tx, &empty_rx));
        let mut rows = 0usize;
        // The sender is dropped after the last batch, which ends this loop; returning
        // early drops the receiver, which stops the tokeniser at its next batch.
        for mut batch in full_rx {
            let text = batch.text.as_deref();
            for row in 0..batch.lines.len() {
                rows += 1;
                let cells = BatchCells {
                    batch: &batch,
                    text,
                    first: row * batch.width,
                };
                visit(ctx, batch.lines[row], &cells)?;
            }
            if let Some(stop) = batch.stop.take() {
                return Err(stop.into_error(ctx));
            }
            let _ = empty_tx.send(batch.recycled());
        }
        Ok(rows)
    })
}

/// The records after the header, split on their own thread.
///
/// A record without a double quote (up to its `\n`, `\r` or `\r\n`) is split at each
/// delimiter on the spot: that is all the CSV grammar makes of it, and nearly every line
/// of a published table is one. A record with quotes (quoted fields, fields spanning
/// lines) goes through `csv_core`, the state machine of the csv crate, so both paths
/// read a file exactly as that crate does (property-tested).
struct Tokeniser<'b> {
    bytes: &'b [u8],
    /// Where the next record starts.
    at: usize,
    core: csv_core::Reader,
    delimiter: u8,
    lines: LineCounter<'b>,
    /// The wanted columns' positions.
    indices: Vec<usize>,
    /// At most this many rows follow (the file's line count).
    rows_hint: usize,
}

/// A `csv_core` reader for records after the header. A new reader drops a UTF-8 byte
/// order mark at the start of its first record, which the csv crate's reader only does at
/// the start of the file; a line end read first (a blank line) spends that.
fn core_reader(delimiter: u8) -> csv_core::Reader {
    let mut core = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    let _ = core.read_record(b"\n", &mut [0; 1], &mut [0; 1]);
    core
}

/// One record's fields: `(start, end)` byte ranges in `text`.
struct Record<'r> {
    text: &'r [u8],
    spans: &'r [(usize, usize)],
}

impl Record<'_> {
    fn len(&self) -> usize {
        self.spans.len()
    }
    fn get(&self, i: usize) -> Option<&[u8]> {
        self.spans.get(i).map(|&(a, b)| &self.text[a..b])
    }
}

/// Buffers a record is split into, reused from record to record.
#[derive(Default)]
struct RecordBuffers {
    spans: Vec<(usize, usize)>,
    /// The unquoted fields of a record read by `csv_core`, back to back.
    fields: Vec<u8>,
    ends: Vec<usize>,
}

impl Tokeniser<'_> {
    fn run(
        mut self,
        full: &std::sync::mpsc::SyncSender<Batch>,
        empty: &std::sync::mpsc::Receiver<Batch>,
    ) {
        let needed = self.indices.iter().max().map_or(0, |m| m + 1);
        let mut buffers = RecordBuffers::default();
        loop {
            let mut batch = empty
                .try_recv()
                .unwrap_or_else(|_| Batch::new(self.indices.len(), self.rows_hint));
            let mut done = false;
            while batch.lines.len() < BATCH_ROWS
                && batch.ends.len() < BATCH_FIELDS
                && batch.bytes.len() < BATCH_BYTES
            {
                let Some((line, record)) = self.next_record(&mut buffers) else {
                    done = true;
                    break;
                };
                let blank = self
                    .indices
                    .iter()
                    .all(|&i| record.get(i).is_none_or(|b| b.trim_ascii().is_empty()));
                if blank {
                    continue;
                }
                if record.len() < needed {
                    let k = self
                        .indices
                        .iter()
                        .position(|&i| i >= record.len())
                        .unwrap_or(0);
                    batch.stop = Some(ShortRow {
                        line,
                        wanted: k,
                        fields: record.len(),
                    });
                    break;
                }
                batch.push(&record, &self.indices, line);
            }
            batch.seal();
            let last = done || batch.stop.is_some();
            if full.send(batch).is_err() || last {
                return;
            }
        }
    }

    /// The next record and the line it starts on, or `None` at the end of the file.
    /// Blank lines are skipped, as the csv crate skips them.
    fn next_record<'r>(&mut self, buffers: &'r mut RecordBuffers) -> Option<(u64, Record<'r>)>
    where
        Self: 'r,
    {
        let bytes = self.bytes;
        // A `\r`, a `\n` or both end a record; line ends at the start of one are blank
        // lines. So a record starts at neither, and each call moves on by a byte or more.
        while matches!(bytes.get(self.at), Some(b'\n' | b'\r')) {
            self.at += 1;
        }
        if self.at >= bytes.len() {
            return None;
        }
        let line = self.lines.line_at(self.at as u64);
        let rest = &bytes[self.at..];
        match memchr::memchr3(b'\n', b'\r', b'"', rest) {
            Some(k) if rest[k] == b'"' => self.next_record_by_core(buffers).map(|r| (line, r)),
            found => {
                let start = self.at;
                let end = start + found.unwrap_or(rest.len());
                self.at = end;
                self.lines.passed_without_line_end(end);
                let spans = &mut buffers.spans;
                spans.clear();
                let mut field_start = start;
                for_each_position(&bytes[start..end], self.delimiter, |k| {
                    spans.push((field_start, start + k));
                    field_start = start + k + 1;
                });
                spans.push((field_start, end));
                Some((line, Record { text: bytes, spans }))
            }
        }
    }

    /// The next record through `csv_core` (which never fails: it prefers a reading to
    /// none), or `None` when only line ends were left.
    fn next_record_by_core<'r>(&mut self, buffers: &'r mut RecordBuffers) -> Option<Record<'r>>
    where
        Self: 'r,
    {
        use csv_core::ReadRecordResult as R;
        let RecordBuffers {
            spans,
            fields,
            ends,
        } = buffers;
        if fields.is_empty() {
            fields.resize(1 << 12, 0);
            ends.resize(64, 0);
        }
        let (mut written, mut ended) = (0, 0);
        loop {
            let input = &self.bytes[self.at..];
            let (result, read, out, end) =
                self.core
                    .read_record(input, &mut fields[written..], &mut ends[ended..]);
            self.at += read;
            written += out;
            ended += end;
            match result {
                // An empty input tells the reader the file has ended.
                R::InputEmpty => {}
                R::OutputFull => fields.resize(fields.len() * 2, 0),
                R::OutputEndsFull => ends.resize(ends.len() * 2, 0),
                R::Record => break,
                R::End => return None,
            }
        }
        spans.clear();
        let mut start = 0;
        for &end in &ends[..ended] {
            spans.push((start, end));
            start = end;
        }
        Some(Record {
            text: &fields[..written],
            spans,
        })
    }
}

/// Calls `found` with each position of `byte` in `bytes`, in order, testing eight bytes
/// at a time. Fields are a few bytes long: too short for a search routine's set-up to pay
/// off, and a byte-by-byte loop was most of the tokeniser's time.
fn for_each_position(bytes: &[u8], byte: u8, mut found: impl FnMut(usize)) {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let pattern = u64::from_le_bytes([byte; 8]);
    let mut chunks = bytes.chunks_exact(8);
    let mut base = 0;
    for chunk in &mut chunks {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes")) ^ pattern;
        // The top bit of each byte of `x` that is zero (a match); no carry crosses bytes.
        let mut matches = !(((x & LOW7) + LOW7) | x | LOW7);
        while matches != 0 {
            found(base + matches.trailing_zeros() as usize / 8);
            matches &= matches - 1;
        }
        base += 8;
    }
    for (k, &b) in chunks.remainder().iter().enumerate() {
        if b == byte {
            found(base + k);
        }
    }
}

/// How the csv crate's error reads in a message.
fn malformed(path: &Path, e: csv::Error) -> ReadError {
    match e.kind() {
        csv::ErrorKind::Io(io) => ReadError::io(path, io),
        _ => ReadError::Malformed {
            path: path.display().to_string(),
            format: "CSV",
            message: e.to_string(),
        },
    }
}

/// Where tokenising stopped before the end of the file: a row without one of the wanted
/// columns (`wanted`: which). Records cannot be malformed: `csv_core` reads any bytes.
struct ShortRow {
    line: u64,
    wanted: usize,
    fields: usize,
}

impl ShortRow {
    fn into_error(self, ctx: &ScanCtx) -> ReadError {
        ReadError::ShortRow {
            path: ctx.path.clone(),
            cell: ctx.cell(self.line, self.wanted),
            fields: self.fields,
        }
    }
}

/// The wanted fields of up to [`BATCH_ROWS`] rows, back to back in one buffer.
struct Batch {
    /// Wanted fields per row.
    width: usize,
    /// The fields' bytes, until [`Batch::seal`] moves them into `text`.
    bytes: Vec<u8>,
    /// The fields as text, when [`Batch::seal`] found them all UTF-8 and without `\r`
    /// (a quoted field spanning lines of a Windows file), so each can be borrowed as it
    /// is; otherwise fields are decoded one by one.
    text: Option<String>,
    /// Where each field ends in the buffer, `width` per row.
    ends: Vec<usize>,
    /// Each row's line.
    lines: Vec<u64>,
    stop: Option<ShortRow>,
}

impl Batch {
    /// A batch sized for the rows a file can still have, at most a batch's worth.
    fn new(width: usize, rows_hint: usize) -> Batch {
        let rows = BATCH_ROWS
            .min(rows_hint)
            .min(BATCH_FIELDS / width.max(1))
            .max(1);
        Batch {
            width,
            // Sized for short fields; a batch is reused, so it grows at most once or twice.
            bytes: Vec::with_capacity((rows * width * 16).min(BATCH_BYTES)),
            text: None,
            ends: Vec::with_capacity(rows * width),
            lines: Vec::with_capacity(rows),
            stop: None,
        }
    }

    fn push(&mut self, record: &Record<'_>, indices: &[usize], line: u64) {
        for &i in indices {
            self.bytes.extend_from_slice(record.get(i).unwrap_or(b""));
            self.ends.push(self.bytes.len());
        }
        self.lines.push(line);
    }

    /// Checks the whole buffer once, so fields are borrowed as text without a check each.
    fn seal(&mut self) {
        if memchr::memchr(b'\r', &self.bytes).is_some() {
            return;
        }
        match String::from_utf8(std::mem::take(&mut self.bytes)) {
            Ok(text) => self.text = Some(text),
            Err(e) => self.bytes = e.into_bytes(),
        }
    }

    fn raw(&self) -> &[u8] {
        self.text.as_ref().map_or(&self.bytes, |t| t.as_bytes())
    }

    /// Emptied, its memory kept for the next rows.
    fn recycled(mut self) -> Batch {
        let mut bytes = self.text.take().map_or(self.bytes, String::into_bytes);
        bytes.clear();
        self.bytes = bytes;
        self.ends.clear();
        self.lines.clear();
        self
    }
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

    /// Moves on to `offset` without counting: the caller knows the bytes up to it hold no
    /// `\n` (a record without quotes, up to its line end).
    fn passed_without_line_end(&mut self, offset: usize) {
        debug_assert!(!self.bytes[self.at.min(offset)..offset].contains(&b'\n'));
        self.at = self.at.max(offset);
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

/// The wanted fields of one row of a [`Batch`], decoded only when asked for.
struct BatchCells<'b> {
    batch: &'b Batch,
    /// The batch as text, when its fields can be borrowed from it.
    text: Option<&'b str>,
    /// The row's first field.
    first: usize,
}

impl BatchCells<'_> {
    fn field(&self, k: usize) -> Cow<'_, str> {
        let j = self.first + k;
        let start = if j == 0 { 0 } else { self.batch.ends[j - 1] };
        let end = self.batch.ends[j];
        // A field that is not UTF-8 on its own can sit inside text that is: `get` then
        // finds no character boundary, and the field is decoded as Windows-1252.
        match self.text.and_then(|t| t.get(start..end)) {
            Some(s) => Cow::Borrowed(s),
            None => decode(&self.batch.raw()[start..end]),
        }
    }
}

impl Cells for BatchCells<'_> {
    fn len(&self) -> usize {
        self.batch.width
    }
    fn get(&self, k: usize) -> Cell<'_> {
        Cell::Text(self.field(k))
    }
    fn text(&self, k: usize) -> Cow<'_, str> {
        match self.field(k) {
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

    /// Each record's line and fields.
    type Records = Vec<(u64, Vec<Vec<u8>>)>;

    /// Every record with its line, as the csv crate and [`LineCounter`] read `text`
    /// (the tokeniser's reference), and as the tokeniser reads what follows the csv
    /// crate's first record (how `parse` hands over after the header).
    fn records_both_ways(text: &[u8], delimiter: u8) -> (Records, Records) {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(text);
        let mut lines = LineCounter::new(text);
        let mut record = csv::ByteRecord::new();
        let mut expected = Vec::new();
        let mut after_first = None;
        while reader
            .read_byte_record(&mut record)
            .expect("a byte reader never fails")
        {
            let line = lines.line_at(record.position().expect("a position").byte());
            expected.push((line, record.iter().map(<[u8]>::to_vec).collect()));
            after_first.get_or_insert(reader.position().byte() as usize);
        }
        let Some(at) = after_first else {
            return (expected, Vec::new());
        };
        let mut tokeniser = Tokeniser {
            bytes: text,
            at,
            core: core_reader(delimiter),
            delimiter,
            lines: LineCounter::new(text),
            indices: Vec::new(),
            rows_hint: 0,
        };
        let mut got = vec![expected[0].clone()];
        let mut buffers = RecordBuffers::default();
        while let Some((line, record)) = tokeniser.next_record(&mut buffers) {
            let fields = (0..record.len())
                .map(|i| record.get(i).expect("in range").to_vec())
                .collect();
            got.push((line, fields));
        }
        (expected, got)
    }

    #[test]
    fn the_tokeniser_reads_plain_quoted_and_windows_lines_as_the_csv_crate() {
        // Quoted records longer than the core reader's first buffers (4 KiB, 64 fields).
        let wide = format!("h\n{}\n", vec!["\"a\""; 70].join(","));
        let long = format!("h\n1,\"{}\"\n2,3\n", "x\r\ny".repeat(2500));
        for text in [
            &b"h1,h2\na,b\n\n,\nc\n"[..],
            b"h\r\n1,\"x,\r\ny\"\r\n\r\n2,3",
            b"h\n\"a\"\"b\",c\nd\re\n\"",
            b"h,\xf4\n a ,\xf4\xf4,\n",
            // A byte order mark is data after the first line, before a quote too.
            b"h\n\xef\xbb\xbf\"a\",b\n",
            b"h\nx\n\xef\xbb\xbf\"a\",b\n",
            b"h\n,,,\n",
            wide.as_bytes(),
            long.as_bytes(),
        ] {
            for delimiter in CANDIDATES {
                let (expected, got) = records_both_ways(text, delimiter);
                assert_eq!(got, expected, "{}", String::from_utf8_lossy(text));
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn positions_are_found_as_a_byte_by_byte_search_finds_them(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
            byte in proptest::prelude::any::<u8>(),
        ) {
            // Half the bytes drawn again as the byte sought, so that matches are common.
            let bytes: Vec<u8> = bytes.iter().map(|&b| if b % 2 == 0 { byte } else { b }).collect();
            let mut got = Vec::new();
            for_each_position(&bytes, byte, |k| got.push(k));
            let expected: Vec<usize> = (0..bytes.len()).filter(|&k| bytes[k] == byte).collect();
            proptest::prop_assert_eq!(got, expected);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

        #[test]
        fn the_tokeniser_reads_any_text_as_the_csv_crate(
            bytes in proptest::collection::vec(proptest::sample::select(vec![
                b'a', b'b', b',', b';', b'\t', b'"', b'\n', b'\r', b' ', 0xf4, 0xef, 0xbb, 0xbf,
            ]), 0..120),
            delimiter in proptest::sample::select(CANDIDATES.to_vec()),
        ) {
            let (expected, got) = records_both_ways(&bytes, delimiter);
            proptest::prop_assert_eq!(got, expected);
        }
    }

    /// What `parse` gave: each visited row's line and cells, then the error that stopped
    /// it (`line N` for a short row or the visitor's own refusal).
    fn visited(text: &[u8]) -> (Vec<(u64, Vec<String>)>, Option<String>) {
        let source = Source {
            code_column: "code".into(),
            ..Source::default()
        };
        let names = ["code".to_string(), "a".to_string(), "b".to_string()];
        let mut rows = Vec::new();
        let result = parse(
            Path::new("t.csv"),
            &source,
            Wanted::Columns(&names),
            &mut |_, line, cells| {
                let row: Vec<String> = (0..cells.len())
                    .map(|k| match cells.get(k) {
                        Cell::Text(t) => t.into_owned(),
                        other => panic!("a CSV cell is text, not {other:?}"),
                    })
                    .collect();
                if row.iter().any(|c| c == "stop") {
                    return Err(ReadError::EmptyTable {
                        path: "t.csv".into(),
                        detail: format!("stop on line {line}"),
                    });
                }
                rows.push((line, row));
                Ok(())
            },
            text,
        );
        let stopped = result.err().map(|e| match e {
            ReadError::ShortRow { cell, .. } => cell.split(',').next().unwrap_or("").to_string(),
            ReadError::EmptyTable { detail, .. } => detail,
            other => panic!("unexpected error: {other}"),
        });
        (rows, stopped)
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

        /// Rows crossing many batches arrive in order with their lines and cells, as
        /// written: quoted fields with commas, quotes and line breaks, Windows line ends,
        /// blank lines, text that is not UTF-8; the first short row or refusal, in file
        /// order, stops the scan.
        #[test]
        fn batched_rows_arrive_as_written(
            rows in proptest::collection::vec((
                proptest::collection::vec(
                    proptest::collection::vec(proptest::sample::select(vec![
                        &b"a"[..], b",", b"\"", b"\n", b" ", "\u{e9}".as_bytes(), b"\xf4", b"stop",
                    ]), 0..4),
                    1..4,
                ),
                proptest::bool::ANY,
                0usize..2,
            ), 0..40)
        ) {
            let mut text = b"code,a,b\n".to_vec();
            let mut line = 2u64;
            let mut expected = Vec::new();
            let mut stop = None;
            for (i, (fields, windows, blanks)) in rows.iter().enumerate() {
                let end: &[u8] = if *windows { b"\r\n" } else { b"\n" };
                let mut cells = vec![format!("c{i}")];
                let mut written = vec![cells[0].clone().into_bytes()];
                for field in &fields[1..] {
                    let bytes = field.concat();
                    cells.push(decode_text(&bytes).into_owned());
                    let mut quoted = b"\"".to_vec();
                    for &b in &bytes {
                        match b {
                            b'"' => quoted.extend_from_slice(b"\"\""),
                            b'\n' => quoted.extend_from_slice(end),
                            _ => quoted.push(b),
                        }
                    }
                    quoted.push(b'"');
                    written.push(quoted);
                }
                text.extend_from_slice(&written.join(&b","[..]));
                text.extend_from_slice(end);
                if stop.is_none() {
                    if cells.len() < 3 {
                        stop = Some(format!("line {line}"));
                    } else if cells.iter().any(|c| c == "stop") {
                        stop = Some(format!("stop on line {line}"));
                    } else {
                        expected.push((line, cells.clone()));
                    }
                }
                line += 1 + cells.iter().map(|c| c.matches('\n').count() as u64).sum::<u64>();
                for _ in 0..*blanks {
                    text.extend_from_slice(end);
                    line += 1;
                }
            }
            let (got, stopped) = visited(&text);
            proptest::prop_assert_eq!(got, expected);
            proptest::prop_assert_eq!(stopped, stop);
        }
    }

    #[test]
    fn a_field_that_is_not_utf8_alone_reads_as_windows_1252_inside_utf8_text() {
        // `\xc3` ends one field and `\xa9` starts the next: together they would be
        // UTF-8 (`é`), alone each is Windows-1252.
        let (rows, stopped) = visited(b"code,a,b\nx,\xc3,\xa9\n");
        assert_eq!(stopped, None);
        assert_eq!(
            rows,
            vec![(2, vec!["x".into(), "\u{c3}".into(), "\u{a9}".into()])]
        );
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
