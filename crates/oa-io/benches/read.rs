//! Reading IoD2019 File 2 (32,844 LSOAs x 20 columns, 3.6 MB): the study's seven domain
//! ranks through `load_study_data` (parse, join, filters, SHA-256), and every column as
//! text through `read_table`.

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
}

criterion_group!(benches, bench_read);
criterion_main!(benches);
