//! `coverage.csv`: every area read, whether it took part and why not, and every row of
//! the data skipped on purpose (a totals row listed in `skip_codes`, a note under
//! `skip_notes`), with where it was and why, so that nothing leaves the data unsaid.

use crate::csv_table::{CsvTable, from_label};
use crate::error::BundleError;
use oa_io::Table;
/// Rows skipped on purpose are reported as the reader of published files found them.
pub use oa_io::source::{SkipReason, SkippedRow};

const SKIP_REASONS: [SkipReason; 2] = [SkipReason::Listed, SkipReason::Note];

/// Whether an area read from the data took part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AreaStatus {
    Kept,
    /// Below the coverage threshold, or no values at all ([`DropReason`] says which).
    Dropped,
}

impl AreaStatus {
    pub fn label(self) -> &'static str {
        match self {
            AreaStatus::Kept => "kept",
            AreaStatus::Dropped => "dropped",
        }
    }
}

/// Why an area was dropped before the index was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// No value in any indicator (dropped before imputation, whatever `min_coverage` is).
    NoData,
    /// Some values, but a share under `method.missing.min_coverage`.
    BelowCoverage,
}

impl DropReason {
    pub const ALL: [DropReason; 2] = [DropReason::NoData, DropReason::BelowCoverage];

    /// `no data` or `below min_coverage`.
    pub fn label(self) -> &'static str {
        match self {
            DropReason::NoData => "no data",
            DropReason::BelowCoverage => "below min_coverage",
        }
    }
}

/// Per area read, in input order: indicators, values present, coverage share, values
/// imputed, kept or dropped and why; then the rows skipped on purpose.
///
/// Columns: `area_code, area_name, indicators, present, coverage, imputed, status, reason,
/// source, location`. An area's row has `status` `kept` or `dropped` (`reason` then says
/// why) and empty `source` and `location`; a skipped row has `status` `skipped`, its code
/// (or a note's text) in `area_code`, the reason, source and location, and empty counts.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Coverage {
    pub area_code: Vec<String>,
    pub area_name: Vec<String>,
    pub indicators: Vec<u32>,
    pub present: Vec<u32>,
    pub coverage: Vec<f64>,
    pub imputed: Vec<u32>,
    pub status: Vec<AreaStatus>,
    /// Why each dropped area was dropped (`None` for kept areas, and in bundles of
    /// version 1, which did not say).
    pub reason: Vec<Option<DropReason>>,
    /// Rows skipped on purpose, in read order.
    pub skipped: Vec<SkippedRow>,
}

const COLUMNS: [&str; 10] = [
    "area_code",
    "area_name",
    "indicators",
    "present",
    "coverage",
    "imputed",
    "status",
    "reason",
    "source",
    "location",
];

impl Coverage {
    pub const TABLE: &'static str = "coverage";

    /// Number of areas read (skipped rows not counted).
    pub fn len(&self) -> usize {
        self.area_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.area_code.is_empty()
    }

    /// Areas dropped for `reason`.
    pub fn dropped(&self, reason: DropReason) -> usize {
        self.reason.iter().filter(|r| **r == Some(reason)).count()
    }

