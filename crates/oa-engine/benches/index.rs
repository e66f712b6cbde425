//! The whole `compute_index` on 32,844 areas x 7 indicators (the size of the IMD 2019),
//! plus the two primitives the uncertainty analysis repeats (aggregate, rank).
//!
//! `imd2019_file2`: the IMD rebuilt from the published domain ranks (File 2 from the
//! shared data: exponential transformation, weighted sum, ranks, deciles, a named band).
//! `synthetic_zscore`: a seeded synthetic matrix with 1% missing cells, mean imputation,
//! z-scores and two groups.

use criterion::{Criterion, criterion_group, criterion_main};
use oa_engine::{IndicatorMatrix, NoProgress, aggregate, compute_index, rank_min_into};
use oa_model::Study;
use oa_model::study::Aggregation;
use std::hint::black_box;

#[path = "common/imd_file2.rs"]
mod imd_file2;
use imd_file2::{DOMAINS, file2};

const N: usize = 32_844;

fn study(method: &str, grouped: bool) -> Study {
    let mut t = String::from(
        "schema = 1\n[study]\nid = \"bench\"\ntitle = \"bench\"\n[geography]\narea_type = \"lsoa\"\nvintage = 2011\n[[sources]]\nid = \"s\"\npath = \"s.csv\"\ncode_column = \"code\"\n",
    );
    for (i, (id, w)) in DOMAINS.iter().enumerate() {
        let group = if grouped {
            format!("group = \"{}\"\n", if i < 3 { "g1" } else { "g2" })
        } else {
            String::new()
        };
        t.push_str(&format!(
            "[[indicators]]\nid = \"{id}\"\ndirection = \"higher_is_better\"\nweight = {w}\n{group}"
        ));
    }
    if grouped {
        t.push_str("[[groups]]\nid = \"g1\"\n[[groups]]\nid = \"g2\"\n");
    }
    t.push_str(method);
    Study::from_toml_str(&t, "bench").expect("bench study")
}

/// xorshift64*: a fixed-seed generator so the bench needs no extra dependency.
fn synthetic() -> IndicatorMatrix {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    };
    let columns = (0..7)
        .map(|_| {
            (0..N)
                .map(|_| {
                    let u = next();
                    if u < 0.01 {
                        f64::NAN
                    } else {
                        (u * 50.0).exp() / 1e10
                    }
                })
                .collect()
        })
        .collect();
    IndicatorMatrix::new(DOMAINS.iter().map(|d| d.0.to_string()).collect(), columns)
}

fn bench(c: &mut Criterion) {
    let imd = study(
        "[method]\nnormalisation = { method = \"imd_exponential\" }\n[scoring]\nscore = \"higher_is_worse\"\nrank_1 = \"worst\"\n[bands]\nquantiles = 10\n[[bands.named]]\nname = \"coldspot\"\nend = \"worst\"\nshare = 0.2\n",
        false,
    );
    let data = file2();
    c.bench_function("compute_index/imd2019_file2_32844x7", |b| {
        b.iter(|| compute_index(black_box(&imd), black_box(&data), &NoProgress).unwrap())
    });

    let syn = study(
        "[method]\nnormalisation = { method = \"zscore\" }\nweights = \"equal\"\n[method.missing]\nimpute = \"mean\"\n[bands]\nquantiles = 5\n",
        true,
    );
    let data = synthetic();
    c.bench_function("compute_index/synthetic_zscore_32844x7", |b| {
        b.iter(|| compute_index(black_box(&syn), black_box(&data), &NoProgress).unwrap())
    });

    let result = compute_index(&imd, &file2(), &NoProgress).unwrap();
    let children: Vec<&[f64]> = result.normalised.iter().map(Vec::as_slice).collect();
    let weights: Vec<f64> = DOMAINS.iter().map(|d| d.1).collect();
    let mut out = vec![0.0; N];
    c.bench_function("primitives/aggregate_arithmetic_32844x7", |b| {
        b.iter(|| {
            aggregate(
                black_box(&children),
                &weights,
                &Aggregation::Arithmetic,
                &mut out,
            )
            .unwrap()
        })
    });
    let mut scratch = oa_engine::RankScratch::new();
    let mut ranks = vec![0u32; N];
    c.bench_function("primitives/rank_min_32844", |b| {
        b.iter(|| {
            rank_min_into(
                black_box(&result.index.score),
                true,
                &mut scratch,
                &mut ranks,
            )
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
