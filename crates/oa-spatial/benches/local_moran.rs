//! Local Moran's I and Gi* with 999 conditional permutations: on 326 areas (a generated
//! neighbour structure like the districts': 5 nearest of random points, made symmetric)
//! and on a 316 x 316 lattice (99,856 cells, rook and queen); and global Moran's I with
//! 999 permutations on the same structures.

use criterion::{Criterion, criterion_group, criterion_main};
use rand::{RngExt, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use std::hint::black_box;
use std::time::Duration;

/// `n` random points; each is joined to its `k` nearest, and links are made mutual.
fn knn_neighbours(n: usize, k: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let pts: Vec<(f64, f64)> = (0..n)
        .map(|_| (rng.random::<f64>(), rng.random::<f64>()))
        .collect();
    let mut lists = vec![Vec::new(); n];
    for i in 0..n {
        let mut d: Vec<(f64, usize)> = (0..n)
            .filter(|&j| j != i)
            .map(|j| {
                (
                    (pts[i].0 - pts[j].0).powi(2) + (pts[i].1 - pts[j].1).powi(2),
                    j,
                )
            })
            .collect();
        d.sort_by(|a, b| a.0.total_cmp(&b.0));
        for &(_, j) in d.iter().take(k) {
            lists[i].push(j);
            lists[j].push(i);
        }
    }
    for l in &mut lists {
        l.sort_unstable();
        l.dedup();
    }
    lists
}

/// A smooth surface plus noise, so there are clusters to find.
fn values(n: usize, seed: u64) -> Vec<f64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n)
        .map(|i| ((i % 97) as f64 / 10.0).sin() * 10.0 + rng.random::<f64>() * 5.0)
        .collect()
}

fn districts(c: &mut Criterion) {
    let w = knn_neighbours(326, 5, 1);
    let y = values(326, 2);
    let mut g = c.benchmark_group("local_moran_326");
    g.bench_function("perm999", |b| {
        b.iter(|| oa_spatial::local_statistics(black_box(&y), &w, 999, 42).unwrap())
    });
    g.finish();
}

fn grid(c: &mut Criterion) {
    let y = values(316 * 316, 3);
    let mut g = c.benchmark_group("local_moran_grid_316x316");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for (name, queen) in [("rook_perm999", false), ("queen_perm999", true)] {
        let w = oa_spatial::lattice_neighbours(316, 316, queen);
        g.bench_function(name, |b| {
            b.iter(|| oa_spatial::local_statistics(black_box(&y), &w, 999, 42).unwrap())
        });
    }
    g.finish();
}

fn global(c: &mut Criterion) {
    let mut g = c.benchmark_group("global_moran");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let w = knn_neighbours(326, 5, 1);
    let y = values(326, 2);
    g.bench_function("326_perm999", |b| {
        b.iter(|| oa_spatial::global_moran(black_box(&y), &w, 999, 42).unwrap())
    });
    let w = oa_spatial::lattice_neighbours(316, 316, false);
    let y = values(316 * 316, 3);
    g.bench_function("grid_316x316_rook_perm999", |b| {
        b.iter(|| oa_spatial::global_moran(black_box(&y), &w, 999, 42).unwrap())
    });
    g.finish();
}

criterion_group!(benches, districts, grid, global);
criterion_main!(benches);
