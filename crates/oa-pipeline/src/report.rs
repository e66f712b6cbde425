//! The report stage: when the study has a `[report]` section, the document of the results
//! so far (`oa_report`), in the formats it asks for, goes into the results (and so into
//! the bundle as `report.html` and `report.pdf`, with their digests in the manifest). It
//! runs last, after every other stage's timing is recorded, so the report's provenance
//! shows them.

use crate::error::{Code, Error};
use crate::plan::Plan;
use oa_bundle::Results;
use std::time::Instant;

/// Writes the report into `results` (nothing when the study declares no `[report]`).
pub fn run(plan: &Plan, results: &mut Results) -> Result<(), Error> {
    let Some(section) = &plan.study.report else {
        return Ok(());
    };
    let started = Instant::now();
    results.report = Some(render(results, &section.formats, &plan.study_path)?);
    results.manifest.add_timing("report", started.elapsed());
    Ok(())
}

/// The report of `results` in `formats` (`oa report BUNDLE` calls it on a bundle read
/// back); `origin` names the study in messages.
pub fn render(
    results: &Results,
    formats: &[oa_model::study::report::ReportFormat],
    origin: &str,
) -> Result<oa_bundle::Report, Error> {
    let provenance = oa_report::Provenance::of(results, crate::VERSION);
    let document = oa_report::document(results, &provenance);
    let rendered = oa_report::render(&document, formats).map_err(|e| match e {
        oa_report::ReportError::NoPdf => Error::new(
            Code::StudyInvalid,
            format!("{origin}: `report.formats`: {e}"),
        ),
        oa_report::ReportError::Pdf(_) => Error::new(Code::Internal, e.to_string()),
    })?;
    Ok(oa_bundle::Report {
        html: rendered.html,
        pdf: rendered.pdf,
    })
}
