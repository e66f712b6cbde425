//! Boundary layers: GeoJSON, TopoJSON and HexJSON read into one shape, projected onto the
//! British National Grid plane (metres, y north) so that maps and contiguity work alike
//! whatever the file's coordinates were.

use crate::crs::{SourceCrs, wgs84_to_bng};
use crate::error::GeoError;
use crate::registry::AreaSpan;
use serde_json::{Map, Value};
use std::path::Path;

/// A point on the drawing plane.
pub type Point = [f64; 2];

/// A polygon: the exterior ring first, then its holes. Rings are closed implicitly (the
/// first point is not repeated at the end).
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    pub rings: Vec<Vec<Point>>,
}

/// One area of a boundary layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// The area code (the value of the layer's code property).
    pub code: String,
    pub name: Option<String>,
    /// First and last year the area is valid (ONS topojson `start`/`end`), when given.
    pub start: Option<u16>,
    pub end: Option<u16>,
    pub polygons: Vec<Polygon>,
}

impl Feature {
    /// Valid in `year` by its `start`/`end` years (open-ended when absent).
    pub fn valid_in(&self, year: u16) -> bool {
        self.start.is_none_or(|s| s <= year) && self.end.is_none_or(|e| year <= e)
    }

    /// The feature's code, name and valid years.
    pub fn span(&self) -> AreaSpan {
        AreaSpan {
            code: self.code.clone(),
            name: self.name.clone().unwrap_or_default(),
            start: self.start,
            end: self.end,
        }
    }

    /// Bounding box `[min_x, min_y, max_x, max_y]` of the exterior rings.
    pub fn bounds(&self) -> [f64; 4] {
        let mut b = EMPTY_BOUNDS;
        for p in &self.polygons {
            if let Some(ring) = p.rings.first() {
                extend_bounds(&mut b, ring);
            }
        }
        b
    }
}

/// A loaded boundary layer.
#[derive(Debug, Clone)]
pub struct Layer {
    /// The object (TopoJSON) or file stem (GeoJSON) the features came from.
    pub name: String,
    /// The coordinates of the file as read (the features are on the drawing plane).
    pub source_crs: SourceCrs,
    /// The property that held the area codes.
    pub code_property: String,
    pub features: Vec<Feature>,
    /// Rings dropped because they had fewer than three distinct points (slivers collapsed by
    /// quantisation or simplification).
    pub degenerate_rings: usize,
    /// The year the layer was filtered to ([`LoadOptions::year`]), if any.
    pub year: Option<u16>,
    /// Areas of the file left out because they are not valid in `year`, with their years:
    /// they let a map say which vintage stray codes belong to.
    pub other_years: Vec<AreaSpan>,
}

impl Layer {
    /// Index of the feature with this code.
    pub fn position(&self, code: &str) -> Option<usize> {
        self.features.iter().position(|f| f.code == code)
    }

    /// Keeps only the features valid in `year`; the others are listed in `other_years`.
    pub fn retain_year(&mut self, year: u16) {
        let (keep, drop): (Vec<Feature>, Vec<Feature>) = std::mem::take(&mut self.features)
            .into_iter()
            .partition(|f| f.valid_in(year));
        self.features = keep;
        self.other_years.extend(drop.iter().map(Feature::span));
        self.year = Some(year);
    }

    /// Keeps only the features whose code starts with one of the prefixes.
    pub fn retain_prefixes(&mut self, prefixes: &[&str]) {
        self.features
            .retain(|f| prefixes.iter().any(|p| f.code.starts_with(p)));
    }

    /// Bounding box of every feature.
    pub fn bounds(&self) -> [f64; 4] {
        bounds_of(&self.features)
    }
}

/// Bounding box of some features (a whole layer, or the part of it a map draws).
pub(crate) fn bounds_of<'a>(features: impl IntoIterator<Item = &'a Feature>) -> [f64; 4] {
    let mut b = EMPTY_BOUNDS;
    for f in features {
        let fb = f.bounds();
        b = [
            b[0].min(fb[0]),
            b[1].min(fb[1]),
            b[2].max(fb[2]),
            b[3].max(fb[3]),
        ];
    }
    b
}

const EMPTY_BOUNDS: [f64; 4] = [
    f64::INFINITY,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NEG_INFINITY,
];

