//! Choosing areas: from districts and measures to candidate areas, the long list, an
//! optimal choice under constraints, and the smallest set of constraints that conflict.
//!
//! The choice maximises the objective exactly. When every constraint is a per-region
//! quota (regions partition the areas) plus must-include/exclude and eligibility, a greedy
//! algorithm is optimal: each region's best-first prefix sums are concave, so taking the
//! required minimum per region and then the best remaining areas overall (within each
//! region's maximum) cannot be improved on. Otherwise (tags, areas spanning regions) an
//! integer programme is solved with `good_lp` (microlp branch and bound). Ties are broken
//! by area code: the greedy orders by need then code, and an integer-programme solution is
//! canonicalised by swapping equal-need areas towards smaller codes while every
//! constraint still holds.

use crate::TargetingError;
use crate::rules::{self, Rule};
use oa_model::study::selection::{AreaNeed, Better, Objective, QuotaBy, Selection};
use std::collections::{BTreeMap, BTreeSet};

/// A district of the universe (the unit the measures are given for).
#[derive(Debug, Clone, PartialEq)]
pub struct District {
    pub code: String,
    pub name: String,
    pub region: Option<String>,
}

/// One measure's values per district code, in its own units.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureData {
    pub id: String,
    /// Words for explanations ("children's income deprivation").
    pub name: String,
    pub better: Better,
    pub values: BTreeMap<String, f64>,
}

/// An area that may be chosen: one district, or several declared as one area.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub id: String,
    pub name: String,
    pub districts: Vec<String>,
    pub regions: Vec<String>,
    pub tags: Vec<String>,
    pub population: Option<f64>,
    /// The area's value on each measure, in the measure's units.
    pub values: Vec<f64>,
    /// The area's rank on each measure among the districts (1 = greatest need).
    pub ranks: Vec<usize>,
    /// The objective coefficient (larger = more need).
    pub need: f64,
    pub on_long_list: bool,
    /// Why it is or is not on the long list, one phrase per term of the rule.
    pub long_list_notes: Vec<String>,
    /// Within the population bounds (true when there are none).
    pub population_ok: bool,
}

/// Whether a quota counts regions or tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum GroupKind {
    Region,
    Tag,
}

/// One constraint on the choice; the unit that conflict reports name.
#[derive(Debug, Clone, PartialEq)]
pub enum Constraint {
    /// Choose exactly this many.
    Count(usize),
    /// Candidate index that must be chosen.
    Include(usize),
    /// Candidate index that must not be chosen.
    Exclude(usize),
    /// Only long-listed areas may be chosen.
    LongList,
    /// Only areas within the population bounds may be chosen.
    Population { min: Option<f64>, max: Option<f64> },
    AtLeast {
        kind: GroupKind,
        value: String,
        n: usize,
    },
    AtMost {
        kind: GroupKind,
        value: String,
        n: usize,
    },
}

/// A selection ready to solve: candidates with their values, ranks and constraints.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub n_districts: usize,
    /// (id, name) of each measure, in the order of `Candidate::values`.
    pub measures: Vec<(String, String)>,
    pub need_measure: usize,
    pub objective: Objective,
    /// Candidates sorted by id.
    pub candidates: Vec<Candidate>,
    pub count: usize,
    pub constraints: Vec<Constraint>,
    pub long_list_rule: Option<String>,
    pub restrict_to_long_list: bool,
    /// (wave id, announced, listed candidate indices, capacity).
    pub waves: Vec<(String, String, Vec<usize>, Option<usize>)>,
}

impl Problem {
    /// The candidates that active `Include` constraints force into the choice.
    fn forced<'a>(&'a self, active: &'a [bool]) -> impl Iterator<Item = usize> + 'a {
        self.constraints
            .iter()
            .zip(active)
            .filter_map(|(c, a)| match (c, a) {
                (Constraint::Include(i), true) => Some(*i),
                _ => None,
            })
    }

