//! Choropleth maps: values joined to a boundary layer by area code, cut into classes,
//! coloured with colour-blind-safe palettes and written as compact SVG (one path per
//! area, coordinates rounded to a tenth of a pixel), with a legend, a title, highlighted
//! and labelled areas, an inset of London at a larger scale and the attribution line.
//! PNG goes through resvg.

use crate::boundary::{Feature, Layer, Point, bounds_of};
use crate::csv_file::CsvHeader;
use crate::error::GeoError;
use oa_spatial::Classification;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;
use std::str::FromStr;

/// The attribution every map of ONS areas carries.
pub const ATTRIBUTION: &str = "Contains OS data © Crown copyright and database right; Source: Office for National Statistics licensed under the Open Government Licence v3.0";

/// Viridis anchors (perceptually uniform, readable with the common colour-vision
/// deficiencies), light to dark so that higher values are darker.
const SEQUENTIAL: [[u8; 3]; 9] = [
    [0xfd, 0xe7, 0x25],
    [0xa0, 0xda, 0x39],
    [0x4a, 0xc1, 0x6d],
    [0x1f, 0xa1, 0x87],
    [0x27, 0x7f, 0x8e],
    [0x36, 0x5c, 0x8d],
    [0x46, 0x33, 0x7e],
    [0x44, 0x01, 0x54],
    [0x30, 0x00, 0x40],
];

/// Okabe-Ito categorical colours (distinguishable with colour-vision deficiencies).
const CATEGORICAL: [&str; 8] = [
    "#D55E00", "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#000000",
];

/// Okabe-Ito colours close to the tones' reds and blues, used last when tones are given.
const TONE_LIKE: [&str; 3] = ["#D55E00", "#0072B2", "#56B4E9"];

const NO_DATA: &str = "#bdbdbd";

/// Label of the empty category of a text column.
const NONE_CATEGORY: &str = "(none)";
/// Categories that mean "nothing to see" and are drawn pale.
const NEUTRAL: [&str; 4] = ["(none)", "not significant", "none", "other"];
const NEUTRAL_COLOUR: &str = "#ececec";

/// How values are cut into classes.
#[derive(Debug, Clone, PartialEq)]
pub enum Classes {
    Quantiles(usize),
    Jenks(usize),
    Equal(usize),
    HeadTail,
    Breaks(Vec<f64>),
    /// One colour per distinct value (the study's named bands, or any text column).
    Bands,
}

impl FromStr for Classes {
    type Err = String;

    /// `quantiles:5`, `jenks:5`, `equal:5`, `headtail`, `breaks:1,2,3`, `bands`.
    fn from_str(s: &str) -> Result<Classes, String> {
        let (kind, arg) = s.split_once(':').unwrap_or((s, ""));
        let k = || -> Result<usize, String> {
            if arg.is_empty() {
                return Ok(5);
            }
            match arg.parse::<usize>() {
                Ok(k) if (2..=9).contains(&k) => Ok(k),
                _ => Err(format!("`{s}`: the number of classes must be 2 to 9")),
            }
        };
        match kind.trim() {
            "quantiles" => Ok(Classes::Quantiles(k()?)),
            "jenks" => Ok(Classes::Jenks(k()?)),
            "equal" => Ok(Classes::Equal(k()?)),
            "headtail" => Ok(Classes::HeadTail),
            "bands" => Ok(Classes::Bands),
            "breaks" => {
                let b: Result<Vec<f64>, _> =
                    arg.split(',').map(|x| x.trim().parse::<f64>()).collect();
                match b {
                    Ok(b) if !b.is_empty() => Ok(Classes::Breaks(b)),
                    _ => Err(format!(
                        "`{s}`: give breaks as numbers, e.g. `breaks:10,20,30`"
                    )),
                }
            }
            _ => Err(format!(
                "unknown classes `{s}`: use quantiles:K, jenks:K, equal:K, headtail, breaks:A,B,C or bands"
            )),
        }
    }
}

/// One column of a results table, by area code.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub codes: Vec<String>,
    pub names: Vec<Option<String>>,
    /// The cells as text (empty = missing).
    pub cells: Vec<String>,
}

impl Column {
    /// The cells as numbers, when every non-empty cell is one.
    pub fn numbers(&self) -> Option<Vec<Option<f64>>> {
        self.cells
            .iter()
            .map(|c| {
                let t = c.trim();
                if t.is_empty() || t == "NA" {
                    Some(None)
                } else {
                    t.parse::<f64>().ok().filter(|v| v.is_finite()).map(Some)
                }
            })
            .collect()
    }
}

