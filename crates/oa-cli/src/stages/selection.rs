//! The selection stage of `oa run` (and the work behind `oa select`): read the districts
//! and measures the study's `[selection]` names, choose with `oa_targeting`, and write
//! `selection.csv` and `selection.md`.

use super::RunContext;
use crate::exit;
use oa_model::Study;
use oa_model::study::Direction;
use oa_model::study::selection::{Better, INDEX_MEASURE, Measure, RowAggregate, Selection};
use oa_targeting::explain::{self, AreaOutcome};
use oa_targeting::select::{self, Choice, District, MeasureData, Problem};
use std::collections::BTreeMap;
use std::path::Path;

/// File names in the bundle.
pub const SELECTION_CSV: &str = "selection.csv";
pub const SELECTION_MD: &str = "selection.md";

/// Runs the selection stage; returns the files written, relative to `ctx.out`.
pub fn run(ctx: &RunContext) -> anyhow::Result<Vec<String>> {
    let files = compute_files(ctx.study, ctx.data_dir, ctx.out)?;
    let mut written = Vec::new();
    for (name, bytes) in files {
        let path = ctx.out.join(&name);
        std::fs::write(&path, bytes)
            .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))?;
        written.push(name);
    }
    Ok(written)
}

/// The selection's files (name, bytes) for a study whose bundle is at `bundle`.
pub fn compute_files(
    study: &Study,
    data_dir: &Path,
    bundle: &Path,
) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let (problem, choice, outcomes) = compute(study, data_dir, bundle)?;
    Ok(vec![
        (
            SELECTION_CSV.to_string(),
            selection_csv(&problem, &outcomes)?,
        ),
        (
            SELECTION_MD.to_string(),
            explain::markdown(&problem, &choice, &outcomes).into_bytes(),
        ),
    ])
}

/// Reads the data and chooses; user errors (bad data, conflicting constraints) exit 2.
pub fn compute(
    study: &Study,
    data_dir: &Path,
    bundle: &Path,
) -> anyhow::Result<(Problem, Choice, Vec<AreaOutcome>)> {
    let selection = selection_of(study)?;
    let scores = if selection.universe.is_none() || uses_index(selection) {
        let s = oa_io::bundle::read_scores(bundle).map_err(|e| {
            exit::user(format!(
                "the selection uses the study's index (or chooses among the bundle's areas) but the bundle's scores cannot be read: {e}"
            ))
        })?;
        Some(IndexScores {
            codes: s.area_codes,
            names: s.area_names,
            score: s.score,
        })
    } else {
        None
    };
    let inputs = read_inputs(study, data_dir, scores.as_ref())?;
    let problem =
        select::prepare(selection, &inputs.districts, &inputs.measures).map_err(exit::user)?;
    let choice = select::choose(&problem).map_err(exit::user)?;
    let outcomes = explain::explain(&problem, &choice);
    Ok((problem, choice, outcomes))
}

fn selection_of(study: &Study) -> anyhow::Result<&Selection> {
    study
        .selection
        .as_ref()
        .ok_or_else(|| exit::user("the study declares no [selection]; add one to choose areas"))
}

/// The study's own index per area (NaN = not scored): from a bundle's `scores.csv`, or
/// a Monte Carlo sample's ranks.
pub struct IndexScores {
    pub codes: Vec<String>,
    pub names: Vec<String>,
    pub score: Vec<f64>,
}

/// What the selection reads, prepared once: the candidate districts and the measures,
/// the study's own index (when the selection uses it) at position `index`.
pub struct Inputs {
    pub districts: Vec<District>,
    pub measures: Vec<MeasureData>,
    pub index: Option<usize>,
}

