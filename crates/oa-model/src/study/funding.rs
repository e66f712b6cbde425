//! The `[[funds]]` section (owned by the funding work): funds and allocation formulas.

use serde::{Deserialize, Serialize};

/// Placeholder until the funding work defines the section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fund {
    pub id: String,
}

impl Fund {
    pub fn validate(&self, _study: &super::Study) -> Result<(), (String, String)> {
        Ok(())
    }
}
