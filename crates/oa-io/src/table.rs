//! A small column table for results, written as CSV, Parquet or XLSX.
//!
//! CSV is the reference output: stable column order, floats in shortest round-trip form
//! (or fixed decimals when a column asks for them), missing values as empty cells.

use crate::digest::{FileDigest, HashingWriter};
use crate::error::WriteError;
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

/// One column of a [`Table`]. Text is borrowed when the caller already holds it (a
/// results table's area codes and names), so writing a table does not copy them.
#[derive(Debug, Clone, PartialEq)]
pub enum Column<'a> {
    Text(Text<'a>),
    /// Floats, owned or borrowed from the caller's results; `NaN` is written as an empty
    /// cell (a Parquet null). `decimals` fixes the number of decimals in CSV and XLSX;
    /// `None` writes the shortest exact form.
    Float {
        values: Cow<'a, [f64]>,
        decimals: Option<u8>,
    },
    /// Integers; `None` is written as an empty cell (a Parquet null).
    Int(Vec<Option<i64>>),
}

/// The cells of a text column: strings, owned or borrowed whole from the caller, or
/// slices borrowed cell by cell. Slices suit labels: a status column says `kept` 32,844
/// times without a string of its own for each.
#[derive(Debug, Clone)]
pub enum Text<'a> {
    Strings(Cow<'a, [String]>),
    Slices(Vec<&'a str>),
}

impl Text<'_> {
    /// Number of cells.
    pub fn len(&self) -> usize {
        match self {
            Text::Strings(v) => v.len(),
            Text::Slices(v) => v.len(),
        }
    }

    /// True when there are no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Cell `i`.
    ///
    /// # Panics
    /// If `i` is not below [`Text::len`].
    pub fn get(&self, i: usize) -> &str {
        match self {
            Text::Strings(v) => &v[i],
            Text::Slices(v) => v[i],
        }
    }

    /// The cells in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The cells as strings of their own.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            Text::Strings(v) => v.to_vec(),
            Text::Slices(v) => v.iter().map(|s| s.to_string()).collect(),
        }
    }
}

/// Equal cells are equal text, however they are held.
impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Column<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::Text(v) => v.len(),
            Column::Float { values, .. } => values.len(),
            Column::Int(v) => v.len(),
        }
    }

    /// True when the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Named columns of equal length.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table<'a> {
    names: Vec<String>,
    columns: Vec<Column<'a>>,
}

/// Output formats of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutputFormat {
    Csv,
    Parquet,
    Xlsx,
}

impl OutputFormat {
    /// The file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Csv => "csv",
            OutputFormat::Parquet => "parquet",
            OutputFormat::Xlsx => "xlsx",
        }
    }
}

impl FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(OutputFormat::Csv),
            "parquet" => Ok(OutputFormat::Parquet),
            "xlsx" => Ok(OutputFormat::Xlsx),
            other => Err(format!(
                "unknown format `{other}`: use csv, parquet or xlsx"
            )),
        }
    }
}