/// Reads `column` (and the codes, and names when there is an `area_name` column) from a
/// CSV table such as a bundle's `scores.csv`.
pub fn read_column(path: &Path, code_column: &str, column: &str) -> Result<Column, GeoError> {
    let (csv, mut reader) = CsvHeader::open(path)?;
    let (code_at, value_at) = (csv.column(code_column)?, csv.column(column)?);
    let name_at = csv.position("area_name");
    let mut out = Column {
        name: column.to_string(),
        codes: Vec::new(),
        names: Vec::new(),
        cells: Vec::new(),
    };
    for (i, record) in reader.records().enumerate() {
        let r = record.map_err(|e| csv.error(i as u64 + 2, e.to_string()))?;
        out.codes
            .push(r.get(code_at).unwrap_or("").trim().to_string());
        out.names.push(
            name_at
                .and_then(|k| r.get(k))
                .map(str::to_string)
                .filter(|s| !s.is_empty()),
        );
        out.cells
            .push(r.get(value_at).unwrap_or("").trim().to_string());
    }
    Ok(out)
}

/// What to draw besides the classes.
#[derive(Debug, Clone, Default)]
pub struct MapOptions {
    pub title: String,
    pub subtitle: Option<String>,
    /// Areas to outline and label (by code).
    pub highlight: Vec<String>,
    /// Legend caption for the highlighted areas (e.g. `band = coldspot`).
    pub highlight_label: Option<String>,
    /// Draw London (E09 codes) again, larger, in an inset.
    pub london_inset: bool,
}

/// What a category means, so that it gets the colour that says so whatever its name or
/// its place in the alphabet: the worst end (cold spots) in red, which reads as bad, the
/// best end (hot spots) in blue, outliers in lighter tints of the same (ColorBrewer's
/// RdBu, safe for the common colour-vision deficiencies; `uncertainty.svg` uses the same
/// reds for P(cold spot)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// A cold spot, the band at the worst end.
    Worst,
    /// A cold-spot outlier, or a second band at the worst end.
    WorstLight,
    /// A hot spot, the band at the best end.
    Best,
    /// A hot-spot outlier, or a second band at the best end.
    BestLight,
}

impl Tone {
    pub fn colour(self) -> &'static str {
        match self {
            Tone::Worst => "#b2182b",
            Tone::WorstLight => "#ef8a62",
            Tone::Best => "#2166ac",
            Tone::BestLight => "#67a9cf",
        }
    }
}

/// How a map is drawn beyond [`MapOptions`].
#[derive(Debug, Clone, Default)]
pub struct Style {
    /// Categories with a meaning and their tone (e.g. `coldspot` -> [`Tone::Worst`]);
    /// other categories take the Okabe-Ito colours that are neither red nor blue.
    pub tones: Vec<(String, Tone)>,
    /// One path per class instead of one per area (no per-area tooltips; much smaller
    /// with many areas). Default: when more than [`GROUP_OVER`] areas are drawn.
    pub group_paths: Option<bool>,
    /// The smallest text, in pixels of the SVG (a page that shows the map at its drawn
    /// size and wants text of 14 px asks for 14): every smaller text is drawn at this
    /// size, legend labels and the attribution wrap to fit. Default: the sizes above.
    pub min_text: Option<f64>,
    /// Areas drawn smaller than a square of this many pixels a side (by their area) on
    /// the main map are marked with a circle in their colour, outlined, with their
    /// tooltip, so that they can be seen and pointed at (at 8, Blackpool and Hastings
    /// among some 40 English districts). London's boroughs are left to the inset when
    /// there is one. Not with grouped paths.
    pub mark_small: Option<f64>,
}

/// One entry of a map's legend (also given to pages that show the legend as HTML).
#[derive(Debug, Clone, PartialEq)]
pub struct LegendEntry {
    /// A fill colour (`#b2182b`), or `none` for the highlighted areas' outline.
    pub colour: String,
    /// The class and its count of areas (`coldspot (64)`, `12.3 – 15.8 (63)`).
    pub label: String,
    /// Drawn as an outline (the highlighted areas).
    pub outline: bool,
    /// Drawn as a circle (the small areas' markers).
    pub marker: bool,
}

/// Radius of a small area's marker, in pixels.
const MARKER_RADIUS: f64 = 5.0;

/// Above this many areas, paths are grouped by class (a neighbourhood map of England has
/// 32,844).
pub const GROUP_OVER: usize = 2000;

/// A drawn map and the mismatches between data and boundaries.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub svg: String,
    /// Codes in the data but not on the map.
    pub missing_from_map: Vec<String>,
    /// Codes on the map without a value in the data.
    pub missing_from_data: Vec<String>,
    /// The legend's entries, in order.
    pub legend: Vec<LegendEntry>,
    /// Codes of the areas marked with a circle (see [`Style::mark_small`]).
    pub marked: Vec<String>,
}

