//! The index tree of a study: indicators are leaves, groups inner nodes, the index the
//! root. Built once, then scored bottom-up as many times as needed.

use oa_model::Study;
use oa_model::study::{Aggregation, Weighting};

/// A child of a tree node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Child {
    /// Position of an indicator in study order.
    Indicator(usize),
    /// Position of a group in [`IndexTree::nodes`].
    Group(usize),
}

/// An inner node: a group, or the index itself (the last node).
#[derive(Debug, Clone, PartialEq)]
pub struct TreeNode {
    /// Group id, or [`INDEX_ID`] for the root.
    pub id: String,
    pub name: String,
    /// 0 for the index, 1 for groups directly under it, and so on.
    pub depth: usize,
    /// Parent node position (`None` for the index).
    pub parent: Option<usize>,
    /// Children in study order: indicators first, then groups.
    pub children: Vec<Child>,
    /// Weights written in the study, one per child.
    pub given_weights: Vec<f64>,
    pub aggregation: Aggregation,
}

/// Id of the root node in results and errors.
pub const INDEX_ID: &str = "index";

/// The whole tree: one node per study group (in study order), then the index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexTree {
    pub nodes: Vec<TreeNode>,
    /// Node positions children-before-parents (deepest first, the index last).
    pub order: Vec<usize>,
    /// Indicator ids in study order.
    pub indicator_ids: Vec<String>,
}

impl IndexTree {
    /// Builds the tree of a validated study (group references and acyclicity are
    /// checked by [`Study::validate`]; unknown references here are attached to the root).
    pub fn from_study(study: &Study) -> IndexTree {
        let g = study.groups.len();
        let root = g;
        let pos = |id: &str| study.groups.iter().position(|x| x.id == id);
        let mut nodes: Vec<TreeNode> = study
            .groups
            .iter()
            .map(|grp| TreeNode {
                id: grp.id.clone(),
                name: if grp.name.is_empty() {
                    grp.id.clone()
                } else {
                    grp.name.clone()
                },
                depth: 0,
                parent: Some(grp.parent.as_deref().and_then(pos).unwrap_or(root)),
                children: Vec::new(),
                given_weights: Vec::new(),
                aggregation: grp.aggregation.unwrap_or(study.method.aggregation),
            })
            .collect();
        nodes.push(TreeNode {
            id: INDEX_ID.to_string(),
            name: study.study.title.clone(),
            depth: 0,
            parent: None,
            children: Vec::new(),
            given_weights: Vec::new(),
            aggregation: study.method.aggregation,
        });
        for (i, ind) in study.indicators.iter().enumerate() {
            let p = ind.group.as_deref().and_then(pos).unwrap_or(root);
            nodes[p].children.push(Child::Indicator(i));
            nodes[p].given_weights.push(ind.weight);
        }
        for (j, grp) in study.groups.iter().enumerate() {
            let p = nodes[j].parent.unwrap_or(root);
            nodes[p].children.push(Child::Group(j));
            nodes[p].given_weights.push(grp.weight);
        }
        for j in 0..g {
            let mut depth = 1;
            let mut p = nodes[j].parent;
            while let Some(q) = p {
                if q == root || depth > g {
                    break;
                }
                depth += 1;
                p = nodes[q].parent;
            }
            nodes[j].depth = depth;
        }
        let mut order: Vec<usize> = (0..=g).collect();
        order.sort_by_key(|&j| std::cmp::Reverse(if j == root { 0 } else { nodes[j].depth }));
        IndexTree {
            nodes,
            order,
            indicator_ids: study.indicators.iter().map(|i| i.id.clone()).collect(),
        }
    }

    /// Position of the root (the index).
    pub fn root(&self) -> usize {
        self.nodes.len() - 1
    }

    /// The id of a child, for messages.
    pub fn child_id(&self, c: Child) -> &str {
        match c {
            Child::Indicator(i) => &self.indicator_ids[i],
            Child::Group(j) => &self.nodes[j].id,
        }
    }

    /// Weights per node for a weighting scheme that does not need data: `given` as
    /// written, `equal` as `1/k` for `k` children (so arithmetic aggregation is the
    /// mean); `pca` returns the given weights (it is computed from data by
    /// [`crate::compute_index`]).
    pub fn static_weights(&self, weighting: Weighting) -> Vec<Vec<f64>> {
        self.nodes
            .iter()
            .map(|n| match weighting {
                Weighting::Equal => vec![1.0 / n.children.len() as f64; n.children.len()],
                Weighting::Given | Weighting::Pca => n.given_weights.clone(),
            })
            .collect()
    }
}
