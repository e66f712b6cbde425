//! A synthetic country for `oa`'s demonstration, generated from a fixed seed.
//!
//! **Everything here is invented.** The country ("Synthland") is an island of a few hundred
//! districts in the middle of the North Sea (longitude 0.5..4.5 E, latitude 55..57.6 N,
//! where there is no land), so it can never be mistaken for a real place, yet it is close
//! enough to the British National Grid's central meridian for maps to project it cleanly. Codes look like ONS GSS
//! codes but start with `X`, which no real GSS code does.
//!
//! It has the structure real data has, so that the whole `oa` pipeline has something
//! realistic to work on without downloading anything:
//!
//! - regions (a capital and six compass regions) and area types (city, urban, town, rural,
//!   coastal) driven by distance to a few cities and to the sea;
//! - populations that are larger in cities;
//! - twelve indicators in four life-stage groups (early years, school, youth, adulthood),
//!   built from two spatially smooth hidden factors (disadvantage and affluence) plus noise,
//!   so they correlate the way education and labour-market indicators do, with two that run
//!   "higher is worse";
//! - suppressed values (`c`, as statistical releases write them), more often in small areas;
//! - simple polygon boundaries that tile the island, as GeoJSON, for maps.
//!
//! The crate is pure: [`generate`] returns a [`Country`] and its `*_csv` / `*_geojson`
//! methods return text; the caller writes the files.

use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use rand_xoshiro::Xoshiro256PlusPlus;
use std::collections::BTreeSet;
use std::f64::consts::{PI, TAU};
use std::fmt::Write as _;

/// The seed `oa demo` uses, so every run shows the same country.
pub const DEFAULT_SEED: u64 = 2016;

/// Grid cells across and down; the island keeps the cells inside a wobbly coastline.
const GRID: usize = 20;
const LON_WEST: f64 = 0.5;
const LON_EAST: f64 = 4.5;
const LAT_SOUTH: f64 = 55.0;
const LAT_NORTH: f64 = 57.6;

/// Kind of district, from how urban and how close to the sea it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AreaType {
    City,
    Urban,
    Town,
    Rural,
    Coastal,
}

impl AreaType {
    pub fn name(self) -> &'static str {
        match self {
            AreaType::City => "city",
            AreaType::Urban => "urban",
            AreaType::Town => "town",
            AreaType::Rural => "rural",
            AreaType::Coastal => "coastal",
        }
    }

    /// Second and third characters of the area code (as GSS codes mark the entity type).
    fn code_digits(self) -> u8 {
        match self {
            AreaType::City => 1,
            AreaType::Urban => 2,
            AreaType::Town => 3,
            AreaType::Rural => 4,
            AreaType::Coastal => 5,
        }
    }
}

/// A region of the synthetic country.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub code: String,
    pub name: String,
}

/// One district.
#[derive(Debug, Clone, PartialEq)]
pub struct Area {
    pub code: String,
    pub name: String,
    /// Index into [`Country::regions`].
    pub region: usize,
    pub area_type: AreaType,
    pub population: u64,
    /// Exterior ring (longitude, latitude), counter-clockwise, closed (first = last).
    pub ring: Vec<(f64, f64)>,
}

/// What an indicator measures and which way is better.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorInfo {
    pub id: &'static str,
    pub name: &'static str,
    /// Life-stage group id.
    pub group: &'static str,
    pub higher_is_better: bool,
    pub unit: &'static str,
    /// Decimal places written.
    pub decimals: usize,
}

/// The four life-stage groups: (id, name).
pub const GROUPS: [(&str, &str); 4] = [
    ("early_years", "Early years"),
    ("school", "School"),
    ("youth", "Youth"),
    ("adulthood", "Adulthood"),
];

/// A generated country.
#[derive(Debug, Clone, PartialEq)]
pub struct Country {
    pub seed: u64,
    pub regions: Vec<Region>,
    pub areas: Vec<Area>,
    pub indicators: Vec<IndicatorInfo>,
    /// `values[area][indicator]`; `None` = suppressed.
    pub values: Vec<Vec<Option<f64>>>,
}

