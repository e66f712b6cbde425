//! The evaluation stage: did the chosen areas improve, compared with areas like them?
//!
//! For each outcome of `[evaluation]`: read the panel as published (`oa_io::read_panel`,
//! path relative to the data directory, its digest recorded as an input), map its codes
//! onto one boundary vintage (ONS change list through `oa_geo`, counts summed over
//! mergers) and, with `units = "areas"`, group an area's districts into one unit; take
//! treatment from the study's own selection (the selected areas, their districts and
//! waves) or its list; build the comparison sets (near-misses = long-listed but not
//! chosen, from the selection in memory); run `oa_evaluation::evaluate`; draw the charts
//! and write the words. [`evaluate_panel`] is the quick form: one panel file, no study.

use crate::error::{Code, Error};
use crate::plan::Plan;
use oa_bundle::{Evaluation as Section, EvaluationChart, PathPoint, Selection};
use oa_evaluation::chart::{EventPoint, event_study_chart, placebo_chart, synthetic_chart};
use oa_evaluation::comparison::ComparisonSpec;
use oa_evaluation::cs::{BasePeriod, ControlGroup, CsOptions};
use oa_evaluation::narrative::{Wording, evaluation_markdown};
use oa_evaluation::panel::compose_maps;
use oa_evaluation::rd::{RdOptions, SelectedSide, fuzzy_discontinuity, regression_discontinuity};
use oa_evaluation::sc::Predictor;
use oa_evaluation::sdid::Variance;
use oa_evaluation::{
    Balance, Estimand, Evaluation, EvaluationSpec, Method, Panel, PanelBuilder, PartlyTreated,
    Period, Randomisation, Treatment, Value, rd_rows,
};
use oa_io::{FileDigest, PanelLayout, PanelSource, PanelValue, read_panel};
use oa_model::study::evaluation::{
    BalanceChoice, BaseChoice, ComparisonKind, ControlChoice, Discontinuity, EvaluationMethod,
    EvaluationSection, Outcome, PanelLayoutChoice, PartlyTreatedChoice, PermuteOver,
    TreatmentSource, UnitChoice, VarianceChoice,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The ONS change list that maps district codes across boundary changes (with the
/// boundaries of [`crate::maps::DEFAULT_BOUNDARIES`], which say when each code was valid).
pub const CHANGES: &str = "lookups/onsvisual-uk-topojson/changes.csv";

/// What the stage produced: the bundle section, the files it read and notes.
pub struct Output {
    pub section: Section,
    pub inputs: Vec<FileDigest>,
    pub notes: Vec<String>,
}

fn failed(key: &str, message: impl std::fmt::Display) -> Error {
    Error::new(Code::StageFailed, format!("evaluation.{key}: {message}"))
}

/// Runs `[evaluation]` on the study's data; `selection` is the selection stage's result.
pub fn run(
    plan: &Plan,
    section: &EvaluationSection,
    selection: Option<&Selection>,
) -> Result<Output, Error> {
    let mut inputs = Vec::new();
    let mut evaluations = Vec::new();
    let registry = if section.outcomes.iter().any(|o| o.boundaries.is_some()) {
        let topo = plan.data_path(crate::maps::DEFAULT_BOUNDARIES);
        let changes = plan.data_path(CHANGES);
        for (p, rel) in [
            (&topo, crate::maps::DEFAULT_BOUNDARIES),
            (&changes, CHANGES),
        ] {
            if !p.is_file() {
                return Err(Error::new(
                    Code::DataMissing,
                    format!(
                        "evaluation.outcomes.boundaries: {} is missing from the data directory; it holds the ONS codes and changes that map districts across boundary changes",
                        rel
                    ),
                ));
            }
            inputs.push(
                oa_io::digest::digest_file(p, rel)
                    .map_err(|e| Error::new(Code::DataMissing, format!("{rel}: {e}")))?,
            );
        }
        Some(
            oa_geo::Registry::load(&topo, "ltla", &changes)
                .map_err(|e| failed("outcomes.boundaries", e))?,
        )
    } else {
        None
    };
    let areas = area_units(plan, section);
    // The running measure in words (its name in `[[selection.measures]]`, else its id).
    let discontinuity_named = section.discontinuity.as_ref().map(|d| {
        let name = plan
            .study
            .selection
            .as_ref()
            .and_then(|s| s.measures.iter().find(|m| m.id == d.running))
            .map(|m| m.name.as_str())
            .filter(|n| !n.is_empty())
            .unwrap_or(&d.running);
        (d, name)
    });
    for (i, outcome) in section.outcomes.iter().enumerate() {
        let key = format!("outcomes[{i}]");
        let (observations, digest) = read_outcome(plan, &key, outcome)?;
        inputs.push(digest);
        let mut map = match (&outcome.boundaries, &registry) {
            (Some(b), Some(r)) => r
                .mergers_onto(b.from, b.to)
                .map_err(|e| failed(&format!("{key}.boundaries"), e))?,
            _ => BTreeMap::new(),
        };
        if let Some(areas) = &areas {
            map = compose_maps(&map, areas);
        }
        let mut builder = PanelBuilder::new(outcome.id.clone())
            .scale(outcome.scale)
            .map_codes(map);
        for b in &outcome.breaks {
            let at = Period::parse(&b.at).map_err(|e| failed(&format!("{key}.breaks"), e))?;
            builder = builder.series_break(at, b.reason.clone());
        }
        builder.extend(observations);
        let mut panel = builder
            .build(balance(outcome.balance))
            .map_err(|e| failed(&key, format!("{}: {e}", outcome.path)))?;
        if let Some(w) = &outcome.periods {
            let period = |t: &Option<String>| t.as_deref().map(Period::parse).transpose();
            let from = period(&w.from).map_err(|e| failed(&format!("{key}.periods"), e))?;
            let to = period(&w.to).map_err(|e| failed(&format!("{key}.periods"), e))?;
            panel = panel
                .window(from, to)
                .map_err(|e| failed(&format!("{key}.periods"), e))?;
        }
        let treated = treated_codes(section, outcome, selection, areas.is_some())?;
        let treatment = Treatment::from_first_treated(
            &panel,
            &treated,
            section.anticipation,
            partly(section.partly_treated),
        )
        .map_err(|e| failed(&format!("{key} ({})", outcome.path), e))?;
        let spec = spec(section, selection, &panel, &treatment, areas.as_ref())?;
        let mut ev = oa_evaluation::evaluate(&panel, &treatment, &spec)
            .map_err(|e| failed(&format!("{key} ({})", outcome.path), e))?;
        if let Some((d, running)) = &discontinuity_named {
            discontinuity(
                d,
                running,
                section.level,
                selection,
                &panel,
                &treatment,
                &mut ev,
            )?;
        }
        evaluations.push((wording(outcome), ev));
    }
    let notes = evaluations
        .iter()
        .flat_map(|(w, ev)| ev.notes.iter().map(move |n| format!("{}: {n}", w.outcome)))
        .collect();
    Ok(Output {
        section: assemble(&evaluations),
        inputs,
        notes,
    })
}

/// With `units = "areas"`: each district of a `[[selection.areas]]` entry goes to the
/// area's id.
fn area_units(plan: &Plan, section: &EvaluationSection) -> Option<BTreeMap<String, String>> {
    if section.units != UnitChoice::Areas {
        return None;
    }
    let s = plan.study.selection.as_ref()?;
    Some(
        s.areas
            .iter()
            .flat_map(|a| a.districts.iter().map(|d| (d.clone(), a.id.clone())))
            .collect(),
    )
}

fn read_outcome(
    plan: &Plan,
    key: &str,
    o: &Outcome,
) -> Result<(Vec<oa_evaluation::Observation>, FileDigest), Error> {
    let path = plan.data_path(&o.path);
    if !path.is_file() {
        return Err(Error::new(
            Code::DataMissing,
            format!(
                "evaluation.{key}.path: {} does not exist under the data directory {}; check the path or pass --data-dir",
                o.path,
                plan.data_dir.display()
            ),
        ));
    }
    let layout = match o.layout {
        PanelLayoutChoice::Long => PanelLayout::Long {
            period_column: o.period_column.clone().unwrap_or_default(),
            value: match (&o.value_column, &o.numerator, &o.denominator) {
                (Some(c), _, _) => PanelValue::Column(c.clone()),
                (None, Some(n), Some(d)) => PanelValue::Counts {
                    numerator: n.names(),
                    denominator: d.clone(),
                },
                // The study's validation allows nothing else.
                _ => {
                    return Err(failed(
                        &format!("{key}.value_column"),
                        "give `value_column`, or `numerator` and `denominator`",
                    ));
                }
            },
        },
        PanelLayoutChoice::Wide => PanelLayout::Wide {
            periods: o.period_columns.clone(),
        },
    };
    let source = PanelSource {
        path: o.path.clone(),
        format: None,
        sheet: o.sheet.clone(),
        header_row: o.header_row,
        unit_column: o.unit_column.clone(),
        layout,
        filters: o.filters.clone(),
        missing_markers: o.missing_markers.clone(),
        delimiter: o.delimiter,
    };
    let rows = read_panel(&path, &source).map_err(|e| {
        Error::new(
            Code::DataMalformed,
            format!("evaluation.{key} ({}): {e}", o.path),
        )
    })?;
    if rows.observations.is_empty() {
        return Err(Error::new(
            Code::DataMalformed,
            format!(
                "evaluation.{key} ({}): no rows are left after the filters; check `filters` and the column names",
                o.path
            ),
        ));
    }
    Ok((rows.observations, rows.digest))
}

/// Treated codes with their first treated period: from the selection (each selected
/// area's districts, or the area itself as one unit, from its wave's period) or listed.
fn treated_codes(
    section: &EvaluationSection,
    outcome: &Outcome,
    selection: Option<&Selection>,
    as_areas: bool,
) -> Result<Vec<(String, Period)>, Error> {
    let parse = |key: &str, text: &str| Period::parse(text).map_err(|e| failed(key, e));
    let default = match (&outcome.first_treated, &section.first_treated) {
        (Some(p), _) => Some(parse("outcomes.first_treated", p)?),
        (None, Some(p)) => Some(parse("first_treated", p)?),
        (None, None) => None,
    };
    match section.treatment {
        TreatmentSource::Listed => section
            .treated
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let p = match (&t.first_treated, outcome.first_treated.is_some()) {
                    (Some(p), false) => parse(&format!("treated[{i}].first_treated"), p)?,
                    _ => default
                        .ok_or_else(|| failed("first_treated", "say when treatment starts"))?,
                };
                Ok((t.unit.clone(), p))
            })
            .collect(),
        TreatmentSource::Selection => {
            let sel = selection.ok_or_else(|| {
                failed(
                    "treatment",
                    "the treated areas come from the selection, but the study ran no selection; add [selection] or set `treatment = \"listed\"`",
                )
            })?;
            let mut out = Vec::new();
            for a in sel.selected() {
                let wave = a
                    .wave
                    .as_ref()
                    .and_then(|w| section.wave_first_treated.get(w));
                let period = match (wave, outcome.first_treated.is_some()) {
                    (Some(p), false) => parse(&format!("wave_first_treated.{}", a.wave.as_deref().unwrap_or_default()), p)?,
                    _ => default.ok_or_else(|| {
                        failed(
                            "first_treated",
                            format!(
                                "area {} ({}) has no first treated period; set `first_treated` or one for its wave in `wave_first_treated`",
                                a.area_id, a.area_name
                            ),
                        )
                    })?,
                };
                if as_areas {
                    out.push((a.area_id.clone(), period));
                } else {
                    out.extend(a.districts.iter().map(|d| (d.clone(), period)));
                }
            }
            if out.is_empty() {
                return Err(failed(
                    "treatment",
                    "the selection chose no areas, so there is nothing to evaluate",
                ));
            }
            Ok(out)
        }
    }
}