    /// Words for a constraint, e.g. "at most 3 areas in East of England".
    pub fn describe(&self, c: &Constraint) -> String {
        let areas = |n: usize| if n == 1 { "area" } else { "areas" };
        let group = |kind: GroupKind, value: &str| match kind {
            GroupKind::Region => format!("in {value}"),
            GroupKind::Tag => format!("tagged {value}"),
        };
        match c {
            Constraint::Count(k) => format!(
                "choose exactly {k} {} of the {} candidates",
                areas(*k),
                self.candidates.len()
            ),
            Constraint::Include(i) => format!(
                "must include {} ({})",
                self.candidates[*i].name, self.candidates[*i].id
            ),
            Constraint::Exclude(i) => format!(
                "must exclude {} ({})",
                self.candidates[*i].name, self.candidates[*i].id
            ),
            Constraint::LongList => {
                let listed = self.candidates.iter().filter(|c| c.on_long_list).count();
                format!(
                    "choose only from the long list ({listed} {})",
                    areas(listed)
                )
            }
            Constraint::Population { min, max } => match (min, max) {
                (Some(a), Some(b)) => format!("population between {a} and {b}"),
                (Some(a), None) => format!("population at least {a}"),
                (None, Some(b)) => format!("population at most {b}"),
                (None, None) => "population bounds".to_string(),
            },
            Constraint::AtLeast { kind, value, n } => {
                format!("at least {n} {} {}", areas(*n), group(*kind, value))
            }
            Constraint::AtMost { kind, value, n } => {
                format!("at most {n} {} {}", areas(*n), group(*kind, value))
            }
        }
    }

    fn in_group(&self, i: usize, kind: GroupKind, value: &str) -> bool {
        let c = &self.candidates[i];
        match kind {
            GroupKind::Region => c.regions.iter().any(|r| r == value),
            GroupKind::Tag => c.tags.iter().any(|t| t == value),
        }
    }

    fn eligible(&self, i: usize, active: &[bool]) -> bool {
        let c = &self.candidates[i];
        self.constraints
            .iter()
            .zip(active)
            .filter(|(_, a)| **a)
            .all(|(k, _)| match k {
                Constraint::Exclude(j) => *j != i,
                Constraint::LongList => c.on_long_list,
                Constraint::Population { .. } => c.population_ok,
                _ => true,
            })
    }

    /// Constraints (indices) that the set `chosen` breaks, among the active ones.
    pub fn violations(&self, chosen: &[usize], active: &[bool]) -> Vec<usize> {
        let set: BTreeSet<usize> = chosen.iter().copied().collect();
        let mut out = Vec::new();
        for (ci, (c, a)) in self.constraints.iter().zip(active).enumerate() {
            if !*a {
                continue;
            }
            let ok = match c {
                Constraint::Count(k) => set.len() == *k,
                Constraint::Include(i) => set.contains(i),
                Constraint::Exclude(i) => !set.contains(i),
                Constraint::LongList => set.iter().all(|&i| self.candidates[i].on_long_list),
                Constraint::Population { .. } => {
                    set.iter().all(|&i| self.candidates[i].population_ok)
                }
                Constraint::AtLeast { kind, value, n } => {
                    set.iter()
                        .filter(|&&i| self.in_group(i, *kind, value))
                        .count()
                        >= *n
                }
                Constraint::AtMost { kind, value, n } => {
                    set.iter()
                        .filter(|&&i| self.in_group(i, *kind, value))
                        .count()
                        <= *n
                }
            };
            if !ok {
                out.push(ci);
            }
        }
        out
    }

    /// The objective value of a set: total need, or for `best_rank` the sum of ranks.
    pub fn objective_value(&self, chosen: &[usize]) -> f64 {
        match self.objective {
            Objective::TotalNeed => chosen.iter().map(|&i| self.candidates[i].need).sum(),
            Objective::BestRank => chosen
                .iter()
                .map(|&i| self.candidates[i].ranks[self.need_measure] as f64)
                .sum(),
        }
    }
}

/// The choice: chosen candidate indices (sorted) and how it was found.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub chosen: Vec<usize>,
    /// `greedy (exact for region quotas)` or `integer programme (microlp)`.
    pub method: &'static str,
}

