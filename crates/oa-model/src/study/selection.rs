//! The `[selection]` section (owned by the targeting work): rules that choose areas.

use serde::{Deserialize, Serialize};

/// Placeholder until the targeting work defines the section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    #[serde(default)]
    pub k: usize,
}

impl Selection {
    pub fn validate(&self, _study: &super::Study) -> Result<(), (String, String)> {
        Ok(())
    }
}
