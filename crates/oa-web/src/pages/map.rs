//! The national map: a choropleth drawn by `oa_geo` on the ONS district boundaries of
//! `OA_DATA_DIR`, else on the same boundaries built into the binary (the English
//! districts of every year, compiled in from the shared data by `build.rs`), loaded
//! once and cached by its inputs so that a page view costs a hash lookup. Text is drawn
//! at 14 px or more, districts too small to see are marked with a circle, and each
//! district's tooltip names it and its value.

use oa_geo::{
    Classes, Column, Layer, LoadOptions, MapOptions, Style, choropleth_styled, load_boundaries,
    parse_boundaries,
};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

/// The boundary file inside the data directory (ONS local authority districts).
pub const BOUNDARIES: &str = "geo/onsvisual-uk-topojson/topo.json";

/// The years whose districts are tried, in order: the first whose codes all match the
/// data draws the map (the 2016 programme has a 2018 district, West Somerset; recent
/// results bundles use 2019 codes).
pub const VINTAGES: [u16; 4] = [2019, 2018, 2021, 2016];

/// Boundaries by year from `OA_DATA_DIR`, loaded on first use.
static LAYERS: LazyLock<Mutex<HashMap<u16, Arc<Layer>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

fn data_dir() -> Option<PathBuf> {
    std::env::var_os("OA_DATA_DIR").map(PathBuf::from)
}

/// The English districts of the ONS `topo.json` (every year), built in by `build.rs` from
/// the shared data beside the repository; empty when it was built without them.
pub const BUILT_IN: &str = include_str!(concat!(env!("OUT_DIR"), "/ltla-england.topo.json"));

/// What the pages say about the boundaries under every map.
pub const BOUNDARIES_CREDIT: &str = "District boundaries: Office for National Statistics, licensed under the Open Government Licence v3.0. Contains OS data © Crown copyright and database right.";

fn layer(year: u16) -> Result<Arc<Layer>, String> {
    if let Some(l) = LAYERS.lock().ok().and_then(|m| m.get(&year).cloned()) {
        return Ok(l);
    }
    let loaded = match data_dir() {
        Some(dir) => load(&dir.join(BOUNDARIES), Some(year)),
        None => built_in(Some(year)),
    };
    let l = Arc::new(loaded.inspect_err(|e| crate::log::error(&format!("map: {e}")))?);
    if let Ok(mut m) = LAYERS.lock() {
        m.insert(year, l.clone());
    }
    Ok(l)
}

fn ltla(year: Option<u16>) -> LoadOptions {
    LoadOptions {
        layer: Some("ltla".into()),
        year,
        ..LoadOptions::default()
    }
}

fn load(path: &Path, year: Option<u16>) -> Result<Layer, String> {
    load_boundaries(path, &ltla(year))
        .map_err(|e| format!("no map: the boundaries could not be read: {e}"))
}

/// The built-in boundaries of `year` (all years with `None`).
pub fn built_in(year: Option<u16>) -> Result<Layer, String> {
    if BUILT_IN.is_empty() {
        return Err("no boundaries: oa was built without the shared data, so it has no default map; start the service with --data-dir".into());
    }
    parse_boundaries(
        BUILT_IN,
        "built-in district boundaries",
        "ltla",
        &ltla(year),
    )
    .map_err(|e| format!("no map: the built-in boundaries could not be read: {e}"))
}

/// District names by code, from the boundaries of every year (loaded once).
static NAMES: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    let layer = match data_dir() {
        Some(dir) => load(&dir.join(BOUNDARIES), None),
        None => built_in(None),
    };
    match layer {
        Ok(l) => l
            .features
            .into_iter()
            .filter_map(|f| f.name.map(|n| (f.code, n)))
            .collect(),
        Err(e) => {
            crate::log::error(&format!("district names: {e}"));
            HashMap::new()
        }
    }
});

/// A district's name by its code, from the boundaries (any year).
pub fn district_name(code: &str) -> Option<String> {
    NAMES.get(code).cloned()
}

