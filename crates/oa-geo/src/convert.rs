//! Converting a table of area values from one vintage to another (`oa geo convert`):
//! sums or population-weighted means over mergers, weighted shares over splits. Never a
//! silent join: every input code must belong to the `from` vintage, and every target must
//! receive all of its sources.

use crate::csv_file::CsvHeader;
use crate::error::GeoError;
use crate::registry::{Registry, VintageMap};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// How values combine when areas merge or split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Counts: a merged area's value is the sum; a split shares the value by the weights.
    Sum,
    /// Rates: a merged area's value is the weighted mean of its parts (weights needed);
    /// each piece of a split keeps the value.
    Mean,
}

/// A table keyed by area code: the columns being converted, `None` for missing values.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaTable {
    pub code_column: String,
    pub columns: Vec<String>,
    pub rows: Vec<(String, Vec<Option<f64>>)>,
}

/// Markers read as a missing value.
const MISSING: [&str; 8] = ["", "NA", "N/A", "..", ":", "c", "x", "-"];

/// Reads `code_column` and `columns` from a CSV file (UTF-8, optional BOM). Numbers may carry
/// thousands separators.
pub fn read_table(
    path: &Path,
    code_column: &str,
    columns: &[String],
) -> Result<AreaTable, GeoError> {
    let (csv, mut reader) = CsvHeader::open(path)?;
    let code_at = csv.column(code_column)?;
    let value_at: Vec<usize> = columns
        .iter()
        .map(|c| csv.column(c))
        .collect::<Result<_, _>>()?;
    let mut rows = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let r = record.map_err(|e| csv.error(line, e.to_string()))?;
        let code = r.get(code_at).unwrap_or("").trim().to_string();
        if code.is_empty() {
            return Err(csv.error(line, format!("empty `{code_column}`")));
        }
        if let Some(first) = seen.insert(code.clone(), line) {
            return Err(csv.error(line, format!("code {code} repeats line {first}")));
        }
        let mut values = Vec::with_capacity(value_at.len());
        for (&k, name) in value_at.iter().zip(columns) {
            let raw = r.get(k).unwrap_or("").trim();
            if MISSING.contains(&raw) {
                values.push(None);
                continue;
            }
            let v: f64 = raw.replace(',', "").parse().map_err(|_| {
                csv.error(line, format!("column `{name}`: `{raw}` is not a number"))
            })?;
            values.push(Some(v));
        }
        rows.push((code, values));
    }
    Ok(AreaTable {
        code_column: code_column.to_string(),
        columns: columns.to_vec(),
        rows,
    })
}

/// Reads weights (e.g. populations) keyed by code.
pub fn read_weights(
    path: &Path,
    code_column: &str,
    weight_column: &str,
) -> Result<HashMap<String, f64>, GeoError> {
    let t = read_table(path, code_column, &[weight_column.to_string()])?;
    let file = path.display().to_string();
    t.rows
        .into_iter()
        .map(|(code, v)| match v[0] {
            Some(w) if w >= 0.0 => Ok((code, w)),
            _ => Err(GeoError::Format {
                file: file.clone(),
                message: format!("weight of {code} is missing or negative"),
            }),
        })
        .collect()
}

/// The converted table and what happened to each target.
#[derive(Debug, Clone, PartialEq)]
pub struct Converted {
    pub table: AreaTable,
    /// For each output code, the input codes it was built from.
    pub sources: BTreeMap<String, Vec<String>>,
}

