//! Loading every boundary file of the shared data (target: under 1 s in total) and
//! rendering the 326-district map (target: under 200 ms).

use criterion::{Criterion, criterion_group, criterion_main};
use oa_geo::{Classes, Column, LoadOptions, MapOptions, choropleth, load_boundaries};
use oa_testkit::shared_data;
use std::hint::black_box;

/// Every file in `geo/`, with the options it needs.
fn files() -> Vec<(&'static str, LoadOptions)> {
    let layer = |l: &str| LoadOptions {
        layer: Some(l.into()),
        ..LoadOptions::default()
    };
    vec![
        (
            "geo/onsvisual-uk-topojson/ltla16-bsc.json",
            LoadOptions::default(),
        ),
        ("geo/onsvisual-uk-topojson/topo.json", layer("ltla")),
        (
            "geo/martinjc-uk-geojson/eng/topo_lad.json",
            LoadOptions::default(),
        ),
        (
            "geo/smc-son/Local_Authority_Districts_(May_2021)_UK_BUC.json",
            LoadOptions::default(),
        ),
        (
            "geo/smc-son/Local_Authority_Districts_(May_2021)_UK_BUC.geojson",
            LoadOptions::default(),
        ),
        (
            "geo/smc-son/Counties_and_Unitary_Authorities_(December_2022)_UK_BUC.json",
            LoadOptions::default(),
        ),
        (
            "geo/smc-son/2025-UK205regions.json",
            LoadOptions {
                code_property: Some("Newname".into()),
                ..LoadOptions::default()
            },
        ),
        (
            "geo/open-innovations-housing/Local_Authority_Districts_May_2024_Boundaries_UK_BGC_Simplified.json",
            LoadOptions::default(),
        ),
        (
            "geo/open-innovations-housing/uk-local-authority-districts-2023.hexjson",
            LoadOptions::default(),
        ),
    ]
}

fn bench(c: &mut Criterion) {
    let files: Vec<_> = files()
        .into_iter()
        .map(|(p, o)| (shared_data(p), o))
        .collect();
    c.bench_function("load every boundary file in geo/ (9 files)", |b| {
        b.iter(|| {
            for (path, options) in &files {
                black_box(load_boundaries(path, options).unwrap());
            }
        })
    });

    let mut layer = load_boundaries(&files[0].0, &LoadOptions::default()).unwrap();
    layer.retain_prefixes(&["E06", "E07", "E08", "E09"]);
    let codes: Vec<String> = layer.features.iter().map(|f| f.code.clone()).collect();
    let column = Column {
        name: "score".into(),
        names: codes.iter().map(|_| None).collect(),
        cells: (0..codes.len())
            .map(|i| format!("{}", (i * 37) % 101))
            .collect(),
        codes: codes.clone(),
    };
    let options = MapOptions {
        title: "Benchmark".into(),
        highlight: codes.iter().step_by(5).cloned().collect(),
        highlight_label: Some("every fifth".into()),
        london_inset: true,
        ..MapOptions::default()
    };
    c.bench_function("render the 326-district map (SVG, jenks:5)", |b| {
        b.iter(|| black_box(choropleth(&layer, &column, &Classes::Jenks(5), &options).unwrap()))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
