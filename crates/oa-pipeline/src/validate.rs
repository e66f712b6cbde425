//! Checking a study without writing anything (`oa validate`): everything `oa run` would
//! check, with every problem reported at once instead of the first.
//!
//! The checks are the run's own code, stage by stage, so that validate and run cannot
//! disagree: every file the study names, every source (each on its own when reading them
//! together fails), the index (per indicator first: constant columns under a scale-based
//! normalisation, values <= 0 under geometric, harmonic or generalised means, results
//! that are not finite; then the whole computation), the roll-up, the boundaries of the
//! clusters (code property, every area found), the selection and funds, the uncertainty
//! settings (prepared without sampling) and the maps (drawn, not written). Only what
//! costs time and cannot fail on the input is left out: the permutations of the spatial
//! statistics and the Monte Carlo samples. A stage that needs an earlier one that failed
//! is listed as not checked.

use crate::error::{Code, Error};
use crate::plan::Plan;
use crate::{audit, data, funding, index, maps, record, rollup, selection, spatial, uncertainty};
use oa_engine::normalise::normalisation_of;
use oa_engine::{NoProgress, normalise, orient, orient_parameters};
use oa_io::StudyData;
use oa_model::Study;
use oa_model::study::{Aggregation, OutlierTreatment};

/// What `oa validate` found.
#[derive(Debug)]
pub struct Validation {
    /// The data as read (when it could be), for the report of values per indicator.
    pub data: Option<StudyData>,
    /// What was checked, one line each, in order.
    pub checked: Vec<String>,
    /// What a run would record as notes (codes re-cased or not joined, warnings, ...).
    pub notes: Vec<String>,
    /// Every problem found, in the order of the study; empty when the study is valid.
    pub problems: Vec<Error>,
}

impl Validation {
    fn problem(&mut self, e: Error) {
        if !self.problems.iter().any(|p| p.message == e.message) {
            self.problems.push(e);
        }
    }
}

