//! Maps of a study's results: the maps stage of a run (`map_score`, `map_band`,
//! `map_clusters`, with PNG copies when `[maps] png = true`) and any column of any table
//! for `oa map`. Drawing is `oa_geo::choropleth`; this module finds the boundaries (the
//! study's `[maps]`, or the ONS districts), the column and the highlighted areas, all from
//! [`Results`] in memory.

use crate::error::{Code, Error};
use oa_bundle::{Map, Maps, Results};
use oa_geo::{Classes, Layer, LoadOptions, MapOptions, Rendered, choropleth, load_boundaries};
use oa_model::Study;
use oa_model::study::End;
use std::path::Path;

/// The boundaries used when a study's `[maps]` names none: ONS local authority districts,
/// filtered to the study's vintage.
pub const DEFAULT_BOUNDARIES: &str = "geo/onsvisual-uk-topojson/topo.json";

fn user(e: impl std::fmt::Display) -> Error {
    Error::new(Code::StageFailed, e.to_string())
}

/// The vintage a study's maps are drawn in: the roll-up's, else the geography's.
pub fn map_vintage(study: &Study) -> u16 {
    study
        .rollup
        .as_ref()
        .and_then(|r| r.vintage)
        .unwrap_or(study.geography.vintage)
}

/// Loads the boundaries a study's `[maps]` section names (or the default ONS districts)
/// from `data_dir`; `code_property` and `layer` override the study's.
pub fn study_boundaries(
    study: &Study,
    data_dir: &Path,
    code_property: Option<String>,
    layer: Option<String>,
) -> Result<Layer, Error> {
    let maps = study.maps.as_ref();
    let named = maps.and_then(|m| m.boundaries.clone());
    let layer = layer
        .or_else(|| maps.and_then(|m| m.layer.clone()))
        .or_else(|| named.is_none().then(|| "ltla".to_string()));
    let path = data_dir.join(named.as_deref().unwrap_or(DEFAULT_BOUNDARIES));
    let options = LoadOptions {
        code_property: code_property.or_else(|| maps.and_then(|m| m.code_property.clone())),
        layer,
        year: Some(map_vintage(study)),
        ..LoadOptions::default()
    };
    if !path.is_file() {
        return Err(Error::new(
            Code::DataMissing,
            format!(
                "{}: file not found (study key `maps.boundaries`, relative to the data directory); check the path, or give --data-dir or --boundaries",
                path.display()
            ),
        ));
    }
    load_boundaries(&path, &options)
        .map_err(|e| Error::new(Code::DataMalformed, format!("maps.boundaries: {e}")))
}

/// Which areas a map outlines.
#[derive(Debug, Clone, PartialEq)]
pub enum Highlight {
    /// Areas whose `column` has `value` in the mapped table, e.g. `band=coldspot`.
    Value { column: String, value: String },
    /// The districts of the areas the selection chose.
    Selected,
}

impl Highlight {
    /// `COLUMN=VALUE` or `selected`.
    pub fn parse(spec: &str) -> Result<Highlight, Error> {
        if spec == "selected" {
            return Ok(Highlight::Selected);
        }
        let (column, value) = spec.split_once('=').ok_or_else(|| {
            Error::new(
                Code::StudyInvalid,
                format!(
                    "highlight `{spec}`: use COLUMN=VALUE (e.g. `band=coldspot`) or `selected`"
                ),
            )
        })?;
        Ok(Highlight::Value {
            column: column.trim().to_string(),
            value: value.trim().to_string(),
        })
    }
}

/// One map to draw from results.
pub struct MapRequest<'a> {
    /// The table holding the column, by file name (`scores.csv`, `clusters.csv`, ...).
    pub table: &'a str,
    pub column: &'a str,
    /// `quantiles:5`, `jenks:5`, `equal:5`, `headtail`, `breaks:...` or `bands`.
    pub classes: &'a str,
    pub highlight: Option<Highlight>,
    pub title: String,
    pub london_inset: bool,
}