/// How each indicator is made from the hidden factors: value = base + d·disadvantage +
/// a·affluence + noise·N(0,1), clamped to [lo, hi]. `fsm` marks small-cohort measures
/// (children on free school meals), which get suppressed in small areas.
struct Recipe {
    info: IndicatorInfo,
    base: f64,
    d: f64,
    a: f64,
    noise: f64,
    lo: f64,
    hi: f64,
    fsm: bool,
}

fn recipes() -> Vec<Recipe> {
    let r =
        |id, name, group, higher_is_better, unit, decimals, (base, d, a, noise), (lo, hi), fsm| {
            Recipe {
                info: IndicatorInfo {
                    id,
                    name,
                    group,
                    higher_is_better,
                    unit,
                    decimals,
                },
                base,
                d,
                a,
                noise,
                lo,
                hi,
                fsm,
            }
        };
    vec![
        r(
            "EY1",
            "Nursery providers rated good or outstanding",
            "early_years",
            true,
            "%",
            1,
            (90.0, -3.0, 0.5, 2.5),
            (40.0, 100.0),
            false,
        ),
        r(
            "EY2",
            "FSM children reaching a good level of development at 5",
            "early_years",
            true,
            "%",
            1,
            (57.0, -5.0, 1.0, 3.0),
            (10.0, 95.0),
            true,
        ),
        r(
            "S1",
            "FSM pupils in good or outstanding primary schools",
            "school",
            true,
            "%",
            1,
            (85.0, -6.0, 0.0, 4.0),
            (20.0, 100.0),
            false,
        ),
        r(
            "S2",
            "FSM pupils reaching the expected standard at 11",
            "school",
            true,
            "%",
            1,
            (45.0, -5.0, 2.0, 3.0),
            (5.0, 95.0),
            true,
        ),
        r(
            "S3",
            "FSM pupils in good or outstanding secondary schools",
            "school",
            true,
            "%",
            1,
            (75.0, -10.0, 1.0, 8.0),
            (0.0, 100.0),
            false,
        ),
        r(
            "S4",
            "FSM pupils passing English and maths at 16",
            "school",
            true,
            "%",
            1,
            (30.0, -5.0, 3.0, 3.0),
            (2.0, 90.0),
            true,
        ),
        r(
            "Y1",
            "FSM young people not in education, employment or training at 17",
            "youth",
            false,
            "%",
            1,
            (8.0, 2.0, -0.5, 1.2),
            (0.5, 40.0),
            true,
        ),
        r(
            "Y2",
            "FSM young people entering higher education by 19",
            "youth",
            true,
            "%",
            1,
            (25.0, -5.0, 6.0, 3.0),
            (2.0, 90.0),
            true,
        ),
        r(
            "Y3",
            "FSM young people qualified to level 3 by 19",
            "youth",
            true,
            "%",
            1,
            (35.0, -5.0, 3.0, 3.0),
            (2.0, 95.0),
            true,
        ),
        r(
            "A1",
            "Median weekly pay of residents",
            "adulthood",
            true,
            "GBP",
            0,
            (520.0, -30.0, 70.0, 20.0),
            (250.0, 1500.0),
            false,
        ),
        r(
            "A2",
            "House price to median pay ratio",
            "adulthood",
            false,
            "ratio",
            2,
            (7.0, -0.6, 2.5, 0.6),
            (2.5, 30.0),
            false,
        ),
        r(
            "A3",
            "Families with children who own their home",
            "adulthood",
            true,
            "%",
            1,
            (62.0, -6.0, -3.0, 4.0),
            (10.0, 95.0),
            false,
        ),
    ]
}

const REGION_NAMES: [&str; 7] = [
    "Capital",
    "Northmarch",
    "Eastmoor",
    "Southdale",
    "Westfold",
    "Highreach",
    "Lowfen",
];

const NAME_STARTS: [&str; 28] = [
    "Ash", "Brack", "Cal", "Dun", "Elm", "Fen", "Glen", "Hart", "Ing", "Kel", "Lang", "Mar", "Nor",
    "Oak", "Pen", "Red", "Stan", "Thorn", "Wey", "Whit", "Brom", "Cran", "Hol", "Lynd", "Sel",
    "Tam", "Ulver", "Yar",
];
const NAME_ENDS: [&str; 18] = [
    "bury", "ford", "ham", "ley", "mouth", "ton", "wick", "field", "dale", "moor", "stead",
    "worth", "by", "combe", "gate", "hurst", "well", "wood",
];

