//! Contiguity of the 326 English districts of 2016, from both the GeoJSON (shared vertices)
//! and the TopoJSON (shared arcs) versions of the ONS boundaries.

use oa_geo::{Layer, LoadOptions, load_boundaries, queen, rook};
use oa_testkit::shared_data;

fn english(mut layer: Layer) -> Layer {
    layer.retain_prefixes(&["E06", "E07", "E08", "E09"]);
    layer
}

fn lad16_geojson() -> Layer {
    english(
        load_boundaries(
            &shared_data("geo/onsvisual-uk-topojson/ltla16-bsc.json"),
            &LoadOptions::default(),
        )
        .unwrap(),
    )
}

fn lad16_topojson() -> Layer {
    let options = LoadOptions {
        layer: Some("ltla".into()),
        year: Some(2016),
        ..LoadOptions::default()
    };
    english(
        load_boundaries(
            &shared_data("geo/onsvisual-uk-topojson/topo.json"),
            &options,
        )
        .unwrap(),
    )
}

fn are_neighbours(layer: &Layer, w: &[Vec<usize>], a: &str, b: &str) -> bool {
    let (i, j) = (layer.position(a).unwrap(), layer.position(b).unwrap());
    w[i].contains(&j)
}

fn check(layer: &Layer) {
    assert_eq!(layer.features.len(), 326);
    let q = queen(&layer.features);
    let r = rook(&layer.features);
    // Symmetric, no self-links, rook within queen.
    for (i, list) in q.iter().enumerate() {
        assert!(!list.contains(&i));
        for &j in list {
            assert!(q[j].contains(&i), "queen not symmetric at {i},{j}");
        }
        assert!(
            r[i].iter().all(|j| list.contains(j)),
            "rook not within queen at {i}"
        );
    }
    // Islands: Isles of Scilly and the Isle of Wight have no land neighbours.
    for island in ["E06000053", "E06000046"] {
        assert!(
            q[layer.position(island).unwrap()].is_empty(),
            "{island} has neighbours"
        );
    }
    // Well-known neighbours: Manchester-Salford, Leeds-Bradford, Westminster-Camden,
    // Birmingham-Solihull, West Somerset-Taunton Deane, Cornwall-Plymouth? (no: Tamar
    // separates Cornwall and Plymouth by water in BSC, so Cornwall-Torridge instead).
    for (a, b) in [
        ("E08000003", "E08000006"),
        ("E08000035", "E08000032"),
        ("E09000033", "E09000007"),
        ("E08000025", "E08000029"),
        ("E07000191", "E07000190"),
        ("E06000052", "E07000046"),
    ] {
        assert!(
            are_neighbours(layer, &r, a, b),
            "{a}-{b} should be rook neighbours"
        );
    }
    // Far apart: Westminster and Leeds.
    assert!(!are_neighbours(layer, &q, "E09000033", "E08000035"));
    // Every mainland district has a neighbour: only the two islands are isolated.
    let isolated: Vec<&str> = q
        .iter()
        .enumerate()
        .filter(|(_, l)| l.is_empty())
        .map(|(i, _)| layer.features[i].code.as_str())
        .collect();
    assert_eq!(isolated, ["E06000046", "E06000053"]);
}

#[test]
fn lad16_contiguity_from_geojson() {
    check(&lad16_geojson());
}

#[test]
fn lad16_contiguity_from_topojson() {
    check(&lad16_topojson());
}

/// Both sources give the same rook neighbour pairs, area by area.
#[test]
fn geojson_and_topojson_agree() {
    let (g, t) = (lad16_geojson(), lad16_topojson());
    let (wg, wt) = (rook(&g.features), rook(&t.features));
    let names = |l: &Layer, w: &[Vec<usize>], code: &str| {
        let mut v: Vec<String> = w[l.position(code).unwrap()]
            .iter()
            .map(|&j| l.features[j].code.clone())
            .collect();
        v.sort();
        v
    };
    let mut differing = 0;
    for f in &g.features {
        if names(&g, &wg, &f.code) != names(&t, &wt, &f.code) {
            differing += 1;
        }
    }
    assert!(
        differing <= 10,
        "{differing} districts have different neighbours"
    );
}