/// Reads the districts and measures of the study's `[selection]`; `scores` is needed
/// when the selection uses the index or has no `[selection.universe]`.
pub fn read_inputs(
    study: &Study,
    data_dir: &Path,
    scores: Option<&IndexScores>,
) -> anyhow::Result<Inputs> {
    let selection = selection_of(study)?;
    let missing = || exit::user("the selection needs the study's scores, which are missing");
    let districts = read_districts(selection, data_dir, scores)?;
    let mut measures = Vec::new();
    let mut index = None;
    if uses_index(selection) {
        index = Some(measures.len());
        measures.push(index_measure(study, scores.ok_or_else(missing)?));
    }
    // Several measures often come from one file (the IoD's LSOA table): read it once.
    let mut files: BTreeMap<std::path::PathBuf, Csv> = BTreeMap::new();
    for m in &selection.measures {
        let path = data_dir.join(&m.path);
        if !files.contains_key(&path) {
            let table = Csv::read(&path)?;
            files.insert(path.clone(), table);
        }
        measures.push(read_measure(m, &files[&path], &districts)?);
    }
    Ok(Inputs {
        districts,
        measures,
        index,
    })
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

/// The study's own score as a selection measure.
fn index_measure(study: &Study, scores: &IndexScores) -> MeasureData {
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
        better: match study.scoring.score {
            Direction::HigherIsBetter => Better::Higher,
            Direction::HigherIsWorse => Better::Lower,
        },
        values,
    }
}

/// A CSV read whole: headers and records, with the path for messages.
struct Csv {
    path: String,
    headers: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl Csv {
    fn read(path: &Path) -> anyhow::Result<Csv> {
        let shown = path.display().to_string();
        let mut reader = csv::ReaderBuilder::new()
            .flexible(false)
            .from_path(path)
            .map_err(|e| exit::user(format!("{shown}: cannot read: {e}")))?;
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| exit::user(format!("{shown}: {e}")))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_string())
            .collect();
        let rows = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| exit::user(format!("{shown}: {e}")))?;
        Ok(Csv {
            path: shown,
            headers,
            rows,
        })
    }

    fn column(&self, name: &str, key: &str) -> anyhow::Result<usize> {
        self.headers.iter().position(|h| h == name).ok_or_else(|| {
            exit::user(format!(
                "{}: no column `{name}` (named by `{key}`); the columns are: {}",
                self.path,
                self.headers.join(", ")
            ))
        })
    }

    /// A number in row `r` (0-based data row), allowing thousands separators.
    fn number(&self, r: usize, col: usize) -> anyhow::Result<f64> {
        let text = self.rows[r].get(col).unwrap_or("").trim();
        let cleaned: String = text.chars().filter(|c| *c != ',').collect();
        cleaned
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                exit::user(format!(
                    "{}: line {}, column `{}`: `{text}` is not a number",
                    self.path,
                    r + 2,
                    self.headers[col]
                ))
            })
    }
}