fn extend_bounds(b: &mut [f64; 4], ring: &[Point]) {
    for p in ring {
        b[0] = b[0].min(p[0]);
        b[1] = b[1].min(p[1]);
        b[2] = b[2].max(p[0]);
        b[3] = b[3].max(p[1]);
    }
}

/// How to read a boundary file.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Property holding the area code. Default: `areacd`, else the first property named like
    /// an ONS code column (`LAD21CD`, `CTYUA22CD`, ...), else `code`.
    pub code_property: Option<String>,
    /// Property holding the area name. Default: `areanm`, an ONS name column (`LAD21NM`), or
    /// `name`.
    pub name_property: Option<String>,
    /// TopoJSON object to read; needed when the file has several (ONS topo.json: `ltla`).
    pub layer: Option<String>,
    /// Keep only the areas valid in this year (by their `start`/`end` properties).
    pub year: Option<u16>,
    /// With a folder of boundary files (one per district, named for its code, as
    /// `topo_E06000009.json`): read only the files named for these codes. Empty: all.
    pub within: Vec<String>,
}

/// File extensions read from a folder of boundary files.
const BOUNDARY_EXTENSIONS: [&str; 4] = ["json", "geojson", "topojson", "hexjson"];

/// Reads a boundary file (GeoJSON, TopoJSON or HexJSON, told apart by their content), or
/// a folder of them read as one layer (see [`load_folder`]).
pub fn load_boundaries(path: &Path, options: &LoadOptions) -> Result<Layer, GeoError> {
    if path.is_dir() {
        return load_folder(path, options);
    }
    if !options.within.is_empty() {
        return Err(GeoError::format(
            &path.display().to_string(),
            "`within` needs a folder of boundary files, one per district named for its code (e.g. geo/martinjc-uk-geojson/lsoa_by_lad); this is one file",
        ));
    }
    load_file(path, options)
}

/// Every boundary file of a folder (`.json`, `.geojson`, `.topojson`, `.hexjson`, in name
/// order; with [`LoadOptions::within`] only those whose name ends with one of its codes)
/// read as one layer, in parallel. Each file keeps its own quantisation and coordinate
/// system; all must use the same code property. An area in two files is an error naming
/// both.
pub fn load_folder(dir: &Path, options: &LoadOptions) -> Result<Layer, GeoError> {
    use rayon::prelude::*;
    let folder = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|source| GeoError::Io {
        file: folder.clone(),
        source,
    })?;
    let mut files: Vec<std::path::PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| BOUNDARY_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(GeoError::format(
            &folder,
            "no boundary files in the folder (.json, .geojson, .topojson or .hexjson)",
        ));
    }
    if !options.within.is_empty() {
        let stem = |p: &std::path::PathBuf| {
            p.file_stem()
                .map(|s| s.to_string_lossy().to_ascii_uppercase())
                .unwrap_or_default()
        };
        for code in &options.within {
            let code = code.trim().to_ascii_uppercase();
            if !files.iter().any(|p| stem(p).ends_with(&code)) {
                return Err(GeoError::format(
                    &folder,
                    format!(
                        "no boundary file is named for `{code}` (the files are named for the districts of their vintage, e.g. {}); a district made later from others is drawn by naming those (`oa geo history {code}` lists them), comma-separated",
                        files
                            .first()
                            .and_then(|p| p.file_name())
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default()
                    ),
                ));
            }
        }
        files.retain(|p| {
            let s = stem(p);
            options
                .within
                .iter()
                .any(|c| s.ends_with(&c.trim().to_ascii_uppercase()))
        });
    }
    let per_file = LoadOptions {
        within: Vec::new(),
        ..options.clone()
    };
    let layers: Vec<Layer> = files
        .par_iter()
        .map(|p| load_file(p, &per_file))
        .collect::<Result<_, _>>()?;
    let mut layers = layers.into_iter().zip(&files);
    let (mut merged, first_file) = layers.next().expect("at least one file");
    merged.name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| folder.clone());
    let mut seen: std::collections::HashMap<String, &std::path::PathBuf> = merged
        .features
        .iter()
        .map(|f| (f.code.clone(), first_file))
        .collect();
    for (layer, file) in layers {
        if layer.code_property != merged.code_property {
            return Err(GeoError::format(
                &file.display().to_string(),
                format!(
                    "its codes are in property `{}` but those of {} are in `{}`; a folder is read as one layer: give `code_property`",
                    layer.code_property,
                    first_file.display(),
                    merged.code_property
                ),
            ));
        }
        for f in &layer.features {
            if let Some(other) = seen.insert(f.code.clone(), file) {
                return Err(GeoError::format(
                    &folder,
                    format!(
                        "area `{}` is in two files, {} and {}; keep it in one",
                        f.code,
                        other.display(),
                        file.display()
                    ),
                ));
            }
        }
        merged.features.extend(layer.features);
        merged.degenerate_rings += layer.degenerate_rings;
        merged.other_years.extend(layer.other_years);
    }
    Ok(merged)
}

