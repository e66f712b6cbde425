//! A balanced panel: one outcome for every unit in every period.
//!
//! Rows come in as [`Observation`]s (an area code, a period, a value or a numerator and
//! denominator, and where the row is in its file). [`PanelBuilder`] maps codes to units
//! (boundary changes, areas made of several districts), sums counts over the parts of a
//! unit so a merged area's rate is exact, and refuses what is not a panel: duplicate rows,
//! a merged area missing one of its parts, a rate that cannot be combined, a part that is
//! also a unit (an area is never compared with its own parts), mixed kinds of periods,
//! and gaps (unless `Balance::DropUnits` or `Balance::DropPeriods` is asked for; what is
//! dropped is recorded).
//!
//! Units are sorted by code and periods in time order, so the panel (and every estimate
//! from it) does not depend on the order of the rows.

use crate::error::{EvalError, MAX_LISTED};
use crate::period::Period;
use std::collections::{BTreeMap, BTreeSet};

/// A row's value: a rate (or any number), or counts whose ratio is the rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value {
    Number(f64),
    /// `scale * numerator / denominator` (scale 100 gives a percentage).
    Counts {
        numerator: f64,
        denominator: f64,
    },
    /// Suppressed or not published (`c`, `x`, `..`, empty).
    Missing,
}

/// One row of a published table.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Area code as published.
    pub code: String,
    pub period: Period,
    /// The period as written in the file (`201516`), kept for output.
    pub period_text: String,
    pub value: Value,
    /// Where the row is, for messages (`eyfsp.xlsx sheet `Data` row 12`).
    pub origin: String,
}

/// What to do with gaps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Balance {
    /// A gap is an error naming the missing unit-periods.
    #[default]
    Strict,
    /// Drop every unit with a gap (recorded in [`Panel::dropped_units`]).
    DropUnits,
    /// Drop every period with a gap (recorded in [`Panel::dropped_periods`]).
    DropPeriods,
}

/// A change in how the outcome is measured (a reformed test, a year without exams, new
/// boundaries) between the period before `at` and `at`: nothing is differenced across it.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesBreak {
    /// The first period on the new basis (it need not be in the panel: a break at a year
    /// without data falls between its neighbours).
    pub at: Period,
    pub reason: String,
}

/// Numerators and denominators behind the values, cell by cell (unit-major).
#[derive(Debug, Clone, PartialEq)]
pub struct Counts {
    pub numerator: Vec<f64>,
    pub denominator: Vec<f64>,
}

/// Units x periods of one outcome, complete.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    outcome: String,
    units: Vec<String>,
    members: Vec<Vec<String>>,
    periods: Vec<Period>,
    labels: Vec<String>,
    values: Vec<f64>,
    counts: Option<Counts>,
    breaks: Vec<SeriesBreak>,
    dropped_units: Vec<(String, usize)>,
    dropped_periods: Vec<(String, usize)>,
}

/// Collects rows into a [`Panel`].
#[derive(Debug, Clone)]
pub struct PanelBuilder {
    outcome: String,
    scale: f64,
    map: BTreeMap<String, String>,
    rows: Vec<Observation>,
    breaks: Vec<SeriesBreak>,
}

impl PanelBuilder {
    /// A builder for the outcome `outcome`; rates from counts are `scale * num / den`.
    pub fn new(outcome: impl Into<String>) -> PanelBuilder {
        PanelBuilder {
            outcome: outcome.into(),
            scale: 1.0,
            map: BTreeMap::new(),
            rows: Vec::new(),
            breaks: Vec::new(),
        }
    }

    /// Rates computed from counts are multiplied by `scale` (100 for percentages).
    pub fn scale(mut self, scale: f64) -> PanelBuilder {
        self.scale = scale;
        self
    }

    /// Codes to units: each key's rows count towards the unit it names (a later vintage's
    /// code, or an area made of several districts). Codes not in the map are units.
    pub fn map_codes(mut self, map: BTreeMap<String, String>) -> PanelBuilder {
        self.map = map;
        self
    }

    /// Declares a series break.
    pub fn series_break(mut self, at: Period, reason: impl Into<String>) -> PanelBuilder {
        self.breaks.push(SeriesBreak {
            at,
            reason: reason.into(),
        });
        self
    }

