//! The selection stage (and the work behind `oa select`): read the districts and measures
//! the study's `[selection]` names, choose with `oa-targeting`, and explain every area.
//! The study's own index enters as a measure from memory (the index's scores, or the
//! roll-up's headline after a roll-up).

use crate::error::{Code, Error};
use crate::plan::Plan;
use oa_bundle::SelectedArea;
use oa_model::study::Direction;
use oa_model::study::Source;
use oa_model::study::selection::{Better, INDEX_MEASURE, Measure, RowAggregate, Selection};
use oa_targeting::explain::{self, AreaOutcome};
use oa_targeting::select::{self, Choice, District, MeasureData, Problem};
use std::collections::BTreeMap;

fn failed(e: impl std::fmt::Display) -> Error {
    Error::new(Code::SelectionFailed, e.to_string())
}

/// The study's own index per area (NaN = not scored), and which way it runs.
#[derive(Debug, Clone)]
pub struct IndexScores {
    pub codes: Vec<String>,
    pub names: Vec<String>,
    pub score: Vec<f64>,
    pub direction: Direction,
}

/// Chooses the areas and explains the choice: the bundle's selection section.
pub fn run(plan: &Plan, scores: Option<&IndexScores>) -> Result<oa_bundle::Selection, Error> {
    let selection = section(plan)?;
    let inputs = read_inputs(plan, scores)?;
    let problem =
        select::prepare(selection, &inputs.districts, &inputs.measures).map_err(failed)?;
    let choice = select::choose(&problem).map_err(failed)?;
    let outcomes = explain::explain(&problem, &choice);
    Ok(table(&problem, &choice, &outcomes))
}

pub(crate) fn section(plan: &Plan) -> Result<&Selection, Error> {
    plan.study.selection.as_ref().ok_or_else(|| {
        Error::new(
            Code::StudyInvalid,
            "the study declares no [selection]; add one to choose areas",
        )
    })
}

/// Whether the selection needs the study's own index (as a measure, or as its list of
/// candidate areas when there is no `[selection.universe]`).
pub fn needs_index(s: &Selection) -> bool {
    s.universe.is_none() || uses_index(s)
}

fn uses_index(s: &Selection) -> bool {
    s.need == INDEX_MEASURE
        || s.population.as_deref() == Some(INDEX_MEASURE)
        || s.long_list.as_ref().is_some_and(|r| {
            oa_targeting::rules::parse(r)
                .map(|r| r.measures().contains(&INDEX_MEASURE))
                .unwrap_or(false)
        })
}

/// What the selection reads, prepared once: the candidate districts and the measures,
/// the study's own index (when the selection uses it) at position `index`.
pub struct Inputs {
    pub districts: Vec<District>,
    pub measures: Vec<MeasureData>,
    pub index: Option<usize>,
}

/// Reads the districts and measures of the study's `[selection]`; `scores` is needed
/// when [`needs_index`].
pub fn read_inputs(plan: &Plan, scores: Option<&IndexScores>) -> Result<Inputs, Error> {
    let selection = section(plan)?;
    let missing = || failed("the selection needs the study's scores, which are missing");
    let districts = read_districts(plan, selection, scores)?;
    let mut measures = Vec::new();
    let mut index = None;
    if uses_index(selection) {
        index = Some(measures.len());
        measures.push(index_measure(plan, scores.ok_or_else(missing)?));
    }
    // Several measures often come from one file (the IoD's LSOA table): read it once,
    // with every column the measures of that file need.
    let mut by_file: BTreeMap<(&str, &str), Vec<&Measure>> = BTreeMap::new();
    for m in &selection.measures {
        by_file.entry((&m.path, key_column(m))).or_default().push(m);
    }
    let mut read: BTreeMap<String, MeasureData> = BTreeMap::new();
    for ((path, key), ms) in by_file {
        let mut columns: Vec<&str> = vec![key];
        for m in &ms {
            columns.push(&m.value_column);
            columns.extend(m.weight_column.as_deref());
        }
        columns.dedup();
        let source = Source::file("selection.measures", path, key);
        let table = oa_io::read_columns(&plan.data_path(path), &source, &columns)
            .map_err(|e| Error::new(Code::DataMalformed, e.to_string()))?;
        for m in ms {
            read.insert(m.id.clone(), read_measure(m, &table, &districts)?);
        }
    }
    for m in &selection.measures {
        if let Some(data) = read.remove(&m.id) {
            measures.push(data);
        }
    }
    Ok(Inputs {
        districts,
        measures,
        index,
    })
}

