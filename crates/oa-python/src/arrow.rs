//! Tables across the language boundary through the Arrow C stream interface (PyCapsule
//! protocol, `__arrow_c_stream__`): a bundle table becomes one Arrow record batch that
//! pyarrow, pandas and polars import without copying the numbers, and a DataFrame's
//! stream is read into the pipeline's in-memory [`Frame`].

use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, RecordBatchIterator,
    RecordBatchReader, StringArray,
};
use arrow_buffer::{NullBuffer, ScalarBuffer};
use arrow_schema::ffi::FFI_ArrowSchema;
use arrow_schema::{DataType, Field, Schema};
use oa_io::Column;
use oa_pipeline::{Frame, FrameColumn};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods};
use std::collections::HashSet;
use std::sync::Arc;

/// A results table as one Arrow record batch. Implements the Arrow PyCapsule protocol,
/// so `pyarrow.table(t)`, `polars.DataFrame(t)` and friends read it directly.
#[pyclass(frozen, module = "oa._oa", name = "ArrowTable")]
pub struct ArrowTable {
    batch: RecordBatch,
}

#[pymethods]
impl ArrowTable {
    /// The Arrow C stream of the table, in a capsule named `arrow_array_stream`.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // The schema is ours to choose; a consumer casts if it wants another.
        let _ = requested_schema;
        let batches = RecordBatchIterator::new([Ok(self.batch.clone())], self.batch.schema());
        let stream = FFI_ArrowArrayStream::new(Box::new(batches));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// The Arrow C schema of the table, in a capsule named `arrow_schema`.
    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        let schema = FFI_ArrowSchema::try_from(self.batch.schema().as_ref())
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        PyCapsule::new_with_value(py, schema, c"arrow_schema")
    }

    #[getter]
    fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    fn __len__(&self) -> usize {
        self.batch.num_rows()
    }

    fn __repr__(&self) -> String {
        format!(
            "ArrowTable({} rows: {})",
            self.batch.num_rows(),
            self.column_names().join(", ")
        )
    }
}

impl ArrowTable {
    /// A bundle table as Arrow: text as UTF-8 (`true`/`false` columns as booleans), floats as float64 (non-finite values, which
    /// the CSV writes as empty cells, as nulls), integers as int64.
    pub fn from_table(table: &oa_io::Table) -> PyResult<ArrowTable> {
        let mut fields = Vec::with_capacity(table.names().len());
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(table.names().len());
        for name in table.names() {
            let Some(column) = table.column(name) else {
                continue;
            };
            let (data_type, array): (DataType, ArrayRef) = match column {
                // The bundle writes flags (`selected`, `on_long_list`) as `true`/`false`.
                Column::Text(v)
                    if !v.is_empty() && v.iter().all(|x| x == "true" || x == "false") =>
                {
                    (
                        DataType::Boolean,
                        Arc::new(BooleanArray::from_iter(v.iter().map(|x| Some(x == "true")))),
                    )
                }
                Column::Text(v) => (
                    DataType::Utf8,
                    Arc::new(StringArray::from_iter_values(v.iter())),
                ),
                Column::Float { values, .. } => {
                    let nulls = values
                        .iter()
                        .any(|x| !x.is_finite())
                        .then(|| NullBuffer::from_iter(values.iter().map(|x| x.is_finite())));
                    (
                        DataType::Float64,
                        Arc::new(Float64Array::new(
                            ScalarBuffer::from(values.to_vec()),
                            nulls,
                        )),
                    )
                }
                Column::Int(v) => (DataType::Int64, Arc::new(Int64Array::from(v.clone()))),
            };
            fields.push(Field::new(name, data_type, true));
            arrays.push(array);
        }
        let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        Ok(ArrowTable { batch })
    }
}

