//! Everything a study's indicators need, read from its sources and joined on area code.

use crate::digest::FileDigest;
use crate::error::ReadError;
use crate::source::{RecasedCode, SkippedRow, SourceData, read_source};
use oa_model::Study;
use oa_model::study::Layout;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// Label for values absent because a later source has no row for an area of the first.
pub const NOT_IN_SOURCE: &str = "(not in source)";

/// The indicator data of a study, ready for the engine.
#[derive(Debug, Clone, PartialEq)]
pub struct StudyData {
    /// Area codes, in the order of the first source, after the geography filters.
    pub area_codes: Vec<String>,
    /// Area names (from the first source with a name column; empty when none has one).
    pub area_names: Vec<String>,
    /// Indicator ids in study order.
    pub indicator_ids: Vec<String>,
    /// Indicator-major values: `columns[i][a]` is indicator `i` for area `a`, `NaN` when
    /// missing. Convert with `IndicatorMatrix { ids: indicator_ids, columns }`.
    pub columns: Vec<Vec<f64>>,
    /// Per indicator (study order), why values of the study's areas are missing: the
    /// marker (`c`, `NA`, `(empty)`, `(no row)`, `(not in source)`...) and how many
    /// cells it stood for. Areas removed by the geography filters are not counted.
    pub missing: Vec<BTreeMap<String, usize>>,
    /// How each source beyond the first matched the first source's areas.
    pub joins: Vec<JoinReport>,
    /// Every file read, with its size and SHA-256, in the order read.
    pub inputs: Vec<FileDigest>,
    /// Areas in the first source before the geography filters.
    pub areas_read: usize,
    /// Rows skipped on purpose in every source (totals listed in `skip_codes`, notes
    /// under `skip_notes`), in read order: for the bundle's coverage table.
    pub skipped: Vec<SkippedRow>,
    /// Codes written in lower case and read upper case, in read order.
    pub recased: Vec<RecasedCode>,
    /// How each source was read, in read order.
    pub reads: Vec<SourceRead>,
}

/// How one source was read.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRead {
    pub source: String,
    pub path: String,
    /// Data rows in the file (before filters).
    pub rows_read: usize,
    /// Areas read (after filters and skipped rows).
    pub areas: usize,
    /// The period kept, when the layout selects one.
    pub period: Option<String>,
    /// The field separator of a CSV file (declared or detected), as text (`;`, `\t`).
    pub delimiter: Option<String>,
}

/// How a source matched the areas of the first source.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinReport {
    pub source: String,
    /// Kept areas this source has no row for (their values are missing).
    pub missing_codes: Vec<String>,
    /// Codes in this source that are not areas of the study (not in the first source, or
    /// removed by the geography filters); they are not used.
    pub unmatched_codes: Vec<String>,
}

impl JoinReport {
    /// The unmatched codes, each with what kind of area its GSS code is when that says
    /// why it does not join (`E10000002 (a county)`).
    pub fn unmatched_described(&self) -> Vec<String> {
        self.unmatched_codes
            .iter()
            .map(|c| match oa_model::gss::entity_of(c) {
                Some(kind) => format!("{c} ({kind})"),
                None => c.clone(),
            })
            .collect()
    }
}

impl StudyData {
    /// Number of areas.
    pub fn len(&self) -> usize {
        self.area_codes.len()
    }

    /// True when no area is left.
    pub fn is_empty(&self) -> bool {
        self.area_codes.is_empty()
    }
}

/// The measure an indicator reads from its source: the column (wide), the measure name
/// (tidy with a measure column) or the value column (tidy without one; `column` may name
/// another value column).
fn measure_of(study: &Study, ind: &oa_model::study::Indicator, layout: &Layout) -> String {
    let _ = study;
    match layout {
        Layout::Tidy {
            measure_column: None,
            value_column,
            ..
        } => ind.column.clone().unwrap_or_else(|| value_column.clone()),
        _ => ind.column.clone().unwrap_or_else(|| ind.id.clone()),
    }
}

