//! One source file read into area codes and numeric columns, in its wide or tidy layout,
//! and the generic [`read_table`] for callers that need other columns.
//!
//! Rows that are not areas are never read as areas silently: codes listed in
//! `skip_codes` are skipped and reported ([`SkippedRow`]), note rows (`Source: ...`,
//! `Notes: 1. ...`) are refused unless `skip_notes` skips them, and GSS codes written in
//! lower case are read upper case and reported ([`RecasedCode`]). The layout's `filters`
//! and `period` choose rows in both layouts; a filter naming a column the file does not
//! have is an error.

use crate::digest::{FileDigest, digest_file};
use crate::error::{Location, ReadError, closest, quote_cell};
use crate::number::{CellValue, DecimalMark, NumberError, marker_name, parse_cell_as, trim_cell};
use crate::read::{
    Cell, Cells, ScanCtx, Wanted, duplicate_header, find_column, list_names, matching_columns, scan,
};
use oa_model::study::{Layout, Source};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

/// Label used for values absent because a tidy file has no row for the area and measure.
pub const NO_ROW: &str = "(no row)";

/// Why a row was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Its code is in the source's `skip_codes` (a totals row).
    Listed,
    /// A note under or inside the table, skipped by `skip_notes = true`.
    Note,
}

impl SkipReason {
    /// Words for reports: `listed in skip_codes`, `note (skip_notes)`.
    pub fn label(self) -> &'static str {
        match self {
            SkipReason::Listed => "listed in skip_codes",
            SkipReason::Note => "note (skip_notes)",
        }
    }
}

/// A row skipped on purpose, reported so that nothing leaves the data unsaid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// Source id.
    pub source: String,
    /// Where the row is: `line 153`, `sheet `Data` row 12`.
    pub location: String,
    /// The row's code cell (for a note, its text).
    pub code: String,
    pub reason: SkipReason,
}

/// A GSS code written in lower case and read upper case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecasedCode {
    pub source: String,
    pub location: String,
    /// As written (`e06000005`).
    pub written: String,
    /// As read (`E06000005`).
    pub code: String,
}

/// A source read for its measures: one row per area, one column per requested measure.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceData {
    /// Area codes in file order (first appearance for tidy files).
    pub codes: Vec<String>,
    /// Area names, when the source has a name column.
    pub names: Option<Vec<String>>,
    /// One column per requested measure, `NaN` where missing.
    pub columns: Vec<Vec<f64>>,
    /// Per requested measure: the missing cells, as (row in `codes`, index into
    /// `marker_names`); see [`SourceData::missing_counts`].
    pub missing: Vec<Vec<(usize, usize)>>,
    /// Names of the missing markers (`(empty)`, `c`, ..., the source's, `(no row)`).
    pub marker_names: Vec<String>,
    /// Data rows read (before filters).
    pub rows_read: usize,
    /// Identity of the file read.
    pub digest: FileDigest,
    /// Row number of each area's (first) row, for messages: see [`SourceData::location`].
    pub rows: Vec<u64>,
    /// Where the header is (and so how rows are numbered).
    pub header_at: Location,
    /// The code column's header (as in the file) and position (spreadsheet offset
    /// included), for messages: see [`SourceData::code_cell`].
    pub code_column: (String, usize),
    /// Rows skipped on purpose, in file order.
    pub skipped: Vec<SkippedRow>,
    /// Codes read upper case.
    pub recased: Vec<RecasedCode>,
    /// The period kept, when the layout selects one (`latest` resolved to its value).
    pub period: Option<String>,
    /// The field separator of a CSV file (declared or detected).
    pub delimiter: Option<u8>,
}

impl SourceData {
    /// Where area `i`'s (first) row is in the file.
    pub fn location(&self, i: usize) -> Location {
        located(&self.header_at, self.rows[i])
    }

    /// Where area `i`'s code is: `line 4, column `code``.
    pub fn code_cell(&self, i: usize) -> String {
        self.location(i)
            .cell(self.code_column.1, &self.code_column.0)
    }
}

/// The code column's header and position in a scan.
fn code_column(ctx: &ScanCtx) -> (String, usize) {
    (
        ctx.names.first().cloned().unwrap_or_default(),
        ctx.indices.first().copied().unwrap_or(0) + ctx.column_offset,
    )
}

/// The location of row `row` of a file whose header is at `header_at`.
fn located(header_at: &Location, row: u64) -> Location {
    match header_at {
        Location::Line(_) => Location::Line(row),
        Location::SheetRow { sheet, .. } => Location::SheetRow {
            sheet: sheet.clone(),
            row: u32::try_from(row).unwrap_or(u32::MAX),
        },
        Location::Row(_) => Location::Row(row),
    }
}

