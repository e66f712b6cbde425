//! Choropleth rendering on the real district boundaries.

use oa_geo::{
    ATTRIBUTION, Classes, Column, LoadOptions, MapOptions, choropleth, load_boundaries, svg_to_png,
};
use oa_testkit::shared_data;

fn lad16() -> oa_geo::Layer {
    let mut l = load_boundaries(
        &shared_data("geo/onsvisual-uk-topojson/ltla16-bsc.json"),
        &LoadOptions::default(),
    )
    .unwrap();
    l.retain_prefixes(&["E06", "E07", "E08", "E09"]);
    l
}

/// A column for every district but the last, plus one code that is not on the map.
fn column(layer: &oa_geo::Layer, numeric: bool) -> Column {
    let mut codes: Vec<String> = layer.features.iter().map(|f| f.code.clone()).collect();
    codes.pop();
    codes.push("E99999999".into());
    let cells = (0..codes.len())
        .map(|i| {
            if numeric {
                format!("{}", i % 50)
            } else {
                ["coldspot", "middle", "top"][i % 3].into()
            }
        })
        .collect();
    Column {
        name: "score".into(),
        names: codes.iter().map(|_| None).collect(),
        codes,
        cells,
    }
}

#[test]
fn district_map_has_one_path_per_area_legend_inset_and_attribution() {
    let layer = lad16();
    let col = column(&layer, true);
    let highlight = vec!["E07000191".to_string(), "E09000030".to_string()];
    let options = MapOptions {
        title: "Test & map".into(),
        subtitle: None,
        highlight: highlight.clone(),
        highlight_label: Some("band = coldspot".into()),
        london_inset: true,
    };
    let r = choropleth(&layer, &col, &Classes::Quantiles(5), &options).unwrap();
    // 326 areas on the main map and 33 London boroughs again in the inset.
    assert_eq!(r.svg.matches("<path ").count(), 326 + 33);
    assert!(r.svg.contains(&ATTRIBUTION.replace('&', "&amp;")));
    assert!(r.svg.contains("Test &amp; map"));
    assert!(r.svg.contains(">London</text>"));
    assert!(
        r.svg.contains("West Somerset"),
        "highlighted areas are labelled by name"
    );
    assert_eq!(
        r.svg.matches("width=\"22\" height=\"16\"").count(),
        5 + 1 + 1,
        "5 classes, no data, highlight"
    );
    assert_eq!(r.missing_from_map, ["E99999999"]);
    assert_eq!(r.missing_from_data.len(), 1);
    assert!(r.svg.len() < 1_000_000, "compact: {} bytes", r.svg.len());
    if let Ok(dir) = std::env::var("OA_MAP_SAMPLE_DIR") {
        std::fs::write(format!("{dir}/lad16.svg"), &r.svg).unwrap();
    }
    let png = svg_to_png(&r.svg).unwrap();
    if let Ok(dir) = std::env::var("OA_MAP_SAMPLE_DIR") {
        std::fs::write(format!("{dir}/lad16.png"), &png).unwrap();
    }
    assert_eq!(&png[1..4], b"PNG");
}

#[test]
fn bands_are_categorical_and_all_classes_parse() {
    let layer = lad16();
    let col = column(&layer, false);
    let r = choropleth(&layer, &col, &Classes::Bands, &MapOptions::default()).unwrap();
    for colour in ["#D55E00", "#0072B2", "#E69F00"] {
        assert!(r.svg.contains(colour), "{colour}");
    }
    assert!(r.svg.contains("coldspot (109)"));
    let numeric = column(&layer, true);
    for spec in [
        "quantiles:4",
        "jenks:5",
        "equal:3",
        "headtail",
        "breaks:10,20,30",
    ] {
        let classes: Classes = spec.parse().unwrap();
        choropleth(&layer, &numeric, &classes, &MapOptions::default())
            .unwrap_or_else(|e| panic!("{spec}: {e}"));
    }
    assert!("jenks:12".parse::<Classes>().is_err());
    assert!(
        "natural"
            .parse::<Classes>()
            .unwrap_err()
            .contains("quantiles:K")
    );
}

