//! oa-report: the document a department publishes from a study's results.
//!
//! [`document`] is a pure function from [`Results`] (and the run's [`Provenance`]) to a
//! [`Document`]: summary, methodology (every setting in plain English with its study key),
//! results (ranking, maps, clusters, uncertainty, selection with every reason, allocations
//! to the penny), the evaluation's place ([`evaluation`]), provenance (every input's
//! SHA-256, the version, the command that reproduces the run) and annexes listing every
//! area. Two renderers walk the same document:
//!
//! - [`html`]: one self-contained file: inline SVG, inline styles, no script, nothing
//!   fetched, headings, captioned tables, text alternatives and a print stylesheet;
//! - [`pdf`] (cargo feature `pdf`, on by default): A4, typeset by typst's compiler with its
//!   bundled fonts (embedded in the file), a contents page, page numbers and PDF tags.
//!
//! No number is written by a template: every figure is a [`model::Fig`] carrying its
//! value and the formula over the bundle's files that gives it ([`figures`]); the HTML
//! keeps both (`<data value data-src>`), so a test recomputes every figure from the
//! bundle.

mod build;
pub mod evaluation;
pub mod figures;
pub mod html;
mod methodology;
pub mod model;
#[cfg(feature = "pdf")]
pub mod pdf;
mod results;
mod words;

pub use build::command;
pub use model::Document;

use oa_bundle::Results;
use oa_model::study::report::{Report, ReportFormat};

/// Where the results came from and how to make them again.
#[derive(Debug, Clone, PartialEq)]
pub struct Provenance {
    /// The command that computes the bundle again.
    pub command: String,
    /// The version of `oa` writing the report (the bundle's may be older).
    pub renderer: String,
}

impl Provenance {
    /// From the bundle's manifest, with this build's version.
    pub fn of(results: &Results, renderer_version: &str) -> Provenance {
        Provenance {
            command: command(&results.manifest),
            renderer: renderer_version.to_string(),
        }
    }
}

/// Choices of the study's `[report]` section that shape the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub title: Option<String>,
    pub publisher: Option<String>,
    /// Areas shown at each end of the ranking.
    pub top: usize,
    /// Whether the annexes list every area.
    pub annex: bool,
}

impl Options {
    /// The study's `[report]` settings, or the defaults.
    pub fn of(results: &Results) -> Options {
        let r = results.study.report.clone().unwrap_or_default();
        Options {
            title: r.title,
            publisher: r.publisher,
            top: r.top,
            annex: r.annex,
        }
    }
}

/// The report of `results` as a document.
pub fn document(results: &Results, provenance: &Provenance) -> Document {
    build::document(results, provenance, &Options::of(results))
}

/// A rendering failed (a bug: the document is always valid input).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("typesetting the PDF failed: {0}")]
    Pdf(String),
    #[error(
        "this build of oa cannot write PDF (built without the `pdf` feature); ask for `--format html`, or build oa with default features"
    )]
    NoPdf,
}

/// The rendered report: the formats asked for.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rendered {
    pub html: Option<String>,
    pub pdf: Option<Vec<u8>>,
}

/// Renders `doc` in `formats`.
pub fn render(doc: &Document, formats: &[ReportFormat]) -> Result<Rendered, ReportError> {
    let mut out = Rendered::default();
    for f in formats {
        match f {
            ReportFormat::Html => out.html = Some(html::render(doc)),
            ReportFormat::Pdf => out.pdf = Some(render_pdf(doc)?),
        }
    }
    Ok(out)
}

#[cfg(feature = "pdf")]
fn render_pdf(doc: &Document) -> Result<Vec<u8>, ReportError> {
    pdf::render(doc)
}

#[cfg(not(feature = "pdf"))]
fn render_pdf(_doc: &Document) -> Result<Vec<u8>, ReportError> {
    Err(ReportError::NoPdf)
}

/// The formats a study's `[report]` asks for (both when absent).
pub fn formats(report: Option<&Report>) -> Vec<ReportFormat> {
    report.map_or_else(
        || vec![ReportFormat::Html, ReportFormat::Pdf],
        |r| r.formats.clone(),
    )
}