/// Generates the country for `seed`. Same seed, same country, on every machine.
pub fn generate(seed: u64) -> Country {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);

    // Coastline: a cell is land when its centre lies inside a wobbly circle.
    let phases: Vec<f64> = (0..3).map(|_| rng.random_range(0.0..TAU)).collect();
    let is_land = |c: usize, r: usize| -> bool {
        let x = (c as f64 + 0.5) / GRID as f64 * 2.0 - 1.0;
        let y = (r as f64 + 0.5) / GRID as f64 * 2.0 - 1.0;
        let theta = y.atan2(x);
        let radius = 0.86
            + 0.08 * (2.0 * theta + phases[0]).sin()
            + 0.06 * (3.0 * theta + phases[1]).sin()
            + 0.04 * (5.0 * theta + phases[2]).sin();
        (x * x + y * y).sqrt() < radius
    };
    let land: Vec<Vec<bool>> = (0..GRID)
        .map(|c| (0..GRID).map(|r| is_land(c, r)).collect())
        .collect();
    let land_at = |c: isize, r: isize| -> bool {
        c >= 0
            && r >= 0
            && (c as usize) < GRID
            && (r as usize) < GRID
            && land[c as usize][r as usize]
    };

    // Shared, jittered grid vertices so neighbouring polygons meet exactly.
    let dx = (LON_EAST - LON_WEST) / GRID as f64;
    let dy = (LAT_NORTH - LAT_SOUTH) / GRID as f64;
    let mut vertex = vec![vec![(0.0, 0.0); GRID + 1]; GRID + 1];
    for (i, column) in vertex.iter_mut().enumerate() {
        for (j, v) in column.iter_mut().enumerate() {
            let jx = rng.random_range(-0.3..0.3) * dx;
            let jy = rng.random_range(-0.3..0.3) * dy;
            *v = (
                round6(LON_WEST + i as f64 * dx + jx),
                round6(LAT_SOUTH + j as f64 * dy + jy),
            );
        }
    }

    // Cities (the capital is the one nearest the centre) and smooth hidden factors.
    let cells: Vec<(usize, usize)> = (0..GRID)
        .flat_map(|r| (0..GRID).map(move |c| (c, r)))
        .filter(|&(c, r)| land[c][r])
        .collect();
    let mut cities: Vec<(f64, f64)> = Vec::new();
    while cities.len() < 5 {
        let (c, r) = cells[rng.random_range(0..cells.len())];
        let p = (c as f64, r as f64);
        if cities.iter().all(|q| dist(p, *q) > 4.0) {
            cities.push(p);
        }
    }
    let centre = (GRID as f64 / 2.0 - 0.5, GRID as f64 / 2.0 - 0.5);
    cities.sort_by(|a, b| dist(*a, centre).total_cmp(&dist(*b, centre)));
    let capital = cities[0];
    let bumps: Vec<((f64, f64), f64, f64)> = (0..6)
        .map(|_| {
            let p = (
                rng.random_range(0.0..GRID as f64),
                rng.random_range(0.0..GRID as f64),
            );
            let amplitude = rng.random_range(-1.2..1.2);
            let width = rng.random_range(2.5..5.0);
            (p, amplitude, width)
        })
        .collect();

    struct Raw {
        cell: (usize, usize),
        urban: f64,
        coastal: bool,
        disadvantage: f64,
        affluence: f64,
    }
    let mut raws: Vec<Raw> = cells
        .iter()
        .map(|&(c, r)| {
            let p = (c as f64, r as f64);
            let near_city = cities.iter().map(|q| dist(p, *q)).fold(f64::MAX, f64::min);
            let urban = (-near_city / 1.8).exp();
            let (ci, ri) = (c as isize, r as isize);
            let coastal = [(-1, 0), (1, 0), (0, -1), (0, 1)]
                .iter()
                .any(|(a, b)| !land_at(ci + a, ri + b));
            let smooth: f64 = bumps
                .iter()
                .map(|(q, amp, w)| amp * (-(dist(p, *q) / w).powi(2)).exp())
                .sum();
            let disadvantage =
                smooth + if coastal { 0.7 } else { 0.0 } + 0.5 * urban + 0.45 * normal(&mut rng);
            let affluence =
                1.6 * (-dist(p, capital) / 4.0).exp() + 0.4 * urban + 0.35 * normal(&mut rng);
            Raw {
                cell: (c, r),
                urban,
                coastal,
                disadvantage,
                affluence,
            }
        })
        .collect();
    standardise(&mut raws, |x| &mut x.disadvantage);
    standardise(&mut raws, |x| &mut x.affluence);

    let regions: Vec<Region> = REGION_NAMES
        .iter()
        .enumerate()
        .map(|(i, n)| Region {
            code: format!("X12{:06}", i + 1),
            name: n.to_string(),
        })
        .collect();

    let recipes = recipes();
    let mut used_names = BTreeSet::new();
    let mut serial = [0u32; 6];
    let mut areas = Vec::with_capacity(raws.len());
    let mut values = Vec::with_capacity(raws.len());
    for raw in &raws {
        let (c, r) = raw.cell;
        let p = (c as f64, r as f64);
        let area_type = if dist(p, capital) < 1.5 || raw.urban > 0.8 {
            AreaType::City
        } else if raw.urban > 0.45 {
            AreaType::Urban
        } else if raw.coastal {
            AreaType::Coastal
        } else if raw.urban > 0.2 {
            AreaType::Town
        } else {
            AreaType::Rural
        };
        let region = region_of(p, capital);
        let typical = 45_000.0 + 230_000.0 * raw.urban;
        let population =
            ((typical * (0.25 * normal(&mut rng)).exp() / 100.0).round() as u64 * 100).max(2_000);
        let name = loop {
            let start = NAME_STARTS[rng.random_range(0..NAME_STARTS.len())];
            let end = NAME_ENDS[rng.random_range(0..NAME_ENDS.len())];
            let candidate = format!("{start}{end}");
            if used_names.insert(candidate.clone()) {
                break candidate;
            }
        };
        let digits = area_type.code_digits();
        serial[digits as usize] += 1;
        let code = format!("X{:02}{:06}", digits, 100 + serial[digits as usize]);
        let ring = vec![
            vertex[c][r],
            vertex[c + 1][r],
            vertex[c + 1][r + 1],
            vertex[c][r + 1],
            vertex[c][r],
        ];
        let small = population < 40_000;
        let row: Vec<Option<f64>> = recipes
            .iter()
            .map(|k| {
                let v = k.base
                    + k.d * raw.disadvantage
                    + k.a * raw.affluence
                    + k.noise * normal(&mut rng);
                let p_suppress = if k.fsm {
                    0.01 + if small { 0.08 } else { 0.0 }
                } else {
                    0.0
                };
                let suppressed = rng.random_bool(p_suppress);
                (!suppressed).then(|| round_to(v.clamp(k.lo, k.hi), k.info.decimals))
            })
            .collect();
        areas.push(Area {
            code,
            name,
            region,
            area_type,
            population,
            ring,
        });
        values.push(row);
    }
    Country {
        seed,
        regions,
        areas,
        indicators: recipes.into_iter().map(|k| k.info).collect(),
        values,
    }
}

