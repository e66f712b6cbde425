//! `oa map OUT --column COLUMN --out map.svg|map.png`: a choropleth of any column of a
//! results bundle's tables on the study's boundaries (or `--boundaries`). The bundle is
//! read with `oa_bundle::read`; drawing is `oa_pipeline::maps`.

use crate::exit::user;
use oa_geo::{LoadOptions, load_boundaries, svg_to_png};
use oa_pipeline::maps::{Highlight, MapRequest, draw, map_vintage, mismatches, study_boundaries};
use std::path::{Path, PathBuf};

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
    /// Table of the bundle holding the column.
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
    let results = oa_bundle::read(&args.bundle).map_err(oa_pipeline::Error::from)?;
    let study = &results.study;
    let data_dir = args
        .data_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(&results.manifest.data_dir));
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
                year: Some(map_vintage(study)),
                ..LoadOptions::default()
            };
            load_boundaries(path, &options).map_err(user)?
        }
        None => study_boundaries(
            study,
            &data_dir,
            args.code_property.clone(),
            args.layer.clone(),
        )?,
    };
    let classes = args
        .classes
        .clone()
        .or_else(|| study.maps.as_ref().map(|m| m.classes.clone()))
        .unwrap_or_else(|| "quantiles:5".into());
    let highlight = args
        .highlight
        .clone()
        .or_else(|| study.maps.as_ref().and_then(|m| m.highlight.clone()))
        .map(|h| Highlight::parse(&h))
        .transpose()?;
    let request = MapRequest {
        table: &args.table,
        column: &args.column,
        classes: &classes,
        highlight,
        title: args
            .title
            .clone()
            .unwrap_or_else(|| format!("{}: {}", study.study.title, args.column)),
        london_inset: !args.no_inset,
    };
    let rendered = draw(&layer, &results, &request)?;
    for note in mismatches(&rendered) {
        eprintln!("note: {note}");
    }
    let bytes = if ext == "png" {
        svg_to_png(&rendered.svg).map_err(|e| anyhow::anyhow!("rendering PNG: {e}"))?
    } else {
        rendered.svg.into_bytes()
    };
    write_whole(&args.out, &bytes)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}

/// Writes the file whole (a temporary sibling renamed into place): never a partial map.
fn write_whole(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = oa_io::atomic::parent_dir(path);
    if !dir.is_dir() {
        return Err(user(format!(
            "{}: the folder {} does not exist; create it or choose another --out",
            path.display(),
            dir.display()
        )));
    }
    oa_io::write_file_atomic(path, bytes).map_err(user)
}
