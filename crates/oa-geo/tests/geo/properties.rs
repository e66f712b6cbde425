//! Property tests: projection round trips, TopoJSON decoding against GeoJSON, and
//! contiguity invariants on random grids.

use oa_geo::crs::{bng_to_wgs84, grid_to_osgb36, osgb36_to_grid, wgs84_to_bng};
use oa_geo::{Feature, LoadOptions, Polygon, parse_boundaries, queen, rook};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Grid -> OSGB36 -> grid returns within a centimetre anywhere in Great Britain (the OS
    /// series are truncated: about a millimetre near the central meridian, more at the edges).
    #[test]
    fn transverse_mercator_round_trip(e in 0.0f64..700_000.0, n in 0.0f64..1_250_000.0) {
        let (lat, lon) = grid_to_osgb36(e, n);
        let (e2, n2) = osgb36_to_grid(lat, lon);
        prop_assert!((e - e2).abs() < 1e-2 && (n - n2).abs() < 1e-2, "{e},{n} -> {e2},{n2}");
    }

    /// WGS84 -> grid -> WGS84 (two Helmert transforms) returns within a millionth of a degree.
    #[test]
    fn wgs84_round_trip(lon in -8.0f64..2.0, lat in 49.8f64..61.0) {
        let (e, n) = wgs84_to_bng(lon, lat);
        let (lon2, lat2) = bng_to_wgs84(e, n);
        prop_assert!((lon - lon2).abs() < 1e-6 && (lat - lat2).abs() < 1e-6);
    }

    /// A quantised, delta-encoded TopoJSON square decodes to the same points as its GeoJSON.
    #[test]
    fn topojson_decodes_like_geojson(x in 0i64..1000, y in 0i64..1000, w in 1i64..200, h in 1i64..200) {
        let (sx, sy, tx, ty) = (0.001, 0.0005, -5.0, 50.0);
        let topo = format!(
            r#"{{"type":"Topology","transform":{{"scale":[{sx},{sy}],"translate":[{tx},{ty}]}},
            "arcs":[[[{x},{y}],[{w},0],[0,{h}]],[[{x2},{y2}],[-{w},0],[0,-{h}]]],
            "objects":{{"o":{{"type":"GeometryCollection","geometries":[{{"type":"Polygon","arcs":[[0,1]],"properties":{{"areacd":"A"}}}}]}}}}}}"#,
            x2 = x + w, y2 = y + h
        );
        let p = |i: i64, j: i64| format!("[{},{}]", i as f64 * sx + tx, j as f64 * sy + ty);
        let geo = format!(
            r#"{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"areacd":"A"}},"geometry":{{"type":"Polygon","coordinates":[[{},{},{},{},{}]]}}}}]}}"#,
            p(x, y), p(x + w, y), p(x + w, y + h), p(x, y + h), p(x, y)
        );
        let a = parse_boundaries(&topo, "t", "t", &LoadOptions::default()).unwrap();
        let b = parse_boundaries(&geo, "g", "g", &LoadOptions::default()).unwrap();
        let (ra, rb) = (&a.features[0].polygons[0].rings[0], &b.features[0].polygons[0].rings[0]);
        prop_assert_eq!(ra.len(), 4);
        for (pa, pb) in ra.iter().zip(rb) {
            prop_assert!((pa[0] - pb[0]).abs() < 1e-6 && (pa[1] - pb[1]).abs() < 1e-6);
        }
    }

    /// On a grid of unit squares, rook neighbours are exactly the 4-neighbourhood and queen
    /// the 8-neighbourhood, whatever the order of the features.
    #[test]
    fn grid_contiguity(rows in 1usize..6, cols in 1usize..6, shift in 0usize..36) {
        let n = rows * cols;
        let order: Vec<usize> = (0..n).map(|i| (i + shift) % n).collect();
        let features: Vec<Feature> = order.iter().map(|&cell| {
            let (r, c) = ((cell / cols) as f64, (cell % cols) as f64);
            Feature {
                code: cell.to_string(), name: None, start: None, end: None,
                polygons: vec![Polygon { rings: vec![vec![[c, r], [c + 1.0, r], [c + 1.0, r + 1.0], [c, r + 1.0]]] }],
            }
        }).collect();
        let (wq, wr) = (queen(&features), rook(&features));
        for (i, &a) in order.iter().enumerate() {
            for (j, &b) in order.iter().enumerate() {
                let (dr, dc) = ((a / cols).abs_diff(b / cols), (a % cols).abs_diff(b % cols));
                let q = i != j && dr <= 1 && dc <= 1;
                let r = dr + dc == 1;
                prop_assert_eq!(wq[i].contains(&j), q);
                prop_assert_eq!(wr[i].contains(&j), r);
            }
        }
    }
}

const SMALL_TOPOLOGY: &str = r#"{"type":"Topology","transform":{"scale":[0.001,0.001],"translate":[-2,52]},"arcs":[[[0,0],[100,0],[0,100]],[[100,100],[-100,0],[0,-100]]],"objects":{"o":{"type":"GeometryCollection","geometries":[{"type":"MultiPolygon","arcs":[[[0,1]]],"properties":{"areacd":"A","start":2019}}]}}}"#;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// A corrupted boundary file gives an error or a layer, never a panic.
    #[test]
    fn corrupted_files_never_panic(at in 0usize..SMALL_TOPOLOGY.len(), with in prop::sample::select(vec!["", "-", "9", "[", "]", "{", "\"", ",", "null", "-1", "1e308"])) {
        let mut text = SMALL_TOPOLOGY.to_string();
        text.replace_range(at..at + 1, with);
        let _ = parse_boundaries(&text, "c.json", "c", &LoadOptions::default());
        let _ = parse_boundaries(&text, "c.json", "c", &LoadOptions { year: Some(2018), ..LoadOptions::default() });
    }
}
