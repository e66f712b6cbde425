//! One source file read into area codes and numeric columns, in its wide or tidy layout,
//! and the generic [`read_table`] for callers that need other columns.

use crate::digest::{FileDigest, digest_file};
use crate::error::{Location, ReadError, closest, quote_cell};
use crate::number::{CellValue, NumberError, marker_name, parse_cell, trim_cell};
use crate::read::{Cell, ScanCtx, Wanted, find_column, list_names, scan};
use oa_model::study::{Layout, Source};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

/// Label used for values absent because a tidy file has no row for the area and measure.
pub const NO_ROW: &str = "(no row)";

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
    /// Data rows read (before tidy filters).
    pub rows_read: usize,
    /// Identity of the file read.
    pub digest: FileDigest,
}

/// Turns one cell into a number or a missing-marker index, with a located error otherwise.
pub(crate) fn cell_number(
    ctx: &ScanCtx,
    row: u64,
    k: usize,
    cell: &Cell<'_>,
    extra: &[String],
) -> Result<CellValue, ReadError> {
    match cell {
        Cell::Empty => Ok(CellValue::Missing(0)),
        Cell::Number(v) if v.is_finite() => Ok(CellValue::Number(*v)),
        Cell::Number(v) => Err(ReadError::NotFinite {
            path: ctx.path.clone(),
            cell: ctx.cell(row, k),
            text: format!("{v}"),
        }),
        Cell::Text(t) => parse_cell(t, extra).map_err(|e| match e {
            NumberError::NotANumber => ReadError::NonNumeric {
                path: ctx.path.clone(),
                cell: ctx.cell(row, k),
                text: quote_cell(trim_cell(t)),
            },
            NumberError::NotFinite => ReadError::NotFinite {
                path: ctx.path.clone(),
                cell: ctx.cell(row, k),
                text: quote_cell(trim_cell(t)),
            },
        }),
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
    match &source.layout {
        Layout::Wide => read_wide(path, source, measures, label),
        Layout::Tidy {
            measure_column,
            value_column,
            filters,
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

fn read_wide(
    path: &Path,
    source: &Source,
    measures: &[String],
    label: &str,
) -> Result<SourceData, ReadError> {
    let has_name = source.name_column.is_some();
    let mut wanted = vec![source.code_column.clone()];
    wanted.extend(source.name_column.iter().cloned());
    let first_measure = wanted.len();
    wanted.extend(measures.iter().cloned());

    let mut codes: Vec<String> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut lines: Vec<u64> = Vec::new();
    let mut index = CodeIndex::default();
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); measures.len()];
    let mut tally = MissingTally::new(measures.len());
    let extra = &source.missing_markers;

    let summary = scan(
        path,
        source,
        Wanted::Columns(&wanted),
        &mut |ctx, row, cells| {
            let code = cells.text(0);
            if code.is_empty() {
                return Err(ReadError::EmptyCode {
                    path: ctx.path.clone(),
                    cell: ctx.cell(row, 0),
                });
            }
            if let Some(first) = index.find_or_insert(&code, &codes) {
                return Err(ReadError::DuplicateCode {
                    path: ctx.path.clone(),
                    code: code.into_owned(),
                    first: ctx.location(lines[first]).to_string(),
                    second: ctx.location(row).to_string(),
                });
            }
            for (m, column) in columns.iter_mut().enumerate() {
                let k = first_measure + m;
                match cell_number(ctx, row, k, &cells.get(k), extra)? {
                    CellValue::Number(v) => column.push(v),
                    CellValue::Missing(marker) => {
                        tally.add(m, codes.len(), marker);
                        column.push(f64::NAN);
                    }
                }
            }
            codes.push(code.into_owned());
            lines.push(row);
            if has_name {
                names.push(cells.text(1).into_owned());
            }
            Ok(())
        },
    )?;
    let digest = finish_digest(path, label, summary.digest)?;
    Ok(SourceData {
        codes,
        names: has_name.then_some(names),
        columns,
        missing: tally.cells,
        marker_names: marker_names(extra),
        rows_read: summary.rows,
        digest,
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
    filters: &BTreeMap<String, String>,
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
    let first_filter = wanted.len();
    let filter_list: Vec<(&String, &String)> = filters.iter().collect();
    wanted.extend(filter_list.iter().map(|(c, _)| (*c).clone()));

    let measure_pos: HashMap<&str, Vec<usize>> = {
        let mut m: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, name) in measures.iter().enumerate() {
            m.entry(trim_cell(name)).or_default().push(i);
        }
        m
    };
    let mut codes: Vec<String> = Vec::new();
    let mut names: Vec<String> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    // Per measure, per area: the row that set it (0 = none yet).
    let mut set_at: Vec<Vec<u64>> = vec![Vec::new(); measures.len()];
    let mut columns: Vec<Vec<f64>> = vec![Vec::new(); measures.len()];
    let mut tally = MissingTally::new(measures.len());
    let mut seen_filter_values: Vec<BTreeSet<String>> = vec![BTreeSet::new(); filter_list.len()];
    let mut seen_measures: BTreeSet<String> = BTreeSet::new();
    let extra = &source.missing_markers;

    let summary = scan(
        path,
        source,
        Wanted::Columns(&wanted),
        &mut |ctx, row, cells| {
            let mut keep = true;
            for (f, (_, expected)) in filter_list.iter().enumerate() {
                let got = cells.text(first_filter + f);
                if got != trim_cell(expected) {
                    keep = false;
                }
                if seen_filter_values[f].len() < 12 && !seen_filter_values[f].contains(got.as_ref())
                {
                    seen_filter_values[f].insert(got.into_owned());
                }
            }
            if !keep {
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
            let code = cells.text(0);
            if code.is_empty() {
                return Err(ReadError::EmptyCode {
                    path: ctx.path.clone(),
                    cell: ctx.cell(row, 0),
                });
            }
            let area = match index.get(code.as_ref()) {
                Some(&a) => a,
                None => {
                    let a = codes.len();
                    index.insert(code.to_string(), a);
                    codes.push(code.into_owned());
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
                match cell_number(ctx, row, k, &cells.get(k), extra)? {
                    CellValue::Number(v) => columns[m][area] = v,
                    CellValue::Missing(marker) => tally.add(m, area, marker),
                }
            }
            Ok(())
        },
    )?;

    if codes.is_empty() {
        let detail = if filter_list.is_empty() {
            String::from(" for the requested measures")
        } else {
            let parts: Vec<String> = filter_list
                .iter()
                .zip(&seen_filter_values)
                .map(|((c, v), seen)| {
                    let seen: Vec<&String> = seen.iter().collect();
                    format!("`{c}` = `{v}` (values seen: {})", list_names(&seen, 10))
                })
                .collect();
            format!(" match the filters: {}; fix `filters`", parts.join(", "))
        };
        return Err(ReadError::EmptyTable {
            path: path.display().to_string(),
            detail,
        });
    }
    let marker_list = marker_names(extra);
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
    })
}

/// A table read as text, every column, for callers that need more than indicators
/// (populations, regions, names). Tidy `filters` of the source are applied; nothing is
/// pivoted.
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
        match &self.header_at {
            Location::Line(_) => Location::Line(self.rows[i]),
            Location::SheetRow { sheet, .. } => Location::SheetRow {
                sheet: sheet.clone(),
                row: self.rows[i] as u32,
            },
            Location::Row(_) => Location::Row(self.rows[i]),
        }
    }

    fn column_index(&self, name: &str) -> Result<usize, ReadError> {
        find_column(&self.headers, name).ok_or_else(|| ReadError::MissingColumn {
            path: self.path.clone(),
            column: name.to_string(),
            header: self.header_at.clone(),
            hint: closest(name, self.headers.iter().map(String::as_str))
                .map(|h| format!("; did you mean `{h}`?"))
                .unwrap_or_else(|| format!("; the columns are {}", list_names(&self.headers, 12))),
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
            let cell = || self.location(i).cell(c, &self.headers[c]);
            match parse_cell(text, &self.missing_markers) {
                Ok(CellValue::Number(v)) => out.push(v),
                Ok(CellValue::Missing(_)) => out.push(f64::NAN),
                Err(NumberError::NotANumber) => {
                    return Err(ReadError::NonNumeric {
                        path: self.path.clone(),
                        cell: cell(),
                        text: quote_cell(text),
                    });
                }
                Err(NumberError::NotFinite) => {
                    return Err(ReadError::NotFinite {
                        path: self.path.clone(),
                        cell: cell(),
                        text: quote_cell(text),
                    });
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
    let filters: Vec<(String, String)> = match &source.layout {
        Layout::Tidy { filters, .. } => filters
            .iter()
            .map(|(k, v)| (k.clone(), trim_cell(v).to_string()))
            .collect(),
        Layout::Wide => Vec::new(),
    };
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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