fn load_file(path: &Path, options: &LoadOptions) -> Result<Layer, GeoError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| GeoError::Io {
        file: file.clone(),
        source,
    })?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    parse_boundaries(&text, &file, &stem, options)
}

/// Parses a boundary file's text; `file` names it in errors and `stem` names a GeoJSON layer.
pub fn parse_boundaries(
    text: &str,
    file: &str,
    stem: &str,
    options: &LoadOptions,
) -> Result<Layer, GeoError> {
    let text = text.trim_start_matches('\u{feff}');
    let root: Value = serde_json::from_str(text).map_err(|e| GeoError::Json {
        file: file.to_string(),
        message: e.to_string(),
    })?;
    let mut layer = match root.get("type").and_then(Value::as_str) {
        Some("Topology") => topojson(&root, file, options)?,
        Some("FeatureCollection") => geojson(&root, file, stem, options)?,
        _ if root.get("hexes").is_some() => hexjson(&root, file, stem)?,
        Some(other) => {
            return Err(GeoError::format(
                file,
                format!(
                    "a `{other}` is not a boundary layer; expected a GeoJSON FeatureCollection, a TopoJSON Topology or a HexJSON layout"
                ),
            ));
        }
        None => {
            return Err(GeoError::format(
                file,
                "no `type` member: expected a GeoJSON FeatureCollection, a TopoJSON Topology or a HexJSON layout",
            ));
        }
    };
    if let Some(year) = options.year {
        layer.retain_year(year);
    }
    if layer.features.is_empty() {
        return Err(GeoError::format(file, "the layer has no features"));
    }
    Ok(layer)
}

/// Picks the code and name properties from the first feature's property names.
fn choose_properties(
    props: Option<&Map<String, Value>>,
    options: &LoadOptions,
) -> (Option<String>, Option<String>) {
    let keys: Vec<&String> = props.map(|p| p.keys().collect()).unwrap_or_default();
    let pick = |exact: &str, suffix: &str, plain: &str| -> Option<String> {
        keys.iter()
            .find(|k| k.eq_ignore_ascii_case(exact))
            .or_else(|| keys.iter().find(|k| is_ons_column(k, suffix)))
            .or_else(|| keys.iter().find(|k| k.eq_ignore_ascii_case(plain)))
            .map(|k| k.to_string())
    };
    let code = options
        .code_property
        .clone()
        .or_else(|| pick("areacd", "CD", "code"));
    let name = options
        .name_property
        .clone()
        .or_else(|| pick("areanm", "NM", "name"));
    (code, name)
}

/// ONS column names: letters, a two-digit year, then `CD` or `NM` (`LAD21CD`, `CTYUA22NM`).
fn is_ons_column(key: &str, suffix: &str) -> bool {
    let k = key.to_ascii_uppercase();
    let Some(head) = k.strip_suffix(suffix) else {
        return false;
    };
    let bytes = head.as_bytes();
    bytes.len() >= 3
        && bytes[bytes.len() - 2..].iter().all(u8::is_ascii_digit)
        && bytes[..bytes.len() - 2].iter().all(u8::is_ascii_alphabetic)
}

fn describe_feature(index: usize, code: Option<&str>) -> String {
    match code {
        Some(c) => format!("#{} ({c})", index + 1),
        None => format!("#{}", index + 1),
    }
}

/// Reads code, name and `start`/`end` years from a feature's properties.
struct Identity {
    code: String,
    name: Option<String>,
    start: Option<u16>,
    end: Option<u16>,
}

