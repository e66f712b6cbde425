//! Reading a study's data and checking it before anything is computed: the data
//! directory and every file the optional sections name exist, and (with
//! `[geography.areas]`) every area code is in the geography's reference list. (Codes of
//! the wrong entity type for the study's geography are refused by `oa-io` as it reads.)

use crate::error::{Code, Error, with};
use crate::plan::Plan;
use oa_io::StudyData;
use oa_model::Study;
use std::collections::{HashMap, HashSet};

/// Reads the study's data and checks it against the geography's reference list of codes
/// (when the study gives one). Fills in area names from that list when the data has none.
pub fn load(plan: &Plan) -> Result<StudyData, Error> {
    check_data_dir(plan)?;
    check_referenced_files(plan)?;
    read(plan)
}

fn check_data_dir(plan: &Plan) -> Result<(), Error> {
    if plan.data_dir.is_dir() {
        return Ok(());
    }
    Err(Error::new(
        Code::DataMissing,
        format!(
            "{}: data directory not found; give --data-dir (default: the study file's folder)",
            plan.data_dir.display()
        ),
    ))
}

/// Reads the sources and checks their codes (not the files of the optional sections).
pub(crate) fn read(plan: &Plan) -> Result<StudyData, Error> {
    check_data_dir(plan)?;
    let mut data = match &plan.frame {
        Some(frame) => crate::frames::study_data(&plan.study, frame)?,
        None => oa_io::load_study_data(&plan.study, &plan.data_dir).map_err(|e| {
            let code = match e {
                oa_io::ReadError::MissingFile { .. } => Code::DataMissing,
                _ => Code::DataMalformed,
            };
            Error::new(code, e.to_string())
        })?,
    };
    if let Some(reference) = &plan.study.geography.areas {
        check_geography(plan, reference, &mut data)?;
    }
    Ok(data)
}

/// The first source's file and code column, for messages about area codes.
fn code_source(study: &Study) -> String {
    study
        .indicators
        .first()
        .and_then(|i| study.source_of(i))
        .map(|s| format!("{}, column `{}`", s.path, s.code_column))
        .unwrap_or_default()
}

/// Files the optional sections name (roll-up tables, boundaries, selection tables), with
/// the study key that names each.
pub fn referenced_files(study: &Study) -> Vec<(String, String)> {
    let mut files = Vec::new();
    if let Some(r) = &study.rollup {
        if let Some(p) = &r.parent.path {
            files.push(("rollup.parent.path".to_string(), p.clone()));
        }
        if let Some(p) = &r.population.path {
            files.push(("rollup.population.path".to_string(), p.clone()));
        }
    }
    if let Some(b) = study.spatial.as_ref().and_then(|s| s.boundaries.as_ref()) {
        files.push(("spatial.boundaries".to_string(), b.clone()));
    }
    if let Some(s) = &study.selection {
        if let Some(u) = &s.universe {
            files.push(("selection.universe.path".to_string(), u.path.clone()));
        }
        for (i, m) in s.measures.iter().enumerate() {
            files.push((format!("selection.measures[{i}].path"), m.path.clone()));
        }
    }
    if let Some(b) = study.maps.as_ref().and_then(|m| m.boundaries.as_ref()) {
        files.push(("maps.boundaries".to_string(), b.clone()));
    }
    if let Some(e) = &study.evaluation {
        for (i, o) in e.outcomes.iter().enumerate() {
            files.push((format!("evaluation.outcomes[{i}].path"), o.path.clone()));
        }
    }
    files
}

