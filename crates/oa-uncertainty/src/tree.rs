//! Flat weight vectors over the engine's index tree: one slot per (node, child), node by
//! node, so a sample's weights are a single `Vec<f64>`.

use oa_engine::tree::{Child, IndexTree};

/// Where each node's child weights sit in a flat weight vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// Offset of node `j`'s first child weight.
    pub offsets: Vec<usize>,
    /// Number of children of node `j`.
    pub sizes: Vec<usize>,
    /// For each indicator, its slot in the flat vector.
    pub leaf_slot: Vec<usize>,
    pub n_weights: usize,
}

impl Layout {
    pub fn new(tree: &IndexTree) -> Layout {
        let mut offsets = Vec::with_capacity(tree.nodes.len());
        let mut sizes = Vec::with_capacity(tree.nodes.len());
        let mut leaf_slot = vec![usize::MAX; tree.indicator_ids.len()];
        let mut at = 0;
        for node in &tree.nodes {
            offsets.push(at);
            sizes.push(node.children.len());
            for (c, child) in node.children.iter().enumerate() {
                if let Child::Indicator(i) = child {
                    leaf_slot[*i] = at + c;
                }
            }
            at += node.children.len();
        }
        Layout {
            offsets,
            sizes,
            leaf_slot,
            n_weights: at,
        }
    }

    /// Number of indicators (leaves).
    pub fn leaves(&self) -> usize {
        self.leaf_slot.len()
    }

    /// The slots of node `j`.
    pub fn range(&self, j: usize) -> std::ops::Range<usize> {
        self.offsets[j]..self.offsets[j] + self.sizes[j]
    }

    /// Per-node weights flattened.
    pub fn flatten(&self, per_node: &[Vec<f64>]) -> Vec<f64> {
        per_node.iter().flatten().copied().collect()
    }
}

impl Layout {
    /// One node holding `leaves` indicators (for tests and simple indices).
    pub fn flat(leaves: usize) -> Layout {
        Layout {
            offsets: vec![0],
            sizes: vec![leaves],
            leaf_slot: (0..leaves).collect(),
            n_weights: leaves,
        }
    }
}
