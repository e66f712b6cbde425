//! Exact Fisher-Jenks on the 32,844 IMD 2019 LSOA scores (k = 5).
//!
//! jenkspy 0.4.1 (`jenks_breaks(values, n_classes=5)`, an exact O(k·n²) implementation) gives
//! the upper breaks 12.521, 22.862, 35.230, 51.554, 92.735 on the same data (run by
//! `benches/jenks_peers.py`). An optimal partition can be no worse than any other, so oa's
//! must match or beat the within-class squares of jenkspy's classes.

use oa_spatial::classify::{class_of, fisher_jenks_with_cost, within_class_squares};

fn imd_scores() -> Vec<f64> {
    let path = oa_testkit::shared_data("imd2019/imd2019_lsoa_combined.csv");
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let col = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "imd_score")
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap()[col].parse().unwrap())
        .collect()
}

#[test]
fn jenks_on_imd_scores_is_optimal() {
    let v = imd_scores();
    assert_eq!(v.len(), 32_844);
    let (c, total) = fisher_jenks_with_cost(&v, 5).unwrap();
    let peer = [12.521, 22.862, 35.230, 51.554, 92.735];
    let peer_classes: Vec<usize> = v.iter().map(|&x| class_of(&peer, x)).collect();
    let peer_total = within_class_squares(&v, &peer_classes, 5);
    let ours = within_class_squares(&v, &c.classes, 5);
    assert!((ours - total).abs() <= 1e-6 * total, "{ours} vs {total}");
    assert!(
        ours <= peer_total + 1e-6 * peer_total,
        "{ours} > {peer_total}"
    );
    for (a, b) in c.breaks.iter().zip(peer) {
        assert!(
            (a - b).abs() < 0.0005,
            "breaks {:?} vs jenkspy {peer:?}",
            c.breaks
        );
    }
}
