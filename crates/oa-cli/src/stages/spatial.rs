//! The spatial statistics stage of `oa run`: cold-spot *clusters* as well as cold-spot
//! areas.
//!
//! Reads the score column from the bundle's `scores.csv` (after a roll-up, the districts'
//! `average_score`), builds queen or rook contiguity from the study's boundaries with
//! `oa-geo`, runs local Moran's I and Getis-Ord Gi* with seeded conditional permutations
//! (`oa-spatial`) and writes `clusters.csv`: `area_code, area_name, score, neighbours,
//! local_moran_i, moran_p, quadrant, gi_star_z, gi_p, cluster`.
//!
//! The `cluster` label comes from local Moran's I at the study's `alpha`: a significant
//! high-high or low-low area is a `cold spot cluster` when its end of the scale is the
//! worst (high IMD scores, low SMI scores) and a `hot spot cluster` at the best end; a
//! significant high-low or low-high area is a `cold spot outlier` (a worst-end area among
//! best-end neighbours) or a `hot spot outlier`; otherwise `not significant`, or
//! `no neighbours` for islands.

use super::RunContext;
use crate::exit;
use oa_model::Study;
use oa_model::study::rollup::{ContiguityKind, Spatial};
use oa_model::study::{Direction, Layout, Source, SourceFormat};
use oa_spatial::{LocalStatistic, Quadrant, local_statistics};
use std::collections::HashMap;
use std::path::Path;

/// Runs the spatial stage; returns the files written, relative to `ctx.out`.
pub fn run(ctx: &RunContext) -> anyhow::Result<Vec<String>> {
    let Some(spatial) = &ctx.study.spatial else {
        return Ok(Vec::new());
    };
    let (codes, names, values, column) = read_column(ctx.out, spatial)?;
    let neighbours = contiguity(ctx.study, spatial, ctx.data_dir, &codes)?;
    let stats = local_statistics(&values, &neighbours, spatial.permutations, spatial.seed)
        .map_err(|e| exit::user(format!("spatial: {column}: {e}")))?;
    let worst_is_high = ctx.study.scoring.score == Direction::HigherIsWorse;
    let labels: Vec<String> = stats
        .iter()
        .zip(&neighbours)
        .map(|(s, n)| cluster_label(s, n.len(), spatial.alpha, worst_is_high).to_string())
        .collect();
    let mut t = oa_io::Table::new();
    t.push_text("area_code", codes)
        .push_text("area_name", names)
        .push_float("score", values)
        .push_int(
            "neighbours",
            neighbours.iter().map(|n| n.len() as i64).collect(),
        )
        .push_float_fixed(
            "local_moran_i",
            stats.iter().map(|s| s.moran_i).collect(),
            6,
        )
        .push_float_fixed("moran_p", stats.iter().map(|s| s.moran_p).collect(), 4)
        .push_text(
            "quadrant",
            stats
                .iter()
                .map(|s| s.quadrant.label().to_string())
                .collect(),
        )
        .push_float_fixed("gi_star_z", stats.iter().map(|s| s.gi_star_z).collect(), 6)
        .push_float_fixed("gi_p", stats.iter().map(|s| s.gi_p).collect(), 4)
        .push_text("cluster", labels);
    t.write_csv(&ctx.out.join("clusters.csv"))
        .map_err(exit::user)?;
    Ok(vec!["clusters.csv".to_string()])
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

/// Codes, names and values of the analysed column of `scores.csv`, and the column's name.
type ScoreColumn = (Vec<String>, Vec<String>, Vec<f64>, String);

/// Reads the analysed column of `scores.csv` (areas without a value are left out).
fn read_column(out: &Path, spatial: &Spatial) -> anyhow::Result<ScoreColumn> {
    let source = Source {
        id: "scores".into(),
        path: "scores.csv".into(),
        format: Some(SourceFormat::Csv),
        sheet: None,
        header_row: Some(1),
        code_column: "area_code".into(),
        name_column: Some("area_name".into()),
        layout: Layout::default(),
        missing_markers: Vec::new(),
        ..Source::default()
    };
    let t = oa_io::read_table(&out.join("scores.csv"), &source).map_err(exit::user)?;
    let column = match &spatial.column {
        Some(c) => c.clone(),
        None if t.headers.iter().any(|h| h == "score") => "score".into(),
        None if t.headers.iter().any(|h| h == "average_score") => "average_score".into(),
        None => {
            return Err(exit::user(
                "spatial: scores.csv has neither `score` nor `average_score`; name the column with `[spatial] column`",
            ));
        }
    };
    let values = t
        .numbers(&column)
        .map_err(|e| exit::user(format!("spatial.column: {e}")))?;
    let codes = t.text("area_code").map_err(exit::user)?;
    let names = t.text("area_name").map_err(exit::user)?;
    // Unscored areas (dropped for coverage) take no part.
    let keep: Vec<usize> = (0..values.len())
        .filter(|&i| values[i].is_finite())
        .collect();
    Ok((
        keep.iter().map(|&i| codes[i].clone()).collect(),
        keep.iter().map(|&i| names[i].clone()).collect(),
        keep.iter().map(|&i| values[i]).collect(),
        column,
    ))
}

/// Neighbour lists over `codes` (in that order) from the study's boundaries. Every code
/// must have a boundary; boundaries of other areas are ignored.
fn contiguity(
    study: &Study,
    spatial: &Spatial,
    data_dir: &Path,
    codes: &[String],
) -> anyhow::Result<Vec<Vec<usize>>> {
    let maps = study.maps.as_ref();
    let boundaries = spatial
        .boundaries
        .clone()
        .or_else(|| maps.and_then(|m| m.boundaries.clone()))
        .ok_or_else(|| {
            exit::user(
                "spatial.boundaries: no boundary file; give `[spatial] boundaries = \"geo/...\"` (or `[maps] boundaries`)",
            )
        })?;
    // The vintage of the analysed areas: the roll-up's when there is one.
    let year = spatial.year.or_else(|| {
        Some(
            study
                .rollup
                .as_ref()
                .and_then(|r| r.vintage)
                .unwrap_or(study.geography.vintage),
        )
    });
    let options = oa_geo::LoadOptions {
        code_property: spatial
            .code_property
            .clone()
            .or_else(|| maps.and_then(|m| m.code_property.clone())),
        name_property: None,
        layer: spatial
            .layer
            .clone()
            .or_else(|| maps.and_then(|m| m.layer.clone())),
        year,
    };
    let layer = oa_geo::load_boundaries(&data_dir.join(&boundaries), &options)
        .map_err(|e| exit::user(format!("spatial.boundaries: {e}")))?;
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
        return Err(exit::user(format!(
            "spatial.boundaries: {boundaries} has no boundary for {} of the {} scored areas ({}{}); use boundaries of the same vintage{}",
            missing.len(),
            codes.len(),
            shown.join(", "),
            if missing.len() > 5 { ", ..." } else { "" },
            year.map(|y| format!(" ({y})")).unwrap_or_default()
        )));
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
