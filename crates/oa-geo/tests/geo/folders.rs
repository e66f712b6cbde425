//! A folder of boundary files read as one layer (the 32,844 LSOAs of 2011, one TopoJSON
//! file per district), districts alone, and the neighbourhood map: one path per class,
//! colours by meaning, titles that wrap.

use oa_geo::{
    Classes, Column, LoadOptions, MapOptions, Style, Tone, choropleth, choropleth_styled,
    load_boundaries,
};
use oa_testkit::shared_data;
use std::collections::HashSet;

const LSOA: &str = "geo/martinjc-uk-geojson/lsoa_by_lad";

fn lsoas(within: &[&str]) -> oa_geo::Layer {
    let options = LoadOptions {
        within: within.iter().map(|s| s.to_string()).collect(),
        ..LoadOptions::default()
    };
    load_boundaries(&shared_data(LSOA), &options).unwrap()
}

/// The lookup's LSOA codes (ONS, LSOA 2011 to LAD 2019).
fn lookup_codes() -> Vec<String> {
    let text =
        std::fs::read_to_string(shared_data("lookups/ons-lookups/lsoa11_lad19_imd19.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            l.split(',')
                .next()
                .unwrap()
                .trim_start_matches('\u{feff}')
                .to_string()
        })
        .collect()
}

#[test]
fn every_lsoa_of_the_folder_is_one_layer() {
    let layer = lsoas(&[]);
    assert_eq!(layer.features.len(), 32_844);
    assert_eq!(layer.code_property, "LSOA11CD");
    assert_eq!(layer.name, "lsoa_by_lad");
    let codes: HashSet<&str> = layer.features.iter().map(|f| f.code.as_str()).collect();
    assert_eq!(codes.len(), 32_844, "no area twice");
    let lookup = lookup_codes();
    assert_eq!(lookup.len(), 32_844);
    assert!(lookup.iter().all(|c| codes.contains(c.as_str())));
    // Each file's own quantisation is decoded: Blackpool's LSOAs lie around Blackpool
    // (British National Grid, metres).
    let blackpool = lsoas(&["E06000009"]);
    assert_eq!(blackpool.features.len(), 94);
    let b = blackpool.bounds();
    assert!((329_000.0..336_000.0).contains(&b[0]), "{b:?}");
    assert!((426_000.0..444_000.0).contains(&b[3]), "{b:?}");
    assert!(blackpool.features.iter().all(|f| {
        f.name
            .as_deref()
            .is_some_and(|n| n.starts_with("Blackpool"))
    }));
    // Several districts, in any case.
    assert_eq!(lsoas(&["e06000009", "E06000008"]).features.len(), 94 + 91);
}

#[test]
fn folders_that_do_not_fit_are_errors() {
    let e = load_boundaries(
        &shared_data(LSOA),
        &LoadOptions {
            within: vec!["E06000058".into()],
            ..LoadOptions::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("no boundary file is named for `E06000058`") && e.contains("oa geo history"),
        "{e}"
    );
    let e = load_boundaries(
        &shared_data("geo/onsvisual-uk-topojson/ltla16-bsc.json"),
        &LoadOptions {
            within: vec!["E06000009".into()],
            ..LoadOptions::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("needs a folder"), "{e}");

    let tmp = tempfile::tempdir().unwrap();
    let square = |code: &str, key: &str, x: f64| {
        format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"{key}":"{code}"}},"geometry":{{"type":"Polygon","coordinates":[[[{x},300000],[{},300000],[{},301000],[{x},301000],[{x},300000]]]}}}}]}}"#,
            x + 1000.0,
            x + 1000.0
        )
    };
    std::fs::write(
        tmp.path().join("a.geojson"),
        square("E01000001", "code", 400_000.0),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("b.geojson"),
        square("E01000001", "code", 401_000.0),
    )
    .unwrap();
    std::fs::write(tmp.path().join("notes.txt"), "not a boundary file").unwrap();
    let e = load_boundaries(tmp.path(), &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("E01000001") && e.contains("a.geojson") && e.contains("b.geojson"),
        "{e}"
    );
    std::fs::write(
        tmp.path().join("b.geojson"),
        square("E01000002", "LSOA11CD", 401_000.0),
    )
    .unwrap();
    // Files whose codes are in properties of different names.
    let e = load_boundaries(tmp.path(), &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`LSOA11CD`") && e.contains("`code`") && e.contains("code_property"),
        "{e}"
    );
    std::fs::write(
        tmp.path().join("b.geojson"),
        square("E01000002", "code", 401_000.0),
    )
    .unwrap();
    let two = load_boundaries(tmp.path(), &LoadOptions::default()).unwrap();
    assert_eq!(two.features.len(), 2);
    let empty = tempfile::tempdir().unwrap();
    let e = load_boundaries(empty.path(), &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("no boundary files"), "{e}");
}