    pub fn push(&mut self, row: Observation) {
        self.rows.push(row);
    }

    pub fn extend(&mut self, rows: impl IntoIterator<Item = Observation>) {
        self.rows.extend(rows);
    }

    fn unit_of<'a>(&'a self, code: &'a str) -> &'a str {
        self.map.get(code).map_or(code, String::as_str)
    }

    /// Builds the panel, or says what is wrong with the rows.
    pub fn build(self, balance: Balance) -> Result<Panel, EvalError> {
        if !(self.scale.is_finite() && self.scale > 0.0) {
            return Err(EvalError::invalid(
                "panel scale",
                format!(
                    "{} must be a positive number (100 for percentages)",
                    self.scale
                ),
            ));
        }
        if self.rows.is_empty() {
            return Err(EvalError::invalid(
                format!("panel `{}`", self.outcome),
                "no rows were read; check the filters and the columns",
            ));
        }
        // One kind of period.
        let first = &self.rows[0];
        if let Some(other) = self
            .rows
            .iter()
            .find(|r| r.period.kind() != first.period.kind())
        {
            return Err(EvalError::MixedPeriods {
                first: first.period.kind().describe(),
                second: other.period.kind().describe(),
                first_text: first.period_text.clone(),
                second_text: other.period_text.clone(),
            });
        }
        // A part that is itself mapped onward would be compared with its whole.
        for (code, unit) in &self.map {
            if let Some(next) = self.map.get(unit)
                && next != unit
            {
                return Err(EvalError::OverlappingUnits {
                    part: unit.clone(),
                    whole: next.clone(),
                });
            }
            let _ = code;
        }
        // Parts of each mapped unit.
        let mut parts: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for (code, unit) in &self.map {
            if code != unit {
                parts
                    .entry(unit.as_str())
                    .or_default()
                    .insert(code.as_str());
            }
        }
        // Rows by (unit, period), with duplicate (code, period) rows refused.
        let mut seen: BTreeMap<(&str, Period), usize> = BTreeMap::new();
        let mut cells: BTreeMap<(&str, Period), Vec<usize>> = BTreeMap::new();
        let mut labels: BTreeMap<Period, &str> = BTreeMap::new();
        for (i, r) in self.rows.iter().enumerate() {
            if let Some(&j) = seen.get(&(r.code.as_str(), r.period)) {
                return Err(EvalError::Duplicate {
                    unit: r.code.clone(),
                    period: r.period.to_string(),
                    first: self.rows[j].origin.clone(),
                    second: r.origin.clone(),
                });
            }
            seen.insert((r.code.as_str(), r.period), i);
            cells
                .entry((self.unit_of(&r.code), r.period))
                .or_default()
                .push(i);
            labels.entry(r.period).or_insert(r.period_text.as_str());
        }
        let periods: Vec<Period> = labels.keys().copied().collect();
        let units: Vec<&str> = cells
            .keys()
            .map(|(u, _)| *u)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let has_counts = self
            .rows
            .iter()
            .any(|r| matches!(r.value, Value::Counts { .. }));
        let (nu, nt) = (units.len(), periods.len());
        let mut values = vec![f64::NAN; nu * nt];
        let mut num = vec![f64::NAN; if has_counts { nu * nt } else { 0 }];
        let mut den = num.clone();
        for (ui, unit) in units.iter().enumerate() {
            for (ti, period) in periods.iter().enumerate() {
                let Some(rows) = cells.get(&(*unit, *period)) else {
                    continue;
                };
                let codes: BTreeSet<&str> =
                    rows.iter().map(|&i| self.rows[i].code.as_str()).collect();
                if rows.len() > 1 || !codes.contains(unit) {
                    // Made of parts: all of them, and never beside the whole.
                    let expected = parts.get(unit).cloned().unwrap_or_default();
                    if codes.contains(unit) {
                        let whole = rows
                            .iter()
                            .find(|&&i| self.rows[i].code == *unit)
                            .expect("the whole is among the rows");
                        let part = rows
                            .iter()
                            .find(|&&i| self.rows[i].code != *unit)
                            .expect("a part is among the rows");
                        return Err(EvalError::Duplicate {
                            unit: unit.to_string(),
                            period: period.to_string(),
                            first: self.rows[*whole].origin.clone(),
                            second: format!(
                                "{} (its part `{}`)",
                                self.rows[*part].origin, self.rows[*part].code
                            ),
                        });
                    }
                    if let Some(missing) = expected.iter().find(|c| !codes.contains(*c)) {
                        return Err(EvalError::IncompleteMerge {
                            unit: unit.to_string(),
                            period: period.to_string(),
                            missing: missing.to_string(),
                            present: codes.iter().next().copied().unwrap_or_default().into(),
                        });
                    }
                }
                let k = ui * nt + ti;
                if rows.len() == 1 {
                    let r = &self.rows[rows[0]];
                    match r.value {
                        Value::Number(v) => values[k] = v,
                        Value::Counts {
                            numerator,
                            denominator,
                        } => {
                            num[k] = numerator;
                            den[k] = denominator;
                            values[k] = self.scale * numerator / denominator;
                        }
                        Value::Missing => {}
                    }
                } else {
                    let (mut n, mut d) = (0.0, 0.0);
                    let mut missing = false;
                    for &i in rows {
                        match self.rows[i].value {
                            Value::Counts {
                                numerator,
                                denominator,
                            } => {
                                n += numerator;
                                d += denominator;
                            }
                            Value::Missing => missing = true,
                            Value::Number(_) => {
                                return Err(EvalError::RateCannotMerge {
                                    unit: unit.to_string(),
                                    period: period.to_string(),
                                });
                            }
                        }
                    }
                    if !missing {
                        num[k] = n;
                        den[k] = d;
                        values[k] = self.scale * n / d;
                    }
                }
                if !values[k].is_nan() && !values[k].is_finite() {
                    let origin = rows
                        .iter()
                        .map(|&i| self.rows[i].origin.as_str())
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(EvalError::NotFinite {
                        unit: unit.to_string(),
                        period: period.to_string(),
                        origin: format!(" ({origin})"),
                    });
                }
            }
        }
        let members = units
            .iter()
            .map(|u| match parts.get(u) {
                Some(p) => p.iter().map(|s| s.to_string()).collect(),
                None => vec![u.to_string()],
            })
            .collect();
        let panel = Panel {
            outcome: self.outcome.clone(),
            units: units.iter().map(|s| s.to_string()).collect(),
            members,
            labels: periods.iter().map(|p| labels[p].to_string()).collect(),
            periods,
            values,
            counts: has_counts.then_some(Counts {
                numerator: num,
                denominator: den,
            }),
            breaks: self.breaks.clone(),
            dropped_units: Vec::new(),
            dropped_periods: Vec::new(),
        };
        panel.balanced(balance)
    }
}

