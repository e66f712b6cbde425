//! Outcome panels as published: one row per area and period (long), or one row per area
//! and a column per period (wide), from CSV, XLSX/ODS or Parquet through the readers of
//! [`crate::source`]. Each row becomes an [`oa_evaluation::Observation`] (area code,
//! period, value or numerator and denominator, and where it is in the file); the pure
//! crate builds the balanced panel from them (mapping codes, summing counts, refusing
//! duplicates and gaps).
//!
//! Filters keep rows (`geographic_level = "Local Authority District"`); cells holding a
//! missing marker (standard or the source's `missing_markers`) become missing values and
//! are counted by marker. A period or value that does not parse is an error naming the
//! file, the line or cell, and the column.
//!
//! `delimiter` declares a CSV delimiter (`;` for the Proposition 99 file); without it the
//! source reader detects it from the first lines.

use crate::digest::{FileDigest, digest_file};
use crate::error::{Location, ReadError};
use crate::number::{CellValue, marker_name, parse_cell};
use crate::read::{find_column, list_names};
use crate::source::{number_error, read_table};
use oa_evaluation::{Observation, Period, Value};
use oa_model::study::{DELIMITERS, Layout, Source, SourceFormat};
use std::collections::BTreeMap;
use std::path::Path;

/// Where the value of each row is.
#[derive(Debug, Clone, PartialEq)]
pub enum PanelValue {
    /// One column holding the outcome.
    Column(String),
    /// A rate from counts: `numerator / denominator` (times the panel's scale); several
    /// numerator columns are added (`education + appren + all_work`).
    Counts {
        numerator: Vec<String>,
        denominator: String,
    },
}

/// How the table is laid out.
#[derive(Debug, Clone, PartialEq)]
pub enum PanelLayout {
    /// One row per area and period.
    Long {
        period_column: String,
        value: PanelValue,
    },
    /// One row per area, one column per period. `periods` names the columns (empty: every
    /// column whose header reads as a period).
    Wide { periods: Vec<String> },
}

/// A panel file and how to read it.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelSource {
    /// Path relative to the data directory (as in messages).
    pub path: String,
    pub format: Option<SourceFormat>,
    pub sheet: Option<String>,
    pub header_row: Option<usize>,
    pub unit_column: String,
    pub layout: PanelLayout,
    /// Keep only rows whose column equals the value.
    pub filters: BTreeMap<String, String>,
    /// Extra strings read as missing.
    pub missing_markers: Vec<String>,
    /// A CSV delimiter other than `,` (see the module documentation).
    pub delimiter: Option<char>,
}

impl PanelSource {
    /// A long table with one value column.
    pub fn long(path: &str, unit: &str, period: &str, value: PanelValue) -> PanelSource {
        PanelSource {
            path: path.to_string(),
            format: None,
            sheet: None,
            header_row: None,
            unit_column: unit.to_string(),
            layout: PanelLayout::Long {
                period_column: period.to_string(),
                value,
            },
            filters: BTreeMap::new(),
            missing_markers: Vec::new(),
            delimiter: None,
        }
    }
}

/// The rows of a panel file.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelRows {
    pub observations: Vec<Observation>,
    /// Missing cells by marker (`c`, `(empty)`, ...).
    pub missing: BTreeMap<String, usize>,
    /// Rows kept after the filters.
    pub rows_read: usize,
    pub digest: FileDigest,
}

/// A panel file that cannot be read as a panel.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PanelReadError {
    #[error(transparent)]
    Read(#[from] ReadError),

    #[error("{path}: {cell}: {source}")]
    Period {
        path: String,
        cell: String,
        #[source]
        source: oa_evaluation::PeriodError,
    },

    #[error(
        "{path}: no column of the header reads as a period ({headers}); name the period columns in `periods`"
    )]
    NoPeriodColumns { path: String, headers: String },

    #[error(
        "{path}: the delimiter `{delimiter}` is not one `oa` reads; declare `,`, `;`, a tab or `|`"
    )]
    BadDelimiter { path: String, delimiter: char },
}

/// Text columns with their locations, from either reader.
struct Text {
    path: String,
    headers: Vec<String>,
    columns: Vec<Vec<String>>,
    locations: Vec<Location>,
}

impl Text {
    fn column(&self, name: &str) -> Result<usize, ReadError> {
        find_column(&self.headers, name).ok_or_else(|| ReadError::MissingColumn {
            path: self.path.clone(),
            column: name.to_string(),
            header: match self.locations.first() {
                Some(Location::Line(_)) | None => Location::Line(1),
                Some(Location::SheetRow { sheet, .. }) => Location::SheetRow {
                    sheet: sheet.clone(),
                    row: 1,
                },
                Some(Location::Row(_)) => Location::Row(0),
            },
            hint: format!("; the columns are {}", list_names(&self.headers, 12)),
        })
    }

    fn cell(&self, row: usize, column: usize) -> String {
        self.locations[row].cell(column, &self.headers[column])
    }
}