/// Areas that are not ONS areas (the demo's invented country) carry no Crown copyright line.
#[test]
fn maps_of_other_areas_carry_no_ons_attribution() {
    let mut layer = lad16();
    for f in &mut layer.features {
        f.code.replace_range(..1, "X");
    }
    let mut col = column(&layer, true);
    col.codes.pop();
    col.names.pop();
    col.cells.pop();
    let r = choropleth(&layer, &col, &Classes::Quantiles(5), &MapOptions::default()).unwrap();
    assert_eq!(r.svg.matches("<path ").count(), layer.features.len());
    assert!(!r.svg.contains("Crown copyright"));
    assert!(r.svg.ends_with("</svg>"));
}

#[test]
fn codes_unlike_the_boundaries_are_an_error() {
    let layer = lad16();
    let col = Column {
        name: "x".into(),
        codes: vec!["E01000001".into()],
        names: vec![None],
        cells: vec!["1".into()],
    };
    let err = choropleth(&layer, &col, &Classes::Quantiles(5), &MapOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains("no area of the boundaries"),
        "{err}"
    );
}

/// The HexJSON cartogram draws one hexagon per area and needs no London inset.
#[test]
fn hex_layout_map() {
    let mut hex = load_boundaries(
        &shared_data("geo/open-innovations-housing/uk-local-authority-districts-2023.hexjson"),
        &LoadOptions::default(),
    )
    .unwrap();
    hex.retain_prefixes(&["E06", "E07", "E08", "E09"]);
    assert_eq!(hex.features.len(), 296);
    let col = column(&hex, true);
    let options = MapOptions {
        london_inset: true,
        ..MapOptions::default()
    };
    let r = choropleth(&hex, &col, &Classes::Equal(4), &options).unwrap();
    assert_eq!(r.svg.matches("<path ").count(), 296);
    assert!(!r.svg.contains(">London</text>"));
}

/// Mapping 2016 codes on the 2019 districts is an error that names the codes and their
/// years; mixing 2016 and 2023 codes is reported as mixed vintages.
#[test]
fn data_of_another_vintage_is_an_error() {
    let options = LoadOptions {
        layer: Some("ltla".into()),
        year: Some(2019),
        ..LoadOptions::default()
    };
    let topo = shared_data("geo/onsvisual-uk-topojson/topo.json");
    let lad19 = load_boundaries(&topo, &options).unwrap();
    assert!(lad19.other_years.iter().any(|a| a.code == "E07000191"));
    let col = column(&lad16(), true);
    let err = choropleth(&lad19, &col, &Classes::Quantiles(5), &MapOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("E06000028 (until 2018)")
            && err.contains("14 of 325 codes are not valid in 2019"),
        "{err}"
    );
    assert!(
        err.contains("valid until 2018"),
        "suggests the vintage: {err}"
    );
    let mixed = Column {
        name: "x".into(),
        codes: vec!["E07000191".into(), "E06000066".into()],
        names: vec![None, None],
        cells: vec!["1".into(), "2".into()],
    };
    let err = choropleth(
        &lad19,
        &mixed,
        &Classes::Quantiles(2),
        &MapOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("mixes two vintages"), "{err}");
}

/// Every `font-size` of an SVG.
fn font_sizes(svg: &str) -> Vec<f64> {
    svg.split("font-size=\"")
        .skip(1)
        .map(|rest| rest[..rest.find('"').unwrap()].parse::<f64>().unwrap())
        .collect()
}