impl Panel {
    /// A panel from a units x periods matrix (row-major by unit); `NaN` marks a gap.
    pub fn from_matrix(
        outcome: impl Into<String>,
        units: Vec<String>,
        periods: Vec<Period>,
        values: Vec<f64>,
        balance: Balance,
    ) -> Result<Panel, EvalError> {
        let outcome = outcome.into();
        if values.len() != units.len() * periods.len() {
            return Err(EvalError::invalid(
                format!("panel `{outcome}`"),
                format!(
                    "{} values for {} units x {} periods",
                    values.len(),
                    units.len(),
                    periods.len()
                ),
            ));
        }
        let mut b = PanelBuilder::new(outcome);
        for (u, unit) in units.iter().enumerate() {
            for (t, p) in periods.iter().enumerate() {
                let v = values[u * periods.len() + t];
                b.push(Observation {
                    code: unit.clone(),
                    period: *p,
                    period_text: p.to_string(),
                    value: if v.is_nan() {
                        Value::Missing
                    } else {
                        Value::Number(v)
                    },
                    origin: format!("unit `{unit}`, {p}"),
                });
            }
        }
        b.build(balance)
    }

    /// Applies the balance rule: gaps are an error or drop units or periods.
    fn balanced(mut self, balance: Balance) -> Result<Panel, EvalError> {
        let nt = self.periods.len();
        let gap = |v: &[f64], u: usize, t: usize| v[u * nt + t].is_nan();
        let gaps: Vec<(usize, usize)> = (0..self.units.len())
            .flat_map(|u| (0..nt).map(move |t| (u, t)))
            .filter(|&(u, t)| gap(&self.values, u, t))
            .collect();
        if gaps.is_empty() {
            return Ok(self);
        }
        match balance {
            Balance::Strict => {
                let units: BTreeSet<usize> = gaps.iter().map(|g| g.0).collect();
                let mut listed: Vec<String> = gaps
                    .iter()
                    .take(MAX_LISTED)
                    .map(|&(u, t)| format!("{} in {}", self.units[u], self.periods[t]))
                    .collect();
                if gaps.len() > MAX_LISTED {
                    listed.push(format!("and {} more", gaps.len() - MAX_LISTED));
                }
                Err(EvalError::Unbalanced {
                    count: gaps.len(),
                    units: units.len(),
                    listed: listed.join(", "),
                })
            }
            Balance::DropUnits => {
                let mut per_unit: BTreeMap<usize, usize> = BTreeMap::new();
                for (u, _) in &gaps {
                    *per_unit.entry(*u).or_default() += 1;
                }
                let keep: Vec<usize> = (0..self.units.len())
                    .filter(|u| !per_unit.contains_key(u))
                    .collect();
                self.dropped_units = per_unit
                    .iter()
                    .map(|(&u, &n)| (self.units[u].clone(), n))
                    .collect();
                let dropped = std::mem::take(&mut self.dropped_units);
                let mut out = self.with_units(&keep);
                out.dropped_units = dropped;
                if out.units.is_empty() {
                    return Err(EvalError::invalid(
                        format!("panel `{}`", out.outcome),
                        "every unit has a gap, so dropping units leaves nothing; try `balance = \"drop_periods\"`",
                    ));
                }
                Ok(out)
            }
            Balance::DropPeriods => {
                let mut per_period: BTreeMap<usize, usize> = BTreeMap::new();
                for (_, t) in &gaps {
                    *per_period.entry(*t).or_default() += 1;
                }
                let keep: Vec<usize> = (0..nt).filter(|t| !per_period.contains_key(t)).collect();
                let dropped: Vec<(String, usize)> = per_period
                    .iter()
                    .map(|(&t, &n)| (self.periods[t].to_string(), n))
                    .collect();
                let mut out = self.with_periods(&keep);
                out.dropped_periods = dropped;
                if out.periods.is_empty() {
                    return Err(EvalError::invalid(
                        format!("panel `{}`", out.outcome),
                        "every period has a gap, so dropping periods leaves nothing; try `balance = \"drop_units\"`",
                    ));
                }
                Ok(out)
            }
        }
    }

