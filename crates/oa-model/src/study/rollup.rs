//! The `[rollup]` and `[maps]` sections (owned by the geography work): rolling a small-area
//! index up to a larger geography, and the maps a run writes.

use serde::{Deserialize, Serialize};

/// Roll a small-area index up to a larger geography (IoD-style summaries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rollup {
    /// Placeholder until the geography work defines the section.
    #[serde(default)]
    pub to: String,
}

impl Rollup {
    pub fn validate(&self) -> Result<(), (String, String)> {
        Ok(())
    }
}

/// Maps written into the results bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Maps {
    /// Boundary file (relative to the data directory).
    #[serde(default)]
    pub boundaries: String,
}

impl Maps {
    pub fn validate(&self) -> Result<(), (String, String)> {
        Ok(())
    }
}

/// Spatial statistics written into the results bundle (cold-spot clusters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spatial {
    /// Placeholder until the spatial work defines the section.
    #[serde(default)]
    pub permutations: usize,
}

impl Spatial {
    pub fn validate(&self) -> Result<(), (String, String)> {
        Ok(())
    }
}