/// What a map shows.
#[derive(Debug, Clone, Hash)]
pub struct MapSpec {
    pub title: String,
    pub column: String,
    pub codes: Vec<String>,
    pub cells: Vec<String>,
    /// Text column (one colour per value) rather than numbers in quantiles.
    pub categorical: bool,
    pub highlight: Vec<String>,
    pub highlight_label: String,
    /// When set, English districts missing from the data are drawn in this category
    /// (e.g. "other districts") rather than as missing data.
    pub fill_rest: Option<String>,
}

/// A drawn map: the SVG, its legend (which the page also shows as HTML) and the
/// districts too small to see, marked with circles.
#[derive(Debug, Clone, PartialEq)]
pub struct MapDrawing {
    pub svg: String,
    pub legend: Vec<oa_geo::LegendEntry>,
    /// Names of the districts marked with a circle.
    pub marked: Vec<String>,
}

/// A drawn map, or why there is none.
pub type Drawn = Result<Arc<MapDrawing>, String>;

/// Drawn maps (and failures, so a map that cannot be drawn is not retried per request).
static CACHE: LazyLock<Mutex<HashMap<u64, Drawn>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

/// The map, or the note saying why there is none.
pub fn svg(spec: &MapSpec) -> Drawn {
    svg_keyed(spec, || spec.clone())
}

/// The map for `key`, building its spec only when it is not cached (a results bundle's
/// spec has tens of thousands of cells: the key can be much smaller, e.g. the column and
/// the highlighted codes, when the rest cannot change while the service runs).
pub fn svg_keyed<K: Hash + ?Sized>(key: &K, build: impl FnOnce() -> MapSpec) -> Drawn {
    let mut h = DefaultHasher::new();
    key.hash(&mut h);
    let key = h.finish();
    if let Some(hit) = CACHE.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return hit;
    }
    let drawn = draw_any_vintage(&build());
    if let Ok(mut c) = CACHE.lock() {
        if c.len() > 64 {
            c.clear();
        }
        c.insert(key, drawn.clone());
    }
    drawn
}

/// Tries the vintages in order.
fn draw_any_vintage(spec: &MapSpec) -> Drawn {
    let mut last = String::new();
    let mut drawn = None;
    for year in VINTAGES {
        match draw_full(&*layer(year)?, spec) {
            Ok(svg) => {
                drawn = Some(svg);
                break;
            }
            Err(e) => last = e,
        }
    }
    drawn.map(Arc::new).ok_or(last)
}

/// Draws `spec` on `layer`: the SVG alone.
pub fn draw(layer: &Layer, spec: &MapSpec) -> Result<String, String> {
    draw_full(layer, spec).map(|d| d.svg)
}

/// Draws `spec` on `layer`, with the legend and the marked districts.
pub fn draw_full(layer: &Layer, spec: &MapSpec) -> Result<MapDrawing, String> {
    let mut codes = spec.codes.clone();
    let mut cells = spec.cells.clone();
    if let Some(rest) = &spec.fill_rest {
        let known: std::collections::HashSet<&str> =
            spec.codes.iter().map(String::as_str).collect();
        for f in &layer.features {
            if f.code.starts_with('E') && !known.contains(f.code.as_str()) {
                codes.push(f.code.clone());
                cells.push(rest.clone());
            }
        }
    }
    let column = Column {
        name: spec.column.clone(),
        names: vec![None; codes.len()],
        codes,
        cells,
    };
    let classes = if spec.categorical {
        Classes::Bands
    } else {
        Classes::Quantiles(5)
    };
    let options = MapOptions {
        title: spec.title.clone(),
        subtitle: None,
        highlight: spec.highlight.clone(),
        highlight_label: Some(spec.highlight_label.clone()),
        london_inset: true,
    };
    // The page shows the map at its drawn size (900 pixels wide), so 14 px in the SVG is
    // 14 px on screen.
    let style = Style {
        min_text: Some(MIN_TEXT),
        mark_small: Some(SMALL_AREA),
        ..Style::default()
    };
    let names: HashMap<&str, &str> = layer
        .features
        .iter()
        .filter_map(|f| f.name.as_deref().map(|n| (f.code.as_str(), n)))
        .collect();
    // Every district drawn says its name, and its value or that it has none.
    let cells: HashMap<&str, &str> = column
        .codes
        .iter()
        .map(String::as_str)
        .zip(column.cells.iter().map(String::as_str))
        .collect();
    let tips: HashMap<&str, String> = layer
        .features
        .iter()
        .map(|f| {
            let code = f.code.as_str();
            let name = names.get(code).copied().unwrap_or(code);
            let cell = cells.get(code).copied().unwrap_or("");
            (code, format!("{name}: {}", cell_words(cell)))
        })
        .collect();
    choropleth_styled(layer, &column, &classes, &options, &style)
        .map(|r| MapDrawing {
            svg: with_title(&compact(&with_tooltips(&r.svg, &tips)), &spec.title),
            marked: r
                .marked
                .iter()
                .map(|c| names.get(c.as_str()).map_or(c.clone(), |n| n.to_string()))
                .collect(),
            legend: r.legend,
        })
        .map_err(|e| format!("the map could not be drawn: {e}"))
}