/// How numbers written as text mark decimals in this source: declared, or unknown in a
/// semicolon-separated file (a comma could be either), else a point.
fn decimal_mark(source: &Source, delimiter: Option<u8>) -> DecimalMark {
    match source.decimal.as_deref() {
        Some(",") => DecimalMark::Comma,
        Some(_) => DecimalMark::Point,
        None if delimiter == Some(b';') => DecimalMark::Unknown,
        None => DecimalMark::Point,
    }
}

/// Turns one cell into a number or a missing-marker index, with a located error otherwise.
#[inline]
pub(crate) fn cell_number(
    ctx: &ScanCtx,
    row: u64,
    k: usize,
    cell: &Cell<'_>,
    source: &Source,
    mark: DecimalMark,
) -> Result<CellValue, ReadError> {
    let extra = &source.missing_markers;
    match cell {
        Cell::Empty => Ok(CellValue::Missing(0)),
        Cell::Number(v) if v.is_finite() => Ok(CellValue::Number(*v)),
        Cell::Number(v) => Err(ReadError::NotFinite {
            path: ctx.path.clone(),
            cell: ctx.cell(row, k),
            text: format!("{v}"),
        }),
        Cell::Text(t) => parse_cell_as(t, extra, mark).map_err(|e| {
            number_error(
                e,
                ctx.path.clone(),
                ctx.cell(row, k),
                trim_cell(t),
                &source.id,
            )
        }),
    }
}

#[cold]
pub(crate) fn number_error(
    e: NumberError,
    path: String,
    cell: String,
    text: &str,
    source: &str,
) -> ReadError {
    match e {
        NumberError::NotANumber => ReadError::NonNumeric {
            path,
            cell,
            text: quote_cell(text),
        },
        NumberError::NotFinite => ReadError::NotFinite {
            path,
            cell,
            text: quote_cell(text),
        },
        NumberError::AmbiguousComma => ReadError::AmbiguousDecimal {
            path,
            cell,
            text: quote_cell(text),
            source_id: source.to_string(),
        },
    }
}

/// Reads `measures` from a source: columns of a wide table, or measures of a tidy one
/// (values of `measure_column`; without a measure column, each measure names a value
/// column, normally `value_column`). `label` names the file in digests.
pub fn read_source(
    path: &Path,
    source: &Source,
    measures: &[String],
    label: &str,
) -> Result<SourceData, ReadError> {
    let filters = resolve_filters(path, source)?;
    match &source.layout {
        Layout::Wide { .. } => read_wide(path, source, measures, label, filters),
        Layout::Tidy {
            measure_column,
            value_column,
            ..
        } => read_tidy(
            path,
            source,
            measures,
            label,
            measure_column.as_deref(),
            value_column,
            filters,
        ),
    }
}

/// Where values are missing: per column, the rows and the marker each stood for.
struct MissingTally {
    cells: Vec<Vec<(usize, usize)>>,
}

impl MissingTally {
    fn new(columns: usize) -> Self {
        MissingTally {
            cells: vec![Vec::new(); columns],
        }
    }
    fn add(&mut self, column: usize, row: usize, marker: usize) {
        self.cells[column].push((row, marker));
    }
}

/// Names of the markers in [`SourceData::missing`]: the standard ones, the source's own,
/// then [`NO_ROW`].
fn marker_names(extra: &[String]) -> Vec<String> {
    let n = crate::number::STANDARD_MISSING_MARKERS.len() + extra.len();
    let mut names: Vec<String> = (0..n).map(|m| marker_name(m, extra)).collect();
    names.push(NO_ROW.to_string());
    names
}

impl SourceData {
    /// For measure `k`, how many cells each marker stood for among the rows `keep`
    /// accepts.
    pub fn missing_counts(
        &self,
        k: usize,
        keep: impl Fn(usize) -> bool,
    ) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for &(row, marker) in &self.missing[k] {
            if keep(row) {
                let name = self.marker_names.get(marker).cloned().unwrap_or_default();
                *counts.entry(name).or_insert(0) += 1;
            }
        }
        counts
    }
}

fn finish_digest(
    path: &Path,
    label: &str,
    computed: Option<FileDigest>,
) -> Result<FileDigest, ReadError> {
    match computed {
        Some(mut d) => {
            d.path = label.to_string();
            Ok(d)
        }
        None => digest_file(path, label).map_err(|e| ReadError::io(path, &e)),
    }
}

