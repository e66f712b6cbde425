//! oa-pipeline: runs a study. `oa run`, `oa demo`, the web service and Python call it;
//! it prints nothing, parses no arguments and writes no files (the bundle is
//! `oa-bundle`'s).
//!
//! The flow reads as it runs:
//!
//! ```text
//! Plan (study resolved: data dir, formats, overrides)
//!   -> data::load      read and check the data (oa-io)
//!   -> index           compute the index (oa-engine)      -> Results.index
//!   -> audit           the JRC/OECD statistical audit     -> Results.audit
//!   -> rollup          small areas to larger areas        -> Results.rollup
//!   -> spatial         cold-spot clusters                 -> Results.clusters
//!   -> selection       choose areas, explain every one    -> Results.selection
//!   -> funding         allocate funds in pence            -> Results.funding
//!   -> evaluation      did the chosen areas improve?      -> Results.evaluation
//!   -> uncertainty     Monte Carlo, Sobol                 -> Results.uncertainty
//!   -> maps            choropleths                        -> Results.maps
//!   -> report          the document (HTML, PDF)           -> Results.report
//! ```
//!
//! Each stage runs when the study declares it and takes what earlier stages produced as
//! values. [`run`] returns [`Results`]; `oa_bundle::write` writes them. Long loops report
//! through [`Progress`], which also carries the caller's request to stop (checked between
//! stages and inside the Monte Carlo); errors carry a [`Code`] from one table.

mod audit;
mod data;
mod error;
pub mod evaluation;
mod frames;
mod funding;
mod index;
pub mod maps;
mod plan;
pub mod record;
pub mod report;
mod rollup;
mod selection;
mod spatial;
mod uncertainty;
mod validate;

pub use data::{load as load_data, referenced_files};
pub use error::{Code, CodeInfo, Error};
pub use evaluation::{QuickPanel, QuickTreatment, evaluate_panel};
pub use frames::{Frame, FrameColumn};
pub use oa_bundle::Results;
pub use oa_engine::{NoProgress, Progress};
pub use plan::Plan;
pub use selection::IndexScores;
pub use validate::{Validation, check as validate};

use oa_bundle::{Index, Manifest, Rollup};
use oa_io::StudyData;
use oa_model::study::Direction;
use std::time::Instant;

/// The version recorded in every manifest.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Runs every stage the study declares and returns the results in memory.
pub fn run(plan: &Plan, progress: &dyn Progress) -> Result<Results, Error> {
    let started = Instant::now();
    let mut lap = Instant::now();
    let mut timings: Vec<(&'static str, std::time::Duration)> =
        vec![("parse study", plan.parsed_in)];
    let mut mark = |name: &'static str, timings: &mut Vec<_>| {
        timings.push((name, lap.elapsed()));
        lap = Instant::now();
    };
    let study = &plan.study;
    progress.start("Reading data", 0);
    let mut data = data::load(plan)?;
    mark("read data", &mut timings);
    check_stopped(progress)?;

    let computed = index::compute(plan, &mut data, progress)?;
    let index = index::tables(study, &data, &computed);
    mark("compute index", &mut timings);
    check_stopped(progress)?;

    let mut results = new_results(plan, &data, index)?;
    results.manifest.method = record::method(&computed);
    results
        .manifest
        .notes
        .extend(record::engine_notes(&computed));
    let stage = |name: &'static str| {
        move |e: Error| e.context(format!("{} ({name} stage)", plan.study_path))
    };
    if study.audit.is_some() {
        results.audit = Some(audit::run(plan, &mut data, &computed).map_err(stage("audit"))?);
        mark("audit", &mut timings);
    }
    drop(computed);
    if let Some(r) = &study.rollup {
        results.rollup =
            Some(rollup::run(plan, r, &results.index.scores).map_err(stage("rollup"))?);
        mark("rollup", &mut timings);
    }
    if let Some(s) = &study.spatial {
        let analysed = analysed_column(&results, s.column.as_deref()).map_err(stage("spatial"))?;
        results.clusters = Some(spatial::run(plan, s, analysed).map_err(stage("spatial"))?);
        mark("spatial", &mut timings);
    }
    check_stopped(progress)?;
    if study.selection.is_some() {
        let scores = index_scores(&results);
        results.selection = Some(selection::run(plan, Some(&scores)).map_err(stage("selection"))?);
        mark("selection", &mut timings);
    }
    if !study.funds.is_empty() {
        results.funding =
            Some(funding::run(plan, results.selection.as_ref()).map_err(stage("funding"))?);
        mark("funding", &mut timings);
    }
    check_stopped(progress)?;
    if let Some(e) = &study.evaluation {
        progress.start("Evaluating", 0);
        let out =
            evaluation::run(plan, e, results.selection.as_ref()).map_err(stage("evaluation"))?;
        results.evaluation = Some(out.section);
        results.manifest.add_inputs(&out.inputs);
        results.manifest.notes.extend(out.notes);
        mark("evaluation", &mut timings);
    }
    check_stopped(progress)?;
    if study.uncertainty.is_some() {
        results.uncertainty =
            Some(uncertainty::run(plan, &data, progress).map_err(stage("uncertainty"))?);
        mark("uncertainty", &mut timings);
    }
    check_stopped(progress)?;
    if study.maps.is_some() {
        let (maps, notes) = maps::run(&results, &plan.data_dir).map_err(stage("maps"))?;
        results.maps = Some(maps);
        results.manifest.notes.extend(notes);
        mark("maps", &mut timings);
    }
    for (name, d) in timings {
        results.manifest.add_timing(name, d);
    }
    report::run(plan, &mut results).map_err(stage("report"))?;
    results.manifest.add_timing("total", started.elapsed());
    Ok(results)
}

