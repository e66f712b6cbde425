//! The spatial statistics stage: cold-spot *clusters* as well as cold-spot areas.
//!
//! Takes the analysed column from the headline table in memory (the index score, or after
//! a roll-up the headline summary; `[spatial] column` names another), builds queen or
//! rook contiguity from the study's boundaries with `oa-geo`, and runs local Moran's I and
//! Getis-Ord Gi* with seeded conditional permutations (`oa-spatial`), and global Moran's
//! I of the same values with as many permutations (`spatial_global.csv`).
//!
//! The `cluster` label comes from local Moran's I at the study's `alpha`: a significant
//! high-high or low-low area is a `cold spot cluster` when its end of the scale is the
//! worst (high IMD scores, low SMI scores) and a `hot spot cluster` at the best end; a
//! significant high-low or low-high area is a `cold spot outlier` (a worst-end area among
//! best-end neighbours) or a `hot spot outlier`; otherwise `not significant`, or
//! `no neighbours` for islands.

use crate::error::{Code, Error};
use crate::plan::Plan;
use oa_bundle::{Clusters, GlobalMoran};
use oa_io::Column;
use oa_model::Study;
use oa_model::study::Direction;
use oa_model::study::rollup::{ContiguityKind, Spatial};
use oa_spatial::{LocalStatistic, Quadrant, local_statistics};
use std::collections::HashMap;

fn fail(message: impl Into<String>) -> Error {
    Error::new(Code::StageFailed, message)
}

/// The areas analysed: codes, names and values (areas without a value left out).
pub struct Analysed {
    pub codes: Vec<String>,
    pub names: Vec<String>,
    pub values: Vec<f64>,
    pub column: String,
    /// Which way the values run (the worst end is where cold spots are).
    pub direction: Direction,
}

impl Analysed {
    /// Column `column` of the headline table (`table`: its columns by name), or the
    /// headline score when `column` is `None`.
    pub fn from_table(
        table: &oa_io::Table,
        column: &str,
        direction: Direction,
    ) -> Result<Analysed, Error> {
        let values = match table.column(column) {
            Some(Column::Float { values, .. }) => values.to_vec(),
            Some(Column::Int(v)) => v.iter().map(|x| x.map_or(f64::NAN, |x| x as f64)).collect(),
            Some(Column::Text(_)) => {
                return Err(fail(format!(
                    "spatial.column: `{column}` holds text, not numbers; name a numeric column of scores.csv"
                )));
            }
            None => {
                return Err(Error::new(
                    Code::StudyInvalid,
                    format!(
                        "spatial.column: scores.csv has no column `{column}`; use one of {}",
                        table.names().join(", ")
                    ),
                ));
            }
        };
        let text = |name: &str| match table.column(name) {
            Some(Column::Text(v)) => v.to_vec(),
            _ => vec![String::new(); values.len()],
        };
        let (codes, names) = (text("area_code"), text("area_name"));
        // Unscored areas (dropped for coverage) take no part.
        let keep: Vec<usize> = (0..values.len())
            .filter(|&i| values[i].is_finite())
            .collect();
        Ok(Analysed {
            codes: keep.iter().map(|&i| codes[i].clone()).collect(),
            names: keep.iter().map(|&i| names[i].clone()).collect(),
            values: keep.iter().map(|&i| values[i]).collect(),
            column: column.to_string(),
            direction,
        })
    }
}

/// Runs local Moran's I and Gi* on `areas`.
pub fn run(plan: &Plan, spatial: &Spatial, areas: Analysed) -> Result<Clusters, Error> {
    let neighbours = contiguity(plan, spatial, &areas.codes)?;
    let stats = local_statistics(
        &areas.values,
        &neighbours,
        spatial.permutations,
        spatial.seed,
    )
    .map_err(|e| fail(format!("spatial: {}: {e}", areas.column)))?;
    let global = oa_spatial::global_moran(
        &areas.values,
        &neighbours,
        spatial.permutations,
        spatial.seed,
    )
    .map_err(|e| fail(format!("spatial: {}: {e}", areas.column)))?;
    let worst_is_high = areas.direction == Direction::HigherIsWorse;
    Ok(Clusters {
        cluster: stats
            .iter()
            .zip(&neighbours)
            .map(|(s, n)| cluster_label(s, n.len(), spatial.alpha, worst_is_high).to_string())
            .collect(),
        neighbours: neighbours.iter().map(|n| n.len() as u32).collect(),
        local_moran_i: stats.iter().map(|s| s.moran_i).collect(),
        moran_p: stats.iter().map(|s| s.moran_p).collect(),
        quadrant: stats
            .iter()
            .map(|s| s.quadrant.label().to_string())
            .collect(),
        gi_star_z: stats.iter().map(|s| s.gi_star_z).collect(),
        gi_p: stats.iter().map(|s| s.gi_p).collect(),
        global: Some(GlobalMoran {
            column: areas.column.clone(),
            areas: areas.values.len() as u32,
            islands: neighbours.iter().filter(|n| n.is_empty()).count() as u32,
            moran_i: global.i,
            expected: global.expected,
            variance_normal: global.variance_normal,
            z_normal: global.z_normal,
            p_normal: global.p_normal,
            p_permutation: global.p_permutation,
            permutations: global.permutations as u32,
        }),
        area_code: areas.codes,
        area_name: areas.names,
        score: areas.values,
    })
}