impl<'a> Table<'a> {
    /// An empty table.
    pub fn new() -> Table<'a> {
        Table::default()
    }

    /// Number of rows (0 for a table without columns).
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }

    /// Column names in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// A column by name.
    pub fn column(&self, name: &str) -> Option<&Column<'a>> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| &self.columns[i])
    }

    /// The cells of column `name` as CSV text (numbers as written, empty = missing).
    pub fn cells(&self, name: &str) -> Option<Vec<String>> {
        let mut floats = zmij::Buffer::new();
        let mut text = String::new();
        Some(match self.column(name)? {
            Column::Text(v) => v.to_vec(),
            Column::Float { values, decimals } => values
                .iter()
                .map(|&v| {
                    if v.is_finite() {
                        float_text(v, *decimals, &mut floats, &mut text).to_string()
                    } else {
                        String::new()
                    }
                })
                .collect(),
            Column::Int(v) => v
                .iter()
                .map(|x| x.map(|i| i.to_string()).unwrap_or_default())
                .collect(),
        })
    }

    /// Adds a column.
    ///
    /// # Panics
    /// When its length differs from the existing columns' (a bug in the caller, not bad
    /// input).
    pub fn push(&mut self, name: impl Into<String>, column: Column<'a>) -> &mut Self {
        let name = name.into();
        assert!(
            self.columns.is_empty() || column.len() == self.rows(),
            "column `{name}` has {} rows, the table {}",
            column.len(),
            self.rows()
        );
        self.names.push(name);
        self.columns.push(column);
        self
    }

    /// Adds a text column.
    pub fn push_text(&mut self, name: impl Into<String>, values: Vec<String>) -> &mut Self {
        self.push(name, Column::Text(Text::Strings(Cow::Owned(values))))
    }

    /// Adds a text column the caller holds, without copying it.
    pub fn push_text_borrowed(
        &mut self,
        name: impl Into<String>,
        values: &'a [String],
    ) -> &mut Self {
        self.push(name, Column::Text(Text::Strings(Cow::Borrowed(values))))
    }

    /// Adds a text column of borrowed cells, such as labels repeated on every row.
    pub fn push_text_slices(&mut self, name: impl Into<String>, values: Vec<&'a str>) -> &mut Self {
        self.push(name, Column::Text(Text::Slices(values)))
    }

    /// Adds a float column written in shortest round-trip form.
    pub fn push_float(&mut self, name: impl Into<String>, values: Vec<f64>) -> &mut Self {
        self.push(
            name,
            Column::Float {
                values: Cow::Owned(values),
                decimals: None,
            },
        )
    }

    /// Adds a float column the caller holds, without copying it: a results section's
    /// columns (the IMD's index tables alone hold 2.4 MB of floats).
    pub fn push_float_borrowed(&mut self, name: impl Into<String>, values: &'a [f64]) -> &mut Self {
        self.push(
            name,
            Column::Float {
                values: Cow::Borrowed(values),
                decimals: None,
            },
        )
    }

    /// Adds a float column written with a fixed number of decimals.
    pub fn push_float_fixed(
        &mut self,
        name: impl Into<String>,
        values: Vec<f64>,
        decimals: u8,
    ) -> &mut Self {
        self.push(
            name,
            Column::Float {
                values: Cow::Owned(values),
                decimals: Some(decimals),
            },
        )
    }

    /// Adds an integer column.
    pub fn push_int(&mut self, name: impl Into<String>, values: Vec<i64>) -> &mut Self {
        self.push(name, Column::Int(values.into_iter().map(Some).collect()))
    }

    /// Adds an integer column with gaps.
    pub fn push_opt_int(&mut self, name: impl Into<String>, values: Vec<Option<i64>>) -> &mut Self {
        self.push(name, Column::Int(values))
    }

    /// Writes the table as CSV (header line, then one line per row, `\n` endings).
    ///
    /// Rows are assembled by hand, quoted exactly as the `csv` crate quotes (it still
    /// writes the header): going through its per-field state machine cost more than
    /// formatting the numbers. Formatting the numbers is most of the work, so blocks of
    /// rows are formatted on all cores and written in order, a few blocks at a time so
    /// memory stays small whatever the table's length.
    pub fn write_csv_to<W: Write>(&self, mut out: W) -> std::io::Result<()> {
        use rayon::prelude::*;
        // Small blocks whose buffers are reused from round to round: they stay in cache
        // and the process never faults in memory for a whole table's text.
        const BLOCK_ROWS: usize = 512;
        const BLOCKS_PER_ROUND: usize = 8;

        let mut header = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        header.write_record(&self.names)?;
        out.write_all(&header.into_inner().map_err(|e| e.into_error())?)?;
        let rows = self.rows();
        let round_rows = BLOCK_ROWS * BLOCKS_PER_ROUND;
        let mut blocks: Vec<Vec<u8>> = vec![Vec::new(); BLOCKS_PER_ROUND];
        for round in (0..rows).step_by(round_rows) {
            let end = rows.min(round + round_rows);
            blocks.par_iter_mut().enumerate().for_each(|(b, block)| {
                let start = (round + b * BLOCK_ROWS).min(end);
                block.clear();
                self.format_rows(start..end.min(start + BLOCK_ROWS), block);
            });
            for block in &blocks {
                out.write_all(block)?;
            }
        }
        out.flush()
    }

    /// Appends the CSV lines of `rows` to `lines`, each ending in `\n`. Numbers are
    /// written straight into `lines`: they never hold a character that needs quoting.
    fn format_rows(&self, rows: std::ops::Range<usize>, lines: &mut Vec<u8>) {
        let lone = self.columns.len() == 1;
        // Fixed decimals, and the rare values `shortest` leaves to `Display`.
        let mut text = String::new();
        let mut floats = zmij::Buffer::new();
        let mut ints = itoa::Buffer::new();
        for r in rows {
            for (i, c) in self.columns.iter().enumerate() {
                if i > 0 {
                    lines.push(b',');
                }
                let empty = match c {
                    Column::Text(v) => {
                        push_csv_field(lines, v.get(r).as_bytes(), lone);
                        continue;
                    }
                    Column::Float { values, decimals } => {
                        let v = values[r];
                        if v.is_finite() {
                            let cell = float_text(v, *decimals, &mut floats, &mut text);
                            lines.extend_from_slice(cell.as_bytes());
                        }
                        !v.is_finite()
                    }
                    Column::Int(v) => match v[r] {
                        Some(i) => {
                            lines.extend_from_slice(ints.format(i).as_bytes());
                            false
                        }
                        None => true,
                    },
                };
                if empty && lone {
                    lines.extend_from_slice(b"\"\"");
                }
            }
            lines.push(b'\n');
        }
    }

    /// Writes the table as a CSV file.
    pub fn write_csv(&self, path: &Path) -> Result<(), WriteError> {
        let file = std::fs::File::create(path).map_err(|e| WriteError::io(path, e))?;
        self.write_csv_to(std::io::BufWriter::with_capacity(1 << 16, file))
            .map_err(|e| WriteError::io(path, e))
    }

    /// Writes the table as a CSV file and returns its digest (under `label`), hashed on
    /// the way out so the file need not be read back for the manifest.
    pub fn write_csv_digest(&self, path: &Path, label: &str) -> Result<FileDigest, WriteError> {
        let file = std::fs::File::create(path).map_err(|e| WriteError::io(path, e))?;
        let mut out = std::io::BufWriter::with_capacity(1 << 16, HashingWriter::new(file));
        self.write_csv_to(&mut out)
            .map_err(|e| WriteError::io(path, e))?;
        let hashed = out
            .into_inner()
            .map_err(|e| WriteError::io(path, e.into_error()))?;
        Ok(hashed.finish(label))
    }

    /// Writes the table as a Parquet file (one row group, Snappy): text as UTF-8 strings,
    /// floats as optional doubles (`NaN` as null), integers as optional int64.
    pub fn write_parquet(&self, path: &Path) -> Result<(), WriteError> {
        self.write_parquet_inner(path)
            .map_err(|e| WriteError::Format {
                path: path.display().to_string(),
                format: "Parquet",
                message: e.to_string(),
            })
    }

    fn write_parquet_inner(&self, path: &Path) -> Result<(), parquet::errors::ParquetError> {
        use parquet::basic::{Compression, LogicalType, Repetition, Type as Physical};
        use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
        use parquet::file::properties::WriterProperties;
        use parquet::file::writer::SerializedFileWriter;
        use parquet::schema::types::Type;

        let mut fields = Vec::with_capacity(self.columns.len());
        for (name, c) in self.names.iter().zip(&self.columns) {
            let t = match c {
                Column::Text(_) => Type::primitive_type_builder(name, Physical::BYTE_ARRAY)
                    .with_repetition(Repetition::REQUIRED)
                    .with_logical_type(Some(LogicalType::String))
                    .build()?,
                Column::Float { .. } => Type::primitive_type_builder(name, Physical::DOUBLE)
                    .with_repetition(Repetition::OPTIONAL)
                    .build()?,
                Column::Int(_) => Type::primitive_type_builder(name, Physical::INT64)
                    .with_repetition(Repetition::OPTIONAL)
                    .build()?,
            };
            fields.push(Arc::new(t));
        }
        let schema = Type::group_type_builder("table")
            .with_fields(fields)
            .build()?;
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let file = std::fs::File::create(path)?;
        let mut writer = SerializedFileWriter::new(file, Arc::new(schema), Arc::new(props))?;
        let mut group = writer.next_row_group()?;
        let mut i = 0;
        while let Some(mut col) = group.next_column()? {
            match &self.columns[i] {
                Column::Text(v) => {
                    let values: Vec<ByteArray> = v.iter().map(ByteArray::from).collect();
                    col.typed::<ByteArrayType>()
                        .write_batch(&values, None, None)?;
                }
                Column::Float { values, .. } => {
                    let def: Vec<i16> = values.iter().map(|v| i16::from(v.is_finite())).collect();
                    let present: Vec<f64> =
                        values.iter().copied().filter(|v| v.is_finite()).collect();
                    col.typed::<DoubleType>()
                        .write_batch(&present, Some(&def), None)?;
                }
                Column::Int(values) => {
                    let def: Vec<i16> = values.iter().map(|v| i16::from(v.is_some())).collect();
                    let present: Vec<i64> = values.iter().flatten().copied().collect();
                    col.typed::<Int64Type>()
                        .write_batch(&present, Some(&def), None)?;
                }
            }
            col.close()?;
            i += 1;
        }
        group.close()?;
        writer.close()?;
        Ok(())
    }

    /// Writes the table as an XLSX workbook with one sheet (bold header; missing values as
    /// blank cells; fixed-decimal columns with a matching number format).
    pub fn write_xlsx(&self, path: &Path, sheet: &str) -> Result<(), WriteError> {
        self.write_xlsx_inner(path, sheet)
            .map_err(|e| WriteError::Format {
                path: path.display().to_string(),
                format: "XLSX",
                message: e.to_string(),
            })
    }

    fn write_xlsx_inner(&self, path: &Path, sheet: &str) -> Result<(), rust_xlsxwriter::XlsxError> {
        use rust_xlsxwriter::{Format, Workbook};
        let mut workbook = Workbook::new();
        let ws = workbook.add_worksheet();
        ws.set_name(sheet)?;
        let bold = Format::new().set_bold();
        for (c, name) in self.names.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, name, &bold)?;
        }
        for (c, column) in self.columns.iter().enumerate() {
            let col = c as u16;
            match column {
                Column::Text(v) => {
                    for (r, s) in v.iter().enumerate() {
                        ws.write_string(r as u32 + 1, col, s)?;
                    }
                }
                Column::Float { values, decimals } => {
                    let format = decimals.map(|d| {
                        let pattern = if d == 0 {
                            "0".to_string()
                        } else {
                            format!("0.{}", "0".repeat(usize::from(d)))
                        };
                        Format::new().set_num_format(pattern)
                    });
                    for (r, v) in values.iter().enumerate() {
                        if v.is_finite() {
                            match &format {
                                Some(f) => ws.write_number_with_format(r as u32 + 1, col, *v, f)?,
                                None => ws.write_number(r as u32 + 1, col, *v)?,
                            };
                        }
                    }
                }
                Column::Int(values) => {
                    for (r, v) in values.iter().enumerate() {
                        if let Some(i) = v {
                            ws.write_number(r as u32 + 1, col, *i as f64)?;
                        }
                    }
                }
            }
        }
        workbook.save(path)?;
        Ok(())
    }

    /// Writes `dir/stem.<ext>` for each format (CSV always first if asked) and returns the
    /// file names written, relative to `dir`.
    pub fn write_formats(
        &self,
        dir: &Path,
        stem: &str,
        formats: &[OutputFormat],
    ) -> Result<Vec<String>, WriteError> {
        let mut sorted = formats.to_vec();
        sorted.sort();
        sorted.dedup();
        let mut written = Vec::with_capacity(sorted.len());
        for f in sorted {
            let name = format!("{stem}.{}", f.extension());
            let path = dir.join(&name);
            match f {
                OutputFormat::Csv => self.write_csv(&path)?,
                OutputFormat::Parquet => self.write_parquet(&path)?,
                OutputFormat::Xlsx => self.write_xlsx(&path, stem)?,
            }
            written.push(name);
        }
        Ok(written)
    }
}

