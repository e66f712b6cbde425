//! Who is treated, and from when.
//!
//! Treatment is absorbing: a unit's *first treated period* (its group, `g`) is the first
//! period its outcome could respond, and it stays treated. With `anticipation = a`, the
//! last `a` periods before `g` may already respond and are used neither as "before" nor as
//! comparisons (Callaway and Sant'Anna's `anticipation`). A unit first treated after the
//! panel's last period is untreated within the panel (as R `did` treats it).

use crate::error::EvalError;
use crate::panel::Panel;
use crate::period::Period;

/// What to do when a treated code is only a part of a panel unit (West Somerset inside
/// Somerset West and Taunton after 2019).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartlyTreated {
    /// An error naming the unit and the part.
    #[default]
    Error,
    /// The whole unit counts as treated.
    Treated,
    /// The unit is left out of the evaluation (neither treated nor a comparison).
    Exclude,
}

/// First treated period (as a period index) of every unit of a panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Treatment {
    /// `Some(t)`: first treated in period index `t`; `None`: untreated within the panel.
    first: Vec<Option<usize>>,
    /// Units left out of every comparison (`PartlyTreated::Exclude`).
    excluded: Vec<bool>,
    anticipation: usize,
    /// Units whose first treated period is after the panel (untreated here), with it.
    after_window: Vec<(String, Period)>,
}

impl Treatment {
    /// From each treated code's first treated period. A code may name a unit or one of the
    /// codes a unit is made of (see `partly`). Every other unit is untreated.
    pub fn from_first_treated(
        panel: &Panel,
        treated: &[(String, Period)],
        anticipation: usize,
        partly: PartlyTreated,
    ) -> Result<Treatment, EvalError> {
        let n = panel.n_units();
        let mut first: Vec<Option<Period>> = vec![None; n];
        let mut excluded = vec![false; n];
        for (code, period) in treated {
            let u = panel
                .unit_index(code)
                .ok_or_else(|| EvalError::UnknownUnit {
                    unit: code.clone(),
                    context: "treatment".into(),
                    hint: nearest_hint(panel, code),
                })?;
            let whole = panel.units()[u] == *code || panel.members(u).len() == 1;
            if !whole {
                match partly {
                    PartlyTreated::Error => {
                        return Err(EvalError::invalid(
                            format!("treated `{code}`"),
                            format!(
                                "it is one part of unit `{}` ({}); evaluate on boundaries where it is a unit of its own, or choose how to treat the whole (`partly_treated = \"treated\"` or `\"exclude\"`)",
                                panel.units()[u],
                                panel.members(u).join(" + ")
                            ),
                        ));
                    }
                    PartlyTreated::Exclude => {
                        excluded[u] = true;
                        continue;
                    }
                    PartlyTreated::Treated => {}
                }
            }
            first[u] = Some(match first[u] {
                Some(p) => p.min(*period),
                None => *period,
            });
        }
        Treatment::from_periods(panel, first, excluded, anticipation)
    }

    /// From a 0/1 treatment indicator per unit and period (unit-major, as synthdid takes
    /// it): treatment must never switch off.
    pub fn from_indicator(
        panel: &Panel,
        treated: &[bool],
        anticipation: usize,
    ) -> Result<Treatment, EvalError> {
        let nt = panel.n_periods();
        if treated.len() != panel.n_units() * nt {
            return Err(EvalError::invalid(
                "treatment indicator",
                format!(
                    "{} values for {} unit-periods",
                    treated.len(),
                    panel.n_units() * nt
                ),
            ));
        }
        let mut first = vec![None; panel.n_units()];
        for (u, f) in first.iter_mut().enumerate() {
            let row = &treated[u * nt..(u + 1) * nt];
            if let Some(on) = row.iter().position(|&x| x) {
                if let Some(off) = row[on..].iter().position(|&x| !x) {
                    return Err(EvalError::TreatmentSwitchesOff {
                        unit: panel.units()[u].clone(),
                        on: panel.periods()[on].to_string(),
                        off: panel.periods()[on + off].to_string(),
                    });
                }
                *f = Some(panel.periods()[on]);
            }
        }
        Treatment::from_periods(panel, first, vec![false; panel.n_units()], anticipation)
    }

