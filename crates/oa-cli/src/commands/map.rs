//! `oa map OUT --column COLUMN --out map.svg|map.png`: a choropleth of any column of a
//! results bundle's tables on the boundaries of the study's area type (or `--boundaries`,
//! a file or a folder of files resolved against the data directory as the study's paths
//! are; `--within` draws some districts of a folder alone). The bundle is read with
//! `oa_bundle::read`; drawing is `oa_pipeline::maps`.

use crate::exit::user;
use oa_geo::svg_to_png;
use oa_pipeline::maps::{
    BoundaryRequest, Highlight, MapRequest, draw, mismatches, study_boundaries,
};
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
    /// Boundary file, or folder of files read as one layer (e.g.
    /// `geo/martinjc-uk-geojson/lsoa_by_lad`), relative to the data directory (default:
    /// the study's `[maps] boundaries`, else the shipped boundaries of its area type).
    #[arg(long)]
    pub boundaries: Option<PathBuf>,
    /// Only these districts (comma-separated codes) of a folder of one boundary file per
    /// district, e.g. `E06000009`.
    #[arg(long, value_delimiter = ',')]
    pub within: Vec<String>,
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
    let request = BoundaryRequest {
        path: args.boundaries.clone(),
        code_property: args.code_property.clone(),
        layer: args.layer.clone(),
        within: args.within.clone(),
    };
    let (layer, boundaries) = study_boundaries(study, &data_dir, &request)?;
    let classes = args
        .classes
        .clone()
        .or_else(|| study.maps.as_ref().map(|m| m.classes.clone()))
        .unwrap_or_else(|| "quantiles:5".into());
    let mut highlight = args
        .highlight
        .clone()
        .or_else(|| study.maps.as_ref().and_then(|m| m.highlight.clone()))
        .map(|h| Highlight::parse(&h))
        .transpose()?;
    // The study's highlight names a column of its headline table; another table may not
    // have it (an explicit --highlight still must).
    if args.highlight.is_none()
        && let Some(Highlight::Value { column, .. }) = &highlight
        && let Some((_, table)) = results.tables().into_iter().find(|(n, _)| *n == args.table)
        && table.column(column).is_none()
    {
        eprintln!(
            "note: the study's highlight ({column}) is not drawn: {} has no column `{column}`",
            args.table
        );
        highlight = None;
    }
    let request = MapRequest {
        table: &args.table,
        column: &args.column,
        classes: &classes,
        highlight,
        title: args
            .title
            .clone()
            .unwrap_or_else(|| format!("{}: {}", study.study.title, args.column)),
        subtitle: (!args.within.is_empty()).then(|| {
            format!(
                "{} areas of {}; classes of every area of {}: {classes}",
                layer.features.len(),
                args.within.join(", "),
                args.table
            )
        }),
        // A few districts alone have no London to inset.
        london_inset: !args.no_inset && args.within.is_empty(),
    };
    let mut rendered = draw(&layer, &results, &request)?;
    if !args.within.is_empty() {
        // The rest of the country is left out on purpose.
        rendered.missing_from_map.clear();
    }
    for note in mismatches(&rendered) {
        eprintln!("note: {note}");
    }
    let bytes = if ext == "png" {
        svg_to_png(&rendered.svg).map_err(|e| anyhow::anyhow!("rendering PNG: {e}"))?
    } else {
        rendered.svg.into_bytes()
    };
    write_whole(&args.out, &bytes)?;
    eprintln!(
        "wrote {} ({} areas of {})",
        args.out.display(),
        layer.features.len(),
        boundaries.display()
    );
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