/// Builds the candidate areas, their values, ranks and long-list status, and the
/// constraints, from the study's selection section and the data read for it.
pub fn prepare(
    selection: &Selection,
    districts: &[District],
    measures: &[MeasureData],
) -> Result<Problem, TargetingError> {
    if districts.is_empty() {
        return Err(TargetingError::Input(
            "the selection has no districts to choose from".into(),
        ));
    }
    let measure_index: BTreeMap<&str, usize> = measures
        .iter()
        .enumerate()
        .map(|(i, m)| (m.id.as_str(), i))
        .collect();
    let need_measure = *measure_index.get(selection.need.as_str()).ok_or_else(|| {
        TargetingError::Input(format!("no data for the need measure `{}`", selection.need))
    })?;
    let population_measure = match &selection.population {
        Some(p) => Some(*measure_index.get(p.as_str()).ok_or_else(|| {
            TargetingError::Input(format!("no data for the population measure `{p}`"))
        })?),
        None => None,
    };
    // Every measure must cover every district: a missing value would silently change ranks.
    for m in measures {
        if let Some(d) = districts.iter().find(|d| !m.values.contains_key(&d.code)) {
            return Err(TargetingError::Input(format!(
                "measure `{}` has no value for district {} ({}); fix the data file or the universe",
                m.id, d.code, d.name
            )));
        }
        if let Some((code, v)) = m.values.iter().find(|(_, v)| !v.is_finite()) {
            return Err(TargetingError::Input(format!(
                "measure `{}` has a non-numeric value {v} for {code}",
                m.id
            )));
        }
    }
    let district_by_code: BTreeMap<&str, &District> =
        districts.iter().map(|d| (d.code.as_str(), d)).collect();
    // Group districts into areas.
    let mut owner: BTreeMap<&str, usize> = BTreeMap::new();
    let mut groups: Vec<(String, String, Vec<String>)> = Vec::new();
    for (i, a) in selection.areas.iter().enumerate() {
        for d in &a.districts {
            if !district_by_code.contains_key(d.as_str()) {
                return Err(TargetingError::Input(format!(
                    "selection.areas[{i}] ({}): district {d} is not in the universe of districts",
                    a.id
                )));
            }
            owner.insert(d.as_str(), groups.len());
        }
        groups.push((a.id.clone(), a.name.clone(), a.districts.clone()));
    }
    for d in districts {
        if !owner.contains_key(d.code.as_str()) {
            groups.push((d.code.clone(), d.name.clone(), vec![d.code.clone()]));
        }
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    // Need-oriented district values: larger = more need.
    let oriented = |m: &MeasureData, v: f64| match m.better {
        Better::Higher => -v,
        Better::Lower => v,
    };
    let n = districts.len();
    let mut sorted_need: Vec<Vec<f64>> = measures
        .iter()
        .map(|m| {
            let mut v: Vec<f64> = districts
                .iter()
                .map(|d| oriented(m, m.values[&d.code]))
                .collect();
            v.sort_by(|a, b| b.total_cmp(a));
            v
        })
        .collect();
    for v in &mut sorted_need {
        v.shrink_to_fit();
    }
    let district_population = |code: &str| population_measure.map(|p| measures[p].values[code]);
    // Resolve ids used by tags, includes, excludes and waves.
    let id_to_group: BTreeMap<&str, usize> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.0.as_str(), i))
        .collect();
    let resolve = |key: &str, id: &str| -> Result<usize, TargetingError> {
        if let Some(&i) = id_to_group.get(id) {
            return Ok(i);
        }
        if let Some(&g) = owner.get(id) {
            let gid = &selection.areas[g].id;
            return Ok(id_to_group[gid.as_str()]);
        }
        Err(TargetingError::Input(format!(
            "selection.{key}: `{id}` is neither an area id nor a district of the universe"
        )))
    };
    let mut tags_of: Vec<BTreeSet<String>> = vec![BTreeSet::new(); groups.len()];
    for (tag, ids) in &selection.tags {
        for id in ids {
            tags_of[resolve(&format!("tags.{tag}"), id)?].insert(tag.clone());
        }
    }
    let rule: Option<Rule> = match &selection.long_list {
        Some(text) => {
            let r =
                rules::parse(text).map_err(|e| TargetingError::Input(format!("selection.{e}")))?;
            for m in r.measures() {
                if !measure_index.contains_key(m) {
                    return Err(TargetingError::Input(format!(
                        "selection.long_list: unknown measure `{m}`; use `index` or a [[selection.measures]] id"
                    )));
                }
            }
            Some(r)
        }
        None => None,
    };
    let mut candidates = Vec::with_capacity(groups.len());
    for (gi, (id, name, members)) in groups.iter().enumerate() {
        let pops: Vec<f64> = members
            .iter()
            .map(|d| district_population(d).unwrap_or(1.0))
            .collect();
        let population = population_measure.map(|_| pops.iter().sum::<f64>());
        let mut values = Vec::with_capacity(measures.len());
        let mut ranks = Vec::with_capacity(measures.len());
        let mut needs = Vec::with_capacity(measures.len());
        for (mi, m) in measures.iter().enumerate() {
            let member_values: Vec<f64> = members.iter().map(|d| m.values[d.as_str()]).collect();
            let member_needs: Vec<f64> = member_values.iter().map(|&v| oriented(m, v)).collect();
            let need = if members.len() == 1 || Some(mi) == population_measure {
                if Some(mi) == population_measure {
                    oriented(m, member_values.iter().sum())
                } else {
                    member_needs[0]
                }
            } else {
                match selection.area_need {
                    AreaNeed::Worst => member_needs.iter().copied().fold(f64::MIN, f64::max),
                    AreaNeed::Mean => member_needs.iter().sum::<f64>() / members.len() as f64,
                    AreaNeed::PopulationWeighted => {
                        let w: f64 = pops.iter().sum();
                        if w > 0.0 {
                            member_needs
                                .iter()
                                .zip(&pops)
                                .map(|(v, p)| v * p)
                                .sum::<f64>()
                                / w
                        } else {
                            member_needs.iter().sum::<f64>() / members.len() as f64
                        }
                    }
                }
            };
            // Rank among districts outside the area: 1 + those with strictly more need.
            let greater_total = sorted_need[mi].partition_point(|&x| x > need);
            let greater_inside = member_needs.iter().filter(|&&x| x > need).count();
            ranks.push(1 + greater_total - greater_inside);
            values.push(oriented(m, need)); // back to the measure's units
            needs.push(need);
        }
        let need = needs[need_measure];
        let mut regions: Vec<String> = members
            .iter()
            .filter_map(|d| district_by_code[d.as_str()].region.clone())
            .collect();
        regions.sort();
        regions.dedup();
        let tags: Vec<String> = tags_of[gi].iter().cloned().collect();
        let mut notes = Vec::new();
        let on_long_list = match &rule {
            Some(r) => evaluate(
                r,
                measures,
                &measure_index,
                n,
                &ranks,
                &regions,
                &tags,
                &mut notes,
            ),
            None => true,
        };
        let population_ok = match population {
            Some(p) => {
                selection.min_population.is_none_or(|lo| p >= lo)
                    && selection.max_population.is_none_or(|hi| p <= hi)
            }
            None => true,
        };
        candidates.push(Candidate {
            id: id.clone(),
            name: name.clone(),
            districts: members.clone(),
            regions,
            tags,
            population,
            values,
            ranks,
            need,
            on_long_list,
            long_list_notes: notes,
            population_ok,
        });
    }
    let index_of = |key: &str, id: &str| resolve(key, id);
    let mut constraints = vec![Constraint::Count(selection.count)];
    let mut included = BTreeSet::new();
    for id in &selection.must_include {
        included.insert(index_of("must_include", id)?);
    }
    let mut waves = Vec::new();
    for w in &selection.waves {
        let mut listed = Vec::new();
        for id in &w.areas {
            let i = index_of(&format!("waves.{}", w.id), id)?;
            if waves
                .iter()
                .any(|(_, _, l, _): &(String, String, Vec<usize>, Option<usize>)| l.contains(&i))
            {
                return Err(TargetingError::Input(format!(
                    "selection.waves: area `{id}` is listed in two waves; an area is announced once"
                )));
            }
            listed.push(i);
            included.insert(i);
        }
        waves.push((w.id.clone(), w.announced.clone(), listed, w.count));
    }
    constraints.extend(included.iter().map(|&i| Constraint::Include(i)));
    let mut excluded = BTreeSet::new();
    for id in &selection.must_exclude {
        let i = index_of("must_exclude", id)?;
        if included.contains(&i) {
            return Err(TargetingError::Input(format!(
                "selection.must_exclude: `{id}` must also be included (must_include or a wave)"
            )));
        }
        excluded.insert(i);
    }
    constraints.extend(excluded.iter().map(|&i| Constraint::Exclude(i)));
    if rule.is_some() && selection.restrict_to_long_list {
        constraints.push(Constraint::LongList);
    }
    if selection.min_population.is_some() || selection.max_population.is_some() {
        constraints.push(Constraint::Population {
            min: selection.min_population,
            max: selection.max_population,
        });
    }
    let all_regions: BTreeSet<&str> = candidates
        .iter()
        .flat_map(|c| c.regions.iter().map(String::as_str))
        .collect();
    for q in &selection.quotas {
        let (kind, values): (GroupKind, Vec<String>) = match (q.by, &q.value) {
            (QuotaBy::Region, Some(v)) => {
                if !all_regions.contains(v.as_str()) {
                    return Err(TargetingError::Input(format!(
                        "selection.quotas: no district is in region `{v}`; regions are: {}",
                        all_regions.iter().copied().collect::<Vec<_>>().join(", ")
                    )));
                }
                (GroupKind::Region, vec![v.clone()])
            }
            (QuotaBy::Region, None) => (
                GroupKind::Region,
                all_regions.iter().map(|s| s.to_string()).collect(),
            ),
            (QuotaBy::Tag, Some(v)) => (GroupKind::Tag, vec![v.clone()]),
            (QuotaBy::Tag, None) => {
                return Err(TargetingError::Input(
                    "selection.quotas: a tag quota names its tag".into(),
                ));
            }
        };
        for v in values {
            if let Some(n) = q.min {
                constraints.push(Constraint::AtLeast {
                    kind,
                    value: v.clone(),
                    n,
                });
            }
            if let Some(n) = q.max {
                constraints.push(Constraint::AtMost { kind, value: v, n });
            }
        }
    }
    Ok(Problem {
        n_districts: n,
        measures: measures
            .iter()
            .map(|m| {
                let name = if m.name.is_empty() {
                    m.id.clone()
                } else {
                    m.name.clone()
                };
                (m.id.clone(), name)
            })
            .collect(),
        need_measure,
        objective: selection.objective,
        candidates,
        count: selection.count,
        constraints,
        long_list_rule: selection.long_list.clone(),
        restrict_to_long_list: selection.restrict_to_long_list,
        waves,
    })
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn evaluate(
    rule: &Rule,
    measures: &[MeasureData],
    index: &BTreeMap<&str, usize>,
    n: usize,
    ranks: &[usize],
    regions: &[String],
    tags: &[String],
    notes: &mut Vec<String>,
) -> bool {
    let name = |m: &str| {
        let md = &measures[index[m]];
        if md.name.is_empty() {
            md.id.clone()
        } else {
            md.name.clone()
        }
    };
    match rule {
        Rule::And(a, b) => {
            // Evaluate both so the explanation names every term.
            let x = evaluate(a, measures, index, n, ranks, regions, tags, notes);
            let y = evaluate(b, measures, index, n, ranks, regions, tags, notes);
            x && y
        }
        Rule::Or(a, b) => {
            let x = evaluate(a, measures, index, n, ranks, regions, tags, notes);
            let y = evaluate(b, measures, index, n, ranks, regions, tags, notes);
            x || y
        }
        Rule::Not(a) => !evaluate(a, measures, index, n, ranks, regions, tags, notes),
        Rule::Worst { measure, amount } => {
            let size = amount.size(n);
            let r = ranks[index[measure.as_str()]];
            let inside = r <= size;
            notes.push(format!(
                "ranked {r} of {n} on {}, {} the worst {amount} ({size})",
                name(measure),
                if inside { "in" } else { "outside" }
            ));
            inside
        }
        Rule::Best { measure, amount } => {
            let size = amount.size(n);
            let r = ranks[index[measure.as_str()]];
            let inside = r + size > n;
            notes.push(format!(
                "ranked {r} of {n} on {}, {} the best {amount} ({size})",
                name(measure),
                if inside { "in" } else { "outside" }
            ));
            inside
        }
        Rule::Tag(t) => {
            let has = tags.iter().any(|x| x == t);
            notes.push(format!("{} {t}", if has { "is" } else { "is not" }));
            has
        }
        Rule::Region(r) => {
            let is = regions.iter().any(|x| x == r);
            notes.push(format!("{} in {r}", if is { "is" } else { "is not" }));
            is
        }
    }
}

