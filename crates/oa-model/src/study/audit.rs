//! The `[audit]` section: the statistical audit of a composite index that the JRC/OECD
//! Handbook asks for, and optionally weights optimised as COINr's `get_opt_weights` does.
//!
//! ```toml
//! [audit]
//! correlation = "pearson"          # or "spearman" (ranks)
//! high_correlation = 0.9           # flag two indicators of one group above this (double counting)
//! low_correlation = -0.4           # flag two indicators of one group below this (trade-off)
//! weak_with_parent = 0.3           # flag a child correlating less than this with its parent
//! strengths = 3                    # best and worst indicators listed per area
//! [audit.optimise]
//! level = "indicators"             # or a group depth: 1 = the index's own children
//! targets = "equal"                # or one relative importance per element, e.g. [1, 2, 1]
//! max_iterations = 2000
//! ```
//!
//! Every key has a default, so `[audit]` alone runs the whole audit without optimising.

use super::Study;
use serde::{Deserialize, Serialize};

/// What the audit computes and flags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Audit {
    /// How correlations are measured.
    #[serde(default)]
    pub correlation: CorrelationKind,
    /// Two children of one group correlating above this are flagged (they may count the
    /// same thing twice). COINr's `get_corr_flags` default.
    #[serde(default = "default_high")]
    pub high_correlation: f64,
    /// Two children of one group correlating below this are flagged (a trade-off that an
    /// average hides).
    #[serde(default = "default_low")]
    pub low_correlation: f64,
    /// A child correlating with its parent less than this is flagged (it hardly moves
    /// the score it belongs to).
    #[serde(default = "default_weak")]
    pub weak_with_parent: f64,
    /// How many best and worst indicators are listed per area.
    #[serde(default = "default_strengths")]
    pub strengths: usize,
    /// Weights chosen so the elements of one level matter to the index as targeted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub optimise: Option<OptimiseWeights>,
}

impl Default for Audit {
    fn default() -> Self {
        Audit {
            correlation: CorrelationKind::default(),
            high_correlation: default_high(),
            low_correlation: default_low(),
            weak_with_parent: default_weak(),
            strengths: default_strengths(),
            optimise: None,
        }
    }
}

fn default_high() -> f64 {
    0.9
}
fn default_low() -> f64 {
    -0.4
}
fn default_weak() -> f64 {
    0.3
}
fn default_strengths() -> usize {
    3
}
fn default_iterations() -> usize {
    2000
}

/// Pearson on the values, or Spearman on their ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CorrelationKind {
    #[default]
    Pearson,
    Spearman,
}

/// COINr's `get_opt_weights` (`optype = "balance"`): the weights of one level's elements
/// are chosen so that their correlations with the index, as shares of their sum, are as
/// close as possible to the target shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimiseWeights {
    /// Which weights: those of the indicators, or of the groups at a depth (1 = the
    /// index's own children, 2 = theirs, ...).
    pub level: OptimiseLevel,
    /// Relative importance per element, in study order; `equal` by default.
    #[serde(default)]
    pub targets: Targets,
    /// Most Nelder-Mead iterations before giving up (the result then says it did not
    /// converge).
    #[serde(default = "default_iterations")]
    pub max_iterations: usize,
}

/// The level whose weights are optimised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OptimiseLevel {
    /// A group depth (1 = the index's own children).
    Depth(usize),
    /// `"indicators"`.
    Named(String),
}

/// Target importances: `"equal"` (the default) or one number per element.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Targets {
    /// `"equal"`.
    Named(String),
    /// One number per element.
    Values(Vec<f64>),
}

impl Default for Targets {
    fn default() -> Self {
        Targets::Named("equal".into())
    }
}

impl OptimiseLevel {
    /// The depth of the groups optimised, or `None` for the indicators.
    pub fn depth(&self) -> Option<usize> {
        match self {
            OptimiseLevel::Depth(d) => Some(*d),
            OptimiseLevel::Named(_) => None,
        }
    }
}

/// Depth of every group (1 = directly under the index), in study order. Groups whose
/// parents loop (refused by [`Study::validate`]) get the number of groups.
pub fn group_depths(study: &Study) -> Vec<usize> {
    study
        .groups
        .iter()
        .map(|g| {
            let mut depth = 1;
            let mut parent = g.parent.as_deref();
            while let Some(p) = parent {
                depth += 1;
                if depth > study.groups.len() {
                    break;
                }
                parent = study
                    .groups
                    .iter()
                    .find(|x| x.id == p)
                    .and_then(|x| x.parent.as_deref());
            }
            depth
        })
        .collect()
}