/// Reads every source the study's indicators use (paths relative to `data_dir`), joins
/// them on area code in the order of the first source used, applies
/// `geography.include/exclude/code_prefixes`, and returns the indicator values in study
/// order. Codes of the first source missing from a later source give missing values and
/// are listed in [`StudyData::joins`].
pub fn load_study_data(study: &Study, data_dir: &Path) -> Result<StudyData, ReadError> {
    // Sources in order of first use, each with the measures it must deliver.
    let mut order: Vec<&oa_model::study::Source> = Vec::new();
    let mut measures: Vec<Vec<String>> = Vec::new();
    let mut slot: Vec<(usize, usize)> = Vec::with_capacity(study.indicators.len());
    for (i, ind) in study.indicators.iter().enumerate() {
        let source = study.source_of(ind).ok_or_else(|| ReadError::NoSource {
            index: i,
            indicator: ind.id.clone(),
        })?;
        let s = match order.iter().position(|o| o.id == source.id) {
            Some(s) => s,
            None => {
                order.push(source);
                measures.push(Vec::new());
                order.len() - 1
            }
        };
        let m = measure_of(study, ind, &source.layout);
        let k = match measures[s].iter().position(|x| *x == m) {
            Some(k) => k,
            None => {
                measures[s].push(m);
                measures[s].len() - 1
            }
        };
        slot.push((s, k));
    }

    if order.is_empty() {
        return Err(ReadError::NoIndicators);
    }
    let mut data: Vec<SourceData> = Vec::with_capacity(order.len());
    for (source, ms) in order.iter().zip(&measures) {
        let path = data_dir.join(&source.path);
        data.push(read_source(&path, source, ms, &source.path)?);
    }

    // Areas: the first source's codes that pass the geography filters.
    let geo = &study.geography;
    let first = &data[0];
    let first_path = data_dir.join(&order[0].path).display().to_string();
    let include: HashSet<&str> = geo.include.iter().map(|s| s.trim()).collect();
    if !include.is_empty() {
        let present: HashSet<&str> = first.codes.iter().map(String::as_str).collect();
        if let Some(code) = geo.include.iter().find(|c| !present.contains(c.trim())) {
            return Err(ReadError::IncludeNotFound {
                code: code.clone(),
                path: first_path,
            });
        }
    }
    let exclude: HashSet<&str> = geo.exclude.iter().map(|s| s.trim()).collect();
    let keep = |code: &str| {
        (include.is_empty() || include.contains(code))
            && !exclude.contains(code)
            && (geo.code_prefixes.is_empty()
                || geo
                    .code_prefixes
                    .iter()
                    .any(|p| code.starts_with(p.as_str())))
    };
    let kept: Vec<usize> = (0..first.codes.len())
        .filter(|&r| keep(&first.codes[r]))
        .collect();
    if kept.is_empty() {
        return Err(ReadError::EmptyTable {
            path: first_path,
            detail: format!(
                " left after the geography filters ({} areas read); check `geography.include`, `exclude` and `code_prefixes`",
                first.codes.len()
            ),
        });
    }
    check_area_codes(study, order[0], &first_path, first, &kept)?;
    let area_codes: Vec<String> = kept.iter().map(|&r| first.codes[r].clone()).collect();

    // Row of each kept area in each source.
    let mut rows_in: Vec<Vec<Option<usize>>> = Vec::with_capacity(data.len());
    let mut joins = Vec::new();
    rows_in.push(kept.iter().map(|&r| Some(r)).collect());
    let area_set: HashSet<&str> = if data.len() > 1 {
        area_codes.iter().map(String::as_str).collect()
    } else {
        HashSet::new()
    };
    for (source, d) in order.iter().zip(&data).skip(1) {
        let index: HashMap<&str, usize> = d
            .codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        let rows: Vec<Option<usize>> = area_codes
            .iter()
            .map(|c| index.get(c.as_str()).copied())
            .collect();
        let missing_codes = area_codes
            .iter()
            .zip(&rows)
            .filter(|(_, r)| r.is_none())
            .map(|(c, _)| c.clone())
            .collect();
        let unmatched_codes = d
            .codes
            .iter()
            .filter(|c| !area_set.contains(c.as_str()))
            .cloned()
            .collect();
        joins.push(JoinReport {
            source: source.id.clone(),
            missing_codes,
            unmatched_codes,
        });
        rows_in.push(rows);
    }

    let area_names = match data.iter().position(|d| d.names.is_some()) {
        Some(s) => {
            let names = data[s].names.as_ref().map_or(&[][..], Vec::as_slice);
            rows_in[s]
                .iter()
                .map(|r| r.map(|r| names[r].clone()).unwrap_or_default())
                .collect()
        }
        None => vec![String::new(); area_codes.len()],
    };

    let mut columns = Vec::with_capacity(slot.len());
    let mut missing = Vec::with_capacity(slot.len());
    for &(s, k) in &slot {
        let src = &data[s].columns[k];
        let column: Vec<f64> = rows_in[s]
            .iter()
            .map(|r| r.map_or(f64::NAN, |r| src[r]))
            .collect();
        let mut kept_rows = vec![false; data[s].codes.len()];
        for r in rows_in[s].iter().flatten() {
            kept_rows[*r] = true;
        }
        let mut counts = data[s].missing_counts(k, |r| kept_rows[r]);
        let absent = rows_in[s].iter().filter(|r| r.is_none()).count();
        if absent > 0 {
            counts.insert(NOT_IN_SOURCE.to_string(), absent);
        }
        columns.push(column);
        missing.push(counts);
    }

    let reads = order
        .iter()
        .zip(&data)
        .map(|(source, d)| SourceRead {
            source: source.id.clone(),
            path: source.path.clone(),
            rows_read: d.rows_read,
            areas: d.codes.len(),
            period: d.period.clone(),
            delimiter: d.delimiter.map(|b| char::from(b).to_string()),
        })
        .collect();
    let skipped = data
        .iter()
        .flat_map(|d| d.skipped.iter().cloned())
        .collect();
    let recased = data
        .iter()
        .flat_map(|d| d.recased.iter().cloned())
        .collect();
    Ok(StudyData {
        skipped,
        recased,
        reads,
        areas_read: first.codes.len(),
        area_codes,
        area_names,
        indicator_ids: study.indicators.iter().map(|i| i.id.clone()).collect(),
        columns,
        missing,
        joins,
        inputs: data.into_iter().map(|d| d.digest).collect(),
    })
}