/// Chooses the areas: optimal for the objective under every constraint, or the smallest
/// set of constraints that cannot hold together.
pub fn choose(problem: &Problem) -> Result<Choice, TargetingError> {
    let active = vec![true; problem.constraints.len()];
    if let Some(choice) = solve(problem, &active) {
        return Ok(choice);
    }
    Err(TargetingError::Infeasible {
        conflicts: conflicting_set(problem)
            .into_iter()
            .map(|c| problem.describe(&problem.constraints[c]))
            .collect(),
    })
}

/// A small set of constraints that cannot all hold (irreducible: dropping any one of
/// them makes the rest feasible), found by dropping constraints one at a time and keeping
/// out those whose absence leaves the problem infeasible.
pub fn conflicting_set(problem: &Problem) -> Vec<usize> {
    let mut active = vec![true; problem.constraints.len()];
    for c in 0..active.len() {
        active[c] = false;
        if solve(problem, &active).is_some() {
            active[c] = true;
        }
    }
    (0..active.len()).filter(|&c| active[c]).collect()
}

/// Solves with only the `active` constraints; `None` when infeasible.
pub fn solve(problem: &Problem, active: &[bool]) -> Option<Choice> {
    let count = problem
        .constraints
        .iter()
        .zip(active)
        .find_map(|(c, a)| match (c, a) {
            (Constraint::Count(k), true) => Some(*k),
            _ => None,
        });
    let forced: Vec<usize> = problem.forced(active).collect();
    if forced.iter().any(|&i| !problem.eligible(i, active)) {
        return None;
    }
    if count.is_some_and(|k| forced.len() > k) {
        return None;
    }
    let uses_tags = problem.constraints.iter().zip(active).any(|(c, a)| {
        *a && matches!(
            c,
            Constraint::AtLeast {
                kind: GroupKind::Tag,
                ..
            } | Constraint::AtMost {
                kind: GroupKind::Tag,
                ..
            }
        )
    });
    let uses_regions = problem.constraints.iter().zip(active).any(|(c, a)| {
        *a && matches!(
            c,
            Constraint::AtLeast {
                kind: GroupKind::Region,
                ..
            } | Constraint::AtMost {
                kind: GroupKind::Region,
                ..
            }
        )
    });
    let partition = !uses_regions || problem.candidates.iter().all(|c| c.regions.len() == 1);
    let chosen = if !uses_tags && partition {
        greedy(problem, active, count, &forced, uses_regions)
            .map(|c| (c, "greedy by region quotas (exact)"))
    } else {
        integer_programme(problem, active, count, &forced).map(|c| {
            (
                canonical_ties(problem, active, c),
                "integer programme (good_lp, microlp)",
            )
        })
    }?;
    debug_assert!(problem.violations(&chosen.0, active).is_empty());
    Some(Choice {
        chosen: chosen.0,
        method: chosen.1,
    })
}

