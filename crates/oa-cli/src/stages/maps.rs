//! The maps stage of `oa run`: `map_score.svg` (the index score in classes) and
//! `map_band.svg` (the named bands), `map_clusters.svg` when the spatial stage wrote
//! `clusters.csv`, plus PNG copies when `[maps] png = true`.

use super::RunContext;
use crate::commands::map::{MapRequest, draw, report_mismatches, study_boundaries};
use anyhow::Context;

/// Runs the maps stage; returns the files written, relative to `ctx.out`.
pub fn run(ctx: &RunContext) -> anyhow::Result<Vec<String>> {
    let Some(maps) = &ctx.study.maps else {
        return Ok(Vec::new());
    };
    let layer = study_boundaries(ctx.study, ctx.data_dir, None, None)?;
    let header =
        std::fs::read_to_string(ctx.out.join("scores.csv")).context("reading scores.csv")?;
    let columns: Vec<&str> = header.lines().next().unwrap_or("").split(',').collect();
    // A rolled-up bundle has `average_score` instead of `score`.
    let score = ["score", "average_score"]
        .into_iter()
        .find(|c| columns.contains(c))
        .or_else(|| columns.get(2).copied())
        .context("scores.csv has no score column")?
        .to_string();
    let has_bands = columns.contains(&"band") && !ctx.study.bands.named.is_empty();
    // By default outline the band at the worst end (the cold spots), else the first band.
    let named = &ctx.study.bands.named;
    let highlight = maps.highlight.clone().or_else(|| {
        named
            .iter()
            .find(|b| b.end == oa_model::study::End::Worst)
            .or(named.first())
            .filter(|_| has_bands)
            .map(|b| format!("band={}", b.name))
    });
    let mut maps_to_draw = vec![(
        "map_score",
        "scores.csv",
        score.clone(),
        maps.classes.clone(),
        highlight.clone(),
    )];
    if has_bands {
        maps_to_draw.push((
            "map_band",
            "scores.csv",
            "band".to_string(),
            "bands".to_string(),
            highlight.clone(),
        ));
    }
    // The spatial stage ran before: map its clusters, outlining the cold-spot clusters.
    if ctx.out.join("clusters.csv").is_file() {
        let clusters = std::fs::read_to_string(ctx.out.join("clusters.csv"))
            .context("reading clusters.csv")?;
        let cold = clusters.lines().any(|l| l.ends_with(",cold spot cluster"));
        maps_to_draw.push((
            "map_clusters",
            "clusters.csv",
            "cluster".to_string(),
            "bands".to_string(),
            cold.then(|| "cluster=cold spot cluster".to_string()),
        ));
    }
    let mut written = Vec::new();
    for (stem, table, column, classes, highlight) in maps_to_draw {
        let request = MapRequest {
            bundle: ctx.out,
            table,
            column: &column,
            classes: &classes,
            highlight: highlight.as_deref(),
            title: format!("{}: {column}", ctx.study.study.title),
            london_inset: true,
        };
        let rendered = draw(&layer, &request)?;
        if stem == "map_score" {
            report_mismatches(&rendered);
        }
        let svg = format!("{stem}.svg");
        std::fs::write(ctx.out.join(&svg), &rendered.svg)
            .with_context(|| format!("writing {svg}"))?;
        written.push(svg);
        if maps.png {
            let png = format!("{stem}.png");
            let bytes = oa_geo::svg_to_png(&rendered.svg).context("rendering PNG")?;
            std::fs::write(ctx.out.join(&png), bytes).with_context(|| format!("writing {png}"))?;
            written.push(png);
        }
    }
    Ok(written)
}
