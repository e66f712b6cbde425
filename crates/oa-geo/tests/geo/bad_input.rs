//! Bad boundary files: each error names the file and the feature or key, and says what to do.

use oa_geo::{GeoError, LoadOptions, parse_boundaries};

fn parse(text: &str, options: &LoadOptions) -> Result<oa_geo::Layer, GeoError> {
    parse_boundaries(text, "bad.json", "bad", options)
}

fn err(text: &str) -> String {
    parse(text, &LoadOptions::default())
        .unwrap_err()
        .to_string()
}

const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[0,51],[1,51],[1,52],[0,52],[0,51]]]}"#;

#[test]
fn missing_code_property_lists_the_properties_present() {
    let text = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"Newname":"Somewhere","pop":3}},"geometry":{SQUARE}}}]}}"#
    );
    let e = err(&text);
    assert!(e.starts_with("bad.json: feature #1"), "{e}");
    assert!(
        e.contains("no code property `areacd`") && e.contains("properties present: Newname, pop"),
        "{e}"
    );
    assert!(e.contains("code_property"), "says how to fix it: {e}");
    // Named explicitly, it loads.
    let options = LoadOptions {
        code_property: Some("Newname".into()),
        ..LoadOptions::default()
    };
    assert_eq!(
        parse(&text, &options).unwrap().features[0].code,
        "Somewhere"
    );
    // A named property that is absent is also reported.
    let options = LoadOptions {
        code_property: Some("LAD21CD".into()),
        ..LoadOptions::default()
    };
    let e = parse(&text, &options).unwrap_err().to_string();
    assert!(e.contains("`LAD21CD`"), "{e}");
}

#[test]
fn empty_and_invalid_geometry_name_the_feature() {
    let null = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"areacd":"E1"},"geometry":null}]}"#;
    let e = err(null);
    assert!(
        e.contains("feature #1 (E1)") && e.contains("empty geometry"),
        "{e}"
    );
    let collapsed = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"areacd":"E2"},"geometry":{"type":"Polygon","coordinates":[[[0,51],[0,51],[1,51],[0,51]]]}}]}"#;
    assert!(
        err(collapsed).contains("(E2): empty geometry"),
        "{}",
        err(collapsed)
    );
    let point = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"areacd":"E3"},"geometry":{"type":"Point","coordinates":[0,51]}}]}"#;
    assert!(
        err(point).contains("(E3): a Point is not an area"),
        "{}",
        err(point)
    );
    let text_coord = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"areacd":"E4"},"geometry":{"type":"Polygon","coordinates":[[["a",51],[1,51],[1,52]]]}}]}"#;
    assert!(
        err(text_coord).contains("(E4): invalid position"),
        "{}",
        err(text_coord)
    );
    let topo_null = r#"{"type":"Topology","arcs":[],"objects":{"x":{"type":"GeometryCollection","geometries":[{"type":null,"properties":{"areacd":"E5"}}]}}}"#;
    assert!(
        err(topo_null).contains("(E5): empty geometry"),
        "{}",
        err(topo_null)
    );
    let topo_arc = r#"{"type":"Topology","arcs":[[[0,51],[1,51],[1,52],[0,51]]],"objects":{"x":{"type":"GeometryCollection","geometries":[{"type":"Polygon","arcs":[[3]],"properties":{"areacd":"E6"}}]}}}"#;
    assert!(
        err(topo_arc).contains("(E6): arc index 3 out of range"),
        "{}",
        err(topo_arc)
    );
}

#[test]
fn unknown_projections_are_refused() {
    let mercator = format!(
        r#"{{"type":"FeatureCollection","crs":{{"type":"name","properties":{{"name":"EPSG:3857"}}}},"features":[{{"type":"Feature","properties":{{"areacd":"E1"}},"geometry":{SQUARE}}}]}}"#
    );
    let e = err(&mercator);
    assert!(
        e.contains("unrecognised coordinate reference system `EPSG:3857`")
            && e.contains("EPSG:27700"),
        "{e}"
    );
    let huge = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"areacd":"E1"},"geometry":{"type":"Polygon","coordinates":[[[-2e7,-2e7],[2e7,-2e7],[2e7,2e7]]]}}]}"#;
    assert!(
        err(huge).contains("no `crs` member; coordinates span"),
        "{}",
        err(huge)
    );
}

#[test]
fn not_boundaries_at_all() {
    assert!(err("{").starts_with("bad.json: not valid JSON"));
    assert!(err(r#"{"type":"Feature"}"#).contains("a `Feature` is not a boundary layer"));
    assert!(err(r#"[1,2]"#).contains("no `type` member"));
    let two = r#"{"type":"Topology","arcs":[],"objects":{"a":{"type":"GeometryCollection","geometries":[]},"b":{"type":"GeometryCollection","geometries":[]}}}"#;
    let e = err(two);
    assert!(e.contains("layers present: a, b"), "{e}");
    let empty = r#"{"type":"FeatureCollection","features":[]}"#;
    assert!(err(empty).contains("no features"));
}

#[test]
fn holes_are_kept_and_british_national_grid_is_detected_by_range() {
    let text = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"LAD21CD":"E1"},"geometry":{"type":"Polygon","coordinates":[[[400000,300000],[410000,300000],[410000,310000],[400000,310000],[400000,300000]],[[402000,302000],[404000,302000],[404000,304000],[402000,302000]]]}}]}"#;
    let l = parse(text, &LoadOptions::default()).unwrap();
    assert_eq!(l.source_crs, oa_geo::SourceCrs::BritishNationalGrid);
    assert_eq!(l.features[0].polygons[0].rings.len(), 2);
    assert_eq!(l.features[0].polygons[0].rings[0][1], [410000.0, 300000.0]);
}
