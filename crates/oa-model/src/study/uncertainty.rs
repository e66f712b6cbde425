//! The `[uncertainty]` section (owned by the uncertainty work): Monte Carlo inputs.

use serde::{Deserialize, Serialize};

/// Placeholder until the uncertainty work defines the section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Uncertainty {
    #[serde(default)]
    pub samples: usize,
}

impl Uncertainty {
    pub fn validate(&self, _study: &super::Study) -> Result<(), (String, String)> {
        Ok(())
    }
}