/// The smallest text on the pages' maps, in pixels at their drawn size.
pub const MIN_TEXT: f64 = 14.0;

/// Districts drawn smaller than a square this many pixels a side get a circle marker
/// (about 40 of England's, Blackpool and Hastings among them).
pub const SMALL_AREA: f64 = 8.0;

/// The map's own `<title>`, first in the SVG (its districts' tooltips follow), so that
/// the map has a name wherever it is shown.
fn with_title(svg: &str, title: &str) -> String {
    match svg.find('>') {
        Some(at) if svg.starts_with("<svg") => {
            let escaped = title
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;");
            format!("{}<title>{escaped}</title>{}", &svg[..=at], &svg[at + 1..])
        }
        _ => svg.to_string(),
    }
}

/// A map cell in words for a tooltip: numbers to three decimals, band names in sentence
/// case, an empty cell as "no figure".
fn cell_words(cell: &str) -> String {
    match cell.parse::<f64>() {
        Ok(v) if v.is_finite() && v.fract() != 0.0 => format!("{}", (v * 1000.0).round() / 1000.0),
        Ok(_) => cell.to_string(),
        Err(_) if cell.is_empty() => "no figure".into(),
        Err(_) if cell == "(none)" => "not in a band".into(),
        Err(_) => super::input::sentence(&cell.replace('_', " ")),
    }
}

