//! The report section: `report.html` and `report.pdf`, the document written from the
//! results by `oa-report` (`[report]` in the study, or `oa report BUNDLE`).

use crate::error::BundleError;
use crate::results::File;
use std::path::Path;

/// The report's files; either may be absent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    /// `report.html`: one self-contained page.
    pub html: Option<String>,
    /// `report.pdf`.
    pub pdf: Option<Vec<u8>>,
}

/// File names of the report in a bundle.
pub const REPORT_HTML: &str = "report.html";
pub const REPORT_PDF: &str = "report.pdf";

impl Report {
    pub(crate) fn files(&self) -> Vec<File<'_>> {
        let mut files = Vec::new();
        if let Some(h) = &self.html {
            files.push(File::Bytes {
                name: REPORT_HTML.into(),
                bytes: h.as_bytes(),
            });
        }
        if let Some(p) = &self.pdf {
            files.push(File::Bytes {
                name: REPORT_PDF.into(),
                bytes: &p[..],
            });
        }
        files
    }

    /// Whether a bundle folder holds a report.
    pub(crate) fn present(dir: &Path) -> bool {
        dir.join(REPORT_HTML).is_file() || dir.join(REPORT_PDF).is_file()
    }

    /// The report files of the bundle at `dir` (at least one must be there).
    pub(crate) fn read(dir: &Path) -> Result<Report, BundleError> {
        let read = |name: &str| -> Result<Option<Vec<u8>>, BundleError> {
            let path = dir.join(name);
            match std::fs::read(&path) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(BundleError::io(&path, &e)),
            }
        };
        let html = match read(REPORT_HTML)? {
            Some(bytes) => Some(String::from_utf8(bytes).map_err(|e| BundleError::Manifest {
                path: dir.join(REPORT_HTML).display().to_string(),
                message: format!(
                    "not UTF-8 text (byte {}); write the report again with `oa report`",
                    e.utf8_error().valid_up_to()
                ),
            })?),
            None => None,
        };
        let pdf = read(REPORT_PDF)?;
        if html.is_none() && pdf.is_none() {
            return Err(BundleError::MissingFile {
                path: dir.join(REPORT_HTML).display().to_string(),
                why: "the manifest lists a report".into(),
            });
        }
        Ok(Report { html, pdf })
    }
}
