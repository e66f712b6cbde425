//! Map classes on the 32,844 IMD 2019 LSOA scores: exact Fisher-Jenks (k = 5) and the
//! cheaper schemes. Peers (mapclassify, jenkspy) are timed by `benches/jenks_peers.py`.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

/// `imd_score` of every LSOA, from the shared data.
fn imd_scores() -> Vec<f64> {
    let path = oa_testkit::shared_data("imd2019/imd2019_lsoa_combined.csv");
    let mut reader = csv::Reader::from_path(&path).expect("combined IoD2019 file opens");
    let col = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "imd_score")
        .expect("imd_score column");
    let values: Vec<f64> = reader
        .records()
        .map(|r| r.unwrap()[col].parse().unwrap())
        .collect();
    assert_eq!(values.len(), 32_844);
    values
}

fn bench(c: &mut Criterion) {
    let scores = imd_scores();
    let mut g = c.benchmark_group("map_classes_imd2019_32844");
    g.bench_function("fisher_jenks_k5", |b| {
        b.iter(|| oa_spatial::fisher_jenks(black_box(&scores), 5).unwrap())
    });
    g.bench_function("fisher_jenks_k10", |b| {
        b.iter(|| oa_spatial::fisher_jenks(black_box(&scores), 10).unwrap())
    });
    g.bench_function("quantiles_k5", |b| {
        b.iter(|| oa_spatial::quantiles(black_box(&scores), 5).unwrap())
    });
    g.bench_function("head_tail", |b| {
        b.iter(|| oa_spatial::head_tail(black_box(&scores), 0.4).unwrap())
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
