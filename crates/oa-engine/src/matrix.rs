//! The engine's input: one column of raw indicator values per study indicator.

use crate::error::{EngineError, position_label};
use oa_model::Study;

/// Indicator values for a set of areas, indicator-major: `columns[i][a]` is indicator
/// `ids[i]` in area `a`. `f64::NAN` marks a missing value; infinities are errors.
///
/// For [`crate::compute_index`], there is one column per study indicator, in study order,
/// all of the same length (the number of areas).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IndicatorMatrix {
    /// Indicator ids, one per column.
    pub ids: Vec<String>,
    /// Raw values (in the indicator's own units and direction), one `Vec` per indicator.
    pub columns: Vec<Vec<f64>>,
    /// Area codes, one per row, used only to name areas in errors (may be empty; areas
    /// are then named by position, `#1` for the first).
    pub area_codes: Vec<String>,
}

impl IndicatorMatrix {
    /// A matrix without area codes.
    pub fn new(ids: Vec<String>, columns: Vec<Vec<f64>>) -> Self {
        IndicatorMatrix {
            ids,
            columns,
            area_codes: Vec::new(),
        }
    }

    /// Adds area codes (one per row) so errors name areas by code.
    pub fn with_area_codes(mut self, codes: Vec<String>) -> Self {
        self.area_codes = codes;
        self
    }

    /// Number of areas (rows).
    pub fn n_areas(&self) -> usize {
        self.columns.first().map_or(0, Vec::len)
    }

    /// The name of area `a` for messages: its code, or `#a+1`.
    pub fn area_label(&self, a: usize) -> String {
        self.area_codes
            .get(a)
            .cloned()
            .unwrap_or_else(|| position_label(a))
    }

    /// Checks the matrix against the study: one column per indicator in study order,
    /// equal lengths, at least one area, no infinities.
    pub fn check_against(&self, study: &Study) -> Result<(), EngineError> {
        let expected = study.indicator_ids();
        if self.ids.len() != self.columns.len() {
            return Err(EngineError::Shape {
                message: format!(
                    "{} ids for {} columns; give one id per column",
                    self.ids.len(),
                    self.columns.len()
                ),
            });
        }
        if self
            .ids
            .iter()
            .map(String::as_str)
            .ne(expected.iter().copied())
        {
            return Err(EngineError::Shape {
                message: format!(
                    "columns are [{}] but the study declares [{}] (same ids, same order)",
                    self.ids.join(", "),
                    expected.join(", ")
                ),
            });
        }
        let n = self.n_areas();
        if n == 0 {
            return Err(EngineError::EmptyData {
                what: "no areas".into(),
            });
        }
        for (id, col) in self.ids.iter().zip(&self.columns) {
            if col.len() != n {
                return Err(EngineError::Shape {
                    message: format!(
                        "column `{id}` has {} values but the first column has {n}; every column needs one value per area",
                        col.len()
                    ),
                });
            }
            if let Some(a) = col.iter().position(|v| v.is_infinite()) {
                return Err(EngineError::NonFinite {
                    subject: id.clone(),
                    area: a,
                    area_code: self.area_label(a),
                    value: col[a],
                });
            }
        }
        if !self.area_codes.is_empty() && self.area_codes.len() != n {
            return Err(EngineError::Shape {
                message: format!(
                    "{} area codes for {n} areas; give one code per area or none",
                    self.area_codes.len()
                ),
            });
        }
        Ok(())
    }
}