impl Audit {
    /// Checks thresholds and the optimisation against the study; returns (key, message).
    pub fn validate(&self, study: &Study) -> Result<(), (String, String)> {
        for (key, v) in [
            ("high_correlation", self.high_correlation),
            ("low_correlation", self.low_correlation),
            ("weak_with_parent", self.weak_with_parent),
        ] {
            if !(-1.0..=1.0).contains(&v) {
                return Err((
                    key.to_string(),
                    format!("{v} is not a correlation: use a number from -1 to 1"),
                ));
            }
        }
        if self.low_correlation >= self.high_correlation {
            return Err((
                "low_correlation".into(),
                format!(
                    "{} is not below `high_correlation` ({}); the low flag is for trade-offs, the high one for double counting",
                    self.low_correlation, self.high_correlation
                ),
            ));
        }
        let Some(opt) = &self.optimise else {
            return Ok(());
        };
        let elements = match &opt.level {
            OptimiseLevel::Named(name) if name == "indicators" => study.indicators.len(),
            OptimiseLevel::Named(name) => {
                return Err((
                    "optimise.level".into(),
                    format!(
                        "`{name}` is not a level: use \"indicators\" or a group depth (1 = the index's own children)"
                    ),
                ));
            }
            OptimiseLevel::Depth(d) => {
                let depths = group_depths(study);
                let deepest = depths.iter().copied().max().unwrap_or(0);
                let n = depths.iter().filter(|x| **x == *d).count();
                if n == 0 {
                    return Err((
                        "optimise.level".into(),
                        if deepest == 0 {
                            "the study has no groups: use level = \"indicators\"".to_string()
                        } else {
                            format!(
                                "no groups at depth {d}: the groups are at depths 1 to {deepest} (1 = the index's own children), or use \"indicators\""
                            )
                        },
                    ));
                }
                n
            }
        };
        if elements < 2 {
            return Err((
                "optimise.level".into(),
                "that level has one element: there is nothing to balance".into(),
            ));
        }
        match &opt.targets {
            Targets::Named(n) if n == "equal" => {}
            Targets::Named(n) => {
                return Err((
                    "optimise.targets".into(),
                    format!("`{n}` is not a target: use \"equal\" or a list of numbers"),
                ));
            }
            Targets::Values(v) => {
                if v.len() != elements {
                    return Err((
                        "optimise.targets".into(),
                        format!(
                            "{} targets for {elements} elements at that level: give one per element, in study order",
                            v.len()
                        ),
                    ));
                }
                if v.iter().any(|x| !(x.is_finite() && *x > 0.0)) {
                    return Err((
                        "optimise.targets".into(),
                        "targets are relative importances: use numbers > 0".into(),
                    ));
                }
            }
        }
        if opt.max_iterations == 0 {
            return Err((
                "optimise.max_iterations".into(),
                "use at least 1 iteration".into(),
            ));
        }
        Ok(())
    }
}

impl Targets {
    /// The target shares for `n` elements (summing to 1).
    pub fn shares(&self, n: usize) -> Vec<f64> {
        match self {
            Targets::Values(v) if v.len() == n => {
                let s: f64 = v.iter().sum();
                v.iter().map(|x| x / s).collect()
            }
            _ => vec![1.0 / n as f64; n],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
schema = 1
[study]
id = "t"
title = "T"
[geography]
area_type = "lad"
vintage = 2016
[[sources]]
id = "d"
path = "d.csv"
code_column = "code"
[[groups]]
id = "g"
[[groups]]
id = "h"
[[indicators]]
id = "a"
group = "g"
direction = "higher_is_better"
[[indicators]]
id = "b"
group = "h"
direction = "higher_is_worse"
"#;

    fn parse(extra: &str) -> Result<Study, String> {
        Study::from_toml_str(&format!("{BASE}{extra}"), "t.toml").map_err(|e| e.to_string())
    }

    #[test]
    fn an_empty_audit_section_takes_every_default_and_round_trips() {
        let s = parse("[audit]\n").unwrap();
        assert_eq!(s.audit, Some(Audit::default()));
        let s = parse("[audit]\n[audit.optimise]\nlevel = 1\n").unwrap();
        let opt = s.audit.as_ref().unwrap().optimise.as_ref().unwrap();
        assert_eq!(opt.level.depth(), Some(1));
        assert_eq!(opt.targets.shares(2), vec![0.5, 0.5]);
        let again = Study::from_toml_str(&s.to_toml_string(), "again").unwrap();
        assert_eq!(again, s);
        let s = parse("[audit.optimise]\nlevel = \"indicators\"\ntargets = [1, 3]\n").unwrap();
        let opt = s.audit.as_ref().unwrap().optimise.as_ref().unwrap();
        assert_eq!(opt.level.depth(), None);
        assert_eq!(opt.targets.shares(2), vec![0.25, 0.75]);
    }

    #[test]
    fn bad_audit_settings_name_their_key() {
        let cases = [
            (
                "[audit]\nhigh_correlation = 1.5\n",
                "audit.high_correlation",
            ),
            ("[audit]\nlow_correlation = 0.95\n", "audit.low_correlation"),
            ("[audit.optimise]\nlevel = 3\n", "no groups at depth 3"),
            (
                "[audit.optimise]\nlevel = \"pillars\"\n",
                "audit.optimise.level",
            ),
            (
                "[audit.optimise]\nlevel = 1\ntargets = [1]\n",
                "1 targets for 2 elements",
            ),
            (
                "[audit.optimise]\nlevel = 1\ntargets = [1, -1]\n",
                "numbers > 0",
            ),
            (
                "[audit.optimise]\nlevel = 1\ntargets = \"even\"\n",
                "`even` is not a target",
            ),
            ("[audit]\ncorrelation = \"kendall\"\n", "kendall"),
            ("[audit]\nstrenghts = 2\n", "did you mean `strengths`"),
        ];
        for (extra, expected) in cases {
            let e = parse(extra).expect_err(extra);
            assert!(e.contains(expected), "`{expected}` not in {e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }
}