/// The text of a finite float's cell: `decimals` fixed decimals, or the shortest form.
/// `text` holds it when `floats` does not.
fn float_text<'b>(
    v: f64,
    decimals: Option<u8>,
    floats: &'b mut zmij::Buffer,
    text: &'b mut String,
) -> &'b str {
    match decimals {
        Some(d) => {
            text.clear();
            push_fixed(text, v, usize::from(d));
            text
        }
        None => shortest(v, floats, text),
    }
}

/// `v` (finite) exactly as `format!("{v}")` writes it (the shortest digits that read back
/// to `v`, never an exponent), but several times faster: Żmij (`zmij`) finds the digits,
/// and the values where it and `Display` may choose differently go through `Display`
/// into `display`.
///
/// Both find the shortest digits that read back to `v`; they differ only when two such
/// digit strings are equally close to `v`. That happens when `v` lies exactly halfway
/// between them, that is when `v`'s exact decimal expansion has exactly one digit (a 5)
/// more than the shortest form: those values (and the ones Żmij writes with an
/// exponent) use `Display`.
fn shortest<'b>(v: f64, buffer: &'b mut zmij::Buffer, display: &'b mut String) -> &'b str {
    let s = buffer.format_finite(v);
    // The common case, decided without reading the text: in this range Żmij writes no
    // exponent, and a shortest form has at most 20 digits after the point (3 zeros and
    // 17 significant digits), so an exact expansion of more than 21 is no tie, and is
    // not a whole number either.
    let exact = exact_fraction_digits(v);
    if (1e-4..1e15).contains(&v.abs()) && exact > 21 {
        return s;
    }
    let s = s.strip_suffix(".0").unwrap_or(s);
    let exponent = s.bytes().any(|b| b == b'e');
    let shown = s.split_once('.').map_or(0, |(_, f)| f.len() as u32);
    if exponent || exact == shown + 1 {
        display.clear();
        write!(display, "{v}").ok();
        display
    } else {
        s
    }
}