/// Converts `table` (codes of `map.from`) onto `map.to`.
pub fn convert(
    registry: &Registry,
    map: &VintageMap,
    table: &AreaTable,
    file: &str,
    method: Method,
    weights: Option<&HashMap<String, f64>>,
) -> Result<Converted, GeoError> {
    registry.check_codes(table.rows.iter().map(|(c, _)| c.as_str()), map.from, file)?;
    let values: HashMap<&str, &Vec<Option<f64>>> =
        table.rows.iter().map(|(c, v)| (c.as_str(), v)).collect();
    let all_sources = map.sources();
    // Targets reached by the input, with all their sources.
    let mut wanted: BTreeMap<&str, &Vec<String>> = BTreeMap::new();
    for (code, _) in &table.rows {
        for t in &map.targets[code.as_str()] {
            wanted.insert(t.as_str(), &all_sources[t]);
        }
    }
    let weight = |code: &str| -> Result<f64, GeoError> {
        weights.and_then(|w| w.get(code).copied()).ok_or_else(|| {
            GeoError::Vintage(format!("{file}: no weight for {code} in the weights file"))
        })
    };
    let need_weights = |what: String| -> Result<(), GeoError> {
        if weights.is_none() {
            Err(GeoError::Vintage(format!(
                "{file}: {what}; give population weights with `--weights FILE`"
            )))
        } else {
            Ok(())
        }
    };
    let n = table.columns.len();
    let mut rows = Vec::with_capacity(wanted.len());
    let mut sources_out = BTreeMap::new();
    for (target, sources) in wanted {
        let missing: Vec<&str> = sources
            .iter()
            .map(String::as_str)
            .filter(|s| !values.contains_key(s))
            .collect();
        if !missing.is_empty() {
            return Err(GeoError::Vintage(format!(
                "{file}: {target} ({}) is made of {}, but {} missing from the input: add them or drop {target}",
                map.to,
                sources.join(", "),
                if missing.len() == 1 {
                    format!("{} is", missing[0])
                } else {
                    format!("{} are", missing.join(", "))
                }
            )));
        }
        // Share of each source's value that goes to this target (1 unless it splits).
        let mut parts: Vec<(&str, f64)> = Vec::with_capacity(sources.len());
        for s in sources {
            let targets = &map.targets[s.as_str()];
            let share = if targets.len() == 1 {
                1.0
            } else {
                need_weights(format!(
                    "{s} splits into {} in {}",
                    targets.join(", "),
                    map.to
                ))?;
                let total: f64 = targets.iter().map(|t| weight(t)).sum::<Result<f64, _>>()?;
                if total <= 0.0 {
                    return Err(GeoError::Vintage(format!(
                        "{file}: the weights of {} sum to zero",
                        targets.join(", ")
                    )));
                }
                weight(target)? / total
            };
            parts.push((s.as_str(), share));
        }
        let mean_weights: Vec<f64> = if method == Method::Mean && parts.len() > 1 {
            need_weights(format!(
                "{target} ({}) merges {}: a mean over a merger is population-weighted",
                map.to,
                sources.join(", ")
            ))?;
            parts
                .iter()
                .map(|(s, share)| Ok(weight(s)? * share))
                .collect::<Result<_, GeoError>>()?
        } else {
            vec![1.0; parts.len()]
        };
        let mut out = vec![None; n];
        for (k, slot) in out.iter_mut().enumerate() {
            let vals: Option<Vec<f64>> = parts.iter().map(|(s, _)| values[s][k]).collect();
            let Some(vals) = vals else { continue }; // a missing part leaves the whole missing
            *slot = Some(match method {
                Method::Sum => vals
                    .iter()
                    .zip(&parts)
                    .map(|(v, (_, share))| v * share)
                    .sum(),
                Method::Mean => {
                    let wsum: f64 = mean_weights.iter().sum();
                    if wsum <= 0.0 {
                        return Err(GeoError::Vintage(format!(
                            "{file}: the weights of {} sum to zero",
                            sources.join(", ")
                        )));
                    }
                    vals.iter()
                        .zip(&mean_weights)
                        .map(|(v, w)| v * w)
                        .sum::<f64>()
                        / wsum
                }
            });
        }
        sources_out.insert(target.to_string(), sources.clone());
        rows.push((target.to_string(), out));
    }
    Ok(Converted {
        table: AreaTable {
            code_column: table.code_column.clone(),
            columns: table.columns.clone(),
            rows,
        },
        sources: sources_out,
    })
}

/// Writes a converted table as CSV: the code column, the values, then `sources` (the input
/// codes each row was built from, `;`-separated).
pub fn write_table(path: &Path, converted: &Converted) -> Result<(), GeoError> {
    let file = path.display().to_string();
    let io = |e: std::io::Error| GeoError::Io {
        file: file.clone(),
        source: e,
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    let t = &converted.table;
    let mut header = vec![t.code_column.clone()];
    header.extend(t.columns.iter().cloned());
    header.push("sources".into());
    let csv_err = |e: csv::Error| GeoError::Format {
        file: file.clone(),
        message: e.to_string(),
    };
    w.write_record(&header).map_err(csv_err)?;
    for (code, values) in &t.rows {
        let mut rec = vec![code.clone()];
        rec.extend(
            values
                .iter()
                .map(|v| v.map(|x| format!("{x}")).unwrap_or_default()),
        );
        rec.push(converted.sources[code].join(";"));
        w.write_record(&rec).map_err(csv_err)?;
    }
    let bytes = w.into_inner().map_err(|e| csv_err(e.into_error().into()))?;
    std::fs::write(path, bytes).map_err(io)
}
