//! Maps of a study's results: the maps stage of a run (`map_score`, `map_band`,
//! `map_clusters`, with PNG copies when `[maps] png = true`) and any column of any table
//! for `oa map`. Drawing is `oa_geo::choropleth_styled`; this module finds the boundaries
//! (the study's `[maps]`, or the shipped boundaries of the headline's area type), the
//! column, the highlighted areas and what each category means (cold spots in the colour
//! that reads as bad), all from [`Results`] in memory.

use crate::error::{Code, Error};
use oa_bundle::{Map, Maps, Results};
use oa_geo::{
    Classes, Layer, LoadOptions, MapOptions, Rendered, Style, Tone, choropleth_styled,
    load_boundaries,
};
use oa_model::Study;
use oa_model::study::{End, NamedBand};
use std::path::{Path, PathBuf};

/// The boundaries used when a study's `[maps]` names none, by the headline's area type:
/// ONS districts (and upper tiers, regions) filtered to the vintage, or the 2011 LSOAs and
/// MSOAs as one file per district.
pub const DEFAULT_BOUNDARIES: &str = "geo/onsvisual-uk-topojson/topo.json";
pub const LSOA_BOUNDARIES: &str = "geo/martinjc-uk-geojson/lsoa_by_lad";
pub const MSOA_BOUNDARIES: &str = "geo/martinjc-uk-geojson/msoa_by_lad";

/// The shipped boundaries of an area type: (path under the data directory, layer).
pub fn default_boundaries(area_type: &str) -> Option<(&'static str, Option<&'static str>)> {
    Some(match area_type.to_ascii_lowercase().as_str() {
        "lad" | "ltla" | "district" => (DEFAULT_BOUNDARIES, Some("ltla")),
        "utla" | "ctyua" => (DEFAULT_BOUNDARIES, Some("utla")),
        "county" | "cty" => (DEFAULT_BOUNDARIES, Some("cty")),
        "region" | "rgn" => (DEFAULT_BOUNDARIES, Some("rgn")),
        "lsoa" => (LSOA_BOUNDARIES, None),
        "msoa" => (MSOA_BOUNDARIES, None),
        _ => return None,
    })
}

/// The area type a study's maps show: the roll-up's larger areas, else the geography's.
pub fn map_area_type(study: &Study) -> &str {
    study
        .rollup
        .as_ref()
        .map_or(study.geography.area_type.as_str(), |r| r.to.as_str())
}

/// A boundary path as given (`--boundaries`, `[maps] boundaries`) resolved as the
/// study's paths are: against the data directory; a path found only relative to the
/// current folder is used from there. `None` when neither exists.
pub fn resolve_boundaries(given: &Path, data_dir: &Path) -> Option<PathBuf> {
    let in_data = data_dir.join(given);
    if in_data.exists() {
        Some(in_data)
    } else if given.exists() {
        Some(given.to_path_buf())
    } else {
        None
    }
}

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

/// Where a map's boundaries come from and how to read them.
#[derive(Debug, Clone, Default)]
pub struct BoundaryRequest {
    /// A file or folder (`--boundaries`), resolved against the data directory; default:
    /// the study's `[maps] boundaries`, else the shipped boundaries of its area type.
    pub path: Option<PathBuf>,
    pub code_property: Option<String>,
    pub layer: Option<String>,
    /// Only the files of these districts (a folder of one file per district).
    pub within: Vec<String>,
}

/// Loads the boundaries of a study's maps from `data_dir`: `request.path`, else the
/// study's `[maps] boundaries`, else the shipped boundaries of the headline's area type
/// (districts for a district study or roll-up, LSOAs for an LSOA index, ...).
/// Returns the layer and the path read.
pub fn study_boundaries(
    study: &Study,
    data_dir: &Path,
    request: &BoundaryRequest,
) -> Result<(Layer, PathBuf), Error> {
    let maps = study.maps.as_ref();
    let area_type = map_area_type(study);
    let (key, given, default_layer) = match (
        &request.path,
        maps.and_then(|m| m.boundaries.as_ref()),
    ) {
        (Some(p), _) => ("--boundaries", p.clone(), None),
        (None, Some(p)) => ("maps.boundaries", PathBuf::from(p), None),
        (None, None) => match default_boundaries(area_type) {
            Some((p, layer)) => ("the default boundaries", PathBuf::from(p), layer),
            None => {
                return Err(Error::new(
                    Code::StudyInvalid,
                    format!(
                        "maps: `oa` ships no boundaries for area type `{area_type}`; name them with `[maps] boundaries` in the study or --boundaries"
                    ),
                ));
            }
        },
    };
    let Some(path) = resolve_boundaries(&given, data_dir) else {
        let (given, data_dir) = (given.display(), data_dir.display());
        return Err(Error::new(
            Code::DataMissing,
            match key {
                "--boundaries" => format!(
                    "{given}: file not found; check --boundaries (a file or folder, looked for in the data directory {data_dir} and then the current folder)"
                ),
                "maps.boundaries" => format!(
                    "{given}: file not found (study key `maps.boundaries`, relative to the data directory {data_dir}); check the path, or give --data-dir or --boundaries"
                ),
                _ => format!(
                    "{given}: not found in the data directory {data_dir} (the boundaries `oa` uses for area type `{area_type}`); give --data-dir, `[maps] boundaries` or --boundaries"
                ),
            },
        ));
    };
    let layer = request
        .layer
        .clone()
        .or_else(|| maps.and_then(|m| m.layer.clone()))
        .or_else(|| default_layer.map(str::to_string));
    let options = LoadOptions {
        code_property: request
            .code_property
            .clone()
            .or_else(|| maps.and_then(|m| m.code_property.clone())),
        layer,
        year: Some(map_vintage(study)),
        within: request.within.clone(),
        ..LoadOptions::default()
    };
    let layer = load_boundaries(&path, &options)
        .map_err(|e| Error::new(Code::DataMalformed, format!("{key}: {e}")))?;
    Ok((layer, path))
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
    /// What the map shows, under the title (default: the areas and classes, or for the
    /// named bands what each band is).
    pub subtitle: Option<String>,
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
    let subtitle = r.subtitle.clone().unwrap_or_else(|| {
        let bands = bands_of(results);
        if r.column == "band" && !bands.is_empty() {
            describe_bands(&bands, &column.cells)
        } else if classes == Classes::Bands || column.numbers().is_none() {
            format!("{} areas by {}", column.codes.len(), r.column)
        } else {
            format!("{} areas; classes: {}", column.codes.len(), r.classes)
        }
    });
    let options = MapOptions {
        title: r.title.clone(),
        subtitle: Some(subtitle),
        highlight,
        highlight_label,
        london_inset: r.london_inset,
    };
    let style = Style {
        tones: tones(results),
        group_paths: None,
        ..Style::default()
    };
    choropleth_styled(layer, &column, &classes, &options, &style).map_err(user)
}