    /// The panel restricted to the units at `keep` (indices, in the order given).
    pub fn with_units(&self, keep: &[usize]) -> Panel {
        let nt = self.periods.len();
        let cells: Vec<usize> = keep
            .iter()
            .flat_map(|&u| (u * nt..(u + 1) * nt).collect::<Vec<_>>())
            .collect();
        let mut out = self.with_cells(&cells);
        out.units = keep.iter().map(|&u| self.units[u].clone()).collect();
        out.members = keep.iter().map(|&u| self.members[u].clone()).collect();
        out
    }

    /// The panel restricted to the periods at `keep` (indices, ascending).
    pub fn with_periods(&self, keep: &[usize]) -> Panel {
        let nt = self.periods.len();
        let cells: Vec<usize> = (0..self.units.len())
            .flat_map(|u| keep.iter().map(move |&t| u * nt + t))
            .collect();
        let mut out = self.with_cells(&cells);
        out.periods = keep.iter().map(|&t| self.periods[t]).collect();
        out.labels = keep.iter().map(|&t| self.labels[t].clone()).collect();
        out
    }

    /// A copy holding only the cells at `cells` (the caller fixes units or periods).
    fn with_cells(&self, cells: &[usize]) -> Panel {
        let pick = |v: &[f64]| cells.iter().map(|&k| v[k]).collect::<Vec<f64>>();
        Panel {
            outcome: self.outcome.clone(),
            units: self.units.clone(),
            members: self.members.clone(),
            periods: self.periods.clone(),
            labels: self.labels.clone(),
            values: pick(&self.values),
            counts: self.counts.as_ref().map(|c| Counts {
                numerator: pick(&c.numerator),
                denominator: pick(&c.denominator),
            }),
            breaks: self.breaks.clone(),
            dropped_units: self.dropped_units.clone(),
            dropped_periods: self.dropped_periods.clone(),
        }
    }