/// Each district's tooltip (`<title>`), drawn with its code, says its name and value
/// ("Blackpool: Cold spot"), escaped for the SVG.
pub fn with_tooltips(svg: &str, tips: &HashMap<&str, String>) -> String {
    let mut out = String::with_capacity(svg.len() + svg.len() / 8);
    let mut rest = svg;
    while let Some(at) = rest.find("<title>") {
        out.push_str(&rest[..at + 7]);
        rest = &rest[at + 7..];
        let end = rest.find("</title>").unwrap_or(rest.len());
        let inner = &rest[..end];
        match tips.get(inner) {
            Some(tip) => {
                for c in tip.chars() {
                    match c {
                        '&' => out.push_str("&amp;"),
                        '<' => out.push_str("&lt;"),
                        '>' => out.push_str("&gt;"),
                        c => out.push(c),
                    }
                }
            }
            None => out.push_str(inner),
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Shrinks the paths of a drawn map for a web page: whole pixels (the map is 900 pixels
/// wide, shown at most about that size), repeated points dropped, relative moves
/// (`m`/`l`, short numbers), rings under three points left out. About a third of the
/// size of the tenth-of-a-pixel original.
pub fn compact(svg: &str) -> String {
    let mut out = String::with_capacity(svg.len() / 2);
    let mut rest = svg;
    while let Some(at) = rest.find(" d=\"") {
        out.push_str(&rest[..at + 4]);
        rest = &rest[at + 4..];
        let end = rest.find('"').unwrap_or(rest.len());
        out.push_str(&compact_path(&rest[..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn push_num(d: &mut String, v: i64) {
    if v >= 0 && !d.is_empty() && !d.ends_with(['M', 'm', 'l', 'z', 'Z']) {
        d.push(' ');
    }
    d.push_str(&v.to_string());
}

/// One path's data (`M x,y L x,y x,y ... Z`, absolute) in whole pixels, relative.
fn compact_path(d: &str) -> String {
    let mut out = String::new();
    let mut rings: Vec<Vec<(i64, i64)>> = Vec::new();
    let mut ring: Vec<(i64, i64)> = Vec::new();
    let mut num = String::new();
    let mut pending: Option<f64> = None;
    let flush = |num: &mut String, pending: &mut Option<f64>, ring: &mut Vec<(i64, i64)>| {
        if num.is_empty() {
            return;
        }
        let v: f64 = num.parse().unwrap_or(0.0);
        num.clear();
        match pending.take() {
            None => *pending = Some(v),
            Some(x) => {
                let q = (x.round() as i64, v.round() as i64);
                if ring.last() != Some(&q) {
                    ring.push(q);
                }
            }
        }
    };
    for c in d.chars() {
        match c {
            '0'..='9' | '.' => num.push(c),
            '-' => {
                flush(&mut num, &mut pending, &mut ring);
                num.push(c);
            }
            'M' | 'Z' | 'z' => {
                flush(&mut num, &mut pending, &mut ring);
                if !ring.is_empty() {
                    rings.push(std::mem::take(&mut ring));
                }
            }
            _ => flush(&mut num, &mut pending, &mut ring),
        }
    }
    flush(&mut num, &mut pending, &mut ring);
    if !ring.is_empty() {
        rings.push(ring);
    }
    let mut at = (0i64, 0i64);
    for mut r in rings {
        if r.len() > 1 && r.first() == r.last() {
            r.pop();
        }
        if r.len() < 3 {
            continue;
        }
        out.push(if out.is_empty() { 'M' } else { 'm' });
        let (x, y) = if out.len() == 1 {
            r[0]
        } else {
            (r[0].0 - at.0, r[0].1 - at.1)
        };
        push_num(&mut out, x);
        push_num(&mut out, y);
        out.push('l');
        for w in r.windows(2) {
            push_num(&mut out, w[1].0 - w[0].0);
            push_num(&mut out, w[1].1 - w[0].1);
        }
        out.push('z');
        // After `z` the current point is the ring's start.
        at = r[0];
    }
    out
}

/// A drawn map as PNG (through resvg).
pub fn png(svg: &str) -> Result<Vec<u8>, String> {
    PNG_RENDERS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    oa_geo::svg_to_png(svg).map_err(|e| format!("the map could not be rendered: {e}"))
}

/// PNGs of drawn maps by a hash of their SVG: a map's data changes only with the
/// programme's areas or the results bundle, and each change is a new SVG (a new key), so
/// a PNG is rendered once per version of the data, not per request.
static PNGS: LazyLock<Mutex<HashMap<u64, axum::body::Bytes>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// How many PNGs have been rendered since start (the tests check the cache with it).
static PNG_RENDERS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub fn png_renders() -> u64 {
    PNG_RENDERS.load(std::sync::atomic::Ordering::Relaxed)
}

/// The map as PNG, rendered (off the async workers) only the first time its SVG is seen.
pub async fn png_cached(svg: Arc<String>) -> Result<axum::body::Bytes, String> {
    let mut h = DefaultHasher::new();
    svg.hash(&mut h);
    let key = h.finish();
    if let Some(hit) = PNGS.lock().ok().and_then(|m| m.get(&key).cloned()) {
        return Ok(hit);
    }
    let png = tokio::task::spawn_blocking(move || png(&svg))
        .await
        .map_err(|e| format!("the map could not be rendered: {e}"))??;
    let png = axum::body::Bytes::from(png);
    if let Ok(mut m) = PNGS.lock() {
        if m.len() >= 16 {
            m.clear();
        }
        m.insert(key, png.clone());
    }
    Ok(png)
}

#[cfg(test)]
mod tests {

    #[test]
    fn tooltips_name_the_district_and_its_value() {
        let svg = r#"<path d="M0 0"><title>E06000009</title></path><path d="M1 1"><title>E09</title></path><text>x</text>"#;
        let mut tips = HashMap::new();
        tips.insert(
            "E06000009",
            format!("Blackpool: {}", cell_words("coldspot")),
        );
        tips.insert(
            "E09",
            format!("Barking & Dagenham: {}", cell_words("0.41059294")),
        );
        let out = with_tooltips(svg, &tips);
        assert!(out.contains("<title>Blackpool: Coldspot</title>"), "{out}");
        assert!(
            out.contains("<title>Barking &amp; Dagenham: 0.411</title>"),
            "{out}"
        );
        assert!(out.ends_with("<text>x</text>"));
        assert_eq!(cell_words(""), "no figure");
        assert_eq!(cell_words("(none)"), "not in a band");
        assert_eq!(cell_words("wave 1"), "Wave 1");
        assert_eq!(cell_words("12"), "12");
    }

    use super::*;

    /// The built-in boundaries are the ONS file's English districts, in every year.
    #[test]
    fn built_in_boundaries_are_the_ons_districts() {
        let original = oa_testkit::shared_data(BOUNDARIES);
        for year in [2016, 2018, 2019, 2021, 2023, 2025] {
            let mut theirs = load(&original, Some(year)).unwrap();
            theirs.retain_prefixes(&["E"]);
            let ours = built_in(Some(year)).unwrap();
            assert!(
                ours.features.len() >= 296,
                "{year}: {}",
                ours.features.len()
            );
            assert_eq!(ours.features, theirs.features, "{year}");
        }
        assert_eq!(built_in(Some(2019)).unwrap().features.len(), 317);
        // Built from the shared data (never empty when the tests run), and small: every arc
        // of the UK file is kept.
        assert!(
            (100_000..800_000).contains(&BUILT_IN.len()),
            "{} bytes",
            BUILT_IN.len()
        );
    }

    /// Every district drawn has a tooltip with its name (and "no figure" without data);
    /// the small ones are circled and named; the key comes back for the page.
    #[test]
    fn every_district_is_named_and_small_ones_are_circled() {
        let layer = built_in(Some(2019)).unwrap();
        let spec = MapSpec {
            title: "Index by district: score".into(),
            column: "score".into(),
            codes: vec!["E06000001".into(), "E06000002".into()],
            cells: vec!["1.5".into(), "2.25".into()],
            categorical: false,
            highlight: vec!["E07000062".into()],
            highlight_label: "opportunity area (selected)".into(),
            fill_rest: None,
        };
        let d = draw_full(&layer, &spec).unwrap();
        assert!(
            d.svg.contains("<title>Hartlepool: 1.5</title>"),
            "with data"
        );
        // E06 districts only are drawn (the data's code type); Blackpool has no figure.
        assert!(d.svg.contains("<title>Blackpool: no figure</title>"));
        assert!(d.marked.iter().any(|n| n == "Blackpool"), "{:?}", d.marked);
        assert!(
            d.svg.starts_with("<svg") && d.svg.contains("<title>Index by district: score</title>")
        );
        assert!(d.legend.iter().any(|e| e.marker));
        assert!(d.legend.iter().any(|e| e.label.starts_with("no data (")));
    }

    #[test]
    fn districts_are_named_from_the_boundaries_of_any_year() {
        assert_eq!(
            district_name("E07000246").as_deref(),
            Some("Somerset West and Taunton")
        );
        assert_eq!(district_name("E06000009").as_deref(), Some("Blackpool"));
        assert_eq!(district_name("E99999999"), None);
    }

    #[test]
    fn paths_become_relative_whole_pixels() {
        let svg = r#"<path d="M10.2,20.4L30.6,20.4 30.6,40 10.2,40Z M100,100L100.2,100.1 101,100.4Z" fill="red"/>"#;
        let out = compact(svg);
        // The second ring collapses to fewer than three distinct pixels and goes.
        assert_eq!(out, r#"<path d="M10 20l21 0 0 20-21 0z" fill="red"/>"#);
    }

    #[test]
    fn later_rings_move_from_the_previous_start() {
        let out = compact_path("M0,0L10,0 10,10Z M20,0L30,0 30,10Z");
        assert_eq!(out, "M0 0l10 0 0 10zm20 0l10 0 0 10z");
    }
}
