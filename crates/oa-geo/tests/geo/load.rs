//! Every boundary file in the shared data loads, with the expected number of areas.

use oa_geo::{LoadOptions, SourceCrs, load_boundaries};
use oa_testkit::shared_data;

fn english(layer: &oa_geo::Layer) -> usize {
    layer
        .features
        .iter()
        .filter(|f| {
            ["E06", "E07", "E08", "E09"]
                .iter()
                .any(|p| f.code.starts_with(p))
        })
        .count()
}

fn load(rel: &str, options: LoadOptions) -> oa_geo::Layer {
    load_boundaries(&shared_data(rel), &options).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn ons_lad16_geojson() {
    let l = load(
        "geo/onsvisual-uk-topojson/ltla16-bsc.json",
        LoadOptions::default(),
    );
    assert_eq!(l.source_crs, SourceCrs::Wgs84);
    assert_eq!(l.code_property, "areacd");
    assert_eq!(l.features.len(), 391);
    assert_eq!(english(&l), 326);
    let shepway = &l.features[l.position("E07000112").unwrap()];
    assert_eq!(shepway.name.as_deref(), Some("Shepway"));
}

#[test]
fn ons_topojson_by_year() {
    let path = "geo/onsvisual-uk-topojson/topo.json";
    let opts = |year| LoadOptions {
        layer: Some("ltla".into()),
        year: Some(year),
        ..LoadOptions::default()
    };
    for (year, n) in [
        (2016, 326),
        (2019, 317),
        (2021, 309),
        (2023, 296),
        (2024, 296),
    ] {
        assert_eq!(
            english(&load(path, opts(year))),
            n,
            "English LTLAs in {year}"
        );
    }
    let all = load(
        path,
        LoadOptions {
            layer: Some("ltla".into()),
            ..LoadOptions::default()
        },
    );
    assert_eq!(all.features.len(), 407);
    for layer in ["uk", "ctry", "rgn", "cty", "mcty", "cauth", "utla"] {
        let l = load(
            path,
            LoadOptions {
                layer: Some(layer.into()),
                ..LoadOptions::default()
            },
        );
        assert!(!l.features.is_empty(), "{layer}");
    }
}

#[test]
fn martinjc_lad13_topojson() {
    let l = load(
        "geo/martinjc-uk-geojson/eng/topo_lad.json",
        LoadOptions::default(),
    );
    assert_eq!(l.code_property, "LAD13CD");
    assert_eq!(l.features.len(), 326);
    assert_eq!(l.features[0].name.as_deref(), Some("Hartlepool"));
}

#[test]
fn smc_topojson_files() {
    let lad21 = load(
        "geo/smc-son/Local_Authority_Districts_(May_2021)_UK_BUC.json",
        LoadOptions::default(),
    );
    assert_eq!(lad21.code_property, "LAD21CD");
    assert_eq!((lad21.features.len(), english(&lad21)), (374, 309));
    let ctyua = load(
        "geo/smc-son/Counties_and_Unitary_Authorities_(December_2022)_UK_BUC.json",
        LoadOptions::default(),
    );
    assert_eq!(ctyua.code_property, "CTYUA22CD");
    assert_eq!(ctyua.features.len(), 217);
    let regions = load(
        "geo/smc-son/2025-UK205regions.json",
        LoadOptions {
            code_property: Some("Newname".into()),
            ..LoadOptions::default()
        },
    );
    assert_eq!(regions.features.len(), 205);
    assert!(regions.position("Aberdeen City").is_some());
}

/// The BNG GeoJSON and the WGS84 TopoJSON of the same LAD 2021 boundaries land on the same
/// plane: Hartlepool's bounding boxes agree within the generalisation (a few hundred metres).
#[test]
fn bng_geojson_matches_its_wgs84_twin() {
    let bng = load(
        "geo/smc-son/Local_Authority_Districts_(May_2021)_UK_BUC.geojson",
        LoadOptions::default(),
    );
    assert_eq!(bng.source_crs, SourceCrs::BritishNationalGrid);
    assert_eq!((bng.features.len(), english(&bng)), (374, 309));
    let wgs = load(
        "geo/smc-son/Local_Authority_Districts_(May_2021)_UK_BUC.json",
        LoadOptions::default(),
    );
    for code in ["E06000001", "E09000033", "E06000053"] {
        let a = bng.features[bng.position(code).unwrap()].bounds();
        let b = wgs.features[wgs.position(code).unwrap()].bounds();
        for k in 0..4 {
            assert!(
                (a[k] - b[k]).abs() < 500.0,
                "{code} bound {k}: {} vs {}",
                a[k],
                b[k]
            );
        }
    }
}

#[test]
fn open_innovations_lad24_and_hexes() {
    let l = load(
        "geo/open-innovations-housing/Local_Authority_Districts_May_2024_Boundaries_UK_BGC_Simplified.json",
        LoadOptions::default(),
    );
    assert_eq!(l.code_property, "LAD24CD");
    assert_eq!((l.features.len(), english(&l)), (361, 296));
    let hex = load(
        "geo/open-innovations-housing/uk-local-authority-districts-2023.hexjson",
        LoadOptions::default(),
    );
    assert_eq!(hex.source_crs, SourceCrs::HexGrid);
    assert_eq!(hex.features.len(), 361);
    let h = &hex.features[hex.position("E06000001").unwrap()];
    assert_eq!(h.name.as_deref(), Some("Hartlepool"));
    assert_eq!(h.polygons[0].rings[0].len(), 6);
}