/// Classes of a column: a colour and a legend label per class, and the class of each area.
struct Classed {
    colours: Vec<String>,
    labels: Vec<String>,
    class_of: HashMap<String, usize>,
}

fn sequential(k: usize) -> Vec<String> {
    (0..k)
        .map(|c| {
            let t = if k == 1 {
                0.5
            } else {
                c as f64 / (k - 1) as f64
            } * 0.875;
            let pos = t * (SEQUENTIAL.len() - 1) as f64;
            let (lo, f) = (pos.floor() as usize, pos.fract());
            let hi = (lo + 1).min(SEQUENTIAL.len() - 1);
            let ch = |i: usize| {
                (SEQUENTIAL[lo][i] as f64
                    + (SEQUENTIAL[hi][i] as f64 - SEQUENTIAL[lo][i] as f64) * f)
                    .round() as u8
            };
            format!("#{:02x}{:02x}{:02x}", ch(0), ch(1), ch(2))
        })
        .collect()
}

fn number(v: f64, range: f64) -> String {
    let dp = if range >= 100.0 {
        0
    } else if range >= 10.0 {
        1
    } else if range >= 1.0 {
        2
    } else {
        3
    };
    format!("{v:.dp$}")
}

fn classify(
    column: &Column,
    classes: &Classes,
    tones: &[(String, Tone)],
) -> Result<Classed, GeoError> {
    let bad = |m: String| GeoError::Format {
        file: format!("column `{}`", column.name),
        message: m,
    };
    let numbers = column.numbers();
    if *classes == Classes::Bands || numbers.is_none() {
        // An empty cell of a text column is a category of its own (an area in no named
        // band), not missing data.
        fn category(c: &str) -> &str {
            if c.is_empty() { NONE_CATEGORY } else { c }
        }
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for c in &column.cells {
            *counts.entry(category(c)).or_default() += 1;
        }
        if counts.len() > CATEGORICAL.len() {
            return Err(bad(format!(
                "{} distinct values: too many categories for a map (at most {}); choose numeric classes",
                counts.len(),
                CATEGORICAL.len()
            )));
        }
        let cats: Vec<&str> = counts.keys().copied().collect();
        let class_of = column
            .codes
            .iter()
            .zip(&column.cells)
            .map(|(code, c)| {
                let k = cats
                    .iter()
                    .position(|k| *k == category(c))
                    .expect("counted");
                (code.clone(), k)
            })
            .collect();
        // Neutral categories are drawn in a pale grey so the named ones stand out;
        // categories with a tone take its colour, and then the others none that reads
        // as one of the tones.
        let toned: Vec<&str> = CATEGORICAL
            .iter()
            .copied()
            .filter(|c| tones.is_empty() || !TONE_LIKE.contains(c))
            .chain(
                CATEGORICAL
                    .iter()
                    .copied()
                    .filter(|c| !tones.is_empty() && TONE_LIKE.contains(c)),
            )
            .collect();
        let mut palette = toned.into_iter();
        let colours = cats
            .iter()
            .map(|c| {
                if let Some((_, tone)) = tones.iter().find(|(name, _)| name == c) {
                    tone.colour().to_string()
                } else if NEUTRAL.contains(&c.to_ascii_lowercase().as_str()) {
                    NEUTRAL_COLOUR.to_string()
                } else {
                    palette.next().unwrap_or(NEUTRAL_COLOUR).to_string()
                }
            })
            .collect();
        return Ok(Classed {
            colours,
            labels: cats
                .iter()
                .map(|c| format!("{c} ({})", counts[c]))
                .collect(),
            class_of,
        });
    }
    let numbers = numbers.expect("numeric");
    let present: Vec<(usize, f64)> = numbers
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    let values: Vec<f64> = present.iter().map(|p| p.1).collect();
    let result: Classification = match classes {
        Classes::Quantiles(k) => oa_spatial::classify::quantiles(&values, *k),
        Classes::Jenks(k) => oa_spatial::classify::fisher_jenks(&values, *k),
        Classes::Equal(k) => oa_spatial::classify::equal_interval(&values, *k),
        Classes::HeadTail => oa_spatial::classify::head_tail(&values, 0.4),
        Classes::Breaks(b) => oa_spatial::classify::user_defined(&values, b),
        Classes::Bands => unreachable!("handled above"),
    }
    .map_err(|e| bad(e.to_string()))?;
    let range = result.breaks.last().copied().unwrap_or(0.0) - result.min;
    let counts = result.counts();
    let mut labels = Vec::with_capacity(result.len());
    let mut lower = result.min;
    for (c, &upper) in result.breaks.iter().enumerate() {
        labels.push(format!(
            "{} – {} ({})",
            number(lower, range),
            number(upper, range),
            counts[c]
        ));
        lower = upper;
    }
    let class_of = present
        .iter()
        .zip(&result.classes)
        .map(|((i, _), &c)| (column.codes[*i].clone(), c))
        .collect();
    Ok(Classed {
        colours: sequential(result.len()),
        labels,
        class_of,
    })
}