/// The label of one area (see the module documentation).
pub fn cluster_label(
    s: &LocalStatistic,
    neighbours: usize,
    alpha: f64,
    worst_is_high: bool,
) -> &'static str {
    if neighbours == 0 {
        return "no neighbours";
    }
    // A NaN p-value (no permutations) is never significant.
    if s.moran_p.is_nan() || s.moran_p > alpha {
        return "not significant";
    }
    // The high end of the scale is the worst (cold) end when higher is worse.
    let cold_high = worst_is_high;
    match s.quadrant {
        Quadrant::HighHigh if cold_high => "cold spot cluster",
        Quadrant::HighHigh => "hot spot cluster",
        Quadrant::LowLow if cold_high => "hot spot cluster",
        Quadrant::LowLow => "cold spot cluster",
        Quadrant::HighLow if cold_high => "cold spot outlier",
        Quadrant::HighLow => "hot spot outlier",
        Quadrant::LowHigh if cold_high => "hot spot outlier",
        Quadrant::LowHigh => "cold spot outlier",
        Quadrant::Undefined => "not significant",
    }
}

/// Neighbour lists over `codes` (in that order) from the study's boundaries. Every code
/// must have a boundary; boundaries of other areas are ignored.
fn contiguity(plan: &Plan, spatial: &Spatial, codes: &[String]) -> Result<Vec<Vec<usize>>, Error> {
    let study: &Study = &plan.study;
    let maps = study.maps.as_ref();
    // The study's boundaries, else the shipped ones of the analysed areas' type.
    let area_type = crate::maps::map_area_type(study);
    let default = crate::maps::default_boundaries(area_type);
    let boundaries = spatial
        .boundaries
        .clone()
        .or_else(|| maps.and_then(|m| m.boundaries.clone()))
        .or_else(|| default.map(|d| d.0.to_string()))
        .ok_or_else(|| {
            Error::new(
                Code::StudyInvalid,
                format!("spatial.boundaries: `oa` ships no boundaries for area type `{area_type}`; give `[spatial] boundaries = \"geo/...\"` (or `[maps] boundaries`)"),
            )
        })?;
    let explicit = spatial.boundaries.is_some() || maps.is_some_and(|m| m.boundaries.is_some());
    // The vintage of the analysed areas: the roll-up's when there is one.
    let year = spatial.year.or(Some(
        study
            .rollup
            .as_ref()
            .and_then(|r| r.vintage)
            .unwrap_or(study.geography.vintage),
    ));
    let options = oa_geo::LoadOptions {
        code_property: spatial
            .code_property
            .clone()
            .or_else(|| maps.and_then(|m| m.code_property.clone())),
        name_property: None,
        layer: spatial
            .layer
            .clone()
            .or_else(|| maps.and_then(|m| m.layer.clone()))
            .or_else(|| {
                (!explicit)
                    .then(|| default.and_then(|d| d.1).map(str::to_string))
                    .flatten()
            }),
        year,
        within: Vec::new(),
    };
    let layer = oa_geo::load_boundaries(&plan.data_path(&boundaries), &options)
        .map_err(|e| Error::new(Code::DataMalformed, format!("spatial.boundaries: {e}")))?;
    let mut by_code: HashMap<&str, usize> = HashMap::new();
    for (i, f) in layer.features.iter().enumerate() {
        by_code.entry(f.code.as_str()).or_insert(i);
    }
    let missing: Vec<&str> = codes
        .iter()
        .filter(|c| !by_code.contains_key(c.as_str()))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(5).copied().collect();
        return Err(Error::new(
            Code::DataMalformed,
            format!(
                "spatial.boundaries: {boundaries} has no boundary for {} of the {} scored areas ({}{}); use boundaries of the same vintage{}",
                missing.len(),
                codes.len(),
                shown.join(", "),
                if missing.len() > 5 { ", ..." } else { "" },
                year.map(|y| format!(" ({y})")).unwrap_or_default()
            ),
        ));
    }
    let features: Vec<oa_geo::Feature> = codes
        .iter()
        .map(|c| layer.features[by_code[c.as_str()]].clone())
        .collect();
    let kind = match spatial.contiguity {
        ContiguityKind::Queen => oa_geo::Contiguity::Queen,
        ContiguityKind::Rook => oa_geo::Contiguity::Rook,
    };
    Ok(oa_geo::neighbours(&features, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stat(quadrant: Quadrant, p: f64) -> LocalStatistic {
        LocalStatistic {
            moran_i: 1.0,
            moran_p: p,
            quadrant,
            gi_star: 0.1,
            gi_star_z: 2.0,
            gi_p: p,
        }
    }

    #[test]
    fn labels_follow_the_worst_end() {
        let hh = stat(Quadrant::HighHigh, 0.01);
        assert_eq!(cluster_label(&hh, 3, 0.05, true), "cold spot cluster");
        assert_eq!(cluster_label(&hh, 3, 0.05, false), "hot spot cluster");
        let ll = stat(Quadrant::LowLow, 0.01);
        assert_eq!(cluster_label(&ll, 3, 0.05, true), "hot spot cluster");
        assert_eq!(cluster_label(&ll, 3, 0.05, false), "cold spot cluster");
        let hl = stat(Quadrant::HighLow, 0.01);
        assert_eq!(cluster_label(&hl, 3, 0.05, true), "cold spot outlier");
        assert_eq!(cluster_label(&hl, 3, 0.05, false), "hot spot outlier");
        let lh = stat(Quadrant::LowHigh, 0.01);
        assert_eq!(cluster_label(&lh, 3, 0.05, true), "hot spot outlier");
        assert_eq!(cluster_label(&lh, 3, 0.05, false), "cold spot outlier");
        assert_eq!(
            cluster_label(&stat(Quadrant::HighHigh, 0.2), 3, 0.05, true),
            "not significant"
        );
        assert_eq!(
            cluster_label(&stat(Quadrant::HighHigh, f64::NAN), 0, 0.05, true),
            "no neighbours"
        );
    }
}