/// The named bands of the headline table (the roll-up's, else the index's).
fn bands_of(results: &Results) -> Vec<NamedBand> {
    let study = &results.study;
    match (&study.rollup, &results.rollup) {
        (Some(r), Some(_)) => r.bands.clone(),
        _ => study.bands.named.clone(),
    }
}

/// What each category of the maps means: the bands by their end (the first band at the
/// worst end is the cold spot), and the cluster labels.
pub fn tones(results: &Results) -> Vec<(String, Tone)> {
    let mut tones: Vec<(String, Tone)> = vec![
        ("cold spot cluster".into(), Tone::Worst),
        ("cold spot outlier".into(), Tone::WorstLight),
        ("hot spot cluster".into(), Tone::Best),
        ("hot spot outlier".into(), Tone::BestLight),
    ];
    let bands = bands_of(results);
    for end in [End::Worst, End::Best] {
        let (first, second) = match end {
            End::Worst => (Tone::Worst, Tone::WorstLight),
            End::Best => (Tone::Best, Tone::BestLight),
        };
        for (k, b) in bands.iter().filter(|b| b.end == end).take(2).enumerate() {
            tones.push((b.name.clone(), if k == 0 { first } else { second }));
        }
    }
    tones
}

/// `coldspot: the worst 20% (47 areas); hotspot: the best 20% (47 areas)`.
fn describe_bands(bands: &[NamedBand], cells: &[String]) -> String {
    let n = cells.len();
    let parts: Vec<String> = bands
        .iter()
        .map(|b| {
            let drawn = cells.iter().filter(|c| **c == b.name).count();
            let end = match b.end {
                End::Worst => "worst",
                End::Best => "best",
            };
            let size = match (b.count, b.share) {
                (Some(c), _) => format!("the {c} {end}"),
                (None, Some(s)) => format!("the {end} {}%", s * 100.0),
                (None, None) => format!("the {end}"),
            };
            format!("{}: {size} ({drawn} areas)", b.name)
        })
        .collect();
    format!(
        "{} of {n} areas: {}",
        if bands.len() == 1 { "band" } else { "bands" },
        parts.join("; ")
    )
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
    let (layer, _) = study_boundaries(study, data_dir, &BoundaryRequest::default())?;
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
        None,
    )];
    if has_bands {
        requests.push((
            "map_band",
            headline.table.clone(),
            "band".to_string(),
            "bands".to_string(),
            highlight.clone(),
            None,
        ));
    }
    if let (Some(c), Some(s)) = (&results.clusters, &study.spatial) {
        let cold = c.cluster.iter().any(|l| l == "cold spot cluster");
        let analysed = c.global.as_ref().map_or("score", |g| g.column.as_str());
        requests.push((
            "map_clusters",
            "clusters.csv".to_string(),
            "cluster".to_string(),
            "bands".to_string(),
            cold.then(|| Highlight::Value {
                column: "cluster".into(),
                value: "cold spot cluster".into(),
            }),
            Some(format!(
                "local Moran's I of {analysed} ({} contiguity, {} permutations), significant at {}",
                match s.contiguity {
                    oa_model::study::rollup::ContiguityKind::Queen => "queen",
                    oa_model::study::rollup::ContiguityKind::Rook => "rook",
                },
                s.permutations,
                s.alpha
            )),
        ));
    }
    let mut out = Maps::default();
    let mut notes = Vec::new();
    for (stem, table, column, classes, highlight, subtitle) in requests {
        let request = MapRequest {
            table: &table,
            column: &column,
            classes: &classes,
            highlight,
            title: format!("{}: {column}", study.study.title),
            subtitle,
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