/// Every file the optional sections name must exist before anything is computed; the
/// error names the study key.
fn check_referenced_files(plan: &Plan) -> Result<(), Error> {
    match missing_files(plan).into_iter().next() {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

/// The data directory when it is missing, and every file the optional sections name that
/// is missing, with the study key naming it.
pub(crate) fn missing_files(plan: &Plan) -> Vec<(String, Error)> {
    if let Err(e) = check_data_dir(plan) {
        return vec![(String::new(), e)];
    }
    referenced_files(&plan.study)
        .into_iter()
        .filter(|(_, path)| !plan.data_path(path).is_file())
        .map(|(key, path)| {
            let e = Error::new(
                Code::DataMissing,
                format!(
                    "{}: file not found (study key `{key}`); check the path and --data-dir",
                    plan.data_path(&path).display()
                ),
            );
            (key, e)
        })
        .collect()
}

/// Every area code must be in the geography's reference list; a code that the list
/// mentions elsewhere (e.g. as a later successor) is reported with that cell, which says
/// which vintage it belongs to.
fn check_geography(
    plan: &Plan,
    reference: &oa_model::study::Source,
    data: &mut StudyData,
) -> Result<(), Error> {
    let study = &plan.study;
    let table = oa_io::read_table(&plan.data_path(&reference.path), reference)
        .map_err(|e| Error::new(Code::DataMalformed, format!("geography.areas: {e}")))?;
    let column = |name: &str| -> Result<&Vec<String>, Error> {
        table
            .headers
            .iter()
            .position(|h| h == name)
            .map(|i| &table.columns[i])
            .ok_or_else(|| {
                Error::new(
                    Code::DataMalformed,
                    format!(
                        "{}: no column `{name}`; fix `geography.areas` in the study",
                        reference.path
                    ),
                )
            })
    };
    let codes = column(&reference.code_column)?;
    let names: HashMap<&str, &str> = match &reference.name_column {
        Some(n) => codes
            .iter()
            .map(String::as_str)
            .zip(column(n)?.iter().map(String::as_str))
            .collect(),
        None => HashMap::new(),
    };
    let known: HashSet<&str> = codes.iter().map(String::as_str).collect();
    let geo = &study.geography;
    if let Some(code) = data.area_codes.iter().find(|c| !known.contains(c.as_str())) {
        // The most telling mention: the longest cell holding the code (e.g.
        // `2019:E06000058 Bournemouth, Christchurch and Poole` over a bare `E06000058`).
        let elsewhere = table
            .headers
            .iter()
            .zip(&table.columns)
            .filter(|(h, _)| **h != reference.code_column)
            .flat_map(|(h, col)| {
                col.iter()
                    .enumerate()
                    .filter(|(_, cell)| cell.contains(code.as_str()))
                    .map(move |(row, cell)| (h, row, cell))
            })
            .max_by_key(|(_, _, cell)| cell.len())
            .map(|(h, row, cell)| {
                format!(
                    "; it appears as `{cell}` in column `{h}` for {}",
                    codes.get(row).map(String::as_str).unwrap_or("?"),
                )
            })
            .unwrap_or_default();
        return Err(Error::new(
            Code::AreaCode,
            format!(
                "{}: area code `{code}` is not a {} {} area (not in {}){elsewhere}; map the data to {} codes or exclude it under [geography]",
                code_source(study),
                geo.area_type,
                geo.vintage,
                reference.path,
                geo.vintage
            ),
        ));
    }
    if data.area_names.iter().all(String::is_empty) && !names.is_empty() {
        data.area_names = data
            .area_codes
            .iter()
            .map(|c| {
                names
                    .get(c.as_str())
                    .copied()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
    }
    Ok(())
}

/// Digests of the files besides the indicator sources that a run reads (the geography's
/// reference list, roll-up tables, boundaries, selection tables), for the manifest.
pub fn other_inputs(plan: &Plan) -> Result<Vec<oa_io::FileDigest>, Error> {
    let mut paths: Vec<String> = referenced_files(&plan.study)
        .into_iter()
        .map(|f| f.1)
        .collect();
    paths.extend(plan.study.geography.areas.iter().map(|a| a.path.clone()));
    paths
        .iter()
        .map(|p| {
            oa_io::digest::digest_file(&plan.data_path(p), p).map_err(|e| {
                with(Code::DataMissing)(&format!("{}: {e}", plan.data_path(p).display()))
            })
        })
        .collect()
}
