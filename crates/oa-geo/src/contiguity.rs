//! Contiguity from polygons: rook (a shared edge) and queen (a shared point).
//!
//! Neighbouring areas in ONS files share their boundary exactly: TopoJSON stores each
//! shared boundary once as an arc, which decodes to identical points in both areas, and
//! topologically built GeoJSON repeats the same vertices. So points are matched exactly
//! (after rounding to a centimetre on the plane, which only merges points that are
//! numerically equal up to noise); no tolerance can join areas across a real gap.

use crate::boundary::{Feature, Point};
use std::collections::HashMap;

/// Which contact makes two areas neighbours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contiguity {
    /// A shared edge (two consecutive boundary points in common).
    Rook,
    /// A shared point.
    Queen,
}

/// Neighbour lists (sorted, without self) for each feature, in feature order.
pub fn neighbours(features: &[Feature], kind: Contiguity) -> Vec<Vec<usize>> {
    let mut ids: HashMap<(i64, i64), u32> = HashMap::new();
    let mut key = |p: &Point| {
        let k = ((p[0] * 100.0).round() as i64, (p[1] * 100.0).round() as i64);
        let next = ids.len() as u32;
        *ids.entry(k).or_insert(next)
    };
    // Contact element (a point id, or an ordered pair of point ids for an edge) -> areas.
    let mut touching: HashMap<(u32, u32), Vec<u32>> = HashMap::new();
    for (f, feature) in features.iter().enumerate() {
        for ring in feature.polygons.iter().flat_map(|p| &p.rings) {
            let pts: Vec<u32> = ring.iter().map(&mut key).collect();
            for (i, &a) in pts.iter().enumerate() {
                let element = match kind {
                    Contiguity::Queen => (a, a),
                    Contiguity::Rook => {
                        let b = pts[(i + 1) % pts.len()];
                        if a == b {
                            continue;
                        }
                        (a.min(b), a.max(b))
                    }
                };
                let areas = touching.entry(element).or_default();
                if areas.last() != Some(&(f as u32)) {
                    areas.push(f as u32);
                }
            }
        }
    }
    let mut lists: Vec<Vec<usize>> = vec![Vec::new(); features.len()];
    for areas in touching.values().filter(|a| a.len() > 1) {
        for &a in areas {
            for &b in areas {
                if a != b {
                    lists[a as usize].push(b as usize);
                }
            }
        }
    }
    for l in &mut lists {
        l.sort_unstable();
        l.dedup();
    }
    lists
}

/// Queen contiguity: areas sharing at least one boundary point.
pub fn queen(features: &[Feature]) -> Vec<Vec<usize>> {
    neighbours(features, Contiguity::Queen)
}

/// Rook contiguity: areas sharing at least one boundary edge.
pub fn rook(features: &[Feature]) -> Vec<Vec<usize>> {
    neighbours(features, Contiguity::Rook)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::boundary::Polygon;

    fn square(code: &str, x: f64, y: f64) -> Feature {
        Feature {
            code: code.into(),
            name: None,
            start: None,
            end: None,
            polygons: vec![Polygon {
                rings: vec![vec![[x, y], [x + 1.0, y], [x + 1.0, y + 1.0], [x, y + 1.0]]],
            }],
        }
    }

    /// A 2x2 grid plus a detached square: diagonal squares are queen but not rook
    /// neighbours; the detached one has none.
    #[test]
    fn grid_of_squares() {
        let f = vec![
            square("a", 0.0, 0.0),
            square("b", 1.0, 0.0),
            square("c", 0.0, 1.0),
            square("d", 1.0, 1.0),
            square("e", 5.0, 5.0),
        ];
        assert_eq!(
            rook(&f),
            vec![vec![1, 2], vec![0, 3], vec![0, 3], vec![1, 2], vec![]]
        );
        assert_eq!(
            queen(&f),
            vec![
                vec![1, 2, 3],
                vec![0, 2, 3],
                vec![0, 1, 3],
                vec![0, 1, 2],
                vec![]
            ]
        );
    }
}