/// How many digits `v`'s exact decimal expansion has after the point: `v = m 2^q` with
/// `m` odd has `-q` of them when `q < 0` (each halving adds one), none otherwise.
fn exact_fraction_digits(v: f64) -> u32 {
    let bits = v.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (m, e) = if biased == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1 << 52), biased - 1075)
    };
    if m == 0 {
        return 0;
    }
    let q = e + m.trailing_zeros() as i32;
    if q >= 0 { 0 } else { (-q) as u32 }
}

/// Appends one CSV field as the `csv` crate writes it (`\n` terminator, `"` quote): quoted,
/// with quotes doubled, when it holds a comma, quote, CR or LF; a row's only field, when
/// empty, as `""` so the row is not blank.
fn push_csv_field(line: &mut Vec<u8>, field: &[u8], lone: bool) {
    let special = |b: &u8| matches!(b, b',' | b'"' | b'\r' | b'\n');
    if field.iter().any(special) {
        line.push(b'"');
        for &b in field {
            if b == b'"' {
                line.push(b'"');
            }
            line.push(b);
        }
        line.push(b'"');
    } else if field.is_empty() && lone {
        line.extend_from_slice(b"\"\"");
    } else {
        line.extend_from_slice(field);
    }
}

/// Appends `v` (finite) with `decimals` decimals exactly as `format!("{v:.decimals$}")`
/// would; whole numbers (the common case, such as a coverage of 1) skip the slow exact
/// float formatting.
fn push_fixed(out: &mut String, v: f64, decimals: usize) {
    if v.fract() == 0.0 && v.abs() < 1e15 && !(v == 0.0 && v.is_sign_negative()) {
        write!(out, "{}", v as i64).ok();
        if decimals > 0 {
            out.push('.');
            out.extend(std::iter::repeat_n('0', decimals));
        }
    } else {
        write!(out, "{v:.decimals$}").ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn shortest_text(v: f64) -> String {
        shortest(v, &mut zmij::Buffer::new(), &mut String::new()).to_string()
    }

    /// The same table written through the `csv` crate's writer, field by field.
    fn csv_crate_reference(t: &Table) -> String {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(Vec::new());
        w.write_record(t.names()).unwrap();
        let mut floats = zmij::Buffer::new();
        let mut display = String::new();
        for r in 0..t.rows() {
            for c in &t.columns {
                let mut cell = String::new();
                match c {
                    Column::Text(v) => cell.push_str(v.get(r)),
                    Column::Float { values, .. } if values[r].is_finite() => {
                        cell.push_str(shortest(values[r], &mut floats, &mut display))
                    }
                    Column::Float { .. } => {}
                    Column::Int(v) => {
                        if let Some(i) = v[r] {
                            cell = i.to_string();
                        }
                    }
                }
                w.write_field(&cell).unwrap();
            }
            w.write_record(None::<&[u8]>).unwrap();
        }
        String::from_utf8(w.into_inner().unwrap()).unwrap()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn rows_are_quoted_as_the_csv_crate_quotes(
            names in proptest::collection::vec("[a-z,\"]{0,4}", 1..4),
            text in proptest::collection::vec("[ab,\"\r\n ]{0,5}", 1..6),
        ) {
            let mut t = Table::new();
            let n = text.len();
            for (i, name) in names.iter().enumerate() {
                let column = match i % 3 {
                    0 => Column::Text(Text::Strings(text.clone().into())),
                    1 => Column::Float { values: (0..n).map(|k| k as f64 / 3.0).collect::<Vec<_>>().into(), decimals: None },
                    _ => Column::Int((0..n).map(|k| (k % 2 == 0).then_some(k as i64)).collect()),
                };
                t.push(name.clone(), column);
            }
            let mut bytes = Vec::new();
            t.write_csv_to(&mut bytes).unwrap();
            prop_assert_eq!(String::from_utf8(bytes).unwrap(), csv_crate_reference(&t));
        }
    }

    #[test]
    fn fixed_matches_display_on_edge_values() {
        for v in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            7.0,
            1e14,
            -3e14,
            0.5,
            6.0 / 7.0,
            1e16,
            123.456,
        ] {
            for d in [0, 1, 4] {
                let mut s = String::new();
                push_fixed(&mut s, v, d);
                assert_eq!(s, format!("{v:.d$}"), "{v} with {d} decimals");
            }
        }
    }

    #[test]
    fn shortest_matches_display_on_edge_values() {
        for v in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            1.0 / 3.0,
            100.0,
            1e15,
            1e16,
            1e17,
            1.5e-5,
            1e-5,
            9.9e-6,
            123456789.125,
            f64::MAX,
            f64::MIN_POSITIVE,
            5e-324,
            29199.0,
            -733976363028283.3,
            562949953421312.5,
            // Halfway between two shortest forms: Display rounds the tie away from even.
            -26921434604825.063,
            1.0 + 2f64.powi(-17),
        ] {
            assert_eq!(shortest_text(v), format!("{v}"), "{v:e}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn shortest_matches_display(v in any::<f64>().prop_filter("finite", |v| v.is_finite())) {
            prop_assert_eq!(shortest_text(v), format!("{v}"));
        }

        #[test]
        fn shortest_matches_display_for_scores(v in -1.0e6f64..1.0e6) {
            prop_assert_eq!(shortest_text(v), format!("{v}"));
        }

        /// Either side of the bounds of `shortest`'s fast path (1e-4 and 1e15), and the
        /// decimal exponents where Żmij starts writing one.
        #[test]
        fn shortest_matches_display_near_its_fast_path_bounds(
            m in 1.0f64..10.0,
            e in prop_oneof![-7i32..=-2, 13i32..=17],
            negative in any::<bool>(),
        ) {
            let v = m * 10f64.powi(e) * if negative { -1.0 } else { 1.0 };
            prop_assert_eq!(shortest_text(v), format!("{v}"));
        }

        #[test]
        fn fixed_matches_display(v in -1.0e6f64..1.0e6, whole in any::<bool>(), d in 0usize..7) {
            let v = if whole { v.trunc() } else { v };
            let mut s = String::new();
            push_fixed(&mut s, v, d);
            prop_assert_eq!(s, format!("{v:.d$}"));
        }
    }

    fn sample() -> Table<'static> {
        let mut t = Table::new();
        t.push_text(
            "area_code",
            vec!["E1".into(), "E2, \"x\"".into(), "E3".into()],
        )
        .push_float("score", vec![0.1, f64::NAN, 1.0 / 3.0])
        .push_float_fixed("share", vec![0.5, 0.25, 2.0], 3)
        .push_opt_int("rank", vec![Some(1), None, Some(3)]);
        t
    }

    #[test]
    fn text_held_as_slices_writes_and_compares_as_strings() {
        let owned: Vec<String> = vec!["kept".into(), "a, \"b\"".into(), String::new()];
        let mut strings = Table::new();
        strings.push_text("status", owned.clone());
        let mut slices = Table::new();
        slices.push_text_slices("status", owned.iter().map(String::as_str).collect());
        assert_eq!(strings, slices);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        strings.write_csv_to(&mut a).unwrap();
        slices.write_csv_to(&mut b).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "status\nkept\n\"a, \"\"b\"\"\"\n\"\"\n"
        );
        assert_eq!(slices.cells("status"), Some(owned));
        let mut other = Table::new();
        other.push_text_slices("status", vec!["kept", "a, \"b\"", "dropped"]);
        assert_ne!(strings, other);
    }

    #[test]
    fn a_borrowed_text_column_writes_as_an_owned_one() {
        let codes: Vec<String> = vec!["E1".into(), "E2, \"x\"".into(), "E3".into()];
        let mut borrowed = Table::new();
        borrowed
            .push_text_borrowed("area_code", &codes)
            .push_float("score", vec![0.1, f64::NAN, 1.0 / 3.0])
            .push_float_fixed("share", vec![0.5, 0.25, 2.0], 3)
            .push_opt_int("rank", vec![Some(1), None, Some(3)]);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        borrowed.write_csv_to(&mut a).unwrap();
        sample().write_csv_to(&mut b).unwrap();
        assert_eq!(a, b);
        assert_eq!(borrowed.cells("area_code"), Some(codes));
    }

    #[test]
    fn csv_is_stable_shortest_and_quotes_text() {
        let mut out = Vec::new();
        sample().write_csv_to(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "area_code,score,share,rank\nE1,0.1,0.500,1\n\"E2, \"\"x\"\"\",,0.250,\nE3,0.3333333333333333,2.000,3\n"
        );
        // Shortest form reads back to the same float.
        assert_eq!("0.3333333333333333".parse::<f64>().unwrap(), 1.0 / 3.0);
    }

    #[test]
    fn long_tables_are_written_in_row_order_across_blocks() {
        // 70,000 rows cross several formatting blocks and rounds.
        let n = 70_000;
        let mut t = Table::new();
        t.push_text("code", (0..n).map(|i| format!("E{i:08}")).collect())
            .push_float("score", (0..n).map(|i| i as f64 / 7.0).collect())
            .push_opt_int("rank", (0..n).map(|i| Some(i as i64 + 1)).collect());
        let mut bytes = Vec::new();
        t.write_csv_to(&mut bytes).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text.lines().count(), n + 1);
        assert_eq!(text, csv_crate_reference(&t));
    }

    #[test]
    fn formats_parse_and_refuse_unknown() {
        assert_eq!("Parquet".parse::<OutputFormat>(), Ok(OutputFormat::Parquet));
        assert!(
            "pdf"
                .parse::<OutputFormat>()
                .unwrap_err()
                .contains("csv, parquet or xlsx")
        );
    }

    #[test]
    #[should_panic(expected = "column `b` has 1 rows")]
    fn mismatched_columns_are_a_caller_bug() {
        let mut t = Table::new();
        t.push_int("a", vec![1, 2]).push_int("b", vec![1]);
    }
}