/// Reads an object with `__arrow_c_stream__` (a pyarrow table, a polars DataFrame; the
/// Python layer turns pandas into pyarrow) into a [`Frame`]. Only the `wanted` columns
/// are converted; the others are listed by name, for suggestions in messages.
pub fn frame(data: &Bound<'_, PyAny>, label: &str, wanted: &HashSet<String>) -> PyResult<Frame> {
    let capsule = data.call_method0("__arrow_c_stream__").map_err(|_| {
        PyTypeError::new_err(
            "the data must be a pandas or polars DataFrame or a pyarrow Table (an object with `__arrow_c_stream__`)",
        )
    })?;
    let capsule = capsule.cast::<PyCapsule>()?;
    let pointer = capsule.pointer_checked(Some(c"arrow_array_stream"))?;
    // SAFETY: the capsule holds an `ArrowArrayStream` (checked by its name); the reader
    // moves the stream out and marks the capsule's copy released.
    let reader = unsafe {
        RecordBatchStreamReader::from_raw(pointer.as_ptr().cast::<FFI_ArrowArrayStream>())
    }
    .map_err(|e| PyValueError::new_err(format!("cannot read the Arrow stream: {e}")))?;
    let schema = reader.schema();
    let mut columns: Vec<(String, FrameColumn)> = Vec::new();
    let mut slots: Vec<Option<usize>> = Vec::new();
    let mut other_columns = Vec::new();
    for field in schema.fields() {
        if wanted.contains(field.name()) {
            let column = match kind(field.data_type()) {
                Some(Kind::Numbers) => FrameColumn::Numbers(Vec::new()),
                Some(Kind::Text) => FrameColumn::Text(Vec::new()),
                None => {
                    return Err(PyTypeError::new_err(format!(
                        "{label}: column `{}` is of type {}; the study reads numbers or text from it",
                        field.name(),
                        field.data_type()
                    )));
                }
            };
            slots.push(Some(columns.len()));
            columns.push((field.name().clone(), column));
        } else {
            slots.push(None);
            other_columns.push(field.name().clone());
        }
    }
    for batch in reader {
        let batch = batch.map_err(|e| PyValueError::new_err(format!("{label}: {e}")))?;
        for (array, slot) in batch.columns().iter().zip(&slots) {
            if let Some(i) = slot {
                append(&mut columns[*i].1, array.as_ref())?;
            }
        }
    }
    Ok(Frame {
        label: label.to_string(),
        columns,
        other_columns,
    })
}

enum Kind {
    Numbers,
    Text,
}

fn kind(t: &DataType) -> Option<Kind> {
    match t {
        _ if t.is_numeric() => Some(Kind::Numbers),
        DataType::Null => Some(Kind::Numbers),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Some(Kind::Text),
        DataType::Dictionary(_, v) => match kind(v) {
            Some(Kind::Text) => Some(Kind::Text),
            _ => None,
        },
        _ => None,
    }
}

/// Appends one array of a stream's batch to a frame column.
fn append(column: &mut FrameColumn, array: &dyn Array) -> PyResult<()> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::*;
    macro_rules! numbers {
        ($out:expr, $t:ty) => {{
            let a = array.as_primitive::<$t>();
            $out.extend((0..a.len()).map(|i| {
                if a.is_null(i) {
                    f64::NAN
                } else {
                    a.value(i) as f64
                }
            }));
        }};
    }
    match (column, array.data_type()) {
        (FrameColumn::Numbers(out), DataType::Null) => {
            out.extend((0..array.len()).map(|_| f64::NAN))
        }
        (FrameColumn::Numbers(out), DataType::Float64) => numbers!(out, Float64Type),
        (FrameColumn::Numbers(out), DataType::Float32) => numbers!(out, Float32Type),
        (FrameColumn::Numbers(out), DataType::Int64) => numbers!(out, Int64Type),
        (FrameColumn::Numbers(out), DataType::Int32) => numbers!(out, Int32Type),
        (FrameColumn::Numbers(out), DataType::Int16) => numbers!(out, Int16Type),
        (FrameColumn::Numbers(out), DataType::Int8) => numbers!(out, Int8Type),
        (FrameColumn::Numbers(out), DataType::UInt64) => numbers!(out, UInt64Type),
        (FrameColumn::Numbers(out), DataType::UInt32) => numbers!(out, UInt32Type),
        (FrameColumn::Numbers(out), DataType::UInt16) => numbers!(out, UInt16Type),
        (FrameColumn::Numbers(out), DataType::UInt8) => numbers!(out, UInt8Type),
        (FrameColumn::Text(out), DataType::Utf8) => out.extend(
            array
                .as_string::<i32>()
                .iter()
                .map(|s| s.map(str::to_string)),
        ),
        (FrameColumn::Text(out), DataType::LargeUtf8) => out.extend(
            array
                .as_string::<i64>()
                .iter()
                .map(|s| s.map(str::to_string)),
        ),
        (FrameColumn::Text(out), DataType::Utf8View) => {
            out.extend(array.as_string_view().iter().map(|s| s.map(str::to_string)))
        }
        (FrameColumn::Text(out), DataType::Dictionary(_, _)) => {
            let dict = array.as_any_dictionary();
            let mut values = FrameColumn::Text(Vec::new());
            append(&mut values, dict.values().as_ref())?;
            let FrameColumn::Text(values) = values else {
                return Ok(());
            };
            let keys = dict.normalized_keys();
            out.extend((0..array.len()).map(|i| {
                if array.is_null(i) {
                    None
                } else {
                    values.get(keys[i]).cloned().flatten()
                }
            }));
        }
        (_, t) => {
            return Err(PyTypeError::new_err(format!(
                "an Arrow column of type {t} cannot be read as numbers or text"
            )));
        }
    }
    Ok(())
}