fn identity(
    props: Option<&Map<String, Value>>,
    code_property: &Option<String>,
    name_property: &Option<String>,
    index: usize,
    file: &str,
) -> Result<Identity, GeoError> {
    let present = || match props {
        Some(p) if !p.is_empty() => p.keys().cloned().collect::<Vec<_>>().join(", "),
        _ => "(none)".to_string(),
    };
    let text = |v: &Value| match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let code = code_property
        .as_ref()
        .and_then(|k| props.and_then(|p| p.get(k)))
        .and_then(text);
    let Some(code) = code else {
        let suggestion = props
            .and_then(|p| p.keys().next().cloned())
            .unwrap_or_else(|| "areacd".into());
        return Err(GeoError::MissingCodeProperty {
            file: file.to_string(),
            feature: describe_feature(index, None),
            wanted: code_property.clone().unwrap_or_else(|| "areacd".into()),
            present: present(),
            suggestion,
        });
    };
    let year = |k: &str| {
        props
            .and_then(|p| p.get(k))
            .and_then(Value::as_u64)
            .and_then(|y| u16::try_from(y).ok())
    };
    Ok(Identity {
        name: name_property
            .as_ref()
            .and_then(|k| props.and_then(|p| p.get(k)))
            .and_then(text),
        start: year("start"),
        end: year("end"),
        code,
    })
}

/// Coordinates before projection, with the system they are in.
struct RawFeature {
    id: Identity,
    polygons: Vec<Vec<Vec<Point>>>,
}

fn finish(
    raw: Vec<RawFeature>,
    crs: SourceCrs,
    file: &str,
    name: String,
    code_property: String,
) -> Result<Layer, GeoError> {
    let mut degenerate_rings = 0;
    let mut features = Vec::with_capacity(raw.len());
    for (index, f) in raw.into_iter().enumerate() {
        let mut polygons = Vec::with_capacity(f.polygons.len());
        for rings in f.polygons {
            let mut kept: Vec<Vec<Point>> = Vec::with_capacity(rings.len());
            for (r, ring) in rings.into_iter().enumerate() {
                let ring = clean_ring(ring, crs);
                if ring.len() < 3 {
                    degenerate_rings += 1;
                    if r == 0 {
                        break; // a collapsed exterior takes its holes with it
                    }
                    continue;
                }
                kept.push(ring);
            }
            if !kept.is_empty() {
                polygons.push(Polygon { rings: kept });
            }
        }
        if polygons.is_empty() {
            return Err(GeoError::InvalidGeometry {
                file: file.to_string(),
                feature: describe_feature(index, Some(&f.id.code)),
                message: "empty geometry: no polygon with at least three distinct points".into(),
            });
        }
        features.push(Feature {
            code: f.id.code,
            name: f.id.name,
            start: f.id.start,
            end: f.id.end,
            polygons,
        });
    }
    Ok(Layer {
        name,
        source_crs: crs,
        code_property,
        features,
        degenerate_rings,
        year: None,
        other_years: Vec::new(),
    })
}

/// Projects a ring onto the plane and drops repeated points and the closing point.
fn clean_ring(ring: Vec<Point>, crs: SourceCrs) -> Vec<Point> {
    let mut out: Vec<Point> = Vec::with_capacity(ring.len());
    for p in ring {
        let q = match crs {
            SourceCrs::Wgs84 => {
                let (e, n) = wgs84_to_bng(p[0], p[1]);
                [e, n]
            }
            _ => p,
        };
        if out.last() != Some(&q) {
            out.push(q);
        }
    }
    while out.len() > 1 && out.first() == out.last() {
        out.pop();
    }
    out
}

fn crs_of(root: &Value, bounds: [f64; 4], file: &str) -> Result<SourceCrs, GeoError> {
    if let Some(crs) = root.get("crs").filter(|c| !c.is_null()) {
        let name = crs
            .pointer("/properties/name")
            .and_then(Value::as_str)
            .unwrap_or("");
        return SourceCrs::from_crs_name(name).ok_or_else(|| GeoError::UnknownProjection {
            file: file.to_string(),
            crs: format!("`{}`", if name.is_empty() { "(unnamed)" } else { name }),
        });
    }
    SourceCrs::from_bounds(bounds).ok_or_else(|| GeoError::UnknownProjection {
        file: file.to_string(),
        crs: format!(
            "(no `crs` member; coordinates span x {:.0}..{:.0}, y {:.0}..{:.0})",
            bounds[0], bounds[2], bounds[1], bounds[3]
        ),
    })
}

