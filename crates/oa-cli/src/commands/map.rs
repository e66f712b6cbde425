//! `oa map OUT --column COLUMN --out map.svg|map.png`: a choropleth of a results column on
//! the study's boundaries. Drawing lives in `oa_geo::choropleth`; this file finds the
//! boundaries (the study's `[maps]` section, or `--boundaries`), the table and the
//! highlighted areas, and is shared with the `maps` stage of `oa run`.

use crate::exit::user;
use anyhow::Context;
use oa_geo::{
    Classes, Layer, LoadOptions, MapOptions, Rendered, choropleth, load_boundaries, read_column,
    svg_to_png,
};
use oa_model::Study;
use std::path::{Path, PathBuf};

/// The boundaries used when a study's `[maps]` names none: ONS local authority districts,
/// filtered to the study's vintage.
pub const DEFAULT_BOUNDARIES: &str = "geo/onsvisual-uk-topojson/topo.json";

/// Arguments of `oa map`.
#[derive(clap::Args)]
pub struct Args {
    /// The results bundle (written by `oa run`).
    pub bundle: PathBuf,
    /// Column to map, e.g. `score`, `rank`, `band`.
    #[arg(long)]
    pub column: String,
    /// Output file: `.svg` or `.png`.
    #[arg(long)]
    pub out: PathBuf,
    /// CSV of the bundle holding the column.
    #[arg(long, default_value = "scores.csv")]
    pub table: String,
    /// Classes: quantiles:K, jenks:K, equal:K, headtail, breaks:A,B,C or bands (default:
    /// the study's `[maps] classes`, else quantiles:5; text columns are always categorical).
    #[arg(long)]
    pub classes: Option<String>,
    /// Areas to outline and label: COLUMN=VALUE (e.g. `band=coldspot`) or `selected`.
    #[arg(long)]
    pub highlight: Option<String>,
    #[arg(long)]
    pub title: Option<String>,
    /// Boundary file (default: the study's `[maps] boundaries`, else the ONS districts).
    #[arg(long)]
    pub boundaries: Option<PathBuf>,
    /// Property of the boundaries holding the area code.
    #[arg(long)]
    pub code_property: Option<String>,
    /// TopoJSON object to read.
    #[arg(long)]
    pub layer: Option<String>,
    /// Data directory for the study's boundaries (default: the bundle manifest's).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Leave out the London inset.
    #[arg(long)]
    pub no_inset: bool,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let bundle = &args.bundle;
    if !bundle.join("study.toml").is_file() {
        return Err(user(format!(
            "{}: not a results bundle (no study.toml); give the folder written by `oa run`",
            bundle.display()
        )));
    }
    let (study, _) = super::run::load_study(&bundle.join("study.toml"))?;
    let data_dir = match &args.data_dir {
        Some(d) => d.clone(),
        None => manifest_data_dir(bundle)?,
    };
    let layer = match &args.boundaries {
        Some(path) => {
            if !path.is_file() {
                return Err(user(format!(
                    "{}: file not found; check --boundaries (GeoJSON, TopoJSON or HexJSON)",
                    path.display()
                )));
            }
            let options = LoadOptions {
                code_property: args.code_property.clone(),
                layer: args.layer.clone(),
                year: Some(map_vintage(&study)),
                ..LoadOptions::default()
            };
            load_boundaries(path, &options).map_err(user)?
        }
        None => study_boundaries(
            &study,
            &data_dir,
            args.code_property.clone(),
            args.layer.clone(),
        )?,
    };
    let ext = args
        .out
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    if ext != "svg" && ext != "png" {
        return Err(user(format!(
            "{}: the map must be .svg or .png",
            args.out.display()
        )));
    }
    let classes = args
        .classes
        .clone()
        .or_else(|| study.maps.as_ref().map(|m| m.classes.clone()))
        .unwrap_or_else(|| "quantiles:5".into());
    let highlight = args
        .highlight
        .clone()
        .or_else(|| study.maps.as_ref().and_then(|m| m.highlight.clone()));
    let title = args
        .title
        .clone()
        .unwrap_or_else(|| format!("{}: {}", study.study.title, args.column));
    let request = MapRequest {
        bundle,
        table: &args.table,
        column: &args.column,
        classes: &classes,
        highlight: highlight.as_deref(),
        title,
        london_inset: !args.no_inset,
    };
    let rendered = draw(&layer, &request)?;
    report_mismatches(&rendered);
    let bytes = if ext == "png" {
        svg_to_png(&rendered.svg).context("rendering PNG")?
    } else {
        rendered.svg.into_bytes()
    };
    write_whole(&args.out, &bytes)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

/// The data directory recorded in the bundle's `manifest.json`.
fn manifest_data_dir(bundle: &Path) -> anyhow::Result<PathBuf> {
    let path = bundle.join("manifest.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| user(format!("{}: {e}; give --data-dir", path.display())))?;
    let manifest: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| user(format!("{}: not valid JSON: {e}", path.display())))?;
    manifest
        .get("data_dir")
        .and_then(|d| d.as_str())
        .map(PathBuf::from)
        .ok_or_else(|| {
            user(format!(
                "{}: no `data_dir`; give --data-dir",
                path.display()
            ))
        })
}

/// Writes the file through a temporary sibling and a rename: never a partial map.
fn write_whole(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(user(format!(
            "{}: the folder {} does not exist; create it or choose another --out",
            path.display(),
            dir.display()
        )));
    }
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)
        .map_err(|e| user(format!("{}: cannot write here: {e}", dir.display())))?;
    std::io::Write::write_all(&mut tmp, bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| user(format!("{}: {}", path.display(), e.error)))?;
    Ok(())
}