/// Draws one column of `results` on `layer`.
pub fn draw(layer: &Layer, results: &Results, r: &MapRequest) -> Result<Rendered, Error> {
    let classes: Classes = r.classes.parse().map_err(user)?;
    let tables = results.tables();
    let Some((_, table)) = tables.iter().find(|(name, _)| name == r.table) else {
        return Err(Error::new(
            Code::StudyInvalid,
            format!(
                "{}: no such table in the bundle; give one of {} (default scores.csv)",
                r.table,
                tables
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    };
    let column = geo_column(table, r.table, r.column)?;
    let (highlight, highlight_label) = match &r.highlight {
        None => (Vec::new(), None),
        Some(Highlight::Selected) => (selected_districts(results)?, Some("selected".to_string())),
        Some(Highlight::Value { column: c, value }) => {
            let cells = geo_column(table, r.table, c)?;
            let codes: Vec<String> = cells
                .codes
                .iter()
                .zip(&cells.cells)
                .filter(|(_, v)| *v == value)
                .map(|(k, _)| k.clone())
                .collect();
            if codes.is_empty() {
                return Err(Error::new(
                    Code::StudyInvalid,
                    format!(
                        "highlight {c}={value}: no area of {} has {c} = `{value}`",
                        r.table
                    ),
                ));
            }
            (codes, Some(format!("{c} = {value}")))
        }
    };
    let options = MapOptions {
        title: r.title.clone(),
        subtitle: Some(format!(
            "{} areas; classes: {}",
            column.codes.len(),
            r.classes
        )),
        highlight,
        highlight_label,
        london_inset: r.london_inset,
    };
    choropleth(layer, &column, &classes, &options).map_err(user)
}

/// A column of a results table with its area codes and names, as the map draws it.
fn geo_column(table: &oa_io::Table, file: &str, column: &str) -> Result<oa_geo::Column, Error> {
    let missing = |c: &str| {
        Error::new(
            Code::StudyInvalid,
            format!(
                "{file}: no column `{c}`; the columns are {}",
                table.names().join(", ")
            ),
        )
    };
    let codes = table
        .cells("area_code")
        .or_else(|| table.cells("area_id"))
        .ok_or_else(|| missing("area_code"))?;
    let names = table
        .cells("area_name")
        .unwrap_or_else(|| vec![String::new(); codes.len()]);
    Ok(oa_geo::Column {
        name: column.to_string(),
        cells: table.cells(column).ok_or_else(|| missing(column))?,
        names: names
            .into_iter()
            .map(|n| (!n.is_empty()).then_some(n))
            .collect(),
        codes,
    })
}

/// The districts of the areas the selection chose.
fn selected_districts(results: &Results) -> Result<Vec<String>, Error> {
    let selection = results.selection.as_ref().ok_or_else(|| {
        Error::new(
            Code::StudyInvalid,
            "highlight `selected`: these results have no selection; add a [selection] to the study, run `oa select`, or highlight COLUMN=VALUE",
        )
    })?;
    Ok(selection
        .selected()
        .flat_map(|a| a.districts.iter().cloned())
        .collect())
}

/// Notes on areas in the data but not on the map, and the reverse.
pub fn mismatches(r: &Rendered) -> Vec<String> {
    let list = |v: &[String]| {
        let mut s = v.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
        if v.len() > 10 {
            s += ", ...";
        }
        s
    };
    let mut notes = Vec::new();
    if !r.missing_from_map.is_empty() {
        notes.push(format!(
            "{} areas in the data are not on the map: {}",
            r.missing_from_map.len(),
            list(&r.missing_from_map)
        ));
    }
    if !r.missing_from_data.is_empty() {
        notes.push(format!(
            "{} areas on the map have no data (drawn grey): {}",
            r.missing_from_data.len(),
            list(&r.missing_from_data)
        ));
    }
    notes
}

/// The maps stage: the headline score in classes, the named bands, and the clusters when
/// the spatial stage ran; notes on mismatches are returned beside them.
pub fn run(results: &Results, data_dir: &Path) -> Result<(Maps, Vec<String>), Error> {
    let study = &results.study;
    let Some(maps) = &study.maps else {
        return Ok((Maps::default(), Vec::new()));
    };
    let layer = study_boundaries(study, data_dir, None, None)?;
    let headline = results.headline();
    let band_names = &headline.bands;
    let has_bands = headline.band.is_some() && !band_names.is_empty();
    // By default outline the band at the worst end (the cold spots), else the first band.
    let worst_band = match &study.rollup {
        Some(r) => r
            .bands
            .iter()
            .find(|b| b.end == End::Worst)
            .or(r.bands.first()),
        None => study
            .bands
            .named
            .iter()
            .find(|b| b.end == End::Worst)
            .or(study.bands.named.first()),
    };
    let highlight = match &maps.highlight {
        Some(h) => Some(Highlight::parse(h)?),
        None => worst_band.filter(|_| has_bands).map(|b| Highlight::Value {
            column: "band".into(),
            value: b.name.clone(),
        }),
    };
    let mut requests = vec![(
        "map_score",
        headline.table.clone(),
        headline.score.clone(),
        maps.classes.clone(),
        highlight.clone(),
    )];
    if has_bands {
        requests.push((
            "map_band",
            headline.table.clone(),
            "band".to_string(),
            "bands".to_string(),
            highlight.clone(),
        ));
    }
    if let Some(c) = &results.clusters {
        let cold = c.cluster.iter().any(|l| l == "cold spot cluster");
        requests.push((
            "map_clusters",
            "clusters.csv".to_string(),
            "cluster".to_string(),
            "bands".to_string(),
            cold.then(|| Highlight::Value {
                column: "cluster".into(),
                value: "cold spot cluster".into(),
            }),
        ));
    }
    let mut out = Maps::default();
    let mut notes = Vec::new();
    for (stem, table, column, classes, highlight) in requests {
        let request = MapRequest {
            table: &table,
            column: &column,
            classes: &classes,
            highlight,
            title: format!("{}: {column}", study.study.title),
            london_inset: true,
        };
        let rendered = draw(&layer, results, &request)?;
        if stem == "map_score" {
            notes.extend(mismatches(&rendered));
        }
        let png =
            if maps.png {
                Some(oa_geo::svg_to_png(&rendered.svg).map_err(|e| {
                    Error::new(Code::Internal, format!("rendering {stem}.png: {e}"))
                })?)
            } else {
                None
            };
        out.maps.push(Map {
            stem: stem.to_string(),
            svg: rendered.svg,
            png,
        });
    }
    Ok((out, notes))
}
