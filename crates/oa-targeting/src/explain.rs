//! Explanations: for every area, whether it was chosen, its wave, and the rules that
//! decided it, in words that can be quoted.

use crate::select::{Choice, Constraint, GroupKind, Problem};
use std::collections::BTreeSet;
use std::fmt::Write as _;

/// One row of `selection.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaOutcome {
    pub area_id: String,
    pub area_name: String,
    pub districts: Vec<String>,
    pub selected: bool,
    pub wave: Option<String>,
    pub announced: Option<String>,
    pub on_long_list: bool,
    /// Rank on the need measure among the districts (1 = greatest need).
    pub rank: usize,
    /// Value on the need measure, in its units.
    pub need: f64,
    pub region: String,
    pub tags: Vec<String>,
    pub population: Option<f64>,
    pub reason: String,
}

/// The outcome for every candidate, in id order.
pub fn explain(problem: &Problem, choice: &Choice) -> Vec<AreaOutcome> {
    let chosen: BTreeSet<usize> = choice.chosen.iter().copied().collect();
    let waves = assign_waves(problem, &choice.chosen);
    let active = vec![true; problem.constraints.len()];
    let n = problem.n_districts;
    let need_name = &problem.measures[problem.need_measure].1;
    let forced: BTreeSet<usize> = problem
        .constraints
        .iter()
        .filter_map(|c| match c {
            Constraint::Include(i) => Some(*i),
            _ => None,
        })
        .collect();
    let excluded: BTreeSet<usize> = problem
        .constraints
        .iter()
        .filter_map(|c| match c {
            Constraint::Exclude(i) => Some(*i),
            _ => None,
        })
        .collect();
    let restrict = problem
        .constraints
        .iter()
        .any(|c| matches!(c, Constraint::LongList));
    let population_bounds = problem.constraints.iter().find_map(|c| match c {
        Constraint::Population { min, max } => Some((*min, *max)),
        _ => None,
    });
    let k = problem.count;
    let mut out = Vec::with_capacity(problem.candidates.len());
    for (i, c) in problem.candidates.iter().enumerate() {
        let rank = c.ranks[problem.need_measure];
        // The facts: ranks on every measure the rule reads (the need measure first when
        // the rule does not read it), then the long-list verdict.
        let need_phrase = format!("ranked {rank} of {n} on {need_name}");
        let mut parts: Vec<String> = Vec::new();
        if !c
            .long_list_notes
            .iter()
            .any(|s| s.starts_with(&need_phrase))
        {
            parts.push(need_phrase);
        }
        parts.extend(c.long_list_notes.iter().cloned());
        if problem.long_list_rule.is_some() {
            parts.push(format!(
                "{} the long list",
                if c.on_long_list { "on" } else { "not on" }
            ));
        }
        let reason = if chosen.contains(&i) {
            let mut head = "selected".to_string();
            if let Some((w, a)) = &waves[i] {
                write!(head, " in wave {w} (announced {a})").ok();
            }
            if forced.contains(&i) {
                head.push_str(" as the study names it");
            } else {
                write!(
                    head,
                    " for the greatest {} under the constraints",
                    match problem.objective {
                        oa_model::study::selection::Objective::TotalNeed => "total need",
                        oa_model::study::selection::Objective::BestRank => "need by rank",
                    }
                )
                .ok();
            }
            format!("{head}: {}", parts.join("; "))
        } else {
            let why = if excluded.contains(&i) {
                "excluded by the study (must exclude)".to_string()
            } else if restrict && !c.on_long_list {
                "not on the long list".to_string()
            } else if !c.population_ok {
                let (lo, hi) = population_bounds.unwrap_or((None, None));
                format!(
                    "population {} is outside the bounds ({} to {})",
                    c.population.map(|p| format!("{p:.0}")).unwrap_or_default(),
                    lo.map(|x| format!("{x:.0}"))
                        .unwrap_or_else(|| "no minimum".into()),
                    hi.map(|x| format!("{x:.0}"))
                        .unwrap_or_else(|| "no maximum".into())
                )
            } else {
                blocking_reason(problem, choice, &active, i, &forced, k)
            };
            format!("not selected because {why}; {}", parts.join("; "))
        };
        out.push(AreaOutcome {
            area_id: c.id.clone(),
            area_name: c.name.clone(),
            districts: c.districts.clone(),
            selected: chosen.contains(&i),
            wave: waves[i].as_ref().map(|w| w.0.clone()),
            announced: waves[i].as_ref().map(|w| w.1.clone()),
            on_long_list: c.on_long_list,
            rank,
            need: c.values[problem.need_measure],
            region: c.regions.join(" / "),
            tags: c.tags.clone(),
            population: c.population,
            reason,
        });
    }
    out
}

