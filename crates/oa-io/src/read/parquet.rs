//! Parquet through the `parquet` crate's row API (no Arrow): flat schemas of numbers and
//! strings, as a data team would export them.

use super::{Cell, ScanSummary, Visitor, Wanted, resolve};
use crate::error::{Location, ReadError};
use parquet::file::reader::{FileReader, SerializedFileReader};
use parquet::record::Field;
use std::borrow::Cow;
use std::fs::File;
use std::path::Path;

pub(super) fn scan(
    path: &Path,
    wanted: Wanted<'_>,
    visit: &mut Visitor<'_>,
) -> Result<ScanSummary, ReadError> {
    let malformed = |e: parquet::errors::ParquetError| ReadError::Malformed {
        path: path.display().to_string(),
        format: "Parquet",
        message: e.to_string(),
    };
    let file = File::open(path).map_err(|e| ReadError::io(path, &e))?;
    let reader = SerializedFileReader::new(file).map_err(malformed)?;
    let headers: Vec<String> = reader
        .metadata()
        .file_metadata()
        .schema_descr()
        .root_schema()
        .get_fields()
        .iter()
        .map(|f| f.name().to_string())
        .collect();
    let ctx = resolve(path, None, headers, Location::Row(0), 0, wanted)?;
    let mut rows = 0usize;
    for (i, row) in reader.get_row_iter(None).map_err(malformed)?.enumerate() {
        let row = row.map_err(malformed)?;
        let fields = row.into_columns();
        let cells: Vec<Cell<'_>> = ctx
            .indices
            .iter()
            .map(|&j| fields.get(j).map_or(Cell::Empty, |(_, f)| field_cell(f)))
            .collect();
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        rows += 1;
        visit(&ctx, i as u64 + 1, &cells)?;
    }
    Ok(ScanSummary {
        ctx,
        rows,
        digest: None,
        delimiter: None,
    })
}

fn field_cell(f: &Field) -> Cell<'_> {
    match f {
        Field::Null => Cell::Empty,
        Field::Byte(v) => Cell::Number(f64::from(*v)),
        Field::Short(v) => Cell::Number(f64::from(*v)),
        Field::Int(v) => Cell::Number(f64::from(*v)),
        Field::Long(v) => Cell::Number(*v as f64),
        Field::UByte(v) => Cell::Number(f64::from(*v)),
        Field::UShort(v) => Cell::Number(f64::from(*v)),
        Field::UInt(v) => Cell::Number(f64::from(*v)),
        Field::ULong(v) => Cell::Number(*v as f64),
        Field::Float(v) => Cell::Number(f64::from(*v)),
        Field::Double(v) => Cell::Number(*v),
        Field::Str(s) => Cell::Text(Cow::Borrowed(s)),
        other => Cell::Text(Cow::Owned(other.to_string())),
    }
}