/// The vintage a study's maps are drawn in: the roll-up's, else the geography's.
pub fn map_vintage(study: &Study) -> u16 {
    study
        .rollup
        .as_ref()
        .and_then(|r| r.vintage)
        .unwrap_or(study.geography.vintage)
}

/// Loads the boundaries a study's `[maps]` section names (or the default ONS districts).
pub fn study_boundaries(
    study: &Study,
    data_dir: &Path,
    code_property: Option<String>,
    layer: Option<String>,
) -> anyhow::Result<Layer> {
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
        return Err(user(format!(
            "{}: file not found (study key `maps.boundaries`, relative to the data directory); check the path, or give --data-dir or --boundaries",
            path.display()
        )));
    }
    load_boundaries(&path, &options).map_err(|e| user(format!("maps.boundaries: {e}")))
}

/// One map to draw from a bundle.
pub struct MapRequest<'a> {
    pub bundle: &'a Path,
    pub table: &'a str,
    pub column: &'a str,
    pub classes: &'a str,
    pub highlight: Option<&'a str>,
    pub title: String,
    pub london_inset: bool,
}

/// Reads the column and the highlighted areas from the bundle and draws the map.
pub fn draw(layer: &Layer, r: &MapRequest) -> anyhow::Result<Rendered> {
    let classes: Classes = r.classes.parse().map_err(user)?;
    let table_path = r.bundle.join(r.table);
    if !table_path.is_file() {
        return Err(user(format!(
            "{}: no such table in the bundle; give --table one of the bundle's CSV files (default scores.csv)",
            table_path.display()
        )));
    }
    let column = read_column(&table_path, "area_code", r.column).map_err(user)?;
    let (highlight, highlight_label) = match r.highlight {
        None => (Vec::new(), None),
        Some("selected") => (selected_codes(r.bundle)?, Some("selected".to_string())),
        Some(spec) => {
            let (col, value) = spec.split_once('=').ok_or_else(|| {
                user(format!(
                    "--highlight `{spec}`: use COLUMN=VALUE or `selected`"
                ))
            })?;
            let c = read_column(&table_path, "area_code", col.trim()).map_err(user)?;
            let codes: Vec<String> = c
                .codes
                .iter()
                .zip(&c.cells)
                .filter(|(_, v)| *v == value.trim())
                .map(|(k, _)| k.clone())
                .collect();
            if codes.is_empty() {
                return Err(user(format!(
                    "--highlight {spec}: no area of {} has {} = `{}`",
                    table_path.display(),
                    col.trim(),
                    value.trim()
                )));
            }
            (codes, Some(format!("{} = {}", col.trim(), value.trim())))
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

/// Codes marked selected in the bundle's `selection.csv` (written by the selection stage).
fn selected_codes(bundle: &Path) -> anyhow::Result<Vec<String>> {
    let path = bundle.join("selection.csv");
    if !path.is_file() {
        return Err(user(format!(
            "{}: no selection in this bundle; run `oa select` first or highlight COLUMN=VALUE",
            path.display()
        )));
    }
    let header =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let code_column = ["area_code", "area_id"]
        .into_iter()
        .find(|c| {
            header
                .lines()
                .next()
                .is_some_and(|h| h.split(',').any(|x| x == *c))
        })
        .ok_or_else(|| {
            user(format!(
                "{}: no `area_code` or `area_id` column",
                path.display()
            ))
        })?;
    let c = read_column(&path, code_column, "selected").map_err(user)?;
    Ok(c.codes
        .into_iter()
        .zip(c.cells)
        .filter(|(_, v)| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
        .map(|(k, _)| k)
        .collect())
}

/// Says which areas are in the data but not on the map, and the reverse.
pub fn report_mismatches(r: &Rendered) {
    let list = |v: &[String]| {
        let mut s = v.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
        if v.len() > 10 {
            s += ", ...";
        }
        s
    };
    if !r.missing_from_map.is_empty() {
        eprintln!(
            "note: {} areas in the data are not on the map: {}",
            r.missing_from_map.len(),
            list(&r.missing_from_map)
        );
    }
    if !r.missing_from_data.is_empty() {
        eprintln!(
            "note: {} areas on the map have no data (drawn grey): {}",
            r.missing_from_data.len(),
            list(&r.missing_from_data)
        );
    }
}