/// The codes of selection rows as units of the panel (area ids or their districts).
fn codes_of<'a>(
    rows: impl Iterator<Item = &'a oa_bundle::SelectedArea>,
    as_areas: bool,
) -> Vec<String> {
    let mut out: Vec<String> = rows
        .flat_map(|a| {
            if as_areas {
                vec![a.area_id.clone()]
            } else {
                a.districts.clone()
            }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// `per_row[i]` of every selection row whose area or districts make up panel unit `u`.
fn rows_of_unit<'a, T: Copy>(
    sel: &'a Selection,
    per_row: &'a [T],
    panel: &'a Panel,
    u: usize,
) -> impl Iterator<Item = T> + 'a {
    let codes: BTreeSet<&str> = panel
        .members(u)
        .iter()
        .map(String::as_str)
        .chain([panel.units()[u].as_str()])
        .collect();
    sel.areas
        .iter()
        .zip(per_row)
        .filter(move |(a, _)| {
            codes.contains(a.area_id.as_str())
                || a.districts.iter().any(|d| codes.contains(d.as_str()))
        })
        .map(|(_, &v)| v)
}

/// A selection measure as a value per panel unit: the mean over the selection rows whose
/// districts make up the unit.
fn measure_per_unit(
    key: &str,
    id: &str,
    selection: Option<&Selection>,
    panel: &Panel,
) -> Result<Predictor, Error> {
    let sel = selection.ok_or_else(|| {
        failed(
            key,
            format!("measure `{id}` comes from the selection, but the study ran none"),
        )
    })?;
    let values = if id == oa_model::study::selection::INDEX_MEASURE {
        sel.areas.iter().map(|a| a.need).collect()
    } else {
        sel.measure_values(id)
            .ok_or_else(|| failed(key, format!("the selection has no measure `{id}`")))?
    };
    let mut out = Vec::with_capacity(panel.n_units());
    for u in 0..panel.n_units() {
        let found: Vec<f64> = rows_of_unit(sel, &values, panel, u)
            .filter(|v: &f64| v.is_finite())
            .collect();
        if found.is_empty() {
            return Err(failed(
                key,
                format!(
                    "area {} of the panel has no value of `{id}` in the selection; match on measures every area has, or leave the area out of the panel",
                    panel.units()[u]
                ),
            ));
        }
        out.push(found.iter().sum::<f64>() / found.len() as f64);
    }
    Ok(Predictor {
        name: id.to_string(),
        values: out,
    })
}

fn spec(
    section: &EvaluationSection,
    selection: Option<&Selection>,
    panel: &Panel,
    treatment: &Treatment,
    areas: Option<&BTreeMap<String, String>>,
) -> Result<EvaluationSpec, Error> {
    let as_areas = areas.is_some();
    let mut methods = Vec::new();
    for m in &section.methods {
        methods.push(match m {
            EvaluationMethod::Did => Method::Did,
            EvaluationMethod::Cs => Method::Cs,
            EvaluationMethod::Sc => Method::Sc,
            EvaluationMethod::Sdid => Method::Sdid,
            EvaluationMethod::Ri => Method::Ri,
            // Needs the selection's ranks: run by `discontinuity` after the others.
            EvaluationMethod::Rd => continue,
        });
    }
    let mut comparisons = Vec::new();
    for (i, c) in section.comparisons.iter().enumerate() {
        let key = format!("comparisons[{i}]");
        let spec = match c.kind {
            ComparisonKind::NeverTreated => ComparisonSpec::NeverTreated,
            ComparisonKind::NotYetTreated => ComparisonSpec::NotYetTreated,
            ComparisonKind::Listed => ComparisonSpec::Listed {
                units: c.units.clone(),
            },
            ComparisonKind::NearMisses if !c.units.is_empty() => ComparisonSpec::NearMisses {
                units: c.units.clone(),
            },
            ComparisonKind::NearMisses => {
                let sel = selection.ok_or_else(|| {
                    failed(&key, "near-misses come from the selection's long list, but the study ran no selection")
                })?;
                let units = codes_of(
                    sel.areas.iter().filter(|a| a.on_long_list && !a.selected),
                    as_areas,
                );
                if units.is_empty() {
                    return Err(failed(
                        &key,
                        "every long-listed area was selected, so there are no near-misses; use another comparison",
                    ));
                }
                ComparisonSpec::NearMisses { units }
            }
            ComparisonKind::NearestNeighbours => ComparisonSpec::NearestNeighbours {
                k: c.k.unwrap_or(1),
                covariates: c
                    .covariates
                    .iter()
                    .map(|m| measure_per_unit(&format!("{key}.covariates"), m, selection, panel))
                    .collect::<Result<_, _>>()?,
            },
        };
        comparisons.push((c.id.clone(), spec));
    }
    let randomisation = match &section.randomisation {
        None => Randomisation::default(),
        Some(r) => {
            let (universe, strata) = match (r.over, selection) {
                (PermuteOver::LongList, Some(sel)) => {
                    let rows: Vec<&oa_bundle::SelectedArea> = sel
                        .areas
                        .iter()
                        .filter(|a| a.on_long_list || a.selected)
                        .collect();
                    universe_units(&rows, as_areas, r.by_region, panel, treatment)
                }
                (PermuteOver::LongList, None) => {
                    return Err(failed(
                        "randomisation.over",
                        "permuting over the long list needs the selection; set `over = \"comparison\"`",
                    ));
                }
                (PermuteOver::Comparison, _) => (Vec::new(), Vec::new()),
            };
            Randomisation {
                universe,
                strata,
                draws: r.draws,
                max_exact: r.max_exact,
            }
        }
    };
    let sc_predictors = section
        .sc_predictors
        .iter()
        .map(|m| measure_per_unit("sc_predictors", m, selection, panel))
        .collect::<Result<Vec<_>, _>>()?;
    let mut sc = oa_evaluation::sc::ScOptions {
        outcome_lags: sc_predictors.is_empty(),
        predictors: sc_predictors,
        ..Default::default()
    };
    sc.seed = section.seed;
    Ok(EvaluationSpec {
        methods,
        comparisons,
        cs: CsOptions {
            control: match section.control {
                ControlChoice::NeverTreated => ControlGroup::NeverTreated,
                ControlChoice::NotYetTreated => ControlGroup::NotYetTreated,
            },
            base: match section.base_period {
                BaseChoice::Varying => BasePeriod::Varying,
                BaseChoice::Universal => BasePeriod::Universal,
            },
            bootstrap: (section.bootstrap > 0).then_some(section.bootstrap),
            seed: section.seed,
            level: section.level,
        },
        sdid_variance: match section.variance {
            VarianceChoice::Placebo => Variance::Placebo,
            VarianceChoice::Bootstrap => Variance::Bootstrap,
            VarianceChoice::Jackknife => Variance::Jackknife,
        },
        replications: section.placebos,
        sc,
        randomisation,
        sdid_units: true,
        seed: section.seed,
        level: section.level,
    })
}

/// `rd`: the jump at `[evaluation.discontinuity]`'s cut in each unit's change (mean after
/// minus mean before treatment) along its rank on the running measure. Being ranked inside
/// the cut made an area eligible, not chosen, so the estimate is the effect of
/// eligibility; the jump in the share chosen and, when it is at least half, their ratio
/// with its delta-method interval (the effect of being chosen, if eligibility acted only
/// through the choice) are notes.
fn discontinuity(
    d: &Discontinuity,
    running: &str,
    level: f64,
    selection: Option<&Selection>,
    panel: &Panel,
    treatment: &Treatment,
    ev: &mut Evaluation,
) -> Result<(), Error> {
    let key = "discontinuity.running";
    let sel = selection.ok_or_else(|| {
        failed(
            key,
            "the running ranks come from the selection, but the study ran none",
        )
    })?;
    let ranks: Vec<u32> = if d.running == oa_model::study::selection::INDEX_MEASURE {
        sel.areas.iter().map(|a| a.rank).collect()
    } else {
        let m = sel
            .measures
            .iter()
            .position(|m| *m == d.running)
            .ok_or_else(|| failed(key, format!("the selection has no measure `{}`", d.running)))?;
        sel.areas.iter().map(|a| a.measure_ranks[m]).collect()
    };
    let Some(&start) = treatment.groups().iter().min() else {
        return Err(failed(
            key,
            "no area is treated, so there is no change to compare",
        ));
    };
    let pre: Vec<usize> = (0..start.saturating_sub(treatment.anticipation())).collect();
    let post: Vec<usize> = (start..panel.n_periods()).collect();
    let mean = |u: usize, ts: &[usize]| {
        ts.iter().map(|&t| panel.value(u, t)).sum::<f64>() / ts.len() as f64
    };
    let (mut x, mut y, mut chosen) = (Vec::new(), Vec::new(), Vec::new());
    let mut merged = 0;
    for u in 0..panel.n_units() {
        if treatment.is_excluded(u) {
            continue;
        }
        let rows: Vec<u32> = rows_of_unit(sel, &ranks, panel, u).collect();
        match rows.as_slice() {
            [] => continue,
            [r] => {
                let change = mean(u, &post) - mean(u, &pre);
                if change.is_finite() {
                    x.push(f64::from(*r));
                    y.push(change);
                    chosen.push(if treatment.first_treated(u).is_some() {
                        1.0
                    } else {
                        0.0
                    });
                }
            }
            _ => merged += 1,
        }
    }
    let mut options = RdOptions::new(d.cut as f64 + 0.5, SelectedSide::Below);
    options.bandwidth = d.bandwidth;
    options.level = level;
    let rd = regression_discontinuity(&x, &y, &options).map_err(|e| failed("discontinuity", e))?;
    let mut first = options.clone();
    first.bandwidth = Some(rd.main.bandwidth);
    first.multiples.clear();
    let jump = regression_discontinuity(&x, &chosen, &first)
        .map_err(|e| failed("discontinuity", e))?
        .main
        .estimate;
    ev.rows
        .extend(rd_rows(&rd, &ev.outcome, oa_evaluation::SELECTION_CUT));
    // Below half, the ratio of two noisy jumps is too unstable to print as an effect.
    ev.notes.push(format!(
        "Regression discontinuity: {} areas ranked on {running}, cut after rank {}, bandwidth {:.1} ranks. Being inside the cut made an area eligible, not chosen: the share chosen jumps by {:.2} at the cut, {}.",
        x.len(),
        d.cut,
        rd.main.bandwidth,
        jump,
        if jump.abs() >= 0.5 {
            let ratio = rd.main.estimate / jump;
            // The interval is a note's detail: without it the ratio is still said.
            let interval = fuzzy_discontinuity(&x, &y, &chosen, &first, rd.main.bandwidth)
                .map(|f| {
                    format!(
                        "; {:.0}% interval {:.2} to {:.2}",
                        100.0 * level,
                        f.ci_low,
                        f.ci_high
                    )
                })
                .unwrap_or_default();
            format!(
                "so the effect of being chosen would be about {ratio:.2} (the eligibility effect divided by that jump, assuming eligibility acted only through the choice{interval})"
            )
        } else {
            "too small a jump to turn the eligibility effect into an effect of being chosen, so the estimate says only whether eligibility mattered".to_string()
        }
    ));
    if merged > 0 {
        ev.notes.push(format!(
            "Regression discontinuity: {merged} area{} of the panel merge districts with different ranks, so {} left out.",
            if merged == 1 { "" } else { "s" },
            if merged == 1 { "it is" } else { "they are" }
        ));
    }
    Ok(())
}

/// The long list's units present in the panel (a district merged into a larger unit
/// stands for that unit once), with their regions when the quotas are kept.
fn universe_units(
    rows: &[&oa_bundle::SelectedArea],
    as_areas: bool,
    by_region: bool,
    panel: &Panel,
    treatment: &Treatment,
) -> (Vec<String>, Vec<String>) {
    let mut seen = BTreeSet::new();
    let mut universe = Vec::new();
    let mut strata = Vec::new();
    for a in rows {
        let codes = if as_areas {
            vec![a.area_id.clone()]
        } else {
            a.districts.clone()
        };
        for code in codes {
            let Some(u) = panel.unit_index(&code) else {
                continue;
            };
            if treatment.is_excluded(u) || !seen.insert(u) {
                continue;
            }
            universe.push(code);
            if by_region {
                strata.push(a.region.clone());
            }
        }
    }
    (universe, strata)
}

fn balance(b: BalanceChoice) -> Balance {
    match b {
        BalanceChoice::Strict => Balance::Strict,
        BalanceChoice::DropUnits => Balance::DropUnits,
        BalanceChoice::DropPeriods => Balance::DropPeriods,
    }
}

fn partly(p: PartlyTreatedChoice) -> PartlyTreated {
    match p {
        PartlyTreatedChoice::Error => PartlyTreated::Error,
        PartlyTreatedChoice::Treated => PartlyTreated::Treated,
        PartlyTreatedChoice::Exclude => PartlyTreated::Exclude,
    }
}

fn wording(o: &Outcome) -> Wording {
    Wording {
        outcome: if o.name.is_empty() {
            o.id.clone()
        } else {
            o.name.clone()
        },
        units: o.units.clone(),
        higher_is_better: Some(o.higher_is_better),
        decimals: 2,
    }
}

/// The bundle section of one or more outcomes' evaluations: their rows, weights and
/// paths in order, the words one after another and every chart (sorted by name).
pub fn assemble(evaluations: &[(Wording, Evaluation)]) -> Section {
    let mut section = Section::default();
    let mut words = Vec::new();
    for (wording, ev) in evaluations {
        section.estimates.extend(ev.rows.iter().cloned());
        section.weights.extend(ev.weights.iter().cloned());
        for p in &ev.paths {
            for (t, period) in p.periods.iter().enumerate() {
                section.paths.push(PathPoint {
                    method: p.method,
                    outcome: p.outcome.clone(),
                    comparison: p.comparison.clone(),
                    unit: p.unit.clone(),
                    period: period.clone(),
                    treated: t >= p.first_treated,
                    actual: p.actual[t],
                    synthetic: p.synthetic[t],
                });
            }
        }
        words.push(evaluation_markdown(ev, wording));
        section.charts.extend(charts(wording, ev));
    }
    section.markdown = words.join("\n");
    section.charts.sort_by(|a, b| a.name.cmp(&b.name));
    section.charts.dedup_by(|a, b| a.name == b.name);
    section
}

/// A name part that is safe in a file name: letters, digits, `-` and `_`.
fn file_part(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// The event study (Callaway-Sant'Anna's event times) per comparison, each synthetic
/// control path, and the placebo gaps per comparison.
fn charts(w: &Wording, ev: &Evaluation) -> Vec<EvaluationChart> {
    let units = if w.units.is_empty() {
        ev.outcome.clone()
    } else {
        w.units.clone()
    };
    let outcome = file_part(&ev.outcome);
    let mut out = Vec::new();
    for c in &ev.comparisons {
        let points: Vec<EventPoint> = ev
            .rows
            .iter()
            .filter(|r| {
                r.method == Method::Cs
                    && r.estimand == Estimand::Event
                    && r.comparison == c.id
                    && r.period != oa_evaluation::result::ALL
            })
            .filter_map(|r| {
                Some(EventPoint {
                    event_time: r.period.parse().ok()?,
                    estimate: r.estimate,
                    low: r.ci_low,
                    high: r.ci_high,
                    flagged: ev.pretrends.iter().any(|p| {
                        p.flagged
                            && p.comparison == r.comparison
                            && p.event_time.to_string() == r.period
                    }),
                })
            })
            .collect();
        if !points.is_empty() {
            out.push(EvaluationChart {
                name: format!("evaluation_event_{outcome}_{}.svg", file_part(&c.id)),
                svg: event_study_chart(
                    &format!("{}: effect by years since treatment ({})", w.outcome, c.id),
                    &units,
                    &points,
                ),
            });
        }
    }
    for p in ev.paths.iter().filter(|p| p.method == Method::Sc) {
        out.push(EvaluationChart {
            name: format!(
                "evaluation_synthetic_{outcome}_{}_{}.svg",
                file_part(&p.comparison),
                file_part(&p.unit)
            ),
            svg: synthetic_chart(
                &format!("{} in {} and its synthetic comparison", w.outcome, p.unit),
                &units,
                p,
            ),
        });
    }
    for g in &ev.placebos {
        out.push(EvaluationChart {
            name: format!(
                "evaluation_placebos_{outcome}_{}.svg",
                file_part(&g.comparison)
            ),
            svg: placebo_chart(
                &format!(
                    "{}: gaps of the treated areas and of every placebo",
                    w.outcome
                ),
                &units,
                g,
            ),
        });
    }
    out
}

/// How the quick form is told who is treated.
#[derive(Debug, Clone, PartialEq)]
pub enum QuickTreatment {
    /// A 0/1 column per row (as `synthdid` takes it).
    Indicator(String),
    /// The first treated period per unit; 0 or empty = never (as `csdid` takes it).
    FirstTreated(String),
}

/// The quick form: one panel file, no study (`oa evaluate --panel FILE ...`).
#[derive(Debug, Clone, PartialEq)]
pub struct QuickPanel {
    /// How the file is named in messages.
    pub label: String,
    pub unit: String,
    pub period: String,
    pub outcome: String,
    pub treatment: QuickTreatment,
    pub methods: Vec<Method>,
    pub control: ControlGroup,
    /// did/sdid placebo replications.
    pub placebos: usize,
    pub seed: u64,
}

/// Runs the quick form on the panel file at `path`.
pub fn evaluate_panel(path: &Path, q: &QuickPanel) -> Result<Section, Error> {
    if !path.is_file() {
        return Err(Error::new(
            Code::DataMissing,
            format!("--panel: {} does not exist", q.label),
        ));
    }
    let read = |column: &str| {
        read_panel(
            path,
            &PanelSource::long(
                &q.label,
                &q.unit,
                &q.period,
                PanelValue::Column(column.to_string()),
            ),
        )
        .map_err(|e| Error::new(Code::DataMalformed, e.to_string()))
    };
    let eval =
        |e: oa_evaluation::EvalError| Error::new(Code::StageFailed, format!("{}: {e}", q.label));
    let rows = read(&q.outcome)?;
    let mut builder = PanelBuilder::new(q.outcome.clone());
    builder.extend(rows.observations);
    let panel = builder.build(Balance::Strict).map_err(eval)?;
    let treatment = match &q.treatment {
        QuickTreatment::Indicator(column) => {
            let flags = read(column)?;
            let nt = panel.n_periods();
            let mut treated = vec![false; panel.n_units() * nt];
            for o in flags.observations {
                let on = match o.value {
                    Value::Number(0.0) => false,
                    Value::Number(1.0) => true,
                    _ => {
                        return Err(Error::new(
                            Code::DataMalformed,
                            format!(
                                "{}: column `{column}` must hold 0 or 1 (treated in that period); fix the cell or use --first-treated",
                                o.origin
                            ),
                        ));
                    }
                };
                if let (Some(u), Some(t)) =
                    (panel.unit_index(&o.code), panel.period_index(o.period))
                {
                    treated[u * nt + t] = on;
                }
            }
            Treatment::from_indicator(&panel, &treated, 0).map_err(eval)?
        }
        QuickTreatment::FirstTreated(column) => {
            let groups = read(column)?;
            let kind = panel.periods()[0].kind();
            let mut first: BTreeMap<String, (Period, String)> = BTreeMap::new();
            for o in groups.observations {
                let g = match o.value {
                    Value::Number(0.0) => continue,
                    Value::Missing => continue,
                    Value::Number(g) if g.fract() == 0.0 && g > 0.0 => g,
                    _ => {
                        return Err(Error::new(
                            Code::DataMalformed,
                            format!(
                                "{}: column `{column}` must hold the first treated period (a year such as 2007), or 0 or empty for never treated",
                                o.origin
                            ),
                        ));
                    }
                };
                let text = format!("{g}");
                let period = Period::parse(&text)
                    .ok()
                    .filter(|p| p.kind() == kind)
                    .or_else(|| panel.periods().iter().copied().find(|p| p.code() == text))
                    .ok_or_else(|| {
                        Error::new(
                            Code::DataMalformed,
                            format!(
                                "{}: column `{column}`: `{text}` is not a period like those of `{}`",
                                o.origin, q.period
                            ),
                        )
                    })?;
                if let Some((p, origin)) = first.get(&o.code)
                    && *p != period
                {
                    return Err(Error::new(
                        Code::DataMalformed,
                        format!(
                            "{}: unit `{}` has first treated period {period} here but {p} at {origin}; give one per unit",
                            o.origin, o.code
                        ),
                    ));
                }
                first.insert(o.code, (period, o.origin));
            }
            let treated: Vec<(String, Period)> =
                first.into_iter().map(|(c, (p, _))| (c, p)).collect();
            Treatment::from_first_treated(&panel, &treated, 0, PartlyTreated::Error)
                .map_err(eval)?
        }
    };
    if q.methods.is_empty() {
        return Err(Error::new(
            Code::StudyInvalid,
            "--method: name at least one of did, cs, sc, sdid",
        ));
    }
    let not_yet = q.control == ControlGroup::NotYetTreated;
    let spec = EvaluationSpec {
        methods: q.methods.clone(),
        comparisons: vec![if not_yet {
            ("not_yet_treated".into(), ComparisonSpec::NotYetTreated)
        } else {
            ("never_treated".into(), ComparisonSpec::NeverTreated)
        }],
        cs: CsOptions {
            control: q.control,
            seed: q.seed,
            ..CsOptions::default()
        },
        replications: q.placebos,
        seed: q.seed,
        ..EvaluationSpec::default()
    };
    let ev = oa_evaluation::evaluate(&panel, &treatment, &spec).map_err(eval)?;
    let wording = Wording {
        outcome: q.outcome.clone(),
        units: String::new(),
        higher_is_better: None,
        decimals: 4,
    };
    Ok(assemble(&[(wording, ev)]))
}