/// Checks everything a run of `plan` would, without writing anything.
pub fn check(plan: &Plan) -> Validation {
    let mut v = Validation {
        data: None,
        checked: Vec::new(),
        notes: Vec::new(),
        problems: Vec::new(),
    };
    let study = &plan.study;
    let missing: Vec<String> = data::missing_files(plan)
        .into_iter()
        .map(|(key, e)| {
            v.problem(e);
            key
        })
        .collect();
    if !plan.data_dir.is_dir() {
        return v;
    }
    // A stage whose file is missing is not run (its error would repeat the missing file).
    let lacks = |prefix: &str| missing.iter().any(|k| k.starts_with(prefix));
    let mut data = match data::read(plan) {
        Ok(d) => d,
        Err(e) => {
            v.problem(e);
            // Each source on its own, so that a problem in one does not hide another's.
            for e in each_source(plan) {
                v.problem(e);
            }
            v.checked
                .push("not checked: the index and every later stage (they need the data)".into());
            return v;
        }
    };
    v.notes.extend(record::data_notes(&data));

    let indicator_problems = check_indicators(study, &data);
    let clean = indicator_problems.is_empty();
    for e in indicator_problems {
        v.problem(e);
    }
    let computed = if clean {
        match index::compute(plan, &mut data, &NoProgress) {
            Ok(r) => Some(r),
            Err(e) => {
                v.problem(e);
                None
            }
        }
    } else {
        None
    };
    let Some(computed) = computed else {
        v.checked.push(
            "not checked: the roll-up, clusters, selection, funds, uncertainty, audit and maps (they need the index)"
                .into(),
        );
        v.data = Some(data);
        return v;
    };
    v.notes.extend(record::engine_notes(&computed));
    let ranked = computed.index.rank.iter().filter(|&&r| r > 0).count();
    v.checked.push(format!(
        "index: computed, {ranked} areas ranked ({} dropped for coverage)",
        computed.dropped.len()
    ));
    let mut results =
        crate::results_without_inputs(plan, &data, index::tables(study, &data, &computed));
    if study.audit.is_some() {
        match audit::run(plan, &mut data, &computed) {
            Ok(a) => {
                v.checked.push(format!("audit: {} tables", a.tables.len()));
                results.audit = Some(a);
            }
            Err(e) => v.problem(e.context("audit")),
        }
    }
    drop(computed);

    let mut rollup_ok = true;
    if let Some(r) = &study.rollup {
        if lacks("rollup.") {
            rollup_ok = false;
            v.checked
                .push("not checked: the roll-up (a file it names is missing)".into());
        } else {
            match rollup::run(plan, r, &results.index.scores) {
                Ok(table) => {
                    v.checked.push(format!(
                        "rollup: {} {} areas from {} small areas",
                        table.len(),
                        r.to,
                        results.index.scores.len()
                    ));
                    results.rollup = Some(table);
                }
                Err(e) => {
                    rollup_ok = false;
                    v.problem(e.context("rollup"));
                }
            }
        }
    }
    let later = |what: &str| format!("not checked: {what} (it needs the roll-up)");
    if let Some(s) = &study.spatial {
        let boundaries_missing =
            lacks("spatial.") || (s.boundaries.is_none() && lacks("maps.boundaries"));
        if boundaries_missing {
            v.checked
                .push("not checked: the clusters (their boundary file is missing)".into());
        } else if rollup_ok {
            // The neighbours and statistics as the run computes them, without permutations
            // (they cannot fail on the input and take the time).
            let mut quick = s.clone();
            quick.permutations = 0;
            match crate::analysed_column(&results, s.column.as_deref())
                .and_then(|a| spatial::run(plan, &quick, a))
            {
                Ok(c) => {
                    let islands = c.neighbours.iter().filter(|&&n| n == 0).count();
                    v.checked.push(format!(
                        "clusters: every one of the {} areas has a boundary ({islands} without neighbours)",
                        c.len()
                    ));
                    results.clusters = Some(c);
                }
                Err(e) => v.problem(e.context("spatial")),
            }
        } else {
            v.checked.push(later("the clusters"));
        }
    }
    let mut selection_ok = true;
    if study.selection.is_some() {
        if lacks("selection.") {
            selection_ok = false;
            v.checked
                .push("not checked: the selection (a file it names is missing)".into());
        } else if rollup_ok {
            match selection::run(plan, Some(&crate::index_scores(&results))) {
                Ok(s) => {
                    v.checked
                        .push(format!("selection: {} areas chosen", s.selected().count()));
                    results.selection = Some(s);
                }
                Err(e) => {
                    selection_ok = false;
                    v.problem(e.context("selection"));
                }
            }
        } else {
            selection_ok = false;
            v.checked.push(later("the selection"));
        }
    }
    if !study.funds.is_empty() {
        if selection_ok {
            match funding::run(plan, results.selection.as_ref()) {
                Ok(f) => {
                    let names: Vec<&str> = f.funds.iter().map(|x| x.fund.as_str()).collect();
                    v.checked.push(format!(
                        "funds: {} allocated to the penny",
                        names.join(", ")
                    ));
                    results.funding = Some(f);
                }
                Err(e) => v.problem(e.context("funding")),
            }
        } else {
            v.checked
                .push("not checked: the funds (they need the selection)".into());
        }
    }
    if study.uncertainty.is_some() && (!rollup_ok || lacks("selection.")) {
        v.checked.push(
            "not checked: the uncertainty analysis (it redoes the roll-up and the selection, which cannot run)"
                .into(),
        );
    } else if study.uncertainty.is_some() {
        match uncertainty::prepare(plan, &data) {
            Ok(p) => v.checked.push(format!(
                "uncertainty: settings checked and the analysis prepared over {} areas (no samples drawn)",
                p.units()
            )),
            Err(e) => v.problem(e.context("uncertainty")),
        }
    }
    if study.maps.is_some() && lacks("maps.") {
        v.checked
            .push("not checked: the maps (their boundary file is missing)".into());
    } else if study.maps.is_some() {
        match maps::run(&results, &plan.data_dir) {
            Ok((m, notes)) => {
                v.checked
                    .push(format!("maps: {} drawn (not written)", m.maps.len()));
                v.notes.extend(notes);
            }
            Err(e) => v.problem(e.context("maps")),
        }
    }
    v.data = Some(data);
    v
}