/// The capital region around the capital; otherwise one of six 60-degree sectors by bearing
/// from the island's centre.
fn region_of(p: (f64, f64), capital: (f64, f64)) -> usize {
    if dist(p, capital) < 3.2 {
        return 0;
    }
    let centre = (GRID as f64 / 2.0 - 0.5, GRID as f64 / 2.0 - 0.5);
    let theta = (p.1 - centre.1).atan2(p.0 - centre.0); // -pi (west) .. pi, anticlockwise
    let sector = (((theta + PI) / (PI / 3.0)) as usize).min(5);
    // west-south-west, south, east-south-east, east-north-east, north, west-north-west
    [6, 3, 2, 5, 1, 4][sector]
}

fn normal(rng: &mut Xoshiro256PlusPlus) -> f64 {
    rng.sample(StandardNormal)
}

fn dist(a: (f64, f64), b: (f64, f64)) -> f64 {
    ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt()
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn round_to(x: f64, decimals: usize) -> f64 {
    let f = 10f64.powi(decimals as i32);
    (x * f).round() / f
}

fn standardise<T>(items: &mut [T], field: impl Fn(&mut T) -> &mut f64) {
    let n = items.len() as f64;
    let mean = items.iter_mut().map(|x| *field(x)).sum::<f64>() / n;
    let var = items
        .iter_mut()
        .map(|x| (*field(x) - mean).powi(2))
        .sum::<f64>()
        / (n - 1.0);
    let sd = var.sqrt().max(1e-12);
    for x in items.iter_mut() {
        let v = field(x);
        *v = (*v - mean) / sd;
    }
}

impl Country {
    /// `area_code, area_name, region_code, region_name, area_type, population`.
    pub fn areas_csv(&self) -> String {
        let mut out =
            String::from("area_code,area_name,region_code,region_name,area_type,population\n");
        for a in &self.areas {
            let region = &self.regions[a.region];
            let _ = writeln!(
                out,
                "{},{},{},{},{},{}",
                a.code,
                a.name,
                region.code,
                region.name,
                a.area_type.name(),
                a.population
            );
        }
        out
    }

    /// `area_code, area_name`, then one column per indicator; suppressed values are `c`.
    pub fn indicators_csv(&self) -> String {
        let mut out = String::from("area_code,area_name");
        for ind in &self.indicators {
            out.push(',');
            out.push_str(ind.id);
        }
        out.push('\n');
        for (a, row) in self.areas.iter().zip(&self.values) {
            out.push_str(&a.code);
            out.push(',');
            out.push_str(&a.name);
            for (ind, v) in self.indicators.iter().zip(row) {
                out.push(',');
                match v {
                    Some(x) => {
                        let _ = write!(out, "{x:.*}", ind.decimals);
                    }
                    None => out.push('c'),
                }
            }
            out.push('\n');
        }
        out
    }

    /// District boundaries as a GeoJSON FeatureCollection (WGS84 longitude/latitude);
    /// each feature's properties hold `code`, `name`, `region` and `area_type`.
    pub fn boundaries_geojson(&self) -> String {
        let mut out = String::from(
            "{\"type\":\"FeatureCollection\",\"name\":\"synthland_districts\",\"features\":[\n",
        );
        for (i, a) in self.areas.iter().enumerate() {
            if i > 0 {
                out.push_str(",\n");
            }
            let _ = write!(
                out,
                "{{\"type\":\"Feature\",\"properties\":{{\"code\":\"{}\",\"name\":\"{}\",\"region\":\"{}\",\"area_type\":\"{}\"}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[",
                a.code,
                a.name,
                self.regions[a.region].name,
                a.area_type.name()
            );
            for (k, (x, y)) in a.ring.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                }
                let _ = write!(out, "[{x},{y}]");
            }
            out.push_str("]]}}");
        }
        out.push_str("\n]}\n");
        out
    }

    /// A short README for the generated data folder: what it is and that it is invented.
    pub fn readme(&self) -> String {
        let mut out = format!(
            "# Synthland: a synthetic country (seed {})\n\n\
             Every file in this folder was generated by `oa demo` from a fixed seed. **None of it \
             is real data.** Synthland is an invented island of {} districts in {} regions, placed \
             in the middle of the North Sea, where there is no land; its codes start with `X`, which no ONS \
             code does.\n\n\
             - `areas.csv`: code, name, region, area type and population of each district.\n\
             - `indicators.csv`: {} indicators in {} life-stage groups, made from two hidden \
             factors (disadvantage, affluence) plus noise; `c` marks a suppressed value.\n\
             - `boundaries.geojson`: district polygons (longitude/latitude) for maps.\n\n\
             | id | group | indicator | unit | better when |\n|---|---|---|---|---|\n",
            self.seed,
            self.areas.len(),
            self.regions.len(),
            self.indicators.len(),
            GROUPS.len()
        );
        for ind in &self.indicators {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                ind.id,
                ind.group,
                ind.name,
                ind.unit,
                if ind.higher_is_better {
                    "higher"
                } else {
                    "lower"
                }
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn same_seed_same_country() {
        assert_eq!(generate(7), generate(7));
        assert_ne!(generate(7).indicators_csv(), generate(8).indicators_csv());
    }

    #[test]
    fn default_country_has_realistic_shape() {
        let c = generate(DEFAULT_SEED);
        assert!(
            (200..=400).contains(&c.areas.len()),
            "{} areas",
            c.areas.len()
        );
        assert_eq!(c.indicators.len(), 12);
        for (g, _) in GROUPS {
            assert!(
                c.indicators.iter().filter(|i| i.group == g).count() >= 2,
                "{g}"
            );
        }
        // Every region and several area types occur.
        for r in 0..c.regions.len() {
            assert!(c.areas.iter().any(|a| a.region == r), "region {r} empty");
        }
        let types: BTreeSet<_> = c.areas.iter().map(|a| a.area_type).collect();
        assert!(types.len() >= 4, "{types:?}");
        // Some, but few, values are suppressed.
        let cells = c.areas.len() * c.indicators.len();
        let missing = c.values.iter().flatten().filter(|v| v.is_none()).count();
        assert!(
            missing > 0 && missing * 20 < cells,
            "{missing} of {cells} suppressed"
        );
    }

    /// Pearson correlation over the areas where both are present.
    fn correlation(c: &Country, i: usize, j: usize) -> f64 {
        let pairs: Vec<(f64, f64)> = c
            .values
            .iter()
            .filter_map(|row| Some((row[i]?, row[j]?)))
            .collect();
        let n = pairs.len() as f64;
        let (mx, my) = (
            pairs.iter().map(|p| p.0).sum::<f64>() / n,
            pairs.iter().map(|p| p.1).sum::<f64>() / n,
        );
        let sxy: f64 = pairs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let sxx: f64 = pairs.iter().map(|p| (p.0 - mx).powi(2)).sum();
        let syy: f64 = pairs.iter().map(|p| (p.1 - my).powi(2)).sum();
        sxy / (sxx * syy).sqrt()
    }

    #[test]
    fn indicators_correlate_like_real_ones() {
        let c = generate(DEFAULT_SEED);
        let idx = |id: &str| c.indicators.iter().position(|i| i.id == id).unwrap();
        // Attainment measures move together; NEET runs against them.
        assert!(correlation(&c, idx("S2"), idx("S4")) > 0.3);
        assert!(correlation(&c, idx("Y1"), idx("S4")) < -0.2);
    }

    #[test]
    fn csv_and_geojson_have_one_record_per_area() {
        let c = generate(DEFAULT_SEED);
        assert_eq!(c.areas_csv().lines().count(), c.areas.len() + 1);
        assert_eq!(c.indicators_csv().lines().count(), c.areas.len() + 1);
        let header = c.indicators_csv().lines().next().unwrap().to_string();
        assert_eq!(header.split(',').count(), 2 + c.indicators.len());
        assert_eq!(
            c.boundaries_geojson()
                .matches("\"type\":\"Feature\"")
                .count(),
            c.areas.len()
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        #[test]
        fn any_seed_gives_unique_codes_and_closed_rings(seed in any::<u64>()) {
            let c = generate(seed);
            let codes: BTreeSet<_> = c.areas.iter().map(|a| a.code.as_str()).collect();
            prop_assert_eq!(codes.len(), c.areas.len());
            let names: BTreeSet<_> = c.areas.iter().map(|a| a.name.as_str()).collect();
            prop_assert_eq!(names.len(), c.areas.len());
            for a in &c.areas {
                prop_assert_eq!(a.ring.first(), a.ring.last());
                prop_assert!(a.code.starts_with('X') && a.code.len() == 9);
                prop_assert!(a.population > 0);
            }
            for row in &c.values {
                for v in row.iter().flatten() {
                    prop_assert!(v.is_finite());
                }
            }
        }
    }
}