fn key_column(m: &Measure) -> &str {
    m.code_column
        .as_deref()
        .or(m.group_by_name_column.as_deref())
        .unwrap_or_default()
}

/// The study's own score as a selection measure.
fn index_measure(plan: &Plan, scores: &IndexScores) -> MeasureData {
    let study = &plan.study;
    let mut values = BTreeMap::new();
    for (code, score) in scores.codes.iter().zip(&scores.score) {
        if score.is_finite() {
            values.insert(code.clone(), *score);
        }
    }
    MeasureData {
        id: INDEX_MEASURE.into(),
        name: if study.study.title.is_empty() {
            "the index".into()
        } else {
            study.study.title.clone()
        },
        better: match scores.direction {
            Direction::HigherIsBetter => Better::Higher,
            Direction::HigherIsWorse => Better::Lower,
        },
        values,
    }
}

fn read_districts(
    plan: &Plan,
    selection: &Selection,
    scores: Option<&IndexScores>,
) -> Result<Vec<District>, Error> {
    let Some(u) = &selection.universe else {
        let scores = scores.ok_or_else(|| {
            failed(
                "the selection has no [selection.universe], so it chooses among the study's scored areas, which are missing",
            )
        })?;
        // Areas without a score (dropped by the coverage screen, see coverage.csv) cannot
        // be ranked, so they are not candidates.
        return Ok(scores
            .codes
            .iter()
            .zip(&scores.names)
            .zip(&scores.score)
            .filter(|(_, s)| s.is_finite())
            .map(|((c, n), _)| District {
                code: c.clone(),
                name: n.clone(),
                region: None,
            })
            .collect());
    };
    let mut columns: Vec<&str> = vec![&u.code_column, &u.name_column];
    columns.extend(u.region_column.as_deref());
    columns.extend(u.filter.keys().map(String::as_str));
    let source = Source::file("selection.universe", &u.path, &u.code_column);
    let t = oa_io::read_columns(&plan.data_path(&u.path), &source, &columns)
        .map_err(|e| Error::new(Code::DataMalformed, format!("selection.universe: {e}")))?;
    let text = |c: &str| -> Result<&[String], Error> {
        t.text(c)
            .map_err(|e| Error::new(Code::DataMalformed, format!("selection.universe: {e}")))
    };
    let codes = text(&u.code_column)?;
    let names = text(&u.name_column)?;
    let regions = match &u.region_column {
        Some(r) => Some(text(r)?),
        None => None,
    };
    let filters: Vec<(&[String], &String)> = u
        .filter
        .iter()
        .map(|(c, v)| Ok((text(c)?, v)))
        .collect::<Result<_, Error>>()?;
    let mut out = Vec::new();
    let mut seen = BTreeMap::new();
    for i in 0..t.len() {
        if !filters.iter().all(|(col, v)| col[i] == **v) {
            continue;
        }
        let c = codes[i].clone();
        let at = t.location(i);
        if c.is_empty() {
            return Err(Error::new(
                Code::DataMalformed,
                format!(
                    "{}: {at}: empty district code in `{}`",
                    u.path, u.code_column
                ),
            ));
        }
        if let Some(prev) = seen.insert(c.clone(), at.to_string()) {
            return Err(Error::new(
                Code::DataMalformed,
                format!(
                    "{}: {at}: district {c} appears again (first at {prev})",
                    u.path
                ),
            ));
        }
        out.push(District {
            code: c,
            name: names[i].clone(),
            region: regions.map(|r| r[i].clone()),
        });
    }
    Ok(out)
}

/// The district a small-area name belongs to: the name less its last word, matched to a
/// district name (`Bristol` also matches `Bristol, City of`).
fn district_for_name<'a>(name: &str, by_name: &'a BTreeMap<String, String>) -> Option<&'a str> {
    let stem = name.trim().rsplit_once(' ').map(|(a, _)| a)?;
    by_name.get(stem).map(String::as_str)
}