/// Page layout (pixels).
const WIDTH: f64 = 900.0;
const HEIGHT: f64 = 940.0;
const MAP_BOX: [f64; 4] = [10.0, 70.0, 620.0, 830.0]; // x, y, w, h
const PANEL_X: f64 = 640.0;

/// Maps plane coordinates into a pixel box, keeping the aspect ratio.
struct Fit {
    scale: f64,
    dx: f64,
    dy: f64,
}

impl Fit {
    fn new(bounds: [f64; 4], bx: [f64; 4]) -> Fit {
        let (w, h) = (
            (bounds[2] - bounds[0]).max(1e-9),
            (bounds[3] - bounds[1]).max(1e-9),
        );
        let scale = (bx[2] / w).min(bx[3] / h);
        let dx = bx[0] + (bx[2] - w * scale) / 2.0 - bounds[0] * scale;
        let dy = bx[1] + (bx[3] - h * scale) / 2.0 + bounds[3] * scale;
        Fit { scale, dx, dy }
    }

    fn px(&self, p: &Point) -> (f64, f64) {
        (self.dx + p[0] * self.scale, self.dy - p[1] * self.scale)
    }
}

/// One path per area; points closer than a tenth of a pixel are merged.
fn path(feature: &Feature, fit: &Fit) -> String {
    let mut d = String::new();
    for ring in feature.polygons.iter().flat_map(|p| &p.rings) {
        let mut last = (i64::MIN, i64::MIN);
        let mut n = 0;
        let start = d.len();
        for p in ring {
            let (x, y) = fit.px(p);
            let q = ((x * 10.0).round() as i64, (y * 10.0).round() as i64);
            if q == last {
                continue;
            }
            last = q;
            let cmd = match n {
                0 => "M",
                1 => "L",
                _ => " ",
            };
            let _ = write!(d, "{cmd}{},{}", tenth(q.0), tenth(q.1));
            n += 1;
        }
        if n < 3 {
            d.truncate(start); // smaller than a pixel at this scale
        } else {
            d.push('Z');
        }
    }
    d
}

