//! The CSV inputs of this crate (value tables, change lists, results columns) open the same
//! way; errors name the file and line.

use std::io::Cursor;
use std::path::Path;

use csv::StringRecord;

use crate::GeoError;

/// The records still to read, after the header.
pub(crate) type Records = csv::Reader<Cursor<Vec<u8>>>;

/// A CSV file's name and header, kept apart from its [`Records`] so that errors can be built
/// while the records are read.
pub(crate) struct CsvHeader {
    file: String,
    headers: StringRecord,
}

impl CsvHeader {
    /// Opens `path` (UTF-8, optional BOM) and reads its header line.
    pub(crate) fn open(path: &Path) -> Result<(Self, Records), GeoError> {
        let file = path.display().to_string();
        let mut bytes = std::fs::read(path).map_err(|source| GeoError::Io {
            file: file.clone(),
            source,
        })?;
        if bytes.starts_with(b"\xEF\xBB\xBF") {
            bytes.drain(..3);
        }
        let mut reader = csv::Reader::from_reader(Cursor::new(bytes));
        let headers = match reader.headers() {
            Ok(headers) => headers.clone(),
            Err(e) => {
                return Err(GeoError::Csv {
                    file,
                    line: 1,
                    message: e.to_string(),
                });
            }
        };
        Ok((Self { file, headers }, reader))
    }

    /// An error at `line` (1 is the header) of this file.
    pub(crate) fn error(&self, line: u64, message: String) -> GeoError {
        GeoError::Csv {
            file: self.file.clone(),
            line,
            message,
        }
    }

    /// Where column `name` is, ignoring spaces around header names.
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h.trim() == name)
    }

    /// Where column `name` is, or an error listing the columns present.
    pub(crate) fn column(&self, name: &str) -> Result<usize, GeoError> {
        self.position(name).ok_or_else(|| {
            self.error(
                1,
                format!(
                    "no column `{name}`; columns present: {}",
                    self.headers.iter().collect::<Vec<_>>().join(", ")
                ),
            )
        })
    }
}