/// A page that shows the map at its drawn size asks for 14 px text and markers on small
/// districts: no text is smaller, long legend labels and the attribution wrap inside the
/// 900 pixels, small districts (Blackpool, Hastings) get a circle with their tooltip, and
/// the legend is given back for the page's HTML.
#[test]
fn legible_maps_have_14px_text_and_mark_small_districts() {
    let layer = lad16();
    let col = column(&layer, false);
    let options = MapOptions {
        title: "Legible".into(),
        subtitle: Some("A subtitle".into()),
        highlight: vec!["E06000009".into(), "E07000062".into()],
        highlight_label: Some("opportunity area (selected), a long legend label".into()),
        london_inset: true,
    };
    let style = oa_geo::Style {
        min_text: Some(14.0),
        mark_small: Some(8.0),
        ..oa_geo::Style::default()
    };
    let r = oa_geo::choropleth_styled(&layer, &col, &Classes::Bands, &options, &style).unwrap();
    let sizes = font_sizes(&r.svg);
    assert!(!sizes.is_empty());
    assert!(sizes.iter().all(|s| *s >= 14.0), "{sizes:?}");
    // Blackpool and Hastings are a few pixels across: marked, with their codes as titles
    // (the dashboard turns them into names and values). London is left to the inset.
    for code in ["E06000009", "E07000062"] {
        assert!(r.marked.iter().any(|m| m == code), "{code} not marked");
        assert!(
            r.svg.contains(&format!("><title>{code}</title></circle>")),
            "{code}"
        );
    }
    assert!(r.marked.iter().all(|m| !m.starts_with("E09")));
    // Large districts are not marked, and the small ones are a few dozen.
    assert!(
        !r.marked.iter().any(|m| m == "E06000052"),
        "Cornwall marked"
    );
    assert!(
        (20..=60).contains(&r.marked.len()),
        "{} marked",
        r.marked.len()
    );
    assert_eq!(
        r.svg.matches("</circle>").count(),
        r.marked.len(),
        "one circle per marked district"
    );
    // The legend: three categories, no data, the highlight, the circles.
    let labels: Vec<&str> = r.legend.iter().map(|e| e.label.as_str()).collect();
    assert!(labels[0].starts_with("coldspot ("), "{labels:?}");
    assert!(
        r.legend
            .iter()
            .any(|e| e.outline && e.label.contains("(2)"))
    );
    assert!(r.legend.last().unwrap().marker);
    assert!(
        labels
            .last()
            .unwrap()
            .contains(&format!("({})", r.marked.len()))
    );
    // Nothing is written past the right edge: a left-aligned text's x plus its estimated
    // width (the labels of areas are centred on them, inside the map).
    for piece in r.svg.split("<text x=\"").skip(1) {
        let tag = &piece[..piece.find('>').unwrap()];
        let Some(size) = tag.split("font-size=\"").nth(1) else {
            continue;
        };
        let size: f64 = size[..size.find('"').unwrap()].parse().unwrap();
        let x: f64 = piece[..piece.find('"').unwrap()].parse().unwrap();
        let text = &piece[tag.len() + 1..piece.find("</text>").unwrap()];
        if tag.contains("text-anchor") {
            continue;
        }
        let width = text.chars().count() as f64 * size * 0.56;
        assert!(x + width <= 905.0, "`{text}` runs to {}", x + width);
    }
    // The attribution is all there, over lines.
    assert!(r.svg.contains("Contains OS data"));
    assert!(r.svg.contains("Open Government Licence v3.0"));
    // Rendered, the map still draws.
    assert!(!svg_to_png(&r.svg).unwrap().is_empty());
}

/// Without the new settings the map is drawn as before: no markers, 12 px legend text.
#[test]
fn default_maps_are_unchanged_by_the_legibility_settings() {
    let layer = lad16();
    let col = column(&layer, false);
    let options = MapOptions {
        title: "Default".into(),
        ..MapOptions::default()
    };
    let r = choropleth(&layer, &col, &Classes::Bands, &options).unwrap();
    assert!(r.marked.is_empty());
    assert!(!r.svg.contains("<circle"));
    assert!(r.svg.contains("font-size=\"12\""));
    assert!(r.svg.contains("font-size=\"9.5\""));
    assert_eq!(r.legend.len(), 4, "{:?}", r.legend);
}