/// Reading each source alone (after reading them together failed): every source's
/// problem, not only the first.
fn each_source(plan: &Plan) -> Vec<Error> {
    let study = &plan.study;
    let mut problems = Vec::new();
    for source in &study.sources {
        let mut alone = study.clone();
        alone
            .indicators
            .retain(|i| study.source_of(i).is_some_and(|s| s.id == source.id));
        if alone.indicators.is_empty() {
            continue;
        }
        alone.sources.retain(|s| s.id == source.id);
        if let Err(e) = oa_io::load_study_data(&alone, &plan.data_dir) {
            problems.push(Error::new(Code::DataMalformed, e.to_string()));
        }
    }
    problems
}

/// Per indicator, what the engine would refuse before aggregating: no value in the areas
/// kept, a constant column under a scale-based normalisation, a normalisation that does
/// not fit, results that are not finite, and values <= 0 under a mean that needs them
/// positive. The engine repeats these checks (and is the reference); here each
/// indicator's problem is found, not only the first.
fn check_indicators(study: &Study, data: &StudyData) -> Vec<Error> {
    let index_failed = |e: oa_engine::EngineError| Error::new(Code::IndexFailed, e.to_string());
    let coverage = oa_engine::coverage(&data.columns);
    let (kept, _) = oa_engine::screen(&coverage, study.method.missing.min_coverage);
    if kept.is_empty() {
        return Vec::new(); // the engine's own message says it best
    }
    let mut problems = Vec::new();
    for (i, ind) in study.indicators.iter().enumerate() {
        let mut values: Vec<f64> = kept.iter().map(|&a| data.columns[i][a]).collect();
        if values.iter().all(|x| x.is_nan()) {
            problems.push(index_failed(oa_engine::EngineError::AllMissing {
                subject: ind.id.clone(),
            }));
            continue;
        }
        if study.method.outliers == OutlierTreatment::Jrc {
            oa_engine::treat_outliers_jrc(&mut values);
        }
        let flipped = orient(&mut values, ind.direction, study.scoring.score);
        let (norm, target) =
            orient_parameters(normalisation_of(ind, &study.method), ind.target, flipped);
        let column = match normalise(&values, &norm, target) {
            Ok(c) => c,
            Err(e) => {
                problems.push(index_failed(e.about(&ind.id)));
                continue;
            }
        };
        if let Some(a) = (0..column.len()).find(|&a| !values[a].is_nan() && !column[a].is_finite())
        {
            problems.push(Error::new(
                Code::IndexFailed,
                format!(
                    "indicator `{}`: its `{}` normalisation gives {} for area {}; rescale the indicator (e.g. thousands instead of units)",
                    ind.id,
                    norm.name(),
                    column[a],
                    data.area_codes[kept[a]]
                ),
            ));
            continue;
        }
        let parent = ind.group.as_deref();
        let aggregation = parent
            .and_then(|g| study.groups.iter().find(|x| x.id == g))
            .and_then(|g| g.aggregation)
            .unwrap_or(study.method.aggregation);
        let needs_positive = match aggregation {
            Aggregation::Geometric | Aggregation::Harmonic => true,
            Aggregation::GeneralisedMean { p } => !(p > 0.0 && p.fract() == 0.0),
            _ => false,
        };
        if needs_positive
            && ind.weight != 0.0
            && let Some(a) = column.iter().position(|&x| x <= 0.0)
        {
            problems.push(Error::new(
                Code::IndexFailed,
                format!(
                    "indicator `{}`: {} aggregation of {} needs values > 0, but its normalised value for area {} is {}; normalise onto a positive range (e.g. min_max with low = 1) or use arithmetic aggregation",
                    ind.id,
                    aggregation.name(),
                    parent.map_or("the index".to_string(), |g| format!("group `{g}`")),
                    data.area_codes[kept[a]],
                    column[a]
                ),
            ));
        }
    }
    problems
}