fn read_measure(
    m: &Measure,
    t: &oa_io::SourceTable,
    districts: &[District],
) -> Result<MeasureData, Error> {
    let malformed = |e: oa_io::ReadError| Error::new(Code::DataMalformed, e.to_string());
    let values = t.numbers(&m.value_column).map_err(malformed)?;
    let weights = match &m.weight_column {
        Some(w) => Some(t.numbers(w).map_err(malformed)?),
        None => None,
    };
    let mut by_name: BTreeMap<String, String> = BTreeMap::new();
    for d in districts {
        by_name.insert(d.name.clone(), d.code.clone());
        if let Some((short, _)) = d.name.split_once(", ") {
            by_name.entry(short.to_string()).or_insert(d.code.clone());
        }
    }
    let by_small_area_name = m.code_column.is_none();
    let keys = t.text(key_column(m)).map_err(malformed)?;
    let wanted: BTreeMap<&str, ()> = districts.iter().map(|d| (d.code.as_str(), ())).collect();
    // (sum of w*v, sum of w, count)
    let mut acc: BTreeMap<String, (f64, f64, usize)> = BTreeMap::new();
    for r in 0..t.len() {
        let code = if by_small_area_name {
            match district_for_name(&keys[r], &by_name) {
                Some(c) => c.to_string(),
                None => continue,
            }
        } else {
            keys[r].clone()
        };
        if !wanted.contains_key(code.as_str()) {
            continue;
        }
        let number = |v: f64, column: &str| {
            if v.is_finite() {
                Ok(v)
            } else {
                Err(Error::new(
                    Code::DataMalformed,
                    format!(
                        "{}: {}, column `{column}`: no value for {code} (selection measure `{}`); every row of a selection measure needs a number",
                        m.path,
                        t.location(r),
                        m.id
                    ),
                ))
            }
        };
        let v = number(values[r], &m.value_column)?;
        let w = match (&weights, &m.weight_column) {
            (Some(ws), Some(c)) => number(ws[r], c)?,
            _ => 1.0,
        };
        let e = acc.entry(code).or_insert((0.0, 0.0, 0));
        e.0 += w * v;
        e.1 += w;
        e.2 += 1;
    }
    let mut out = BTreeMap::new();
    for (code, (wv, w, count)) in acc {
        let v = match m.aggregate {
            RowAggregate::One => {
                if count > 1 {
                    return Err(Error::new(
                        Code::DataMalformed,
                        format!(
                            "{}: {count} rows for district {code} in measure `{}`; set `aggregate` (sum, mean, weighted_mean) to combine them",
                            m.path, m.id
                        ),
                    ));
                }
                wv
            }
            RowAggregate::Sum => wv,
            RowAggregate::Mean => wv / count as f64,
            RowAggregate::WeightedMean => {
                if w <= 0.0 {
                    return Err(Error::new(
                        Code::DataMalformed,
                        format!(
                            "{}: the weights of district {code} add up to {w} in measure `{}`",
                            m.path, m.id
                        ),
                    ));
                }
                wv / w
            }
        };
        out.insert(code, v);
    }
    Ok(MeasureData {
        id: m.id.clone(),
        name: if m.name.is_empty() {
            m.id.clone()
        } else {
            m.name.clone()
        },
        better: m.better,
        values: out,
    })
}

/// The bundle's selection section: one row per candidate area, in id order, and the
/// explanation in words.
fn table(problem: &Problem, choice: &Choice, outcomes: &[AreaOutcome]) -> oa_bundle::Selection {
    oa_bundle::Selection {
        measures: problem.measures.iter().map(|(id, _)| id.clone()).collect(),
        areas: outcomes
            .iter()
            .zip(&problem.candidates)
            .map(|(o, c)| SelectedArea {
                area_id: o.area_id.clone(),
                area_name: o.area_name.clone(),
                districts: o.districts.clone(),
                selected: o.selected,
                wave: o.wave.clone(),
                on_long_list: o.on_long_list,
                rank: o.rank as u32,
                need: o.need,
                reason: o.reason.clone(),
                announced: o.announced.clone(),
                region: o.region.clone(),
                tags: o.tags.clone(),
                population: o.population,
                measure_ranks: c.ranks.iter().map(|&r| r as u32).collect(),
                measure_values: c.values.clone(),
            })
            .collect(),
        markdown: explain::markdown(problem, choice, outcomes),
    }
}