/// The row filters of a source's layout, with its period selector as one more filter
/// (`latest` resolved by a first pass over the filter columns), as (column, value).
fn resolve_filters(path: &Path, source: &Source) -> Result<Vec<(String, String)>, ReadError> {
    let mut filters: Vec<(String, String)> = source
        .layout
        .filters()
        .iter()
        .map(|(k, v)| (k.clone(), trim_cell(v).to_string()))
        .collect();
    let Some(period) = source.layout.period() else {
        return Ok(filters);
    };
    if period.select.trim() != "latest" {
        filters.push((period.column.clone(), trim_cell(&period.select).to_string()));
        return Ok(filters);
    }
    let mut wanted: Vec<String> = filters.iter().map(|(c, _)| c.clone()).collect();
    wanted.push(period.column.clone());
    let p = filters.len();
    let mut periods: BTreeSet<String> = BTreeSet::new();
    scan(
        path,
        source,
        Wanted::Columns(&wanted),
        &mut |_, _, cells| {
            if filters
                .iter()
                .enumerate()
                .all(|(f, (_, v))| cells.text(f) == v.as_str())
            {
                let value = cells.text(p);
                if !value.is_empty() && !periods.contains(value.as_ref()) {
                    periods.insert(value.into_owned());
                }
            }
            Ok(())
        },
    )?;
    let numeric: Option<Vec<(f64, &String)>> = periods
        .iter()
        .map(|v| v.parse::<f64>().ok().map(|x| (x, v)))
        .collect();
    let latest = match numeric {
        Some(mut v) => {
            v.sort_by(|a, b| a.0.total_cmp(&b.0));
            v.last().map(|(_, s)| (*s).clone())
        }
        None => periods.iter().next_back().cloned(),
    };
    let Some(latest) = latest else {
        return Err(ReadError::PeriodNotFound {
            path: path.display().to_string(),
            column: period.column.clone(),
            detail: if filters.is_empty() {
                " (the column is empty)".into()
            } else {
                " among the rows the filters keep".into()
            },
            source_id: source.id.clone(),
        });
    };
    filters.push((period.column.clone(), latest));
    Ok(filters)
}

/// True for a cell that reads like a note rather than an area code: `Source: ...`,
/// `Notes`, `1. ...`, `* ...`, `© ...`.
pub fn looks_like_note(text: &str) -> bool {
    let t = trim_cell(text);
    // Codes (the common case) are never notes: decide without allocating.
    if oa_model::gss::is_gss_shaped(t) {
        return false;
    }
    let words = [
        "source",
        "sources",
        "note",
        "notes",
        "footnote",
        "footnotes",
        "copyright",
        "©",
        "*",
        "[note",
    ];
    let starts = words.iter().any(|w| {
        t.len() >= w.len()
            && t.is_char_boundary(w.len())
            && t[..w.len()].eq_ignore_ascii_case(w)
            && t[w.len()..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric())
    });
    let numbered = {
        let digits = t.bytes().take_while(u8::is_ascii_digit).count();
        digits > 0 && matches!(t.as_bytes().get(digits), Some(b'.' | b')')) && t.len() > digits + 1
    };
    starts || numbered || t.contains(": ")
}

/// What to do when a row's code cell is empty: fill it in, or, when the file has rows for
/// other geographic levels, filter them out.
fn empty_code_advice(ctx: &ScanCtx, source: &Source) -> String {
    match ctx
        .headers
        .iter()
        .find(|h| h.eq_ignore_ascii_case("geographic_level"))
    {
        Some(level) => format!(
            "the file has rows for other geographic levels (national or regional totals have no code here): keep one level with `filters = {{ {level} = \"Local authority\" }}` in the layout of source `{}`",
            source.id
        ),
        None => format!(
            "fill it in, or if the row is a note, skip notes with `skip_notes = true` in source `{}`",
            source.id
        ),
    }
}

/// What to do about a code that appears twice: remove a row, or choose rows by period or
/// breakdown when the file has several per area.
fn duplicate_code_advice(ctx: &ScanCtx, source: &Source) -> String {
    let period = ["time_period", "year", "period"]
        .iter()
        .find_map(|p| ctx.headers.iter().find(|h| h.eq_ignore_ascii_case(p)));
    match period {
        Some(column) if source.layout.period().is_none() => format!(
            "the file has a row per period: keep one with `period = {{ column = \"{column}\", select = \"latest\" }}` (and `filters` for other breakdowns) in the layout of source `{}`",
            source.id
        ),
        _ => format!(
            "remove one of the rows, or keep one per area with `filters` in the layout of source `{}`",
            source.id
        ),
    }
}

/// Decides what each data row is: filtered out, skipped (listed code or note), or an
/// area with its (upper-cased) code. Collects what it skipped and re-cased.
struct RowGate<'s> {
    source: &'s Source,
    skip_codes: Vec<String>,
    /// (wanted position, value) of every filter.
    filters: Vec<(usize, String)>,
    filter_names: Vec<String>,
    seen: Vec<BTreeSet<String>>,
    skipped: Vec<SkippedRow>,
    recased: Vec<RecasedCode>,
}