fn coefficient(problem: &Problem, i: usize) -> f64 {
    match problem.objective {
        Objective::TotalNeed => problem.candidates[i].need,
        Objective::BestRank => -(problem.candidates[i].ranks[problem.need_measure] as f64),
    }
}

/// Better first: larger coefficient, then smaller id (candidates are sorted by id, so
/// the index orders ids).
fn better_first(problem: &Problem, a: usize, b: usize) -> std::cmp::Ordering {
    coefficient(problem, b)
        .total_cmp(&coefficient(problem, a))
        .then(a.cmp(&b))
}

fn greedy(
    problem: &Problem,
    active: &[bool],
    count: Option<usize>,
    forced: &[usize],
    by_region: bool,
) -> Option<Vec<usize>> {
    let group_of = |i: usize| -> &str {
        if by_region {
            problem.candidates[i]
                .regions
                .first()
                .map(String::as_str)
                .unwrap_or("")
        } else {
            ""
        }
    };
    let mut lo: BTreeMap<&str, usize> = BTreeMap::new();
    let mut hi: BTreeMap<&str, usize> = BTreeMap::new();
    for (c, a) in problem.constraints.iter().zip(active) {
        if !*a {
            continue;
        }
        match c {
            Constraint::AtLeast { value, n, .. } => {
                let e = lo.entry(value.as_str()).or_insert(0);
                *e = (*e).max(*n);
            }
            Constraint::AtMost { value, n, .. } => {
                let e = hi.entry(value.as_str()).or_insert(usize::MAX);
                *e = (*e).min(*n);
            }
            _ => {}
        }
    }
    let forced_set: BTreeSet<usize> = forced.iter().copied().collect();
    let mut others: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    let mut forced_in: BTreeMap<&str, usize> = BTreeMap::new();
    for &i in forced {
        *forced_in.entry(group_of(i)).or_insert(0) += 1;
    }
    for i in 0..problem.candidates.len() {
        if !forced_set.contains(&i) && problem.eligible(i, active) {
            others.entry(group_of(i)).or_default().push(i);
        }
    }
    let mut groups: BTreeSet<&str> = others.keys().copied().collect();
    groups.extend(lo.keys().copied());
    groups.extend(forced_in.keys().copied());
    let mut chosen: Vec<usize> = forced.to_vec();
    let mut extras: Vec<usize> = Vec::new();
    for g in groups {
        let f = forced_in.get(g).copied().unwrap_or(0);
        let max = hi.get(g).copied().unwrap_or(usize::MAX);
        let min = lo.get(g).copied().unwrap_or(0);
        if f > max || min > max {
            return None;
        }
        let list = others.entry(g).or_default();
        list.sort_by(|&a, &b| better_first(problem, a, b));
        let take = min.saturating_sub(f);
        if list.len() < take {
            return None;
        }
        chosen.extend_from_slice(&list[..take]);
        let room = max - f - take;
        let end = list.len().min(take.saturating_add(room));
        extras.extend_from_slice(&list[take..end]);
    }
    if let Some(k) = count {
        if chosen.len() > k {
            return None;
        }
        let r = k - chosen.len();
        if extras.len() < r {
            return None;
        }
        extras.sort_by(|&a, &b| better_first(problem, a, b));
        chosen.extend_from_slice(&extras[..r]);
    }
    chosen.sort_unstable();
    Some(chosen)
}

