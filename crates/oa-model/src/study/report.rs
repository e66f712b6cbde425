//! The `[report]` section: the document `oa run` writes into the bundle (`report.html`,
//! `report.pdf`) from the results, and how it looks.
//!
//! ```toml
//! [report]
//! formats = ["html", "pdf"]     # default: both
//! title = "Opportunity areas"  # default: the study's title
//! publisher = "Department for Education"
//! top = 10                      # areas shown at each end of the ranking
//! annex = true                  # list every area in an annex
//! ```

use serde::{Deserialize, Serialize};

/// What the report holds and in which formats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    #[serde(default = "both")]
    pub formats: Vec<ReportFormat>,
    /// The document's title (default: the study's title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Who publishes it, shown under the title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    /// How many areas the ranking shows at each end.
    #[serde(default = "ten")]
    pub top: usize,
    /// Whether annexes list every area (and every candidate of a selection).
    #[serde(default = "yes")]
    pub annex: bool,
}

impl Default for Report {
    fn default() -> Self {
        Report {
            formats: both(),
            title: None,
            publisher: None,
            top: ten(),
            annex: true,
        }
    }
}

/// A format of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    /// One self-contained HTML file: `report.html`.
    Html,
    /// A4 PDF with embedded fonts: `report.pdf`.
    Pdf,
}

impl ReportFormat {
    /// The file the bundle holds it in.
    pub fn file_name(self) -> &'static str {
        match self {
            ReportFormat::Html => "report.html",
            ReportFormat::Pdf => "report.pdf",
        }
    }
}

impl std::str::FromStr for ReportFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "html" => Ok(ReportFormat::Html),
            "pdf" => Ok(ReportFormat::Pdf),
            other => Err(format!("`{other}` is not a report format: use html or pdf")),
        }
    }
}

fn both() -> Vec<ReportFormat> {
    vec![ReportFormat::Html, ReportFormat::Pdf]
}

fn ten() -> usize {
    10
}

fn yes() -> bool {
    true
}

impl Report {
    /// Checks what serde cannot; returns (key, message) on error.
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.formats.is_empty() {
            return Err((
                "formats".into(),
                "name at least one format: [\"html\"], [\"pdf\"] or [\"html\", \"pdf\"]; remove [report] for no report".into(),
            ));
        }
        for (i, f) in self.formats.iter().enumerate() {
            if self.formats[..i].contains(f) {
                return Err((
                    format!("formats[{i}]"),
                    format!("`{}` is listed twice", f.file_name()),
                ));
            }
        }
        if self.top == 0 {
            return Err((
                "top".into(),
                "show at least 1 area at each end of the ranking".into(),
            ));
        }
        if self.title.as_deref().is_some_and(|t| t.trim().is_empty()) {
            return Err((
                "title".into(),
                "an empty title: remove the key to use the study's title".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_both_formats_ten_areas_and_the_annex() {
        let r: Report = toml::from_str("").unwrap();
        assert_eq!(r, Report::default());
        assert_eq!(r.formats, [ReportFormat::Html, ReportFormat::Pdf]);
        assert!(r.validate().is_ok());
    }

    #[test]
    fn bad_settings_name_their_key() {
        let twice: Report = toml::from_str("formats = [\"pdf\", \"pdf\"]").unwrap();
        assert_eq!(twice.validate().unwrap_err().0, "formats[1]");
        let none: Report = toml::from_str("formats = []").unwrap();
        assert_eq!(none.validate().unwrap_err().0, "formats");
        let zero: Report = toml::from_str("top = 0").unwrap();
        assert_eq!(zero.validate().unwrap_err().0, "top");
        assert!(toml::from_str::<Report>("format = [\"pdf\"]").is_err());
        assert!(toml::from_str::<Report>("formats = [\"docx\"]").is_err());
        assert_eq!("PDF".parse::<ReportFormat>(), Ok(ReportFormat::Pdf));
    }
}