impl<'s> RowGate<'s> {
    /// Appends the filter columns to `wanted`.
    fn new(source: &'s Source, filters: Vec<(String, String)>, wanted: &mut Vec<String>) -> Self {
        let filter_names: Vec<String> = filters.iter().map(|(c, _)| c.clone()).collect();
        let positions: Vec<(usize, String)> = filters
            .into_iter()
            .map(|(c, v)| {
                wanted.push(c);
                (wanted.len() - 1, v)
            })
            .collect();
        RowGate {
            source,
            skip_codes: source
                .skip_codes
                .iter()
                .map(|c| trim_cell(c).to_lowercase())
                .collect(),
            seen: vec![BTreeSet::new(); positions.len()],
            filters: positions,
            filter_names,
            skipped: Vec::new(),
            recased: Vec::new(),
        }
    }

    /// Whether the row passes the filters (remembering a few values seen per filter).
    fn keep(&mut self, cells: &dyn Cells) -> bool {
        let mut keep = true;
        for (f, (k, expected)) in self.filters.iter().enumerate() {
            let got = cells.text(*k);
            if got != expected.as_str() {
                keep = false;
            }
            if self.seen[f].len() < 12 && !self.seen[f].contains(got.as_ref()) {
                self.seen[f].insert(got.into_owned());
            }
        }
        keep
    }

    /// The row's area code, or `None` when the row is skipped. `code_k` is the code's
    /// wanted position, `name_k` the name's, `value_ks` the values'.
    fn code(
        &mut self,
        ctx: &ScanCtx,
        row: u64,
        cells: &dyn Cells,
        name_k: Option<usize>,
        value_ks: &[usize],
    ) -> Result<Option<String>, ReadError> {
        let code = cells.text(0);
        if !code.is_empty() && self.skip_codes.iter().any(|s| *s == code.to_lowercase()) {
            self.skip(ctx, row, &code, SkipReason::Listed);
            return Ok(None);
        }
        let note_text = if code.is_empty() {
            name_k.map(|k| cells.text(k)).filter(|n| looks_like_note(n))
        } else {
            looks_like_note(&code).then(|| code.clone())
        };
        // Only a note-like row pays for looking at its values.
        if let Some(text) = note_text.filter(|_| value_ks.iter().all(|&k| cells.get(k).is_blank()))
        {
            if self.source.skip_notes {
                self.skip(ctx, row, &text, SkipReason::Note);
                return Ok(None);
            }
            return Err(ReadError::NoteRow {
                path: ctx.path.clone(),
                location: ctx.location(row).to_string(),
                code: quote_cell(&text),
                source_id: self.source.id.clone(),
            });
        }
        if code.is_empty() {
            return Err(ReadError::EmptyCode {
                path: ctx.path.clone(),
                cell: ctx.cell(row, 0),
                advice: empty_code_advice(ctx, self.source),
            });
        }
        if let Some(upper) = oa_model::gss::upper_cased(&code) {
            self.recased.push(RecasedCode {
                source: self.source.id.clone(),
                location: ctx.location(row).to_string(),
                written: code.into_owned(),
                code: upper.clone(),
            });
            return Ok(Some(upper));
        }
        Ok(Some(code.into_owned()))
    }

    fn skip(&mut self, ctx: &ScanCtx, row: u64, code: &str, reason: SkipReason) {
        self.skipped.push(SkippedRow {
            source: self.source.id.clone(),
            location: ctx.location(row).to_string(),
            code: code.to_string(),
            reason,
        });
    }

    /// The error for a file where no row passed the filters.
    fn nothing_kept(&self, path: &Path, fallback: &str) -> ReadError {
        let detail = if self.filters.is_empty() {
            fallback.to_string()
        } else {
            let parts: Vec<String> = self
                .filter_names
                .iter()
                .zip(&self.filters)
                .zip(&self.seen)
                .map(|((c, (_, v)), seen)| {
                    let seen: Vec<&String> = seen.iter().collect();
                    format!("`{c}` = `{v}` (values seen: {})", list_names(&seen, 10))
                })
                .collect();
            format!(
                " match the filters: {}; fix `filters` or `period`",
                parts.join(", ")
            )
        };
        ReadError::EmptyTable {
            path: path.display().to_string(),
            detail,
        }
    }
}

