//! The funding stage (and the work behind `oa allocate`): allocate each of the study's
//! funds over the areas the selection chose (from the selection in memory) or the areas
//! a fund lists, in exact pence.

use crate::error::{Code, Error};
use crate::plan::Plan;
use oa_bundle::{Allocation, Fund, Funding, SelectedArea, Selection};
use oa_model::study::funding::Formula;
use oa_targeting::allocate::{self, FundOutcome, FundedArea};
use std::collections::BTreeMap;

fn failed(message: impl Into<String>) -> Error {
    Error::new(Code::FundingFailed, message)
}

/// Allocates every fund of the study; `selection` gives the selected areas and their
/// measures.
pub fn run(plan: &Plan, selection: Option<&Selection>) -> Result<Funding, Error> {
    let study = &plan.study;
    if study.funds.is_empty() {
        return Err(Error::new(
            Code::StudyInvalid,
            "the study declares no [[funds]]; add one to allocate money",
        ));
    }
    let by_id: Option<BTreeMap<&str, &SelectedArea>> =
        selection.map(|s| s.areas.iter().map(|a| (a.area_id.as_str(), a)).collect());
    let mut outcomes = Vec::new();
    for fund in &study.funds {
        let ids: Vec<String> = if !fund.areas.is_empty() {
            fund.areas.clone()
        } else {
            let sel = selection.ok_or_else(|| {
                failed(format!(
                    "fund `{}` funds the selected areas, but there is no selection; add a [selection] to the study (or run `oa select`) or list `areas` in the fund",
                    fund.id
                ))
            })?;
            let mut ids: Vec<String> = sel.selected().map(|a| a.area_id.clone()).collect();
            ids.sort();
            ids
        };
        let measure_of = |area: &SelectedArea| -> Option<f64> {
            match &fund.formula {
                Formula::Proportional { measure } if measure == "need" => Some(area.need),
                Formula::Proportional { measure } => {
                    let m = selection?.measures.iter().position(|x| x == measure)?;
                    Some(area.measure_values[m]).filter(|v| v.is_finite())
                }
                _ => None,
            }
        };
        let mut areas = Vec::with_capacity(ids.len());
        for id in ids {
            let row = by_id.as_ref().and_then(|s| s.get(id.as_str()).copied());
            if by_id.is_some() && row.is_none() && !fund.areas.is_empty() {
                return Err(failed(format!(
                    "fund `{}`: area `{id}` is not an area of the selection; check `areas`",
                    fund.id
                )));
            }
            areas.push(FundedArea {
                name: row
                    .map(|r| r.area_name.clone())
                    .unwrap_or_else(|| id.clone()),
                measure: row.and_then(measure_of),
                id,
            });
        }
        outcomes.push(allocate::allocate(fund, areas).map_err(|e| failed(e.to_string()))?);
    }
    Ok(funding(&outcomes))
}

/// The bundle's funding section from the allocations.
fn funding(outcomes: &[FundOutcome]) -> Funding {
    Funding {
        funds: outcomes
            .iter()
            .map(|f| Fund {
                fund: f.id.clone(),
                total: f.total,
                allocated: f.allocated,
                name: f.name.clone(),
                formula: f.formula.to_string(),
                areas: f.areas.len() as u32,
                periods: f.periods.clone(),
                funders: f.funders.clone(),
                notes: f.notes.clone(),
            })
            .collect(),
        allocations: outcomes
            .iter()
            .flat_map(|f| {
                f.lines.iter().map(move |l| {
                    let a = &f.areas[l.area];
                    Allocation {
                        fund: f.id.clone(),
                        area_id: a.id.clone(),
                        area_name: a.name.clone(),
                        period: f.periods[l.period].clone(),
                        amount: l.amount,
                        formula: f.formula.to_string(),
                        share: a.share,
                        basis: f.basis_of(a),
                        bound: a.bound.to_string(),
                        match_amount: l.match_amount,
                    }
                })
            })
            .collect(),
        markdown: oa_targeting::report::allocations_markdown(outcomes),
    }
}
