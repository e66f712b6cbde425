//! One Monte Carlo run of the IMD-sized study (32,844 areas x 7 indicators), by part:
//! aggregation + ranking (`evaluate`), the engine's ranking alone (with two references:
//! one radix pass, and the standard library's sort), and the streaming summary update.
//! The data are synthetic domain ranks (random permutations) shaped like IoD File 2; the
//! study is `studies/imd2019-uncertainty.toml`.
//!
//!     cargo bench -p oa-uncertainty --bench kernel

use criterion::{Criterion, criterion_group, criterion_main};
use oa_engine::IndicatorMatrix;
use oa_model::Study;
use oa_uncertainty::Problem;
use oa_uncertainty::kernel::{Workspace, evaluate};
use oa_uncertainty::space::{Matrix, draw_run};
use oa_uncertainty::summary::{DEFAULT_BINS, RankSummary};
use std::hint::black_box;

const AREAS: usize = 32_844;

fn permutation(seed: u64) -> Vec<f64> {
    let mut v: Vec<f64> = (1..=AREAS).map(|r| r as f64).collect();
    let mut s = seed;
    for i in (1..AREAS).rev() {
        s = oa_uncertainty::space::mix(s);
        v.swap(i, (s % (i as u64 + 1)) as usize);
    }
    v
}

fn problem() -> Problem {
    let path = oa_testkit::repo_path("studies/imd2019-uncertainty.toml");
    let text = std::fs::read_to_string(&path).expect("the shipped study");
    let study = Study::from_toml_str(&text, "imd2019-uncertainty.toml").expect("a valid study");
    let data = IndicatorMatrix::new(
        study
            .indicator_ids()
            .iter()
            .map(|s| s.to_string())
            .collect(),
        (0..7).map(|k| permutation(k + 1)).collect(),
    );
    Problem::prepare(&study, &data, &[]).expect("prepares")
}

fn bench(c: &mut Criterion) {
    let p = problem();
    let mut ws = Workspace::default();
    let mut config = p.nominal.clone();
    let mut g = c.benchmark_group("imd_run");
    let mut j = 0u64;
    g.bench_function("draw_and_evaluate", |b| {
        b.iter(|| {
            j += 1;
            draw_run(
                &p.inputs,
                &p.layout,
                &p.nominal,
                7,
                j,
                |_| Matrix::A,
                &mut config,
            );
            evaluate(&p, &config, &mut ws).unwrap();
            black_box(ws.ranks[0])
        })
    });
    evaluate(&p, &p.nominal, &mut ws).unwrap();
    let mut out = vec![0u32; AREAS];
    let mut scratch = oa_engine::RankScratch::new();
    // Evenly spread scores, and the nominal index scores (crowded at the low end, as the
    // exponential transformation makes them).
    let even: Vec<f64> = ws.ranks.iter().map(|&r| r as f64 * 1.37 + 0.5).collect();
    g.bench_function("rank", |b| {
        b.iter(|| oa_engine::rank_min_into(black_box(&even), true, &mut scratch, &mut out))
    });
    let index = ws.index_scores().to_vec();
    g.bench_function("rank_index_scores", |b| {
        b.iter(|| oa_engine::rank_min_into(black_box(&index), true, &mut scratch, &mut out))
    });
    // What ranking costs at the least here: one stable 8-bit scatter pass of the packed
    // keys (the radix sort makes three), and the standard library's sort of them.
    let packed: Vec<u64> = even
        .iter()
        .enumerate()
        .map(|(i, &x)| (x.to_bits() >> 40) << 32 | i as u64)
        .collect();
    let mut dst = vec![0u64; AREAS];
    g.bench_function("limit_one_radix_pass", |b| {
        b.iter(|| {
            let mut counts = [0u32; 256];
            for &k in black_box(&packed) {
                counts[(k >> 32) as usize & 255] += 1;
            }
            let mut sum = 0;
            for c in counts.iter_mut() {
                (*c, sum) = (sum, sum + *c);
            }
            for &k in &packed {
                let d = (k >> 32) as usize & 255;
                dst[counts[d] as usize] = k;
                counts[d] += 1;
            }
            black_box(dst[0])
        })
    });
    let mut sorted = packed.clone();
    g.bench_function("limit_std_sort_unstable", |b| {
        b.iter(|| {
            sorted.copy_from_slice(&packed);
            sorted.sort_unstable();
            black_box(sorted[0])
        })
    });
    // Sixteen sampled runs in turn: the same ranks every time would put each area's
    // counts in one bin, a chain of increments of one cell that real runs do not make.
    let runs: Vec<(Vec<u32>, Vec<u32>)> = (1..=16)
        .map(|row| {
            draw_run(
                &p.inputs,
                &p.layout,
                &p.nominal,
                7,
                row,
                |_| Matrix::A,
                &mut config,
            );
            evaluate(&p, &config, &mut ws).unwrap();
            (ws.ranks.clone(), ws.order().to_vec())
        })
        .collect();
    let mut summary = RankSummary::new(AREAS, DEFAULT_BINS, p.bands.clone(), p.rank_1);
    let mut next = runs.iter().cycle();
    g.bench_function("summary_add", |b| {
        b.iter(|| {
            let (ranks, order) = next.next().expect("cycles");
            summary.add(black_box(ranks), order)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