// ---------------------------------------------------------------- GeoJSON

fn geojson(root: &Value, file: &str, stem: &str, options: &LoadOptions) -> Result<Layer, GeoError> {
    let features = root
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| GeoError::format(file, "FeatureCollection without a `features` array"))?;
    let first_props = features
        .first()
        .and_then(|f| f.get("properties"))
        .and_then(Value::as_object);
    let (code_property, name_property) = choose_properties(first_props, options);
    let mut raw = Vec::with_capacity(features.len());
    let mut bounds = EMPTY_BOUNDS;
    for (index, f) in features.iter().enumerate() {
        let props = f.get("properties").and_then(Value::as_object);
        let id = identity(props, &code_property, &name_property, index, file)?;
        let bad = |message: String| GeoError::InvalidGeometry {
            file: file.to_string(),
            feature: describe_feature(index, Some(&id.code)),
            message,
        };
        let geometry = f.get("geometry").filter(|g| !g.is_null());
        let Some(geometry) = geometry else {
            return Err(bad("empty geometry (null)".into()));
        };
        let mut polygons = Vec::new();
        geojson_geometry(geometry, &mut polygons).map_err(bad)?;
        for p in &polygons {
            for r in p {
                extend_bounds(&mut bounds, r);
            }
        }
        raw.push(RawFeature { id, polygons });
    }
    let crs = crs_of(root, bounds, file)?;
    finish(
        raw,
        crs,
        file,
        stem.to_string(),
        code_property.unwrap_or_default(),
    )
}

fn geojson_geometry(g: &Value, out: &mut Vec<Vec<Vec<Point>>>) -> Result<(), String> {
    let kind = g.get("type").and_then(Value::as_str).unwrap_or("");
    let coords = g.get("coordinates");
    match kind {
        "Polygon" => out.push(rings(coords.ok_or("Polygon without coordinates")?)?),
        "MultiPolygon" => {
            let polys = coords
                .and_then(Value::as_array)
                .ok_or("MultiPolygon coordinates are not an array")?;
            for p in polys {
                out.push(rings(p)?);
            }
        }
        "GeometryCollection" => {
            let parts = g
                .get("geometries")
                .and_then(Value::as_array)
                .ok_or("GeometryCollection without `geometries`")?;
            for p in parts {
                geojson_geometry(p, out)?;
            }
        }
        "" => return Err("geometry without a `type`".into()),
        other => {
            return Err(format!(
                "a {other} is not an area (expected Polygon or MultiPolygon)"
            ));
        }
    }
    Ok(())
}

fn rings(v: &Value) -> Result<Vec<Vec<Point>>, String> {
    let arr = v
        .as_array()
        .ok_or("polygon coordinates are not an array of rings")?;
    arr.iter()
        .map(|ring| {
            ring.as_array()
                .ok_or_else(|| "a ring is not an array of positions".to_string())?
                .iter()
                .map(position)
                .collect()
        })
        .collect()
}

fn position(v: &Value) -> Result<Point, String> {
    let a = v.as_array().filter(|a| a.len() >= 2);
    let xy = a.and_then(|a| Some([a[0].as_f64()?, a[1].as_f64()?]));
    match xy {
        Some(p) if p[0].is_finite() && p[1].is_finite() => Ok(p),
        _ => Err(format!("invalid position {v}: expected [x, y] numbers")),
    }
}

// ---------------------------------------------------------------- TopoJSON