fn tenth(v: i64) -> String {
    if v % 10 == 0 {
        format!("{}", v / 10)
    } else {
        format!("{:.1}", v as f64 / 10.0)
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A feature's area on the plane: its exterior rings less their holes.
fn plane_area(feature: &Feature) -> f64 {
    fn ring_area(ring: &[Point]) -> f64 {
        let mut a = 0.0;
        for i in 0..ring.len() {
            let (p0, p1) = (ring[i], ring[(i + 1) % ring.len()]);
            a += p0[0] * p1[1] - p1[0] * p0[1];
        }
        (a / 2.0).abs()
    }
    feature
        .polygons
        .iter()
        .filter_map(|p| {
            let (outer, holes) = p.rings.split_first()?;
            Some(ring_area(outer) - holes.iter().map(|h| ring_area(h)).sum::<f64>())
        })
        .sum()
}

/// Area-weighted centroid of a feature's largest exterior ring: where its label goes.
fn label_point(feature: &Feature) -> Point {
    let mut best = (0.0f64, [0.0, 0.0]);
    for p in &feature.polygons {
        let ring = &p.rings[0];
        let (mut a, mut cx, mut cy) = (0.0, 0.0, 0.0);
        for i in 0..ring.len() {
            let (p0, p1) = (ring[i], ring[(i + 1) % ring.len()]);
            let cross = p0[0] * p1[1] - p1[0] * p0[1];
            a += cross;
            cx += (p0[0] + p1[0]) * cross;
            cy += (p0[1] + p1[1]) * cross;
        }
        if a.abs() > best.0.abs() && a != 0.0 {
            best = (a, [cx / (3.0 * a), cy / (3.0 * a)]);
        }
    }
    best.1
}

/// Draws a choropleth of `column` on `layer`. Only areas whose code type (first three
/// characters) occurs in the data are drawn, so a UK file can carry an English study.
pub fn choropleth(
    layer: &Layer,
    column: &Column,
    classes: &Classes,
    options: &MapOptions,
) -> Result<Rendered, GeoError> {
    choropleth_styled(layer, column, classes, options, &Style::default())
}

/// [`choropleth`] with colours by meaning and paths grouped by class (see [`Style`]).
pub fn choropleth_styled(
    layer: &Layer,
    column: &Column,
    classes: &Classes,
    options: &MapOptions,
    style: &Style,
) -> Result<Rendered, GeoError> {
    let classed = classify(column, classes, &style.tones)?;
    // Every text at least `min_text` pixels.
    let px = |size: f64| style.min_text.map_or(size, |m| size.max(m));
    let prefixes: Vec<&str> = {
        let mut p: Vec<&str> = column.codes.iter().filter_map(|c| c.get(..3)).collect();
        p.sort_unstable();
        p.dedup();
        p
    };
    let features: Vec<&Feature> = layer
        .features
        .iter()
        .filter(|f| {
            f.code
                .get(..3)
                .is_some_and(|p| prefixes.binary_search(&p).is_ok())
        })
        .collect();
    if features.is_empty() {
        return Err(GeoError::Format {
            file: layer.name.clone(),
            message: format!(
                "no area of the boundaries has a code like the data's ({}); check the boundaries and code property",
                column
                    .codes
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    let on_map: HashMap<&str, ()> = features.iter().map(|f| (f.code.as_str(), ())).collect();
    let missing_from_map: Vec<String> = column
        .codes
        .iter()
        .filter(|c| !on_map.contains_key(c.as_str()))
        .cloned()
        .collect();
    let missing_from_data: Vec<String> = features
        .iter()
        .filter(|f| !classed.class_of.contains_key(&f.code))
        .map(|f| f.code.clone())
        .collect();
    // With a boundary file that dates its areas, data codes of another year are an error
    // naming the years they are valid (never a map with silent holes).
    if let Some(year) = layer.year
        && !missing_from_map.is_empty()
    {
        let registry = crate::registry::Registry::from_spans(
            layer
                .features
                .iter()
                .map(Feature::span)
                .chain(layer.other_years.iter().cloned()),
            Vec::new(),
        );
        let dated: Vec<&str> = column
            .codes
            .iter()
            .map(String::as_str)
            .filter(|c| registry.area(c).is_some())
            .collect();
        registry.check_codes(dated, year, &format!("column `{}`", column.name))?;
    }
    let names: HashMap<&str, &str> = column
        .codes
        .iter()
        .zip(&column.names)
        .filter_map(|(c, n)| n.as_deref().map(|n| (c.as_str(), n)))
        .collect();

    // A long title or subtitle wraps (never clipped); the map and legend move down.
    let (title_size, title_lines) = wrap_title(&options.title);
    let subtitle_lines = options
        .subtitle
        .as_deref()
        .map(|t| wrap(t, WIDTH - 40.0, px(13.0) * TEXT_WIDTH))
        .unwrap_or_default();
    let title_height = title_size * 1.2 * title_lines.len().max(1) as f64;
    let header = 20.0 + title_height + (px(13.0) + 4.0) * subtitle_lines.len() as f64;
    let offset = (header - 62.0).max(0.0);
    let ons = features.iter().any(|f| is_ons_code(&f.code));
    // The attribution's lines (one at the default size; wrapped when larger), and the
    // room they take above the foot of the map.
    let attribution_lines = match (ons, style.min_text) {
        (false, _) => Vec::new(),
        (true, None) => vec![ATTRIBUTION.to_string()],
        (true, Some(_)) => wrap(ATTRIBUTION, WIDTH - 40.0, px(9.5) * TEXT_WIDTH),
    };
    let footer = match style.min_text {
        Some(_) => (px(9.5) * 1.25) * attribution_lines.len() as f64,
        None => 0.0,
    };
    let map_box = [
        MAP_BOX[0],
        MAP_BOX[1] + offset,
        MAP_BOX[2],
        MAP_BOX[3] - offset - footer,
    ];
    let main = Fit::new(bounds_of(features.iter().copied()), map_box);
    let grouped = style.group_paths.unwrap_or(features.len() > GROUP_OVER);
    let highlight_set: std::collections::HashSet<&str> =
        options.highlight.iter().map(String::as_str).collect();
    let highlighted = |f: &Feature| highlight_set.contains(f.code.as_str());
    let fill = |f: &Feature| match classed.class_of.get(&f.code) {
        Some(&c) => classed.colours[c].as_str(),
        None => NO_DATA,
    };

    let mut svg = String::with_capacity(features.len() * 1500);
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" font-family="DejaVu Sans, Arial, sans-serif"><rect width="100%" height="100%" fill="#fff"/>"##
    );
    let mut y = 14.0;
    for line in &title_lines {
        y += title_size * 1.2;
        let _ = write!(
            svg,
            r#"<text x="20" y="{:.0}" font-size="{title_size}" font-weight="bold">{}</text>"#,
            y - title_size * 0.2,
            escape(line)
        );
    }
    y += 4.0;
    for line in &subtitle_lines {
        y += px(13.0) + 4.0;
        let _ = write!(
            svg,
            r##"<text x="20" y="{y:.0}" font-size="{}" fill="#444">{}</text>"##,
            px(13.0),
            escape(line)
        );
    }
    let draw_areas = |svg: &mut String, fit: &Fit, subset: &[&Feature], stroke: f64| {
        if grouped {
            draw_grouped(svg, fit, subset, &classed, &highlighted, stroke);
            return;
        }
        let _ = write!(
            svg,
            r##"<g stroke="#fff" stroke-width="{stroke}" stroke-linejoin="round">"##
        );
        for f in subset.iter().filter(|f| !highlighted(f)) {
            let _ = write!(
                svg,
                r#"<path fill="{}" d="{}"><title>{}</title></path>"#,
                fill(f),
                path(f, fit),
                escape(&f.code)
            );
        }
        svg.push_str("</g>");
        let _ = write!(
            svg,
            r##"<g stroke="#000" stroke-width="{}" stroke-linejoin="round">"##,
            stroke * 4.0
        );
        for f in subset.iter().filter(|f| highlighted(f)) {
            let _ = write!(
                svg,
                r#"<path fill="{}" d="{}"><title>{}</title></path>"#,
                fill(f),
                path(f, fit),
                escape(&f.code)
            );
        }
        svg.push_str("</g>");
    };
    draw_areas(&mut svg, &main, &features, 0.3);

    // Areas too small to see get a circle in their colour, outlined, with their tooltip.
    let inset_on = options.london_inset && layer.source_crs != crate::crs::SourceCrs::HexGrid;
    let mut marked = Vec::new();
    if let Some(min) = style.mark_small.filter(|_| !grouped) {
        svg.push_str(r##"<g class="small-areas" stroke="#000" stroke-width="1.5">"##);
        for f in &features {
            if inset_on && f.code.starts_with("E09") {
                continue;
            }
            if plane_area(f) * main.scale * main.scale >= min * min {
                continue;
            }
            let (x, y) = main.px(&label_point(f));
            let _ = write!(
                svg,
                r#"<circle cx="{x:.1}" cy="{y:.1}" r="{MARKER_RADIUS}" fill="{}"><title>{}</title></circle>"#,
                fill(f),
                escape(&f.code)
            );
            marked.push(f.code.clone());
        }
        svg.push_str("</g>");
    }

    // A hex layout gives every area the same size already: no inset.
    let inset = inset_on;
    // Labels of highlighted areas (at most 15, so the map stays readable), outside London.
    let labelled: Vec<&&Feature> = features
        .iter()
        .filter(|f| highlighted(f) && !(inset && f.code.starts_with("E09")))
        .take(15)
        .collect();
    if !labelled.is_empty() {
        let label_size = px(10.0);
        let _ = write!(
            svg,
            r##"<g font-size="{label_size}" text-anchor="middle" stroke="#fff" stroke-width="3" paint-order="stroke" fill="#000">"##
        );
        // Skip a label that would overlap one already placed (width estimated from its length).
        let mut placed: Vec<[f64; 4]> = Vec::new();
        for f in labelled {
            let (x, y) = main.px(&label_point(f));
            let name = names
                .get(f.code.as_str())
                .copied()
                .or(f.name.as_deref())
                .unwrap_or(&f.code);
            let half = name.chars().count() as f64 * 0.3 * label_size;
            let b = [x - half, y - label_size, x + half, y + 0.2 * label_size];
            if placed
                .iter()
                .any(|p| b[0] < p[2] && p[0] < b[2] && b[1] < p[3] && p[1] < b[3])
            {
                continue;
            }
            placed.push(b);
            let _ = write!(
                svg,
                r#"<text x="{x:.1}" y="{y:.1}">{}</text>"#,
                escape(name)
            );
        }
        svg.push_str("</g>");
    }

    // Legend.
    let mut y: f64 = 90.0 + offset;
    let _ = write!(
        svg,
        r#"<text x="{PANEL_X}" y="{y}" font-size="14" font-weight="bold">{}</text>"#,
        escape(&column.name)
    );
    y += 12.0;
    let entry = |colour: &str, label: String, outline: bool, marker: bool| LegendEntry {
        colour: colour.to_string(),
        label,
        outline,
        marker,
    };
    let mut legend: Vec<LegendEntry> = classed
        .colours
        .iter()
        .zip(&classed.labels)
        .map(|(c, l)| entry(c, l.clone(), false, false))
        .collect();
    if !missing_from_data.is_empty() {
        legend.push(entry(
            NO_DATA,
            format!("no data ({})", missing_from_data.len()),
            false,
            false,
        ));
    }
    if let Some(h) = &options.highlight_label {
        legend.push(entry(
            "none",
            format!("{h} ({})", options.highlight.len()),
            true,
            false,
        ));
    }
    if !marked.is_empty() {
        legend.push(entry(
            "#fff",
            format!("too small to see: drawn as a circle ({})", marked.len()),
            false,
            true,
        ));
    }
    let entry_size = px(12.0);
    for e in &legend {
        let stroke = if e.outline || e.marker {
            r##" stroke="#000" stroke-width="1.5""##
        } else {
            r##" stroke="#999" stroke-width="0.5""##
        };
        if e.marker {
            let _ = write!(
                svg,
                r#"<circle cx="{}" cy="{}" r="{MARKER_RADIUS}" fill="{}"{stroke}/>"#,
                PANEL_X + 11.0,
                y + 8.0,
                e.colour
            );
        } else {
            let _ = write!(
                svg,
                r#"<rect x="{PANEL_X}" y="{y}" width="22" height="16" fill="{}"{stroke}/>"#,
                e.colour
            );
        }
        // With a minimum text size, long labels wrap within the panel.
        let lines = match style.min_text {
            Some(_) => wrap(&e.label, WIDTH - PANEL_X - 36.0, entry_size * TEXT_WIDTH),
            None => vec![e.label.clone()],
        };
        for (i, line) in lines.iter().enumerate() {
            let _ = write!(
                svg,
                r#"<text x="{}" y="{}" font-size="{entry_size}">{}</text>"#,
                PANEL_X + 30.0,
                y + 12.5 + i as f64 * entry_size * 1.2,
                escape(line)
            );
        }
        y += (22.0f64).max(entry_size + 8.0)
            + lines.len().saturating_sub(1) as f64 * entry_size * 1.2;
    }

    // London inset.
    let london: Vec<&Feature> = features
        .iter()
        .copied()
        .filter(|f| f.code.starts_with("E09"))
        .collect();
    if inset && !london.is_empty() {
        let lb = bounds_of(london.iter().copied());
        let top = (y + 20.0).max(420.0 + offset);
        let inset_box = [PANEL_X + 5.0, top + 25.0, 240.0, 200.0];
        let fit = Fit::new(lb, inset_box);
        let _ = write!(
            svg,
            r##"<text x="{PANEL_X}" y="{}" font-size="14" font-weight="bold">London</text><rect x="{PANEL_X}" y="{}" width="250" height="210" fill="none" stroke="#666"/>"##,
            top + 14.0,
            top + 20.0
        );
        draw_areas(&mut svg, &fit, &london, 0.6);
        // Where the inset sits on the main map.
        let (x0, y0) = main.px(&[lb[0], lb[3]]);
        let (x1, y1) = main.px(&[lb[2], lb[1]]);
        let _ = write!(
            svg,
            r##"<rect x="{x0:.1}" y="{y0:.1}" width="{:.1}" height="{:.1}" fill="none" stroke="#666" stroke-width="0.8"/>"##,
            x1 - x0,
            y1 - y0
        );
        let london_size = px(11.0);
        let mut ly = top + 250.0;
        let london_named: Vec<&&Feature> =
            london.iter().filter(|f| highlighted(f)).take(12).collect();
        for f in london_named {
            let name = names
                .get(f.code.as_str())
                .copied()
                .or(f.name.as_deref())
                .unwrap_or(&f.code);
            let _ = write!(
                svg,
                r#"<text x="{PANEL_X}" y="{ly}" font-size="{london_size}">{}</text>"#,
                escape(name)
            );
            ly += london_size + 3.0;
        }
    }
    // The Crown copyright line belongs to ONS boundaries; a map of other areas (the demo's
    // invented country, a user's own zones) must not claim it.
    let line_height = px(9.5) * 1.25;
    let last = attribution_lines.len().saturating_sub(1) as f64;
    for (i, line) in attribution_lines.iter().enumerate() {
        let _ = write!(
            svg,
            r##"<text x="20" y="{}" font-size="{}" fill="#444">{}</text>"##,
            HEIGHT - 20.0 - (last - i as f64) * line_height,
            px(9.5),
            escape(line)
        );
    }
    svg.push_str("</svg>");
    Ok(Rendered {
        svg,
        missing_from_map,
        missing_from_data,
        legend,
        marked,
    })
}

/// Estimated width of a character as a share of the font size (DejaVu Sans, the font
/// the maps name first, averages about 0.55 em; bold about 0.62).
const TEXT_WIDTH: f64 = 0.56;
const BOLD_WIDTH: f64 = 0.63;

/// Words of `text` in lines no wider than `width` pixels at `char_px` per character (a
/// word longer than a line gets a line of its own).
fn wrap(text: &str, width: f64, char_px: f64) -> Vec<String> {
    let per_line = ((width / char_px).floor() as usize).max(10);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > per_line {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// The title's font size and lines: 22 px on one or two lines, else 18 px on as many as
/// it needs.
fn wrap_title(title: &str) -> (f64, Vec<String>) {
    let width = WIDTH - 40.0;
    let lines = wrap(title, width, 22.0 * BOLD_WIDTH);
    if lines.len() <= 2 {
        return (22.0, lines);
    }
    (18.0, wrap(title, width, 18.0 * BOLD_WIDTH))
}

/// Writes a number of a compact path: a space before it unless it is negative or follows
/// a command letter.
fn push_number(d: &mut String, v: i64) {
    let after_command = d.as_bytes().last().is_some_and(u8::is_ascii_alphabetic);
    if v >= 0 && !after_command {
        d.push(' ');
    }
    let _ = write!(d, "{v}");
}

/// The rings of `feature` appended to a compact path in tenths of a pixel (the group is
/// scaled by 0.1), with relative moves; `cursor` is the current point, in the same units.
fn append_compact(d: &mut String, feature: &Feature, fit: &Fit, cursor: &mut (i64, i64)) {
    for ring in feature.polygons.iter().flat_map(|p| &p.rings) {
        let mut points: Vec<(i64, i64)> = Vec::with_capacity(ring.len());
        for p in ring {
            let (x, y) = fit.px(p);
            let q = ((x * 10.0).round() as i64, (y * 10.0).round() as i64);
            if points.last() != Some(&q) {
                points.push(q);
            }
        }
        while points.len() > 1 && points.first() == points.last() {
            points.pop();
        }
        if points.len() < 3 {
            continue; // smaller than a pixel at this scale
        }
        let first = points[0];
        d.push('m');
        push_number(d, first.0 - cursor.0);
        push_number(d, first.1 - cursor.1);
        d.push('l');
        let mut last = first;
        for &q in &points[1..] {
            push_number(d, q.0 - last.0);
            push_number(d, q.1 - last.1);
            last = q;
        }
        d.push('z');
        // After `z` the current point is the ring's first point.
        *cursor = first;
    }
}

/// Areas drawn as one path per class (and one per class of the highlighted ones,
/// outlined): a neighbourhood map of England is then a few megabytes, not tens.
fn draw_grouped(
    svg: &mut String,
    fit: &Fit,
    subset: &[&Feature],
    classed: &Classed,
    highlighted: &dyn Fn(&Feature) -> bool,
    stroke: f64,
) {
    let classes = classed.colours.len();
    // Per class, then no data: the areas in it, ordinary then highlighted.
    let mut members: Vec<[Vec<&Feature>; 2]> =
        (0..=classes).map(|_| [Vec::new(), Vec::new()]).collect();
    for f in subset {
        let c = classed.class_of.get(&f.code).copied().unwrap_or(classes);
        members[c][usize::from(highlighted(f))].push(f);
    }
    for (kind, outline) in [(0, false), (1, true)] {
        let _ = if outline {
            write!(
                svg,
                r##"<g transform="scale(0.1)" fill-rule="evenodd" stroke="#000" stroke-width="{}" stroke-linejoin="round">"##,
                stroke * 20.0
            )
        } else {
            write!(svg, r#"<g transform="scale(0.1)" fill-rule="evenodd">"#)
        };
        for (c, m) in members.iter().enumerate() {
            let list = &m[kind];
            if list.is_empty() {
                continue;
            }
            let colour = classed.colours.get(c).map_or(NO_DATA, String::as_str);
            // A path's first `m` is taken as absolute, i.e. relative to (0, 0).
            let mut d = String::with_capacity(list.len() * 200);
            let mut cursor = (0, 0);
            for f in list {
                append_compact(&mut d, f, fit, &mut cursor);
            }
            let _ = write!(svg, r#"<path fill="{colour}" d="{d}"/>"#);
        }
        svg.push_str("</g>");
    }
}

/// An ONS (GSS) code: a country letter and eight digits, such as `E07000191`.
fn is_ons_code(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 9
        && matches!(b[0], b'E' | b'W' | b'S' | b'N' | b'K')
        && b[1..].iter().all(u8::is_ascii_digit)
}

/// Rasterises an SVG map to PNG with the system fonts.
pub fn svg_to_png(svg: &str) -> Result<Vec<u8>, GeoError> {
    use resvg::{tiny_skia, usvg};
    let mut options = usvg::Options::default();
    options.fontdb_mut().load_system_fonts();
    let fail = |m: String| GeoError::Format {
        file: "map.png".into(),
        message: m,
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| fail(e.to_string()))?;
    let size = tree.size().to_int_size();
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| fail("empty map".into()))?;
    resvg::render(&tree, tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| fail(e.to_string()))
}