fn read_wide(
    path: &Path,
    source: &Source,
    measures: &[String],
    label: &str,
    filters: Vec<(String, String)>,
) -> Result<SourceData, ReadError> {
    let has_name = source.name_column.is_some();
    let mut wanted = vec![source.code_column.clone()];
    wanted.extend(source.name_column.iter().cloned());
    let first_measure = wanted.len();
    wanted.extend(measures.iter().cloned());
    let value_ks: Vec<usize> = (first_measure..wanted.len()).collect();
    let period = filters
        .last()
        .filter(|_| source.layout.period().is_some())
        .map(|(_, v)| v.clone());
    let mut gate = RowGate::new(source, filters, &mut wanted);

    let mut codes: Vec<String> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut lines: Vec<u64> = Vec::new();
    let mut index = CodeIndex::default();
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); measures.len()];
    let mut tally = MissingTally::new(measures.len());
    let mut mark: Option<DecimalMark> = None;

    let summary = scan(
        path,
        source,
        Wanted::Columns(&wanted),
        &mut |ctx, row, cells| {
            if !gate.keep(cells) {
                return Ok(());
            }
            let Some(code) = gate.code(ctx, row, cells, has_name.then_some(1), &value_ks)? else {
                return Ok(());
            };
            if codes.is_empty() {
                // Sized once: growing by doubling copies and faults in every column again.
                let rows = ctx.rows_hint;
                codes.reserve(rows);
                lines.reserve(rows);
                names.reserve(if has_name { rows } else { 0 });
                index.rows.reserve(rows);
                for c in &mut columns {
                    c.reserve(rows);
                }
            }
            if let Some(first) = index.find_or_insert(&code, &codes) {
                return Err(ReadError::DuplicateCode {
                    path: ctx.path.clone(),
                    code,
                    rows: format!("{} and {}", ctx.location(lines[first]), ctx.location(row)),
                    advice: duplicate_code_advice(ctx, source),
                });
            }
            let mark = *mark.get_or_insert_with(|| decimal_mark(source, ctx.delimiter));
            for (m, column) in columns.iter_mut().enumerate() {
                let k = first_measure + m;
                match cell_number(ctx, row, k, &cells.get(k), source, mark)? {
                    CellValue::Number(v) => column.push(v),
                    CellValue::Missing(marker) => {
                        tally.add(m, codes.len(), marker);
                        column.push(f64::NAN);
                    }
                }
            }
            codes.push(code);
            lines.push(row);
            if has_name {
                names.push(cells.text(1).into_owned());
            }
            Ok(())
        },
    )?;
    if codes.is_empty() && !gate.filters.is_empty() {
        return Err(gate.nothing_kept(path, ""));
    }
    let digest = finish_digest(path, label, summary.digest)?;
    Ok(SourceData {
        codes,
        names: has_name.then_some(names),
        columns,
        missing: tally.cells,
        marker_names: marker_names(&source.missing_markers),
        rows_read: summary.rows,
        digest,
        rows: lines,
        code_column: code_column(&summary.ctx),
        header_at: summary.ctx.header_at,
        skipped: gate.skipped,
        recased: gate.recased,
        period,
        delimiter: summary.delimiter,
    })
}

/// Finds repeated area codes without copying them: keys are 64-bit hashes of the codes,
/// values their row; a hit is confirmed by comparing the codes themselves.
#[derive(Default)]
struct CodeIndex {
    rows: HashMap<u64, usize, BuildHasherDefault<PassThrough>>,
}

impl CodeIndex {
    /// The earlier row of `code` in `codes`, or `None` after recording that `code` will be
    /// pushed as row `codes.len()`.
    fn find_or_insert(&mut self, code: &str, codes: &[String]) -> Option<usize> {
        match self.rows.entry(hash_code(code)) {
            Entry::Vacant(v) => {
                v.insert(codes.len());
                None
            }
            // Same hash: the same code, or (vanishingly rarely) a collision.
            Entry::Occupied(o) if codes[*o.get()] == code => Some(*o.get()),
            Entry::Occupied(_) => codes.iter().position(|c| c == code),
        }
    }
}