fn read_districts(
    selection: &Selection,
    data_dir: &Path,
    scores: Option<&IndexScores>,
) -> anyhow::Result<Vec<District>> {
    let Some(u) = &selection.universe else {
        let scores = scores.ok_or_else(|| {
            exit::user(
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
    let t = Csv::read(&data_dir.join(&u.path))?;
    let code = t.column(&u.code_column, "selection.universe.code_column")?;
    let name = t.column(&u.name_column, "selection.universe.name_column")?;
    let region = match &u.region_column {
        Some(r) => Some(t.column(r, "selection.universe.region_column")?),
        None => None,
    };
    let filters: Vec<(usize, &String)> = u
        .filter
        .iter()
        .map(|(c, v)| Ok((t.column(c, "selection.universe.filter")?, v)))
        .collect::<anyhow::Result<_>>()?;
    let mut out = Vec::new();
    let mut seen = BTreeMap::new();
    for (i, row) in t.rows.iter().enumerate() {
        if !filters.iter().all(|(c, v)| row.get(*c) == Some(v.as_str())) {
            continue;
        }
        let c = row.get(code).unwrap_or("").trim().to_string();
        if c.is_empty() {
            return Err(exit::user(format!(
                "{}: line {}: empty district code in `{}`",
                t.path,
                i + 2,
                u.code_column
            )));
        }
        if let Some(prev) = seen.insert(c.clone(), i + 2) {
            return Err(exit::user(format!(
                "{}: line {}: district {c} appears again (first on line {prev})",
                t.path,
                i + 2
            )));
        }
        out.push(District {
            code: c,
            name: row.get(name).unwrap_or("").to_string(),
            region: region.map(|r| row.get(r).unwrap_or("").to_string()),
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

fn read_measure(m: &Measure, t: &Csv, districts: &[District]) -> anyhow::Result<MeasureData> {
    let key = format!("selection.measures.{}", m.id);
    let value_col = t.column(&m.value_column, &format!("{key}.value_column"))?;
    let weight_col = match &m.weight_column {
        Some(w) => Some(t.column(w, &format!("{key}.weight_column"))?),
        None => None,
    };
    let mut by_name: BTreeMap<String, String> = BTreeMap::new();
    for d in districts {
        by_name.insert(d.name.clone(), d.code.clone());
        if let Some((short, _)) = d.name.split_once(", ") {
            by_name.entry(short.to_string()).or_insert(d.code.clone());
        }
    }
    let (key_col, by_small_area_name) = match (&m.code_column, &m.group_by_name_column) {
        (Some(c), _) => (t.column(c, &format!("{key}.code_column"))?, false),
        (None, Some(c)) => (t.column(c, &format!("{key}.group_by_name_column"))?, true),
        (None, None) => unreachable!("validated: one of code_column or group_by_name_column"),
    };
    let wanted: BTreeMap<&str, ()> = districts.iter().map(|d| (d.code.as_str(), ())).collect();
    // (sum of w*v, sum of w, count)
    let mut acc: BTreeMap<String, (f64, f64, usize)> = BTreeMap::new();
    for r in 0..t.rows.len() {
        let raw_key = t.rows[r].get(key_col).unwrap_or("");
        let code = if by_small_area_name {
            match district_for_name(raw_key, &by_name) {
                Some(c) => c.to_string(),
                None => continue,
            }
        } else {
            raw_key.trim().to_string()
        };
        if !wanted.contains_key(code.as_str()) {
            continue;
        }
        let v = t.number(r, value_col)?;
        let w = match weight_col {
            Some(c) => t.number(r, c)?,
            None => 1.0,
        };
        let e = acc.entry(code).or_insert((0.0, 0.0, 0));
        e.0 += w * v;
        e.1 += w;
        e.2 += 1;
    }
    let mut values = BTreeMap::new();
    for (code, (wv, w, count)) in acc {
        let v = match m.aggregate {
            RowAggregate::One => {
                if count > 1 {
                    return Err(exit::user(format!(
                        "{}: {count} rows for district {code} in measure `{}`; set `aggregate` (sum, mean, weighted_mean) to combine them",
                        t.path, m.id
                    )));
                }
                wv
            }
            RowAggregate::Sum => wv,
            RowAggregate::Mean => wv / count as f64,
            RowAggregate::WeightedMean => {
                if w <= 0.0 {
                    return Err(exit::user(format!(
                        "{}: the weights of district {code} add up to {w} in measure `{}`",
                        t.path, m.id
                    )));
                }
                wv / w
            }
        };
        values.insert(code, v);
    }
    Ok(MeasureData {
        id: m.id.clone(),
        name: if m.name.is_empty() {
            m.id.clone()
        } else {
            m.name.clone()
        },
        better: m.better,
        values,
    })
}

/// `selection.csv`: one row per candidate area, in id order.
fn selection_csv(problem: &Problem, outcomes: &[AreaOutcome]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "area_id",
        "area_name",
        "districts",
        "selected",
        "wave",
        "on_long_list",
        "rank",
        "need",
        "reason",
        "announced",
        "region",
        "tags",
        "population",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for (id, _) in &problem.measures {
        header.push(format!("rank_{id}"));
        header.push(format!("value_{id}"));
    }
    w.write_record(&header)?;
    for (o, c) in outcomes.iter().zip(&problem.candidates) {
        let mut row = vec![
            o.area_id.clone(),
            o.area_name.clone(),
            o.districts.join(";"),
            o.selected.to_string(),
            o.wave.clone().unwrap_or_default(),
            o.on_long_list.to_string(),
            o.rank.to_string(),
            number(o.need),
            o.reason.clone(),
            o.announced.clone().unwrap_or_default(),
            o.region.clone(),
            o.tags.join(";"),
            o.population.map(number).unwrap_or_default(),
        ];
        for (r, v) in c.ranks.iter().zip(&c.values) {
            row.push(r.to_string());
            row.push(number(*v));
        }
        w.write_record(&row)?;
    }
    Ok(w.into_inner()?)
}

/// Shortest text that reads back as the same number.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}