#[test]
fn a_neighbourhood_map_groups_paths_by_class_and_draws_every_area() {
    let layer = lsoas(&[]);
    let codes: Vec<String> = layer.features.iter().map(|f| f.code.clone()).collect();
    let column = Column {
        name: "score".into(),
        names: vec![None; codes.len()],
        cells: (0..codes.len()).map(|i| format!("{}", i % 97)).collect(),
        codes,
    };
    let options = MapOptions {
        title: "Index of Multiple Deprivation 2019 by neighbourhood (lower-layer super output area, 2011 boundaries)".into(),
        subtitle: Some("32844 areas".into()),
        highlight: layer.features.iter().take(3).map(|f| f.code.clone()).collect(),
        highlight_label: Some("first three".into()),
        london_inset: true,
    };
    let r = choropleth(&layer, &column, &Classes::Quantiles(5), &options).unwrap();
    assert!(r.missing_from_map.is_empty() && r.missing_from_data.is_empty());
    // Five classes of ordinary areas, and the highlighted areas' class(es), outlined.
    let paths = r.svg.matches("<path ").count();
    assert!((6..=10).contains(&paths), "{paths} paths");
    assert!(
        r.svg
            .contains(r#"transform="scale(0.1)" fill-rule="evenodd""#)
    );
    assert!(r.svg.len() < 9_000_000, "{} bytes", r.svg.len());
    // Every area's rings are there: one `z` per ring drawn.
    let rings: usize = layer
        .features
        .iter()
        .flat_map(|f| &f.polygons)
        .map(|p| p.rings.len())
        .sum();
    let drawn = r.svg.matches('z').count();
    assert!(
        drawn as f64 > 0.97 * rings as f64,
        "{drawn} of {rings} rings"
    );
    // The long title wraps onto a second line rather than running off the page.
    assert!(
        r.svg
            .contains(">Index of Multiple Deprivation 2019 by neighbourhood")
    );
    assert!(r.svg.matches("font-weight=\"bold\">").count() >= 3);

    // Per-area paths when asked (and below the threshold).
    let few = lsoas(&["E06000009"]);
    let r = choropleth(
        &few,
        &column,
        &Classes::Quantiles(5),
        &MapOptions::default(),
    )
    .unwrap();
    assert_eq!(r.svg.matches("<path ").count(), 94);
}

#[test]
fn categories_with_a_meaning_take_its_colour() {
    let mut layer = load_boundaries(
        &shared_data("geo/onsvisual-uk-topojson/ltla16-bsc.json"),
        &LoadOptions::default(),
    )
    .unwrap();
    layer.retain_prefixes(&["E06", "E07", "E08", "E09"]);
    let codes: Vec<String> = layer.features.iter().map(|f| f.code.clone()).collect();
    // Names that sort the other way round from their meaning.
    let labels = ["best fifth", "worst fifth", "middling", ""];
    let column = Column {
        name: "band".into(),
        names: vec![None; codes.len()],
        cells: (0..codes.len())
            .map(|i| labels[i % 4].to_string())
            .collect(),
        codes,
    };
    let style = Style {
        tones: vec![
            ("worst fifth".into(), Tone::Worst),
            ("best fifth".into(), Tone::Best),
        ],
        group_paths: None,
        ..Style::default()
    };
    let r = choropleth_styled(
        &layer,
        &column,
        &Classes::Bands,
        &MapOptions::default(),
        &style,
    )
    .unwrap();
    let legend = |label: &str| -> String {
        let at = r.svg.find(&format!(">{label} (")).unwrap();
        let fill = r.svg[..at].rfind("fill=\"").unwrap();
        r.svg[fill + 6..fill + 13].to_string()
    };
    assert_eq!(legend("worst fifth"), Tone::Worst.colour());
    assert_eq!(legend("best fifth"), Tone::Best.colour());
    // The other category takes neither a red nor a blue.
    let middling = legend("middling");
    assert!(
        !["#D55E00", "#0072B2", "#56B4E9", "#b2182b", "#2166ac"].contains(&middling.as_str()),
        "{middling}"
    );
    // Without a style, the categories keep the earlier colours (the dashboard's maps).
    let plain = choropleth(&layer, &column, &Classes::Bands, &MapOptions::default()).unwrap();
    assert!(plain.svg.contains("#D55E00"));
}
