//! Reading a bundle table back: CSV exactly as `oa` writes it (a header line, then one
//! line per row, numbers in their shortest exact form, empty = missing). Unlike the
//! readers of published files in `oa-io`, nothing is guessed: a column that is missing or
//! unknown, or a cell that does not parse, is an error naming the file, line and column.

use crate::error::BundleError;
use std::collections::HashMap;
use std::path::Path;

/// A bundle CSV file held as text cells, with typed column getters.
pub(crate) struct CsvTable {
    pub path: String,
    pub headers: Vec<String>,
    rows: Vec<csv::StringRecord>,
    position: HashMap<String, usize>,
    table: &'static str,
}

impl CsvTable {
    /// Reads `dir/file`; `table` names the kind of table for messages.
    pub fn read(dir: &Path, file: &str, table: &'static str) -> Result<CsvTable, BundleError> {
        let path = dir.join(file);
        let bytes = std::fs::read(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => BundleError::MissingFile {
                path: path.display().to_string(),
                why: format!("the {table} table"),
            },
            _ => BundleError::io(&path, &e),
        })?;
        CsvTable::parse(&path.display().to_string(), &bytes, table)
    }

    /// Parses CSV text already in memory (`path` is used in messages).
    pub fn parse(path: &str, bytes: &[u8], table: &'static str) -> Result<CsvTable, BundleError> {
        let malformed = |e: csv::Error| BundleError::Inconsistent {
            path: path.to_string(),
            message: match e.position() {
                Some(p) => format!("line {}: {e}", p.line()),
                None => e.to_string(),
            },
        };
        let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
        let headers: Vec<String> = reader
            .headers()
            .map_err(malformed)?
            .iter()
            .map(str::to_string)
            .collect();
        let mut position = HashMap::with_capacity(headers.len());
        for (i, h) in headers.iter().enumerate() {
            if let Some(first) = position.insert(h.clone(), i) {
                return Err(BundleError::Inconsistent {
                    path: path.to_string(),
                    message: format!(
                        "column `{h}` appears twice (columns {} and {})",
                        first + 1,
                        i + 1
                    ),
                });
            }
        }
        let rows = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(malformed)?;
        Ok(CsvTable {
            path: path.to_string(),
            headers,
            rows,
            position,
            table,
        })
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn has(&self, column: &str) -> bool {
        self.position.contains_key(column)
    }

    /// Refuses columns that `known` does not accept: a bundle table has no free columns.
    pub fn only(&self, known: impl Fn(&str) -> bool) -> Result<(), BundleError> {
        match self.headers.iter().find(|h| !known(h)) {
            Some(h) => Err(BundleError::UnknownColumn {
                path: self.path.clone(),
                column: h.clone(),
                table: self.table,
            }),
            None => Ok(()),
        }
    }

    fn index(&self, column: &str) -> Result<usize, BundleError> {
        self.position
            .get(column)
            .copied()
            .ok_or_else(|| BundleError::MissingColumn {
                path: self.path.clone(),
                column: column.to_string(),
                table: self.table,
                hint: String::new(),
            })
    }

    /// Each cell of `column`, parsed by `parse` (`None` = not what `expected` says).
    fn cells<T>(
        &self,
        column: &str,
        expected: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Vec<T>, BundleError> {
        let c = self.index(column)?;
        self.rows
            .iter()
            .enumerate()
            .map(|(i, row)| {
                let text = row.get(c).unwrap_or("");
                parse(text).ok_or_else(|| BundleError::BadCell {
                    path: self.path.clone(),
                    line: i + 2,
                    column: column.to_string(),
                    text: text.chars().take(60).collect(),
                    expected,
                })
            })
            .collect()
    }

    /// Whether the cells of `column` are `expected`, row for row, compared where they lie
    /// (a table that repeats another's areas need not copy them to be checked).
    pub fn text_is(&self, column: &str, expected: &[String]) -> Result<bool, BundleError> {
        let c = self.index(column)?;
        Ok(self.rows.len() == expected.len()
            && self
                .rows
                .iter()
                .zip(expected)
                .all(|(row, e)| row.get(c).unwrap_or("") == e))
    }

    pub fn text(&self, column: &str) -> Result<Vec<String>, BundleError> {
        self.cells(column, "text", |s| Some(s.to_string()))
    }

    /// Numbers; an empty cell is `NaN` (missing).
    pub fn floats(&self, column: &str) -> Result<Vec<f64>, BundleError> {
        self.optional_numbers(column, "a number", f64::is_finite)
    }

    /// Probabilities and shares: numbers from 0 to 1; an empty cell is `NaN` (not measured).
    pub fn probabilities(&self, column: &str) -> Result<Vec<f64>, BundleError> {
        self.optional_numbers(
            column,
            "a number from 0 to 1 (leave the cell empty when it was not measured)",
            |v| (0.0..=1.0).contains(&v),
        )
    }

    /// Numbers that `keep` accepts; an empty cell is `NaN`.
    fn optional_numbers(
        &self,
        column: &str,
        expected: &'static str,
        keep: impl Fn(f64) -> bool,
    ) -> Result<Vec<f64>, BundleError> {
        self.cells(column, expected, |s| {
            if s.is_empty() {
                Some(f64::NAN)
            } else {
                s.parse::<f64>().ok().filter(|&v| keep(v))
            }
        })
    }

    /// Numbers that must be present.
    pub fn required_floats(&self, column: &str) -> Result<Vec<f64>, BundleError> {
        self.cells(column, "a number", |s| {
            s.parse::<f64>().ok().filter(|v| v.is_finite())
        })
    }

    /// Whole numbers >= 0; an empty cell is `None`.
    pub fn opt_counts(&self, column: &str) -> Result<Vec<Option<u32>>, BundleError> {
        self.cells(column, "a whole number or empty", |s| {
            if s.is_empty() {
                Some(None)
            } else {
                s.parse::<u32>().ok().map(Some)
            }
        })
    }

    /// Whole numbers >= 0 that must be present.
    pub fn counts(&self, column: &str) -> Result<Vec<u32>, BundleError> {
        self.cells(column, "a whole number", |s| s.parse::<u32>().ok())
    }

    /// Whole numbers (negative allowed: money differences).
    pub fn integers(&self, column: &str) -> Result<Vec<i64>, BundleError> {
        self.cells(column, "a whole number", |s| s.parse::<i64>().ok())
    }

    /// Whole numbers or empty.
    pub fn opt_integers(&self, column: &str) -> Result<Vec<Option<i64>>, BundleError> {
        self.cells(column, "a whole number or empty", |s| {
            if s.is_empty() {
                Some(None)
            } else {
                s.parse::<i64>().ok().map(Some)
            }
        })
    }

    /// `true` or `false`.
    pub fn bools(&self, column: &str) -> Result<Vec<bool>, BundleError> {
        self.cells(column, "true or false", |s| match s {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        })
    }

    /// An error about the table as a whole (lengths, codes that do not match).
    pub fn inconsistent(&self, message: impl Into<String>) -> BundleError {
        BundleError::Inconsistent {
            path: self.path.clone(),
            message: message.into(),
        }
    }
}

/// `a;b;c` to its parts (empty text = none).
pub(crate) fn split_list(text: &str) -> Vec<String> {
    if text.is_empty() {
        Vec::new()
    } else {
        text.split(';').map(str::to_string).collect()
    }
}

/// The option whose label is `text` (cells holding one of a closed set of words).
pub(crate) fn from_label<T: Copy>(
    options: &[T],
    label: impl Fn(T) -> &'static str,
    text: &str,
) -> Option<T> {
    options.iter().copied().find(|o| label(*o) == text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_are_empty_or_from_0_to_1() {
        let t = CsvTable::parse("u.csv", b"p,x\n0,a\n1,b\n,c\n0.25,d\n", "uncertainty").unwrap();
        let p = t.probabilities("p").unwrap();
        assert_eq!(p[..2], [0.0, 1.0]);
        assert!(p[2].is_nan());
        assert_eq!(p[3], 0.25);
        for (bad, line) in [
            ("1.5", 3),
            ("-0.01", 3),
            ("inf", 3),
            ("NaN", 3),
            ("half", 3),
        ] {
            let text = format!("p\n0.5\n{bad}\n");
            let t = CsvTable::parse("u.csv", text.as_bytes(), "uncertainty").unwrap();
            let e = t.probabilities("p").unwrap_err();
            assert!(
                matches!(&e, BundleError::BadCell { line: l, column, .. } if *l == line && column == "p"),
                "{bad}: {e}"
            );
            assert!(e.to_string().contains("from 0 to 1"), "{e}");
        }
    }
}