    /// The table `coverage.csv` is written from. It copies no text: codes and names are
    /// borrowed whole (cell by cell when skipped rows add codes of theirs), and labels
    /// are borrowed per cell.
    pub fn to_table(&self) -> Table<'_> {
        let skipped = &self.skipped;
        let counts = |v: &[u32]| -> Vec<Option<i64>> {
            v.iter()
                .map(|&x| Some(i64::from(x)))
                .chain(std::iter::repeat_n(None, skipped.len()))
                .collect()
        };
        let blank_then = |of_skipped: fn(&SkippedRow) -> &str| -> Vec<&str> {
            std::iter::repeat_n("", self.len())
                .chain(skipped.iter().map(of_skipped))
                .collect()
        };
        let mut t = Table::new();
        if skipped.is_empty() {
            t.push_text_borrowed("area_code", &self.area_code)
                .push_text_borrowed("area_name", &self.area_name);
        } else {
            t.push_text_slices(
                "area_code",
                self.area_code
                    .iter()
                    .map(String::as_str)
                    .chain(skipped.iter().map(|s| s.code.as_str()))
                    .collect(),
            )
            .push_text_slices(
                "area_name",
                self.area_name
                    .iter()
                    .map(String::as_str)
                    .chain(std::iter::repeat_n("", skipped.len()))
                    .collect(),
            );
        }
        t.push_opt_int("indicators", counts(&self.indicators))
            .push_opt_int("present", counts(&self.present));
        if skipped.is_empty() {
            t.push_float_borrowed("coverage", &self.coverage);
        } else {
            t.push_float(
                "coverage",
                self.coverage
                    .iter()
                    .copied()
                    .chain(std::iter::repeat_n(f64::NAN, skipped.len()))
                    .collect(),
            );
        }
        t.push_opt_int("imputed", counts(&self.imputed))
            .push_text_slices(
                "status",
                self.status
                    .iter()
                    .map(|s| s.label())
                    .chain(std::iter::repeat_n("skipped", skipped.len()))
                    .collect(),
            )
            .push_text_slices(
                "reason",
                self.reason
                    .iter()
                    .map(|r| r.map(DropReason::label).unwrap_or_default())
                    .chain(skipped.iter().map(|s| s.reason.label()))
                    .collect(),
            )
            .push_text_slices("source", blank_then(|s| s.source.as_str()))
            .push_text_slices("location", blank_then(|s| s.location.as_str()));
        t
    }

    /// Reads `coverage.csv`; `v1`: a version 1 bundle's, whose first seven columns are
    /// the same and which neither said why an area was dropped nor listed skipped rows.
    pub(crate) fn from_csv(t: &CsvTable, v1: bool) -> Result<Coverage, BundleError> {
        let columns = if v1 { &COLUMNS[..7] } else { &COLUMNS[..] };
        t.only(|h| columns.contains(&h))?;
        let text_or_blank = |name: &str| -> Result<Vec<String>, BundleError> {
            if v1 {
                Ok(vec![String::new(); t.len()])
            } else {
                t.text(name)
            }
        };
        let code = t.text("area_code")?;
        let name = t.text("area_name")?;
        let indicators = t.opt_counts("indicators")?;
        let present = t.opt_counts("present")?;
        let coverage = t.floats("coverage")?;
        let imputed = t.opt_counts("imputed")?;
        let status = t.text("status")?;
        let reason = text_or_blank("reason")?;
        let source = text_or_blank("source")?;
        let location = text_or_blank("location")?;
        let bad =
            |i: usize, column: &str, text: &str, expected: &'static str| BundleError::BadCell {
                path: t.path.clone(),
                line: i + 2,
                column: column.into(),
                text: text.into(),
                expected,
            };
        let mut out = Coverage::default();
        for i in 0..t.len() {
            if status[i] == "skipped" {
                let reason = from_label(&SKIP_REASONS, SkipReason::label, &reason[i])
                    .ok_or_else(|| {
                        bad(
                            i,
                            "reason",
                            &reason[i],
                            "why the row was skipped (`listed in skip_codes` or `note (skip_notes)`)",
                        )
                    })?;
                out.skipped.push(SkippedRow {
                    source: source[i].clone(),
                    location: location[i].clone(),
                    code: code[i].clone(),
                    reason,
                });
                continue;
            }
            if !out.skipped.is_empty() {
                return Err(t.inconsistent(format!(
                    "line {}: an area after the skipped rows; areas come first, then the rows skipped",
                    i + 2
                )));
            }
            let (state, why) = match status[i].as_str() {
                "kept" if reason[i].is_empty() => (AreaStatus::Kept, None),
                "kept" => return Err(bad(i, "reason", &reason[i], "empty for a kept area")),
                "dropped" if v1 => (AreaStatus::Dropped, None),
                "dropped" => (
                    AreaStatus::Dropped,
                    Some(
                        from_label(&DropReason::ALL, DropReason::label, &reason[i]).ok_or_else(
                            || {
                                bad(
                                    i,
                                    "reason",
                                    &reason[i],
                                    "why the area was dropped (`no data` or `below min_coverage`)",
                                )
                            },
                        )?,
                    ),
                ),
                other => return Err(bad(i, "status", other, "kept, dropped or skipped")),
            };
            let count = |v: &[Option<u32>], column: &str| {
                v[i].ok_or_else(|| bad(i, column, "", "a whole number"))
            };
            if coverage[i].is_nan() {
                return Err(bad(i, "coverage", "", "a number"));
            }
            out.area_code.push(code[i].clone());
            out.area_name.push(name[i].clone());
            out.indicators.push(count(&indicators, "indicators")?);
            out.present.push(count(&present, "present")?);
            out.coverage.push(coverage[i]);
            out.imputed.push(count(&imputed, "imputed")?);
            out.status.push(state);
            out.reason.push(why);
        }
        Ok(out)
    }
}
