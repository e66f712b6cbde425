//! The audit (`audit_index`) at the two sizes issue 15 sets targets for: the IMD 2019
//! (32,844 areas x 7 domains, rebuilt from File 2's published ranks; target under 1 s)
//! and an SMI-shaped study (324 districts x 16 indicators in four life stages of 2, 4, 5
//! and 5, seeded synthetic values with 2% missing; target under 50 ms), the latter also
//! with the life stages' weights optimised.

use criterion::{Criterion, criterion_group, criterion_main};
use oa_engine::{IndicatorMatrix, NoProgress, audit_index, compute_index};
use oa_model::Study;
use std::hint::black_box;

#[path = "common/imd_file2.rs"]
mod imd_file2;
use imd_file2::{DOMAINS, file2};

const HEAD: &str = "schema = 1\n[study]\nid = \"bench\"\ntitle = \"bench\"\n[geography]\narea_type = \"x\"\nvintage = 2011\n[[sources]]\nid = \"s\"\npath = \"s.csv\"\ncode_column = \"code\"\n";

fn imd() -> (Study, IndicatorMatrix) {
    let mut t = String::from(HEAD);
    for (id, w) in DOMAINS {
        t += &format!(
            "[[indicators]]\nid = \"{id}\"\ndirection = \"higher_is_better\"\nweight = {w}\n"
        );
    }
    t += "[method]\nnormalisation = { method = \"imd_exponential\" }\naggregation = { method = \"weighted_sum\" }\n[scoring]\nscore = \"higher_is_worse\"\nrank_1 = \"worst\"\n[audit]\n";
    let study = Study::from_toml_str(&t, "bench").expect("bench study");
    let data = file2();
    (study, data)
}

/// 324 x 16 in the SMI's four life stages, from a fixed-seed xorshift64* generator:
/// each indicator is its stage's common factor plus noise, 2% of cells missing.
fn smi_like(optimise: bool) -> (Study, IndicatorMatrix) {
    let stages = [
        ("early_years", 2),
        ("school", 4),
        ("youth", 5),
        ("adulthood", 5),
    ];
    let mut t = String::from(HEAD);
    let mut ids = Vec::new();
    for (stage, k) in stages {
        t += &format!("[[groups]]\nid = \"{stage}\"\n");
        for j in 0..k {
            let id = format!("{stage}_{j}");
            t += &format!(
                "[[indicators]]\nid = \"{id}\"\ndirection = \"higher_is_better\"\ngroup = \"{stage}\"\n"
            );
            ids.push(id);
        }
    }
    t += "[method]\nnormalisation = { method = \"zscore\" }\nweights = \"equal\"\n[audit]\n";
    if optimise {
        t += "[audit.optimise]\nlevel = 1\n";
    }
    let study = Study::from_toml_str(&t, "bench").expect("bench study");
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    };
    let factors: Vec<Vec<f64>> = (0..4).map(|_| (0..324).map(|_| next()).collect()).collect();
    let mut columns = Vec::new();
    for (s, (_, k)) in stages.iter().enumerate() {
        for _ in 0..*k {
            columns.push(
                (0..324)
                    .map(|a| {
                        if next() < 0.02 {
                            f64::NAN
                        } else {
                            factors[s][a] + 0.5 * next()
                        }
                    })
                    .collect(),
            );
        }
    }
    (study, IndicatorMatrix::new(ids, columns))
}

fn bench(c: &mut Criterion) {
    let (study, data) = imd();
    let result = compute_index(&study, &data, &NoProgress).unwrap();
    c.bench_function("audit/imd2019_file2_32844x7", |b| {
        b.iter(|| audit_index(black_box(&study), black_box(&data), black_box(&result)).unwrap())
    });
    let (study, data) = smi_like(false);
    let result = compute_index(&study, &data, &NoProgress).unwrap();
    c.bench_function("audit/smi_like_324x16", |b| {
        b.iter(|| audit_index(black_box(&study), black_box(&data), black_box(&result)).unwrap())
    });
    let (study, data) = smi_like(true);
    let result = compute_index(&study, &data, &NoProgress).unwrap();
    c.bench_function("audit/smi_like_324x16_optimise_stages", |b| {
        b.iter(|| audit_index(black_box(&study), black_box(&data), black_box(&result)).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