/// A fast 64-bit hash of a short string: each 8-byte word is folded in through a full
/// avalanche mix, so codes differing in one character spread over all bits.
fn hash_code(s: &str) -> u64 {
    fn mix(mut x: u64) -> u64 {
        x ^= x >> 33;
        x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
        x ^= x >> 33;
        x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        x ^ (x >> 33)
    }
    let mut h: u64 = s.len() as u64;
    let mut chunks = s.as_bytes().chunks_exact(8);
    for c in &mut chunks {
        h = mix(h ^ u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut tail = [0u8; 8];
        tail[..rest.len()].copy_from_slice(rest);
        h = mix(h ^ u64::from_le_bytes(tail));
    }
    h
}

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

#[allow(clippy::too_many_arguments)]
fn read_tidy(
    path: &Path,
    source: &Source,
    measures: &[String],
    label: &str,
    measure_column: Option<&str>,
    value_column: &str,
    filters: Vec<(String, String)>,
) -> Result<SourceData, ReadError> {
    let has_name = source.name_column.is_some();
    let mut wanted = vec![source.code_column.clone()];
    wanted.extend(source.name_column.iter().cloned());
    let measure_k = measure_column.map(|m| {
        wanted.push(m.to_string());
        wanted.len() - 1
    });
    // Value columns: one shared column, or one per measure when there is no measure column.
    let value_columns: Vec<String> = match measure_column {
        Some(_) => vec![value_column.to_string()],
        None => {
            let mut v: Vec<String> = Vec::new();
            for m in measures {
                if !v.contains(m) {
                    v.push(m.clone());
                }
            }
            v
        }
    };
    let first_value = wanted.len();
    wanted.extend(value_columns.iter().cloned());
    let value_ks: Vec<usize> = (first_value..wanted.len()).collect();
    let period = filters
        .last()
        .filter(|_| source.layout.period().is_some())
        .map(|(_, v)| v.clone());
    let mut gate = RowGate::new(source, filters, &mut wanted);

    let measure_pos: HashMap<&str, Vec<usize>> = {
        let mut m: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, name) in measures.iter().enumerate() {
            m.entry(trim_cell(name)).or_default().push(i);
        }
        m
    };
    let mut codes: Vec<String> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut first_rows: Vec<u64> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    // Per measure, per area: the row that set it (0 = none yet).
    let mut set_at: Vec<Vec<u64>> = vec![Vec::new(); measures.len()];
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); measures.len()];
    let mut tally = MissingTally::new(measures.len());
    let mut seen_measures: BTreeSet<String> = BTreeSet::new();
    let mut mark: Option<DecimalMark> = None;

    let summary = scan(
        path,
        source,
        Wanted::Columns(&wanted),
        &mut |ctx, row, cells| {
            if !gate.keep(cells) {
                return Ok(());
            }
            // Which requested measures this row carries, and from which value cell.
            let targets: Vec<(usize, usize)> = match measure_k {
                Some(mk) => {
                    let name = cells.text(mk);
                    match measure_pos.get(name.as_ref()) {
                        Some(ms) => ms.iter().map(|&m| (m, first_value)).collect(),
                        None => {
                            if seen_measures.len() < 30 {
                                seen_measures.insert(name.into_owned());
                            }
                            return Ok(());
                        }
                    }
                }
                None => measures
                    .iter()
                    .enumerate()
                    .map(|(m, name)| {
                        let v = value_columns.iter().position(|c| c == name).unwrap_or(0);
                        (m, first_value + v)
                    })
                    .collect(),
            };
            let Some(code) = gate.code(ctx, row, cells, has_name.then_some(1), &value_ks)? else {
                return Ok(());
            };
            let area = match index.get(code.as_str()) {
                Some(&a) => a,
                None => {
                    let a = codes.len();
                    index.insert(code.clone(), a);
                    codes.push(code);
                    first_rows.push(row);
                    if has_name {
                        names.push(cells.text(1).into_owned());
                    }
                    for m in 0..measures.len() {
                        columns[m].push(f64::NAN);
                        set_at[m].push(0);
                    }
                    a
                }
            };
            let mark = *mark.get_or_insert_with(|| decimal_mark(source, ctx.delimiter));
            for (m, k) in targets {
                let previous = set_at[m][area];
                if previous != 0 {
                    return Err(ReadError::TidyDuplicate {
                        path: ctx.path.clone(),
                        code: codes[area].clone(),
                        measure: measures[m].clone(),
                        first: ctx.location(previous).to_string(),
                        second: ctx.location(row).to_string(),
                    });
                }
                set_at[m][area] = row;
                match cell_number(ctx, row, k, &cells.get(k), source, mark)? {
                    CellValue::Number(v) => columns[m][area] = v,
                    CellValue::Missing(marker) => tally.add(m, area, marker),
                }
            }
            Ok(())
        },
    )?;

    if codes.is_empty() {
        return Err(gate.nothing_kept(path, " for the requested measures"));
    }
    let marker_list = marker_names(&source.missing_markers);
    let no_row = marker_list.len() - 1;
    let mut missing = tally.cells;
    for (m, rows) in set_at.iter().enumerate() {
        let absent = rows.iter().filter(|&&r| r == 0).count();
        if let (true, Some(mc)) = (absent == rows.len(), measure_column) {
            let seen: Vec<&String> = seen_measures.iter().collect();
            let available = match closest(&measures[m], seen.iter().map(|s| s.as_str())) {
                Some(c) => format!("{} (did you mean `{c}`?)", list_names(&seen, 12)),
                None => list_names(&seen, 12),
            };
            return Err(ReadError::MissingMeasure {
                path: path.display().to_string(),
                measure: measures[m].clone(),
                column: mc.to_string(),
                available,
            });
        }
        missing[m].extend(
            rows.iter()
                .enumerate()
                .filter(|(_, r)| **r == 0)
                .map(|(area, _)| (area, no_row)),
        );
    }
    let digest = finish_digest(path, label, summary.digest)?;
    Ok(SourceData {
        codes,
        names: has_name.then_some(names),
        columns,
        missing,
        marker_names: marker_list,
        rows_read: summary.rows,
        digest,
        rows: first_rows,
        code_column: code_column(&summary.ctx),
        header_at: summary.ctx.header_at,
        skipped: gate.skipped,
        recased: gate.recased,
        period,
        delimiter: summary.delimiter,
    })
}

