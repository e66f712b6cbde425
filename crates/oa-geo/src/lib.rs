//! `oa-geo`: the geography edge of `oa`.
//!
//! - [`boundary`]: boundary files as ONS and others publish them (GeoJSON, TopoJSON,
//!   HexJSON; WGS84 or British National Grid), read onto one projected plane; a folder of
//!   them (one file per district) as one layer.
//! - [`mod@choropleth`]: SVG/PNG maps of a results column (legend, highlights, London inset;
//!   colours by meaning; one path per class for neighbourhood maps).
//! - [`crs`]: the WGS84 <-> National Grid conversions (OS formulas).
//! - [`contiguity`]: rook and queen neighbour lists from the polygons.
//! - [`registry`]: which area codes exist in which year and how they change; [`mod@convert`]
//!   moves a table of values between vintages (sums, population-weighted means).
//!
//! This crate reads files (it is an edge crate); the statistics built on its neighbour
//! lists live in the pure `oa-spatial`.

pub mod boundary;
pub mod choropleth;
pub mod contiguity;
pub mod convert;
pub mod crs;
mod csv_file;
pub mod error;
pub mod registry;

pub use boundary::{
    Feature, Layer, LoadOptions, Point, Polygon, load_boundaries, load_folder, parse_boundaries,
};
pub use choropleth::{
    ATTRIBUTION, Classes, Column, GROUP_OVER, LegendEntry, MapOptions, Rendered, Style, Tone,
    choropleth, choropleth_styled, read_column, svg_to_png,
};
pub use contiguity::{Contiguity, neighbours, queen, rook};
pub use convert::{AreaTable, Converted, Method, convert, read_table, read_weights, write_table};
pub use crs::SourceCrs;
pub use error::GeoError;
pub use registry::{AreaSpan, Change, ChangeKind, Registry, VintageMap, read_changes};