/// Reads a panel file (`path` is the file, named so in messages; `source.path` labels
/// its digest, as written in the study).
pub fn read_panel(path: &Path, source: &PanelSource) -> Result<PanelRows, PanelReadError> {
    let text = read_with_source_reader(path, source)?;
    let digest = digest_file(path, &source.path).map_err(|e| ReadError::Io {
        path: source.path.clone(),
        message: e.to_string(),
    })?;
    let unit = text.column(&source.unit_column)?;
    let mut missing: BTreeMap<String, usize> = BTreeMap::new();
    let mut observations = Vec::new();
    let markers = &source.missing_markers;
    let number = |row: usize,
                  col: usize,
                  missing: &mut BTreeMap<String, usize>|
     -> Result<Option<f64>, ReadError> {
        let cell = &text.columns[col][row];
        match parse_cell(cell, markers) {
            Ok(CellValue::Number(v)) => Ok(Some(v)),
            Ok(CellValue::Missing(m)) => {
                *missing.entry(marker_name(m, markers)).or_default() += 1;
                Ok(None)
            }
            Err(e) => Err(number_error(
                e,
                text.path.clone(),
                text.cell(row, col),
                cell,
                "panel",
            )),
        }
    };
    let period = |row: usize, col: usize, cell: &str| -> Result<Period, PanelReadError> {
        Period::parse(cell).map_err(|e| PanelReadError::Period {
            path: text.path.clone(),
            cell: text.cell(row, col),
            source: e,
        })
    };
    let origin = |row: usize| format!("{} {}", text.path, text.locations[row]);
    let empty_code = |row: usize| ReadError::EmptyCode {
        path: text.path.clone(),
        cell: text.cell(row, unit),
        advice: "fill it in, or keep only the rows of one geographic level with `filters`".into(),
    };
    let rows = text.locations.len();
    match &source.layout {
        PanelLayout::Long {
            period_column,
            value,
        } => {
            let pc = text.column(period_column)?;
            let value_columns: (Vec<usize>, Option<usize>) = match value {
                PanelValue::Column(c) => (vec![text.column(c)?], None),
                PanelValue::Counts {
                    numerator,
                    denominator,
                } => (
                    numerator
                        .iter()
                        .map(|c| text.column(c))
                        .collect::<Result<_, _>>()?,
                    Some(text.column(denominator)?),
                ),
            };
            for row in 0..rows {
                let code = text.columns[unit][row].trim();
                if code.is_empty() {
                    return Err(empty_code(row).into());
                }
                let period_text = text.columns[pc][row].trim().to_string();
                let p = period(row, pc, &period_text)?;
                let value = match &value_columns {
                    (c, None) => {
                        number(row, c[0], &mut missing)?.map_or(Value::Missing, Value::Number)
                    }
                    (parts, Some(d)) => {
                        let mut numerator = Some(0.0);
                        for &c in parts {
                            let v = number(row, c, &mut missing)?;
                            numerator = numerator.zip(v).map(|(a, b)| a + b);
                        }
                        match (numerator, number(row, *d, &mut missing)?) {
                            (Some(numerator), Some(denominator)) => Value::Counts {
                                numerator,
                                denominator,
                            },
                            _ => Value::Missing,
                        }
                    }
                };
                observations.push(Observation {
                    code: code.to_string(),
                    period: p,
                    period_text,
                    value,
                    origin: origin(row),
                });
            }
        }
        PanelLayout::Wide { periods } => {
            let columns: Vec<(usize, Period)> = if periods.is_empty() {
                // Every header that reads as a period; one that starts like a year but
                // does not read (`2015/17`) is an error, not a column silently left out.
                let mut out = Vec::new();
                for (i, h) in text.headers.iter().enumerate().filter(|(i, _)| *i != unit) {
                    match Period::parse(h) {
                        Ok(p) => out.push((i, p)),
                        Err(e)
                            if h.len() >= 4 && h.as_bytes()[..4].iter().all(u8::is_ascii_digit) =>
                        {
                            return Err(PanelReadError::Period {
                                path: text.path.clone(),
                                cell: format!("the header of column {}", i + 1),
                                source: e,
                            });
                        }
                        Err(_) => {}
                    }
                }
                out
            } else {
                let mut out = Vec::new();
                for name in periods {
                    let i = text.column(name)?;
                    let p =
                        Period::parse(&text.headers[i]).map_err(|e| PanelReadError::Period {
                            path: text.path.clone(),
                            cell: format!("the header of column `{}`", text.headers[i]),
                            source: e,
                        })?;
                    out.push((i, p));
                }
                out
            };
            if columns.is_empty() {
                return Err(PanelReadError::NoPeriodColumns {
                    path: text.path.clone(),
                    headers: list_names(&text.headers, 12),
                });
            }
            for row in 0..rows {
                let code = text.columns[unit][row].trim();
                if code.is_empty() {
                    return Err(empty_code(row).into());
                }
                for &(c, p) in &columns {
                    let value = number(row, c, &mut missing)?.map_or(Value::Missing, Value::Number);
                    observations.push(Observation {
                        code: code.to_string(),
                        period: p,
                        period_text: text.headers[c].clone(),
                        value,
                        origin: format!("{} (column `{}`)", origin(row), text.headers[c]),
                    });
                }
            }
        }
    }
    if observations.is_empty() {
        return Err(ReadError::EmptyTable {
            path: text.path.clone(),
            detail: if source.filters.is_empty() {
                String::new()
            } else {
                format!(
                    " after the filters ({}); check their values",
                    source
                        .filters
                        .iter()
                        .map(|(k, v)| format!("{k} = \"{v}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            },
        }
        .into());
    }
    Ok(PanelRows {
        observations,
        missing,
        rows_read: rows,
        digest,
    })
}

/// Through [`read_table`]: every format, header detection, filters, locations.
fn read_with_source_reader(path: &Path, source: &PanelSource) -> Result<Text, PanelReadError> {
    let delimiter = match source.delimiter {
        None => None,
        Some(d) if DELIMITERS.iter().any(|(name, _)| name.starts_with(d)) => Some(d.to_string()),
        Some(d) => {
            return Err(PanelReadError::BadDelimiter {
                path: path.display().to_string(),
                delimiter: d,
            });
        }
    };
    let as_source = Source {
        id: "panel".into(),
        path: source.path.clone(),
        format: source.format,
        sheet: source.sheet.clone(),
        header_row: source.header_row,
        code_column: source.unit_column.clone(),
        name_column: None,
        layout: Layout::Tidy {
            measure_column: None,
            value_column: source.unit_column.clone(),
            filters: source.filters.clone(),
            period: None,
        },
        missing_markers: source.missing_markers.clone(),
        delimiter,
        decimal: None,
        skip_codes: Vec::new(),
        accept_codes: Vec::new(),
        skip_notes: false,
    };
    let table = read_table(path, &as_source)?;
    let locations = (0..table.len()).map(|i| table.location(i)).collect();
    Ok(Text {
        path: table.path,
        headers: table.headers,
        columns: table.columns,
        locations,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> std::path::PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn long_counts_with_filters_and_markers() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "p.csv",
            "time_period,geographic_level,code,num,den\n201516,District,A,10,20\n201516,Region,R,1,2\n201617,District,A,c,20\n",
        );
        let mut s = PanelSource::long(
            "p.csv",
            "code",
            "time_period",
            PanelValue::Counts {
                numerator: vec!["num".into()],
                denominator: "den".into(),
            },
        );
        s.filters
            .insert("geographic_level".into(), "District".into());
        let r = read_panel(&p, &s).unwrap();
        assert_eq!(r.observations.len(), 2);
        assert_eq!(r.observations[0].period, Period::span_year(2015));
        assert!(r.observations[0].origin.ends_with("p.csv line 2"));
        assert_eq!(r.observations[1].value, Value::Missing);
        assert_eq!(r.missing["c"], 1);
    }

    #[test]
    fn a_bad_period_names_the_cell() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(&dir, "p.csv", "year,code,v\n2015/17,A,1\n");
        let s = PanelSource::long("p.csv", "code", "year", PanelValue::Column("v".into()));
        let e = read_panel(&p, &s).unwrap_err().to_string();
        assert!(
            e.contains("p.csv: line 2, column `year`: `2015/17` is not a period"),
            "{e}"
        );
    }

    #[test]
    fn wide_tables_and_declared_delimiters() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(
            &dir,
            "w.csv",
            "code;2015/16;2016/17;name\nA;1,5;x;a\nB;2;3;b\n",
        );
        let mut s = PanelSource::long("w.csv", "code", "", PanelValue::Column(String::new()));
        s.layout = PanelLayout::Wide {
            periods: Vec::new(),
        };
        s.delimiter = Some(';');
        // `1,5` is not a number in this reader (thousands groups of three).
        let e = read_panel(&p, &s).unwrap_err().to_string();
        assert!(e.contains("line 2, column `2015/16`"), "{e}");
        let p = write(
            &dir,
            "w.csv",
            "code;2015/16;2016/17;name\nA;1.5;x;a\nB;2;3;b\n",
        );
        let r = read_panel(&p, &s).unwrap();
        assert_eq!(r.observations.len(), 4);
        let p = write(&dir, "w.csv", "code;2015/16;2016/18\nA;1;2\n");
        let e = read_panel(&p, &s).unwrap_err().to_string();
        assert!(
            e.contains("the header of column 3: `2016/18` is not a period"),
            "{e}"
        );
        assert_eq!(r.observations[1].value, Value::Missing);
        assert!(
            r.observations[1]
                .origin
                .ends_with("w.csv line 2 (column `2016/17`)")
        );
    }
}