    /// The periods from `first` to `last` inclusive (either may be absent).
    pub fn window(&self, first: Option<Period>, last: Option<Period>) -> Result<Panel, EvalError> {
        let keep: Vec<usize> = (0..self.periods.len())
            .filter(|&t| first.is_none_or(|f| self.periods[t] >= f))
            .filter(|&t| last.is_none_or(|l| self.periods[t] <= l))
            .collect();
        if keep.len() < 2 {
            return Err(EvalError::invalid(
                format!("panel `{}`", self.outcome),
                format!(
                    "the window keeps {} period(s) of {}; an evaluation needs at least two",
                    keep.len(),
                    self.periods
                        .iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        Ok(self.with_periods(&keep))
    }

    /// Adds a series break after building (e.g. from a study's declaration).
    pub fn add_break(&mut self, at: Period, reason: impl Into<String>) {
        self.breaks.push(SeriesBreak {
            at,
            reason: reason.into(),
        });
    }

    pub fn outcome(&self) -> &str {
        &self.outcome
    }

    pub fn n_units(&self) -> usize {
        self.units.len()
    }

    pub fn n_periods(&self) -> usize {
        self.periods.len()
    }

    /// Unit codes, sorted.
    pub fn units(&self) -> &[String] {
        &self.units
    }

    /// The codes each unit is made of (itself, or the parts summed into it).
    pub fn members(&self, unit: usize) -> &[String] {
        &self.members[unit]
    }

    /// Periods in time order.
    pub fn periods(&self) -> &[Period] {
        &self.periods
    }

    /// Periods as first written in the input (`201516`), for output columns.
    pub fn period_labels(&self) -> &[String] {
        &self.labels
    }

    /// The value of unit `u` in period `t`.
    pub fn value(&self, u: usize, t: usize) -> f64 {
        self.values[u * self.periods.len() + t]
    }

    /// Unit `u`'s values in period order.
    pub fn row(&self, u: usize) -> &[f64] {
        let nt = self.periods.len();
        &self.values[u * nt..(u + 1) * nt]
    }

    /// All values, unit-major.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// Numerators and denominators, when the panel was built from counts.
    pub fn counts(&self) -> Option<&Counts> {
        self.counts.as_ref()
    }

    pub fn breaks(&self) -> &[SeriesBreak] {
        &self.breaks
    }

    /// Units dropped by `Balance::DropUnits`, with their number of gaps.
    pub fn dropped_units(&self) -> &[(String, usize)] {
        &self.dropped_units
    }

    /// Periods dropped by `Balance::DropPeriods`, with their number of gaps.
    pub fn dropped_periods(&self) -> &[(String, usize)] {
        &self.dropped_periods
    }

    /// The index of a unit, by its code or by the code of one of its parts.
    pub fn unit_index(&self, code: &str) -> Option<usize> {
        self.units
            .binary_search_by(|u| u.as_str().cmp(code))
            .ok()
            .or_else(|| {
                self.members
                    .iter()
                    .position(|m| m.iter().any(|c| c == code))
            })
    }

    /// The index of a period.
    pub fn period_index(&self, p: Period) -> Option<usize> {
        self.periods.binary_search(&p).ok()
    }

    /// The first series break between period indices `from < to` (a break at `at` lies
    /// between the last period before `at` and the first period at or after it).
    pub fn break_between(&self, from: usize, to: usize) -> Option<&SeriesBreak> {
        let (from, to) = (from.min(to), from.max(to));
        self.breaks.iter().find(|b| {
            let first_after = self.periods.partition_point(|p| *p < b.at);
            first_after > from && first_after <= to
        })
    }

    /// Checks that no break lies between periods `from` and `to`.
    pub(crate) fn check_no_break(
        &self,
        method: &'static str,
        comparison: &str,
        from: usize,
        to: usize,
    ) -> Result<(), EvalError> {
        match self.break_between(from, to) {
            Some(b) => Err(EvalError::AcrossBreak {
                method,
                comparison: comparison.to_string(),
                span: format!(
                    "{} with {}",
                    self.periods[from.min(to)],
                    self.periods[from.max(to)]
                ),
                at: b.at.to_string(),
                reason: b.reason.clone(),
            }),
            None => Ok(()),
        }
    }
}

/// `first` then `then`: a code goes to `then[first[code]]` (or the step that applies).
/// For a vintage mapping followed by a grouping of districts into areas.
pub fn compose_maps(
    first: &BTreeMap<String, String>,
    then: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = first
        .iter()
        .map(|(k, v)| (k.clone(), then.get(v).unwrap_or(v).clone()))
        .collect();
    for (k, v) in then {
        out.entry(k.clone()).or_insert_with(|| v.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(code: &str, year: i32, value: Value, line: usize) -> Observation {
        Observation {
            code: code.into(),
            period: Period::span_year(year),
            period_text: format!("{year}{:02}", (year + 1) % 100),
            value,
            origin: format!("f.csv line {line}"),
        }
    }

    #[test]
    fn merged_areas_sum_counts_and_keep_both_vintages() {
        let mut b = PanelBuilder::new("gld").scale(100.0).map_codes(
            [("A1", "A"), ("A2", "A")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        let c = |n: f64, d: f64| Value::Counts {
            numerator: n,
            denominator: d,
        };
        b.extend([
            obs("A1", 2016, c(10.0, 20.0), 2),
            obs("A2", 2016, c(30.0, 40.0), 3),
            obs("A", 2017, c(35.0, 50.0), 4),
            obs("B", 2016, c(1.0, 2.0), 5),
            obs("B", 2017, c(3.0, 4.0), 6),
        ]);
        let p = b.build(Balance::Strict).unwrap();
        assert_eq!(p.units(), ["A", "B"]);
        assert_eq!(p.members(0), ["A1", "A2"]);
        assert!((p.value(0, 0) - 100.0 * 40.0 / 60.0).abs() < 1e-12);
        assert!((p.value(0, 1) - 70.0).abs() < 1e-12);
        assert_eq!(p.period_labels(), ["201617", "201718"]);
        assert_eq!(p.unit_index("A2"), Some(0));
    }

    #[test]
    fn a_merged_area_needs_every_part() {
        let mut b = PanelBuilder::new("gld").map_codes(
            [("A1", "A"), ("A2", "A")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        b.push(obs(
            "A1",
            2016,
            Value::Counts {
                numerator: 1.0,
                denominator: 2.0,
            },
            2,
        ));
        let e = b.build(Balance::Strict).unwrap_err().to_string();
        assert!(e.contains("`A2` (a part of it) has no row"), "{e}");
    }

    #[test]
    fn rates_cannot_be_merged() {
        let mut b = PanelBuilder::new("gld").map_codes(
            [("A1", "A"), ("A2", "A")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        b.extend([
            obs("A1", 2016, Value::Number(0.5), 2),
            obs("A2", 2016, Value::Number(0.7), 3),
        ]);
        let e = b.build(Balance::Strict).unwrap_err().to_string();
        assert!(e.contains("numerator and denominator"), "{e}");
    }

    #[test]
    fn breaks_fall_between_neighbours() {
        let periods: Vec<Period> = [2014, 2015, 2016, 2018].map(Period::year).to_vec();
        let mut p = Panel::from_matrix(
            "y",
            vec!["a".into()],
            periods,
            vec![1.0, 2.0, 3.0, 4.0],
            Balance::Strict,
        )
        .unwrap();
        p.add_break(Period::year(2017), "no exams");
        assert!(p.break_between(0, 2).is_none());
        assert!(p.break_between(2, 3).is_some());
        assert!(p.break_between(3, 0).is_some());
        let e = p.check_no_break("did", "never treated", 1, 3).unwrap_err();
        assert!(e.to_string().contains("before 2017 (no exams)"), "{e}");
    }

    #[test]
    fn composed_maps_follow_both_steps() {
        let first: BTreeMap<String, String> = [("W", "S"), ("T", "S"), ("F", "F")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let then: BTreeMap<String, String> = [("F", "OA09"), ("E", "OA09")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let m = compose_maps(&first, &then);
        assert_eq!(m["W"], "S");
        assert_eq!(m["F"], "OA09");
        assert_eq!(m["E"], "OA09");
    }
}