/// Why an eligible area was left out of an optimal choice.
fn blocking_reason(
    problem: &Problem,
    choice: &Choice,
    active: &[bool],
    i: usize,
    forced: &BTreeSet<usize>,
    k: usize,
) -> String {
    let chosen = &choice.chosen;
    // A full group it belongs to.
    for c in &problem.constraints {
        if let Constraint::AtMost { kind, value, n } = c {
            let member = match kind {
                GroupKind::Region => problem.candidates[i].regions.contains(value),
                GroupKind::Tag => problem.candidates[i].tags.contains(value),
            };
            if !member {
                continue;
            }
            let have = chosen
                .iter()
                .filter(|&&j| match kind {
                    GroupKind::Region => problem.candidates[j].regions.contains(value),
                    GroupKind::Tag => problem.candidates[j].tags.contains(value),
                })
                .count();
            if have >= *n {
                let what = match kind {
                    GroupKind::Region => value.clone(),
                    GroupKind::Tag => format!("the {value} type"),
                };
                return format!(
                    "{what} already has {have} {} (the maximum)",
                    if have == 1 { "area" } else { "areas" }
                );
            }
        }
    }
    let my = problem.candidates[i].need;
    let free: Vec<usize> = chosen
        .iter()
        .copied()
        .filter(|j| !forced.contains(j))
        .collect();
    if free.is_empty() {
        return format!("all {k} places went to areas the study names");
    }
    let weaker: Vec<usize> = free
        .iter()
        .copied()
        .filter(|&j| problem.candidates[j].need < my)
        .collect();
    if weaker.is_empty() {
        let last = free
            .iter()
            .copied()
            .max_by_key(|&j| problem.candidates[j].ranks[problem.need_measure])
            .expect("free is not empty");
        return format!(
            "the {k} places went to areas in greater need (the last chosen, {}, ranked {})",
            problem.candidates[last].name, problem.candidates[last].ranks[problem.need_measure]
        );
    }
    // Swapping it for a chosen area in less need breaks a minimum.
    let mut broken: Vec<String> = Vec::new();
    for &j in &weaker {
        let trial: Vec<usize> = chosen.iter().map(|&x| if x == j { i } else { x }).collect();
        for ci in problem.violations(&trial, active) {
            let d = problem.describe(&problem.constraints[ci]);
            if !broken.contains(&d) {
                broken.push(d);
            }
        }
    }
    if broken.is_empty() {
        "a combination of constraints: no single swap improves the choice".to_string()
    } else {
        format!(
            "taking it instead of an area in less need would break: {}",
            broken.join("; ")
        )
    }
}

/// Wave (id, announced) of each candidate: listed areas go to their wave; other chosen
/// areas fill the waves' remaining places in order of need; any left go to the last wave.
pub fn assign_waves(problem: &Problem, chosen: &[usize]) -> Vec<Option<(String, String)>> {
    let mut out = vec![None; problem.candidates.len()];
    if problem.waves.is_empty() {
        return out;
    }
    for (id, announced, listed, _) in &problem.waves {
        for &i in listed {
            out[i] = Some((id.clone(), announced.clone()));
        }
    }
    let mut rest: Vec<usize> = chosen
        .iter()
        .copied()
        .filter(|&i| out[i].is_none())
        .collect();
    rest.sort_by(|&a, &b| {
        problem.candidates[a].ranks[problem.need_measure]
            .cmp(&problem.candidates[b].ranks[problem.need_measure])
            .then(a.cmp(&b))
    });
    let mut rest = rest.into_iter();
    for (id, announced, listed, capacity) in &problem.waves {
        let room = capacity
            .unwrap_or(listed.len())
            .saturating_sub(listed.len());
        for i in rest.by_ref().take(room) {
            out[i] = Some((id.clone(), announced.clone()));
        }
    }
    if let Some((id, announced, _, _)) = problem.waves.last() {
        for i in rest {
            out[i] = Some((id.clone(), announced.clone()));
        }
    }
    out
}