fn integer_programme(
    problem: &Problem,
    active: &[bool],
    count: Option<usize>,
    forced: &[usize],
) -> Option<Vec<usize>> {
    use good_lp::{Expression, ProblemVariables, Solution, SolverModel, Variable, variable};
    let forced_set: BTreeSet<usize> = forced.iter().copied().collect();
    let free: Vec<usize> = (0..problem.candidates.len())
        .filter(|&i| !forced_set.contains(&i) && problem.eligible(i, active))
        .collect();
    // Scale coefficients onto [1, 2]: the choice is unchanged (a fixed count or a shift
    // of every coefficient) and the solver's tolerances stay meaningful.
    let coefs: Vec<f64> = free.iter().map(|&i| coefficient(problem, i)).collect();
    let (lo, hi) = coefs
        .iter()
        .fold((f64::MAX, f64::MIN), |(l, h), &c| (l.min(c), h.max(c)));
    let span = if hi > lo { hi - lo } else { 1.0 };
    let mut vars = ProblemVariables::new();
    let x: Vec<Variable> = free.iter().map(|_| vars.add(variable().binary())).collect();
    let objective: Expression = x
        .iter()
        .zip(&coefs)
        .map(|(v, c)| (1.0 + (c - lo) / span) * *v)
        .sum();
    let group_rows = |kind: GroupKind, value: &str| -> (Expression, usize, usize) {
        let members: Vec<usize> = (0..free.len())
            .filter(|&j| problem.in_group(free[j], kind, value))
            .collect();
        let expr: Expression = members.iter().map(|&j| x[j]).sum();
        let fixed = forced
            .iter()
            .filter(|&&i| problem.in_group(i, kind, value))
            .count();
        (expr, members.len(), fixed)
    };
    let mut model = vars.maximise(objective).using(good_lp::microlp);
    if let Some(k) = count {
        let need = k.checked_sub(forced.len())?;
        if need > free.len() {
            return None;
        }
        let all: Expression = x.iter().copied().sum();
        model = model.with(all.eq(need as f64));
    }
    for (c, a) in problem.constraints.iter().zip(active) {
        if !*a {
            continue;
        }
        match c {
            Constraint::AtLeast { kind, value, n } => {
                let (expr, members, fixed) = group_rows(*kind, value);
                let rest = n.saturating_sub(fixed);
                if rest > members {
                    return None;
                }
                if rest > 0 {
                    model = model.with(expr.geq(rest as f64));
                }
            }
            Constraint::AtMost { kind, value, n } => {
                let (expr, members, fixed) = group_rows(*kind, value);
                let rest = n.checked_sub(fixed)?;
                if rest < members {
                    model = model.with(expr.leq(rest as f64));
                }
            }
            _ => {}
        }
    }
    if free.is_empty() {
        let chosen = forced.to_vec();
        return problem.violations(&chosen, active).is_empty().then(|| {
            let mut c = chosen;
            c.sort_unstable();
            c
        });
    }
    let solution = model.solve().ok()?;
    let mut chosen: Vec<usize> = forced.to_vec();
    chosen.extend(
        free.iter()
            .zip(&x)
            .filter(|(_, v)| solution.value(**v) > 0.5)
            .map(|(i, _)| *i),
    );
    chosen.sort_unstable();
    // Guard against solver tolerance: the answer must satisfy every constraint.
    problem
        .violations(&chosen, active)
        .is_empty()
        .then_some(chosen)
}

/// Swaps a chosen area for an unchosen one of equal coefficient and smaller id while every
/// constraint still holds, so that ties always resolve the same way.
fn canonical_ties(problem: &Problem, active: &[bool], mut chosen: Vec<usize>) -> Vec<usize> {
    let forced: BTreeSet<usize> = problem.forced(active).collect();
    loop {
        let set: BTreeSet<usize> = chosen.iter().copied().collect();
        let mut swapped = false;
        'outer: for pos in 0..chosen.len() {
            let a = chosen[pos];
            if forced.contains(&a) {
                continue;
            }
            for b in 0..a {
                if set.contains(&b)
                    || !problem.eligible(b, active)
                    || coefficient(problem, b) != coefficient(problem, a)
                {
                    continue;
                }
                let mut trial = chosen.clone();
                trial[pos] = b;
                if problem.violations(&trial, active).is_empty() {
                    trial.sort_unstable();
                    chosen = trial;
                    swapped = true;
                    break 'outer;
                }
            }
        }
        if !swapped {
            return chosen;
        }
    }
}
