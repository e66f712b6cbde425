//! Reading IoD2019 File 2 (32,844 LSOAs x 20 columns, 3.6 MB): the study's seven domain
//! ranks through `load_study_data` (parse, join, filters, SHA-256), and every column as
//! text through `read_table`; then writing a scores-like table of the same size as CSV.

use criterion::{Criterion, criterion_group, criterion_main};
use oa_io::{load_study_data, read_table};
use oa_model::Study;
use oa_testkit::{repo_path, shared_data, shared_data_dir};
use std::hint::black_box;

fn bench_read(c: &mut Criterion) {
    let text = std::fs::read_to_string(repo_path("studies/imd2019.toml")).unwrap();
    let study = Study::from_toml_str(&text, "studies/imd2019.toml").unwrap();
    let data_dir = shared_data_dir();
    let mut group = c.benchmark_group("read");
    group.sample_size(30);
    group.bench_function("load_study_data imd2019 (File 2, 7 columns)", |b| {
        b.iter(|| {
            let data = load_study_data(black_box(&study), &data_dir).unwrap();
            assert_eq!(data.len(), 32_844);
            data
        })
    });
    let path = shared_data("imd2019/File_2_-_IoD2019_Domains_of_Deprivation.csv");
    let source = study.sources[0].clone();
    group.bench_function("read_table File 2 (all 20 columns as text)", |b| {
        b.iter(|| read_table(black_box(&path), &source).unwrap())
    });
    group.finish();

    // A scores-like table of the same size: codes, names, 8 float and 2 integer columns.
    let data = load_study_data(&study, &data_dir).unwrap();
    let table = scores_like(&data);
    let mut group = c.benchmark_group("write");
    group.sample_size(30);
    group.bench_function("write_csv 32,844 x 12 (to memory)", |b| {
        b.iter(|| {
            let mut out = Vec::with_capacity(4 << 20);
            table.write_csv_to(&mut out).unwrap();
            out
        })
    });
    group.finish();
}

/// Codes, names, the seven domain ranks scaled to (0, 1] plus their mean, a rank and a
/// decile: the shape of a `scores.csv`.
pub fn scores_like(data: &oa_io::StudyData) -> oa_io::Table<'_> {
    let n = data.len();
    let mut t = oa_io::Table::new();
    t.push_text_borrowed("area_code", &data.area_codes)
        .push_text_borrowed("area_name", &data.area_names);
    let mut mean = vec![0.0; n];
    for (id, column) in data.indicator_ids.iter().zip(&data.columns) {
        let scaled: Vec<f64> = column.iter().map(|v| v / n as f64).collect();
        for (m, v) in mean.iter_mut().zip(&scaled) {
            *m += v / data.columns.len() as f64;
        }
        t.push_float(format!("score_{id}"), scaled);
    }
    t.push_float("score", mean)
        .push_int("rank", (1..=n as i64).collect())
        .push_int(
            "quantile",
            (0..n as i64).map(|i| i * 10 / n as i64 + 1).collect(),
        );
    t
}

criterion_group!(benches, bench_read);
criterion_main!(benches);