fn topojson(root: &Value, file: &str, options: &LoadOptions) -> Result<Layer, GeoError> {
    let objects = root
        .get("objects")
        .and_then(Value::as_object)
        .ok_or_else(|| GeoError::format(file, "Topology without `objects`"))?;
    let present = || objects.keys().cloned().collect::<Vec<_>>().join(", ");
    let (name, object) = match &options.layer {
        Some(wanted) => objects
            .get_key_value(wanted)
            .ok_or_else(|| GeoError::MissingLayer {
                file: file.to_string(),
                wanted: wanted.clone(),
                present: present(),
            })?,
        None if objects.len() == 1 => objects.iter().next().expect("one object"),
        None => {
            return Err(GeoError::MissingLayer {
                file: file.to_string(),
                wanted: "(none given)".into(),
                present: present(),
            });
        }
    };
    let arcs = decode_arcs(root, file)?;
    let mut bounds = EMPTY_BOUNDS;
    for a in &arcs {
        extend_bounds(&mut bounds, a);
    }
    let crs = crs_of(root, bounds, file)?;
    let arcs: Vec<Vec<Point>> = if crs == SourceCrs::Wgs84 {
        arcs.into_iter()
            .map(|a| {
                a.into_iter()
                    .map(|p| {
                        let (e, n) = wgs84_to_bng(p[0], p[1]);
                        [e, n]
                    })
                    .collect()
            })
            .collect()
    } else {
        arcs
    };
    let geometries: Vec<&Value> = match object.get("type").and_then(Value::as_str) {
        Some("GeometryCollection") => object
            .get("geometries")
            .and_then(Value::as_array)
            .map(|g| g.iter().collect())
            .unwrap_or_default(),
        _ => vec![object],
    };
    let first_props = geometries
        .first()
        .and_then(|g| g.get("properties"))
        .and_then(Value::as_object);
    let (code_property, name_property) = choose_properties(first_props, options);
    let mut raw = Vec::with_capacity(geometries.len());
    let mut skipped = Vec::new();
    for (index, g) in geometries.iter().enumerate() {
        let props = g.get("properties").and_then(Value::as_object);
        let id = identity(props, &code_property, &name_property, index, file)?;
        if options
            .year
            .is_some_and(|y| id.start.is_some_and(|s| s > y) || id.end.is_some_and(|e| e < y))
        {
            // Not in the wanted year: skip before stitching its rings.
            skipped.push(AreaSpan {
                code: id.code,
                name: id.name.unwrap_or_default(),
                start: id.start,
                end: id.end,
            });
            continue;
        }
        let mut polygons = Vec::new();
        topo_geometry(g, &arcs, &mut polygons).map_err(|message| GeoError::InvalidGeometry {
            file: file.to_string(),
            feature: describe_feature(index, Some(&id.code)),
            message,
        })?;
        raw.push(RawFeature { id, polygons });
    }
    // Arcs are already on the plane: finish without projecting again.
    finish(
        raw,
        SourceCrs::BritishNationalGrid,
        file,
        name.clone(),
        code_property.unwrap_or_default(),
    )
    .map(|mut l| {
        l.source_crs = crs;
        l.other_years = skipped;
        l
    })
}

/// Decodes the arcs: delta-encoded quantised integers when the topology has a transform.
fn decode_arcs(root: &Value, file: &str) -> Result<Vec<Vec<Point>>, GeoError> {
    let transform = match root.get("transform") {
        Some(t) => {
            let pair = |k: &str| -> Option<[f64; 2]> {
                let a = t.get(k)?.as_array()?;
                Some([a.first()?.as_f64()?, a.get(1)?.as_f64()?])
            };
            Some((
                pair("scale")
                    .ok_or_else(|| GeoError::format(file, "transform without a valid `scale`"))?,
                pair("translate").ok_or_else(|| {
                    GeoError::format(file, "transform without a valid `translate`")
                })?,
            ))
        }
        None => None,
    };
    let arcs = root
        .get("arcs")
        .and_then(Value::as_array)
        .ok_or_else(|| GeoError::format(file, "Topology without `arcs`"))?;
    arcs.iter()
        .enumerate()
        .map(|(i, arc)| {
            let positions = arc
                .as_array()
                .ok_or_else(|| GeoError::format(file, format!("arc {i} is not an array")))?;
            let mut acc = [0.0f64; 2];
            positions
                .iter()
                .map(|p| {
                    let p =
                        position(p).map_err(|m| GeoError::format(file, format!("arc {i}: {m}")))?;
                    Ok(match transform {
                        Some((scale, translate)) => {
                            acc[0] += p[0];
                            acc[1] += p[1];
                            [
                                acc[0] * scale[0] + translate[0],
                                acc[1] * scale[1] + translate[1],
                            ]
                        }
                        None => p,
                    })
                })
                .collect()
        })
        .collect()
}