/// `selection.md`: the rule, the constraints, the method, the chosen areas and why, and
/// the long list.
pub fn markdown(problem: &Problem, choice: &Choice, outcomes: &[AreaOutcome]) -> String {
    let mut s = String::new();
    let need_name = &problem.measures[problem.need_measure].1;
    writeln!(s, "# Selection\n").ok();
    writeln!(
        s,
        "{} areas chosen from {} candidate areas ({} districts) by {}, maximising {} on {need_name}. Ranks run from 1 = greatest need.\n",
        choice.chosen.len(),
        problem.candidates.len(),
        problem.n_districts,
        choice.method,
        match problem.objective {
            oa_model::study::selection::Objective::TotalNeed => "total need",
            oa_model::study::selection::Objective::BestRank => "the sum of need ranks (best rank)",
        }
    )
    .ok();
    if let Some(rule) = &problem.long_list_rule {
        let on = outcomes.iter().filter(|o| o.on_long_list).count();
        writeln!(
            s,
            "Long list rule: `{rule}` ({on} areas){}.\n",
            if problem.restrict_to_long_list {
                ""
            } else {
                "; reported only: the choice is not restricted to it"
            }
        )
        .ok();
    }
    writeln!(s, "## Constraints\n").ok();
    for c in &problem.constraints {
        if matches!(c, Constraint::Include(_) | Constraint::Exclude(_)) {
            continue;
        }
        writeln!(s, "- {}", problem.describe(c)).ok();
    }
    let includes = problem
        .constraints
        .iter()
        .filter(|c| matches!(c, Constraint::Include(_)))
        .count();
    let excludes = problem
        .constraints
        .iter()
        .filter(|c| matches!(c, Constraint::Exclude(_)))
        .count();
    if includes > 0 {
        writeln!(s, "- {includes} areas named by the study must be included").ok();
    }
    if excludes > 0 {
        writeln!(s, "- {excludes} areas must be excluded").ok();
    }
    writeln!(s, "\n## Selected areas\n").ok();
    let mut selected: Vec<&AreaOutcome> = outcomes.iter().filter(|o| o.selected).collect();
    selected.sort_by(|a, b| a.wave.cmp(&b.wave).then(a.rank.cmp(&b.rank)));
    // A selection without waves (most studies) has no empty `wave` column.
    let waves = selected.iter().any(|o| o.wave.is_some());
    if waves {
        writeln!(s, "| area | region | wave | rank | why |").ok();
        writeln!(s, "|---|---|---|---|---|").ok();
    } else {
        writeln!(s, "| area | region | rank | why |").ok();
        writeln!(s, "|---|---|---|---|").ok();
    }
    for o in selected {
        let wave = match (&o.wave, waves) {
            (_, false) => String::new(),
            (w, true) => format!(" {} |", w.as_deref().unwrap_or("")),
        };
        writeln!(
            s,
            "| {} ({}) | {} |{wave} {} | {} |",
            o.area_name, o.area_id, o.region, o.rank, o.reason
        )
        .ok();
    }
    let long: Vec<&AreaOutcome> = outcomes
        .iter()
        .filter(|o| o.on_long_list && !o.selected)
        .collect();
    if problem.long_list_rule.is_some() {
        writeln!(s, "\n## Long-listed but not selected\n").ok();
        if long.is_empty() {
            writeln!(s, "None.").ok();
        }
        for o in long {
            writeln!(s, "- {} ({}): {}", o.area_name, o.area_id, o.reason).ok();
        }
    }
    writeln!(
        s,
        "\nEvery area's outcome and reason is in `selection.csv`."
    )
    .ok();
    s
}