/// Checks the study's areas (the first source's codes that passed the geography
/// filters) are codes of the area type: for a well-known type (`lad`, `lsoa`, ...) a GSS
/// code of an entity it allows; for any type, not a code shaped unlike nearly all the
/// others (a totals row `England` among `E06...` codes). `accept_codes` exempts codes.
fn check_area_codes(
    study: &Study,
    source: &oa_model::study::Source,
    path: &str,
    data: &SourceData,
    kept: &[usize],
) -> Result<(), ReadError> {
    let accepted: HashSet<String> = source
        .accept_codes
        .iter()
        .map(|c| c.trim().to_string())
        .collect();
    let area_type = &study.geography.area_type;
    let article = |t: &str| {
        let vowel = t.chars().next().is_some_and(|c| "aeiouAEIOU".contains(c));
        format!("{} {t}", if vowel { "an" } else { "a" })
    };
    if let Some(allowed) = oa_model::gss::allowed_prefixes(area_type) {
        for &r in kept {
            let code = &data.codes[r];
            if accepted.contains(code) {
                continue;
            }
            let why = match oa_model::gss::entity_of(code) {
                None => Some(format!(
                    "it is not shaped like a GSS code (a letter and eight digits, such as {}000001)",
                    allowed[0]
                )),
                Some(kind) if !allowed.contains(&&code[..3]) => Some(format!(
                    "it is {kind} code ({}), and {} codes start {}",
                    &code[..3],
                    area_type,
                    allowed.join(", ")
                )),
                Some(_) => None,
            };
            if let Some(why) = why {
                return Err(ReadError::CodeNotOfType {
                    path: path.to_string(),
                    location: data.code_cell(r),
                    code: code.clone(),
                    detail: format!(
                        "is not {} {} code: {why}; if the row is a total or a note, skip it with `skip_codes = [\"{code}\"]` in source `{}`, or set `geography.area_type`, `code_prefixes` or `exclude`",
                        article(area_type),
                        study.geography.vintage,
                        source.id
                    ),
                });
            }
        }
        return Ok(());
    }
    // Any other area type: a code whose shape almost no other code has, when nearly all
    // codes share one shape.
    let shapes: Vec<String> = kept
        .iter()
        .map(|&r| oa_model::gss::shape(&data.codes[r]))
        .collect();
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for s in &shapes {
        *counts.entry(s.as_str()).or_insert(0) += 1;
    }
    let Some((&dominant, &n)) = counts
        .iter()
        .max_by_key(|(s, n)| (**n, std::cmp::Reverse(**s)))
    else {
        return Ok(());
    };
    let total = shapes.len();
    // At least 8 codes of one shape and at most 2 (or 2%) of others: those are suspects.
    if n < 8 || total - n > 2.max(total / 50) {
        return Ok(());
    }
    let example = kept
        .iter()
        .zip(&shapes)
        .find(|(_, s)| s.as_str() == dominant)
        .map(|(&r, _)| data.codes[r].clone())
        .unwrap_or_default();
    for (&r, s) in kept.iter().zip(&shapes) {
        let code = &data.codes[r];
        if s.as_str() != dominant && !accepted.contains(code) {
            return Err(ReadError::OddCode {
                path: path.to_string(),
                location: data.code_cell(r),
                code: code.clone(),
                detail: format!(
                    "is shaped unlike the other {n} codes (such as `{example}`); if the row is a total or a note, skip it with `skip_codes = [\"{code}\"]` in source `{}`; if it is an area, accept it with `accept_codes = [\"{code}\"]`",
                    source.id
                ),
            });
        }
    }
    Ok(())
}