fn topo_geometry(
    g: &Value,
    arcs: &[Vec<Point>],
    out: &mut Vec<Vec<Vec<Point>>>,
) -> Result<(), String> {
    let kind = g.get("type").and_then(Value::as_str);
    let polygon = |p: &Value| -> Result<Vec<Vec<Point>>, String> {
        p.as_array()
            .ok_or("polygon arcs are not an array")?
            .iter()
            .map(|ring| stitch_ring(ring, arcs))
            .collect()
    };
    match kind {
        Some("Polygon") => out.push(polygon(g.get("arcs").ok_or("Polygon without arcs")?)?),
        Some("MultiPolygon") => {
            for p in g
                .get("arcs")
                .and_then(Value::as_array)
                .ok_or("MultiPolygon without arcs")?
            {
                out.push(polygon(p)?);
            }
        }
        Some("GeometryCollection") => {
            for p in g
                .get("geometries")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                topo_geometry(p, arcs, out)?;
            }
        }
        None => return Err("empty geometry (null type)".into()),
        Some(other) => {
            return Err(format!(
                "a {other} is not an area (expected Polygon or MultiPolygon)"
            ));
        }
    }
    Ok(())
}

/// Joins a ring's arcs; a negative index `~i` means arc `i` reversed. Each arc after the
/// first repeats the previous arc's last point, which is skipped.
fn stitch_ring(ring: &Value, arcs: &[Vec<Point>]) -> Result<Vec<Point>, String> {
    let indices = ring
        .as_array()
        .ok_or("a ring is not an array of arc indices")?;
    let mut out: Vec<Point> = Vec::new();
    for v in indices {
        let i = v
            .as_i64()
            .ok_or_else(|| format!("arc index {v} is not an integer"))?;
        let (k, reversed) = if i < 0 {
            ((!i) as usize, true)
        } else {
            (i as usize, false)
        };
        let arc = arcs
            .get(k)
            .ok_or_else(|| format!("arc index {i} out of range ({} arcs)", arcs.len()))?;
        let skip = usize::from(!out.is_empty());
        if reversed {
            out.extend(arc.iter().rev().skip(skip));
        } else {
            out.extend(arc.iter().skip(skip));
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------- HexJSON

/// A HexJSON layout: one hexagon of unit circumradius per area, y pointing north.
fn hexjson(root: &Value, file: &str, stem: &str) -> Result<Layer, GeoError> {
    let layout = root
        .get("layout")
        .and_then(Value::as_str)
        .unwrap_or("odd-r");
    let pointy = match layout {
        "odd-r" | "even-r" => true,
        "odd-q" | "even-q" => false,
        other => {
            return Err(GeoError::format(
                file,
                format!("unknown hex layout `{other}` (expected odd-r, even-r, odd-q or even-q)"),
            ));
        }
    };
    let odd = layout.starts_with("odd");
    let hexes = root
        .get("hexes")
        .and_then(Value::as_object)
        .ok_or_else(|| GeoError::format(file, "`hexes` is not an object"))?;
    let s3 = 3f64.sqrt();
    let mut raw = Vec::with_capacity(hexes.len());
    for (index, (code, h)) in hexes.iter().enumerate() {
        let coord = |k: &str| h.get(k).and_then(Value::as_i64);
        let (Some(q), Some(r)) = (coord("q"), coord("r")) else {
            return Err(GeoError::InvalidGeometry {
                file: file.to_string(),
                feature: describe_feature(index, Some(code)),
                message: "hex without integer `q` and `r`".into(),
            });
        };
        let (q, r) = (q as f64, r as f64);
        let shifted = |k: f64| (k.rem_euclid(2.0) == 1.0) == odd;
        let (cx, cy, start) = if pointy {
            let x = s3 * (q + if shifted(r) { 0.5 } else { 0.0 });
            (x, 1.5 * r, 30f64)
        } else {
            let y = s3 * (r + if shifted(q) { 0.5 } else { 0.0 });
            (1.5 * q, y, 0f64)
        };
        let ring = (0..6)
            .map(|k| {
                let a = (start + 60.0 * k as f64).to_radians();
                [round6(cx + a.cos()), round6(cy + a.sin())]
            })
            .collect();
        raw.push(RawFeature {
            id: Identity {
                code: code.clone(),
                name: h.get("n").and_then(Value::as_str).map(str::to_string),
                start: None,
                end: None,
            },
            polygons: vec![vec![ring]],
        });
    }
    finish(
        raw,
        SourceCrs::HexGrid,
        file,
        stem.to_string(),
        "(hex key)".into(),
    )
}

/// Rounds to a millionth so that corners shared by neighbouring hexagons are equal.
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}
