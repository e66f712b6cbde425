//! Re-making a selection when one measure's values change, many times (one Monte Carlo
//! sample of the study's index after another): [`select::prepare`] runs once; each
//! [`Reselector::update`] re-derives only what the changed measure drives (the areas'
//! value, rank and need on it, and the long list) and [`Reselector::select`] solves
//! without looking for conflicts when the constraints cannot hold.

use crate::TargetingError;
use crate::rules::{self, Rule};
use crate::select::{self, District, MeasureData, Problem, evaluate};
use oa_model::study::selection::{AreaNeed, Better, Selection};
use std::collections::BTreeMap;

/// A prepared selection whose measure `measure` is replaced run after run.
#[derive(Debug, Clone)]
pub struct Reselector {
    problem: Problem,
    measure: usize,
    better: Better,
    area_need: AreaNeed,
    /// District positions (in the `districts` given to [`Reselector::new`]) per candidate.
    members: Vec<Vec<usize>>,
    /// Member populations per candidate (1 each without a population measure).
    populations: Vec<Vec<f64>>,
    rule: Option<Rule>,
    /// The measures' ids and names, for the long-list notes.
    measures: Vec<MeasureData>,
    sorted: Vec<f64>,
}

impl Reselector {
    /// Prepares `selection` once; `measure` (a measure id, not the population measure)
    /// is the one [`Reselector::update`] replaces.
    pub fn new(
        selection: &Selection,
        districts: &[District],
        measures: &[MeasureData],
        measure: &str,
    ) -> Result<Reselector, TargetingError> {
        let problem = select::prepare(selection, districts, measures)?;
        let mi = measures
            .iter()
            .position(|m| m.id == measure)
            .ok_or_else(|| TargetingError::Input(format!("no measure `{measure}`")))?;
        if selection.population.as_deref() == Some(measure) {
            return Err(TargetingError::Input(format!(
                "the population measure `{measure}` cannot be re-sampled"
            )));
        }
        let position: BTreeMap<&str, usize> = districts
            .iter()
            .enumerate()
            .map(|(i, d)| (d.code.as_str(), i))
            .collect();
        let population = selection
            .population
            .as_ref()
            .and_then(|p| measures.iter().find(|m| &m.id == p));
        let members: Vec<Vec<usize>> = problem
            .candidates
            .iter()
            .map(|c| c.districts.iter().map(|d| position[d.as_str()]).collect())
            .collect();
        let populations = problem
            .candidates
            .iter()
            .map(|c| {
                c.districts
                    .iter()
                    .map(|d| population.map_or(1.0, |p| p.values[d.as_str()]))
                    .collect()
            })
            .collect();
        let rule = match &selection.long_list {
            Some(text) => {
                Some(rules::parse(text).map_err(|e| TargetingError::Input(e.to_string()))?)
            }
            None => None,
        };
        let names = measures
            .iter()
            .map(|m| MeasureData {
                id: m.id.clone(),
                name: m.name.clone(),
                better: m.better,
                values: BTreeMap::new(),
            })
            .collect();
        Ok(Reselector {
            problem,
            measure: mi,
            better: measures[mi].better,
            area_need: selection.area_need,
            members,
            populations,
            rule,
            measures: names,
            sorted: Vec::with_capacity(districts.len()),
        })
    }

    /// The problem as last prepared or updated.
    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    /// Replaces the measure's values (one per district, in the order given to
    /// [`Reselector::new`]); the problem is then what [`select::prepare`] would give
    /// with those values. Every value must be finite.
    pub fn update(&mut self, values: &[f64]) -> Result<&Problem, TargetingError> {
        if values.len() != self.problem.n_districts || values.iter().any(|v| !v.is_finite()) {
            return Err(TargetingError::Input(
                "a re-sampled measure needs one finite value per district".into(),
            ));
        }
        let orient = |v: f64| match self.better {
            Better::Higher => -v,
            Better::Lower => v,
        };
        self.sorted.clear();
        self.sorted.extend(values.iter().map(|&v| orient(v)));
        self.sorted.sort_by(|a, b| b.total_cmp(a));
        let index: BTreeMap<&str, usize> = self
            .measures
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.as_str(), i))
            .collect();
        let n = values.len();
        let mi = self.measure;
        let need_measure = self.problem.need_measure;
        for (ci, c) in self.problem.candidates.iter_mut().enumerate() {
            let members = &self.members[ci];
            let needs = members.iter().map(|&d| orient(values[d]));
            let need = if members.len() == 1 {
                orient(values[members[0]])
            } else {
                match self.area_need {
                    AreaNeed::Worst => needs.clone().fold(f64::MIN, f64::max),
                    AreaNeed::Mean => needs.clone().sum::<f64>() / members.len() as f64,
                    AreaNeed::PopulationWeighted => {
                        let pops = &self.populations[ci];
                        let w: f64 = pops.iter().sum();
                        if w > 0.0 {
                            needs.clone().zip(pops).map(|(v, p)| v * p).sum::<f64>() / w
                        } else {
                            needs.clone().sum::<f64>() / members.len() as f64
                        }
                    }
                }
            };
            let greater_total = self.sorted.partition_point(|&x| x > need);
            let greater_inside = needs.filter(|&x| x > need).count();
            c.ranks[mi] = 1 + greater_total - greater_inside;
            c.values[mi] = orient(need);
            if mi == need_measure {
                c.need = need;
            }
            if let Some(rule) = &self.rule {
                c.long_list_notes.clear();
                c.on_long_list = evaluate(
                    rule,
                    &self.measures,
                    &index,
                    n,
                    &c.ranks,
                    &c.regions,
                    &c.tags,
                    &mut c.long_list_notes,
                );
            }
        }
        Ok(&self.problem)
    }

    /// The optimal choice for the current values, or `None` when the constraints cannot
    /// all hold (without the search for which ones conflict).
    pub fn select(&self) -> Option<select::Choice> {
        select::solve(&self.problem, &vec![true; self.problem.constraints.len()])
    }
}