/// A table read as text, every column, for callers that need more than indicators
/// (populations, regions, names). The layout's `filters` and `period` are applied;
/// nothing is pivoted.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceTable {
    /// The file as given.
    pub path: String,
    /// Header names (trimmed), in file order.
    pub headers: Vec<String>,
    /// One vector of trimmed cell texts per header.
    pub columns: Vec<Vec<String>>,
    /// Row numbers (CSV line, sheet row or Parquet row) for messages.
    pub rows: Vec<u64>,
    /// The sheet read, for spreadsheets.
    pub sheet: Option<String>,
    header_at: Location,
    missing_markers: Vec<String>,
    decimal: DecimalMark,
    source_id: String,
}

impl SourceTable {
    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no data rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Where data row `i` is in the file.
    pub fn location(&self, i: usize) -> Location {
        located(&self.header_at, self.rows[i])
    }

    fn column_index(&self, name: &str) -> Result<usize, ReadError> {
        let hits = matching_columns(&self.headers, name);
        if hits.len() > 1 {
            return Err(duplicate_header(&self.path, &self.headers, &hits, 0));
        }
        hits.first()
            .copied()
            .ok_or_else(|| ReadError::MissingColumn {
                path: self.path.clone(),
                column: name.to_string(),
                header: self.header_at.clone(),
                hint: closest(name, self.headers.iter().map(String::as_str))
                    .map(|h| format!("; did you mean `{h}`?"))
                    .unwrap_or_else(|| {
                        format!("; the columns are {}", list_names(&self.headers, 12))
                    }),
            })
    }

    /// A column's cells as text.
    pub fn text(&self, name: &str) -> Result<&[String], ReadError> {
        Ok(&self.columns[self.column_index(name)?])
    }

    /// A column's cells as numbers: missing markers (standard and the source's) become
    /// `NaN`; anything else that is not a finite number is an error naming the cell.
    pub fn numbers(&self, name: &str) -> Result<Vec<f64>, ReadError> {
        let c = self.column_index(name)?;
        let mut out = Vec::with_capacity(self.len());
        for (i, text) in self.columns[c].iter().enumerate() {
            match parse_cell_as(text, &self.missing_markers, self.decimal) {
                Ok(CellValue::Number(v)) => out.push(v),
                Ok(CellValue::Missing(_)) => out.push(f64::NAN),
                Err(e) => {
                    let cell = self.location(i).cell(c, &self.headers[c]);
                    return Err(number_error(
                        e,
                        self.path.clone(),
                        cell,
                        text,
                        &self.source_id,
                    ));
                }
            }
        }
        Ok(out)
    }
}

/// Reads every column of a source as text (see [`SourceTable`]). The header is found as
/// for indicators (`header_row`, or the first row naming `code_column`).
pub fn read_table(path: &Path, source: &Source) -> Result<SourceTable, ReadError> {
    read_table_impl(path, source, None)
}

/// As [`read_table`], keeping only `columns` (matched as indicator columns are; the
/// table's `headers` are their names as in the file). Much faster on wide files: other
/// cells are never decoded or copied.
pub fn read_columns(
    path: &Path,
    source: &Source,
    columns: &[&str],
) -> Result<SourceTable, ReadError> {
    read_table_impl(path, source, Some(columns))
}