/// Chooses areas on existing results (`oa select`): the selection section from the study
/// of `plan` and the index (or roll-up) of `results`.
pub fn select(plan: &Plan, results: &Results) -> Result<oa_bundle::Selection, Error> {
    let scores = index_scores(results);
    let needs = selection::needs_index(selection::section(plan)?);
    selection::run(plan, needs.then_some(&scores))
}

/// Allocates the study's funds on existing results (`oa allocate`).
pub fn allocate(plan: &Plan, results: &Results) -> Result<oa_bundle::Funding, Error> {
    funding::run(plan, results.selection.as_ref())
}

/// Runs only the audit (`oa audit`): reads the data, computes the index and audits it
/// with the study's `[audit]` settings (the defaults when it has none). Returns the
/// audit and the notes a run would record (how the data was read, the engine's
/// warnings).
pub fn audit(
    plan: &Plan,
    progress: &dyn Progress,
) -> Result<(oa_bundle::Audit, Vec<String>), Error> {
    let mut data = data::load(plan)?;
    let computed = index::compute(plan, &mut data, progress)?;
    let mut notes = record::data_notes(&data);
    notes.extend(record::engine_notes(&computed));
    Ok((audit::run(plan, &mut data, &computed)?, notes))
}

/// Runs only the uncertainty analysis (`oa uncertainty`): reads the data, then the Monte
/// Carlo of the study's `[uncertainty]` section.
pub fn uncertainty(plan: &Plan, progress: &dyn Progress) -> Result<oa_bundle::Uncertainty, Error> {
    let data = data::load(plan)?;
    uncertainty::run(plan, &data, progress)
}

fn check_stopped(progress: &dyn Progress) -> Result<(), Error> {
    if progress.stopped() {
        Err(Error::stopped())
    } else {
        Ok(())
    }
}

/// Results holding the index section and a manifest of the run's inputs.
fn new_results(plan: &Plan, data: &StudyData, index: Index) -> Result<Results, Error> {
    let mut results = results_without_inputs(plan, data, index);
    results.manifest.add_inputs(&data::other_inputs(plan)?);
    Ok(results)
}

/// [`new_results`] without hashing the files the optional sections name (`oa validate`
/// reports a missing one on its own).
fn results_without_inputs(plan: &Plan, data: &StudyData, index: Index) -> Results {
    let mut manifest = Manifest::new(
        VERSION,
        &plan.study,
        &plan.study_path,
        &plan.study_toml,
        &plan.data_dir,
    );
    manifest.formats = std::iter::once("csv".to_string())
        .chain(
            plan.formats
                .iter()
                .filter(|f| **f != oa_io::OutputFormat::Csv)
                .map(|f| f.extension().to_string()),
        )
        .collect();
    if let Some(n) = plan.samples {
        manifest
            .overrides
            .insert("uncertainty.samples".into(), n.into());
    }
    if let Some(s) = plan.seed {
        manifest
            .overrides
            .insert("uncertainty.seed".into(), s.into());
    }
    manifest.add_inputs(&data.inputs);
    manifest.build = Some(record::build());
    manifest.sources = record::sources(data);
    manifest.notes.extend(record::data_notes(data));
    Results {
        manifest,
        study: plan.study.clone(),
        study_toml: plan.study_toml.clone(),
        index,
        rollup: None,
        clusters: None,
        selection: None,
        funding: None,
        uncertainty: None,
        maps: None,
        audit: None,
        evaluation: None,
        report: None,
    }
}

/// The study's own index per area, as the selection takes it: the index's scores, or
/// after a roll-up the headline summary of the larger areas.
pub fn index_scores(results: &Results) -> IndexScores {
    match (&results.rollup, &results.study.rollup) {
        (Some(r), Some(section)) => {
            let headline = results.headline();
            IndexScores {
                codes: r.area_code.clone(),
                names: r.area_name.clone(),
                score: r
                    .measure(section.headline.column())
                    .map(|m| m.value.clone())
                    .unwrap_or_default(),
                direction: headline.score_direction,
            }
        }
        _ => {
            let s = &results.index.scores;
            IndexScores {
                codes: s.area_code.clone(),
                names: s.area_name.clone(),
                score: s.score.clone(),
                direction: results.study.scoring.score,
            }
        }
    }
}

/// The column the spatial stage analyses: `column` of the headline table, by default the
/// headline score.
fn analysed_column(results: &Results, column: Option<&str>) -> Result<spatial::Analysed, Error> {
    let headline = results.headline();
    let table = match &results.rollup {
        Some(r) => Rollup::to_table(r),
        None => results.index.scores.to_table(),
    };
    let column = column.unwrap_or(&headline.score);
    // Roll-up summaries other than the average score grow with deprivation.
    let direction = if column == headline.score {
        headline.score_direction
    } else if results.rollup.is_some() && column != "average_score" {
        Direction::HigherIsWorse
    } else {
        results.study.scoring.score
    };
    spatial::Analysed::from_table(&table, column, direction)
}