    fn from_periods(
        panel: &Panel,
        first: Vec<Option<Period>>,
        excluded: Vec<bool>,
        anticipation: usize,
    ) -> Result<Treatment, EvalError> {
        let periods = panel.periods();
        let last = *periods.last().expect("a panel has periods");
        let mut index = vec![None; first.len()];
        let mut after_window = Vec::new();
        for (u, f) in first.iter().enumerate() {
            let Some(p) = f else { continue };
            if *p > last {
                after_window.push((panel.units()[u].clone(), *p));
                continue;
            }
            // The first panel period at or after the first treated period.
            let t = periods.partition_point(|q| q < p);
            if t < anticipation + 1 {
                return Err(EvalError::NoPrePeriod {
                    unit: panel.units()[u].clone(),
                    first_treated: p.to_string(),
                    anticipation: if anticipation > 0 {
                        format!(" or within {anticipation} period(s) of it (anticipation)")
                    } else {
                        String::new()
                    },
                });
            }
            index[u] = Some(t);
        }
        if index.iter().all(Option::is_none) {
            return Err(EvalError::NoTreated {
                context: if after_window.is_empty() {
                    String::new()
                } else {
                    format!(
                        " within the panel (first treated after its last period {last}: {})",
                        after_window
                            .iter()
                            .map(|(u, p)| format!("{u} in {p}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
            });
        }
        Ok(Treatment {
            first: index,
            excluded,
            anticipation,
            after_window,
        })
    }

    /// First treated period index of unit `u` (`None` = untreated in the panel).
    pub fn first_treated(&self, u: usize) -> Option<usize> {
        self.first[u]
    }

    /// Whether unit `u` is left out of every comparison.
    pub fn is_excluded(&self, u: usize) -> bool {
        self.excluded[u]
    }

    pub fn anticipation(&self) -> usize {
        self.anticipation
    }

    pub fn n_units(&self) -> usize {
        self.first.len()
    }

    /// Treated units (first treated within the panel), in unit order.
    pub fn treated_units(&self) -> Vec<usize> {
        (0..self.first.len())
            .filter(|&u| self.first[u].is_some() && !self.excluded[u])
            .collect()
    }

    /// Units never treated within the panel (and not excluded).
    pub fn never_treated(&self) -> Vec<usize> {
        (0..self.first.len())
            .filter(|&u| self.first[u].is_none() && !self.excluded[u])
            .collect()
    }

    /// The distinct first treated period indices, ascending (the groups `g`).
    pub fn groups(&self) -> Vec<usize> {
        let mut g: Vec<usize> = self
            .treated_units()
            .iter()
            .filter_map(|&u| self.first[u])
            .collect();
        g.sort_unstable();
        g.dedup();
        g
    }

    /// Units first treated after the panel ends (untreated here).
    pub fn after_window(&self) -> &[(String, Period)] {
        &self.after_window
    }

    /// The same treatment with other first treated periods (for permutation tests).
    pub fn with_first(&self, first: Vec<Option<usize>>) -> Treatment {
        Treatment {
            first,
            excluded: self.excluded.clone(),
            anticipation: self.anticipation,
            after_window: Vec::new(),
        }
    }

    /// The same treatment restricted to units at `keep` (as `Panel::with_units`).
    pub fn with_units(&self, keep: &[usize]) -> Treatment {
        Treatment {
            first: keep.iter().map(|&u| self.first[u]).collect(),
            excluded: keep.iter().map(|&u| self.excluded[u]).collect(),
            anticipation: self.anticipation,
            after_window: self.after_window.clone(),
        }
    }
}

/// "; did you mean `X`?" for a code close to a unit's, else a list of a few units.
pub(crate) fn nearest_hint(panel: &Panel, code: &str) -> String {
    let close = panel.units().iter().map(|u| (distance(u, code), u)).min();
    match close {
        Some((d, u)) if d <= 2 => format!("; did you mean `{u}`?"),
        _ => format!(
            "; the panel has {} units ({}{})",
            panel.n_units(),
            panel
                .units()
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            if panel.n_units() > 3 { ", ..." } else { "" }
        ),
    }
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diag + usize::from(ca != cb));
            diag = above;
        }
    }
    row[b.len()]
}