fn read_table_impl(
    path: &Path,
    source: &Source,
    only: Option<&[&str]>,
) -> Result<SourceTable, ReadError> {
    let filters = resolve_filters(path, source)?;
    let mut columns: Vec<Vec<String>> = Vec::new();
    let mut rows = Vec::new();
    let mut filter_idx: Option<Vec<(usize, String)>> = None;
    // With `only`, the filter columns are read too (after the requested ones).
    let wanted: Option<Vec<String>> = only.map(|cols| {
        let mut w: Vec<String> = cols.iter().map(|c| c.to_string()).collect();
        for (f, _) in &filters {
            if !w.iter().any(|c| c == f) {
                w.push(f.clone());
            }
        }
        w
    });
    let keep = only.map_or(usize::MAX, <[&str]>::len);
    let wanted_columns = match &wanted {
        Some(w) => Wanted::Columns(w),
        None => Wanted::All,
    };
    let summary = scan(path, source, wanted_columns, &mut |ctx, row, cells| {
        if columns.is_empty() {
            columns = vec![Vec::new(); cells.len().min(keep)];
        }
        let idx = match &filter_idx {
            Some(f) => f,
            None => {
                let mut f = Vec::new();
                for (col, v) in &filters {
                    let i =
                        find_column(&ctx.names, col).ok_or_else(|| ReadError::MissingColumn {
                            path: ctx.path.clone(),
                            column: col.to_string(),
                            header: ctx.header_at.clone(),
                            hint: closest(col, ctx.headers.iter().map(String::as_str))
                                .map(|h| format!("; did you mean `{h}`?"))
                                .unwrap_or_default(),
                        })?;
                    f.push((i, v.clone()));
                }
                filter_idx.insert(f)
            }
        };
        if idx.iter().any(|(i, v)| cells.text(*i) != v.as_str()) {
            return Ok(());
        }
        for (k, column) in columns.iter_mut().enumerate() {
            column.push(cells.text(k).into_owned());
        }
        rows.push(row);
        Ok(())
    })?;
    let ctx = summary.ctx;
    let mut headers = ctx.names;
    headers.truncate(keep);
    if columns.is_empty() {
        columns = vec![Vec::new(); headers.len()];
    }
    Ok(SourceTable {
        path: ctx.path,
        headers,
        columns,
        rows,
        sheet: ctx.sheet,
        header_at: ctx.header_at,
        missing_markers: source.missing_markers.clone(),
        decimal: decimal_mark(source, summary.delimiter),
        source_id: source.id.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn notes_are_told_from_codes_and_names() {
        for note in [
            "Source: ONS",
            "Notes: 1. Figures are rounded",
            "1. Excludes City of London",
            "2) Provisional",
            "* provisional",
            "© Crown copyright",
            "Note",
            "Footnotes",
        ] {
            assert!(looks_like_note(note), "{note}");
        }
        for area in [
            "E06000001",
            "England",
            "Total",
            "Southend-on-Sea",
            "Sourceton",
            "Notley",
            "2020",
            "Bath and North East Somerset",
        ] {
            assert!(!looks_like_note(area), "{area}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// GSS codes are never taken for notes, and no text makes the test panic.
        #[test]
        fn gss_codes_are_never_notes(prefix in "[EWSNK]", digits in "[0-9]{8}", any in "\\PC{0,40}") {
            let code = format!("{prefix}{digits}");
            prop_assert!(!looks_like_note(&code));
            let _ = looks_like_note(&any);
        }
    }

    #[test]
    fn code_index_finds_repeats_and_survives_collisions() {
        let mut index = CodeIndex::default();
        let mut codes: Vec<String> = Vec::new();
        for c in ["E01000001", "E01000002", "E01000001"] {
            match index.find_or_insert(c, &codes) {
                None => codes.push(c.to_string()),
                Some(first) => {
                    assert_eq!(c, "E01000001");
                    assert_eq!(first, 0);
                }
            }
        }
        assert_eq!(codes.len(), 2);
        // A forced collision: another code under an existing hash is checked by value.
        let mut forced = CodeIndex::default();
        forced.rows.insert(hash_code("B"), 0);
        let codes = vec!["A".to_string(), "B".to_string()];
        assert_eq!(forced.find_or_insert("B", &codes), Some(1));
        assert_ne!(hash_code("E0100000"), hash_code("E01000000"));
    }

    #[test]
    fn code_hashes_spread_over_low_bits() {
        // LSOA-like codes differ in a few digits; the map indexes buckets by the low bits,
        // so those must vary as much as the codes do.
        let hashes: Vec<u64> = (0..40_000)
            .map(|i| hash_code(&format!("E01{i:06}")))
            .collect();
        let distinct: std::collections::HashSet<u64> = hashes.iter().copied().collect();
        assert_eq!(distinct.len(), hashes.len());
        let low: std::collections::HashSet<u64> = hashes.iter().map(|h| h & 0xffff).collect();
        // 40,000 random draws from 65,536 values give about 29,000 distinct ones.
        assert!(low.len() > 27_000, "{}", low.len());
    }
}
