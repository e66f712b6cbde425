//! The evaluation's place in the report: estimates of the programme's effect, their
//! charts and caveats. The evaluation stage is being built separately; when its results
//! reach the bundle (`Results::evaluation`, say), fill in [`section`] (the "Evaluation"
//! section, placed after the results and before the provenance) and [`summary`] (the
//! headline estimate, the last line of the summary). Both take the whole results and
//! return nothing while the bundle holds no evaluation, so a report never claims one.
//!
//! Write them like the other sections: every estimate a `Fig` whose `src` names its cell
//! (`evaluation.csv[1].estimate`), charts as `Figure`s from the bundle's SVGs with a text
//! alternative, caveats as `Block::Note`. The figure test in `crates/oa-cli/tests/report.rs`
//! then checks them with no change.

use crate::model::{Inline, Section};
use oa_bundle::Results;

/// The evaluation section, when the results hold an evaluation (none can yet).
pub fn section(_results: &Results) -> Option<Section> {
    None
}

/// The evaluation's headline estimate for the summary, when there is one (none yet).
pub fn summary(_results: &Results) -> Option<Vec<Inline>> {
    None
}
