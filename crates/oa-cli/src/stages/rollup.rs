//! The rollup stage of `oa run`: summarise the small-area index just written over a larger
//! geography, as the IoD summarises LSOAs over districts (METHODS.md section 3).
//!
//! Reads `scores.csv` from the bundle, each small area's larger area and population from
//! the tables `[rollup]` names, computes the summaries with [`oa_spatial::roll_up`], keeps
//! the small-area table as `small_area_scores.csv` and writes the district table as
//! `scores.csv` with the columns `area_code, area_name, average_score,
//! rank_average_score, average_rank, rank_average_rank, proportion_most_deprived_10pc,
//! rank_proportion_most_deprived_10pc, extent, rank_extent, local_concentration,
//! rank_local_concentration`, ordered by the rank of the average score.

use super::RunContext;
use crate::exit;
use oa_model::Study;
use oa_model::study::rollup::Rollup;
use oa_model::study::{Direction, End, Layout, Source};
use oa_spatial::rollup::{DistrictRanks, DistrictSummary, SmallArea, roll_up};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Runs the rollup stage; returns the files written, relative to `ctx.out`.
pub fn run(ctx: &RunContext) -> anyhow::Result<Vec<String>> {
    let Some(rollup) = &ctx.study.rollup else {
        return Ok(Vec::new());
    };
    let scores = oa_io::read_scores(ctx.out).map_err(exit::user)?;
    let parent = read_parents(ctx.study, rollup, ctx.data_dir)?;
    let population = read_populations(ctx.study, rollup, ctx.data_dir)?;
    let districts = summarise(ctx.study, &scores, &parent, &population)?;

    // Keep the small-area tables under their new name, and write the districts in every
    // format the run wrote (CSV always).
    let mut formats = vec![oa_io::OutputFormat::Csv];
    let mut written = Vec::new();
    for (ext, format) in [
        ("csv", oa_io::OutputFormat::Csv),
        ("parquet", oa_io::OutputFormat::Parquet),
        ("xlsx", oa_io::OutputFormat::Xlsx),
    ] {
        let from = ctx.out.join(format!("scores.{ext}"));
        if from.exists() {
            let to = format!("small_area_scores.{ext}");
            std::fs::rename(&from, ctx.out.join(&to))
                .map_err(|e| anyhow::anyhow!("moving {} to {to}: {e}", from.display()))?;
            written.push(to);
            formats.push(format);
        }
    }
    let mut files = districts
        .table()
        .write_formats(ctx.out, "scores", &formats)
        .map_err(exit::user)?;
    files.append(&mut written);
    Ok(files)
}

/// A `[rollup]` table as an `oa-io` source: a study source by id, or a CSV path.
fn table_source(
    study: &Study,
    key: &str,
    source: &Option<String>,
    path: &Option<String>,
    area_column: &Option<String>,
) -> anyhow::Result<Source> {
    match (source, path) {
        (Some(id), _) => {
            let mut s = study
                .sources
                .iter()
                .find(|s| &s.id == id)
                .cloned()
                .ok_or_else(|| {
                    exit::user(format!(
                        "rollup.{key}.source: unknown source `{id}`; use one of the [[sources]] ids ({})",
                        study
                            .sources
                            .iter()
                            .map(|s| s.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                })?;
            if let Some(c) = area_column {
                s.code_column = c.clone();
            }
            Ok(s)
        }
        (None, Some(p)) => Ok(Source {
            id: format!("rollup.{key}"),
            path: p.clone(),
            format: None,
            sheet: None,
            header_row: None,
            code_column: area_column.clone().unwrap_or_default(),
            name_column: None,
            layout: Layout::default(),
            missing_markers: Vec::new(),
            ..Source::default()
        }),
        (None, None) => Err(exit::user(format!("rollup.{key}: give `source` or `path`"))),
    }
}

/// Position of a (known) column, for cell references in messages.
fn column_index(table: &oa_io::SourceTable, name: &str) -> usize {
    table.headers.iter().position(|h| h == name).unwrap_or(0)
}

/// Small-area code -> (larger area code, larger area name).
type Parents = HashMap<String, (String, String)>;

fn read_parents(study: &Study, rollup: &Rollup, data_dir: &Path) -> anyhow::Result<Parents> {
    let p = &rollup.parent;
    let source = table_source(study, "parent", &p.source, &p.path, &p.area_column)?;
    let table = oa_io::read_table(&data_dir.join(&source.path), &source).map_err(exit::user)?;
    let codes = table.text(&source.code_column).map_err(exit::user)?;
    let parents = table.text(&p.code_column).map_err(exit::user)?;
    let names = match &p.name_column {
        Some(n) => Some(table.text(n).map_err(exit::user)?),
        None => None,
    };
    let mut out = Parents::with_capacity(codes.len());
    for (i, code) in codes.iter().enumerate() {
        let parent = parents[i].clone();
        if parent.is_empty() {
            return Err(exit::user(format!(
                "{}: {}: the larger area code is empty for `{code}`",
                source.path,
                table
                    .location(i)
                    .cell(column_index(&table, &p.code_column), &p.code_column)
            )));
        }
        let name = names.map(|n| n[i].clone()).unwrap_or_default();
        if let Some((before, _)) = out.insert(code.clone(), (parent.clone(), name))
            && before != parent
        {
            return Err(exit::user(format!(
                "{}: small area `{code}` is given two larger areas ({before} and {parent}); a roll-up needs one each",
                source.path
            )));
        }
    }
    Ok(out)
}

fn read_populations(
    study: &Study,
    rollup: &Rollup,
    data_dir: &Path,
) -> anyhow::Result<HashMap<String, f64>> {
    let p = &rollup.population;
    let source = table_source(study, "population", &p.source, &p.path, &p.area_column)?;
    let table = oa_io::read_table(&data_dir.join(&source.path), &source).map_err(exit::user)?;
    let codes = table.text(&source.code_column).map_err(exit::user)?;
    let values = table.numbers(&p.column).map_err(exit::user)?;
    let mut out = HashMap::with_capacity(codes.len());
    for (i, (code, &v)) in codes.iter().zip(&values).enumerate() {
        if v.is_nan() || v < 0.0 {
            return Err(exit::user(format!(
                "{}: {}: population of `{code}` is {}; give a number >= 0",
                source.path,
                table
                    .location(i)
                    .cell(column_index(&table, &p.column), &p.column),
                if v.is_nan() {
                    "missing".to_string()
                } else {
                    v.to_string()
                }
            )));
        }
        out.insert(code.clone(), v);
    }
    Ok(out)
}

/// The larger areas and their summaries, ordered by the rank of the average score.
pub struct Districts {
    pub codes: Vec<String>,
    pub names: Vec<String>,
    pub summaries: Vec<(DistrictSummary, DistrictRanks)>,
}

impl Districts {
    /// The `scores.csv` table of the larger areas.
    pub fn table(&self) -> oa_io::Table {
        let mut order: Vec<usize> = (0..self.codes.len()).collect();
        order.sort_by(|&a, &b| {
            (self.summaries[a].1.average_score, &self.codes[a])
                .cmp(&(self.summaries[b].1.average_score, &self.codes[b]))
        });
        let s = |f: fn(&DistrictSummary) -> f64| -> Vec<f64> {
            order.iter().map(|&i| f(&self.summaries[i].0)).collect()
        };
        let r = |f: fn(&DistrictRanks) -> usize| -> Vec<i64> {
            order
                .iter()
                .map(|&i| f(&self.summaries[i].1) as i64)
                .collect()
        };
        let mut t = oa_io::Table::new();
        t.push_text(
            "area_code",
            order.iter().map(|&i| self.codes[i].clone()).collect(),
        )
        .push_text(
            "area_name",
            order.iter().map(|&i| self.names[i].clone()).collect(),
        )
        .push_float("average_score", s(|x| x.average_score))
        .push_int("rank_average_score", r(|x| x.average_score))
        .push_float("average_rank", s(|x| x.average_rank))
        .push_int("rank_average_rank", r(|x| x.average_rank))
        .push_float(
            "proportion_most_deprived_10pc",
            s(|x| x.proportion_most_deprived_10pc),
        )
        .push_int(
            "rank_proportion_most_deprived_10pc",
            r(|x| x.proportion_most_deprived_10pc),
        )
        .push_float("extent", s(|x| x.extent))
        .push_int("rank_extent", r(|x| x.extent))
        .push_float("local_concentration", s(|x| x.local_concentration))
        .push_int("rank_local_concentration", r(|x| x.local_concentration));
        t
    }
}

/// Joins the small-area scores to their larger areas and populations and rolls them up.
/// Every ranked small area must have a larger area and a population (the message lists
/// the first few that do not).
pub fn summarise(
    study: &Study,
    scores: &oa_io::Scores,
    parents: &Parents,
    population: &HashMap<String, f64>,
) -> anyhow::Result<Districts> {
    let ranked: Vec<usize> = (0..scores.len())
        .filter(|&i| scores.rank[i].is_some() && scores.score[i].is_finite())
        .collect();
    if ranked.is_empty() {
        return Err(exit::user(
            "rollup: scores.csv has no ranked small areas to roll up",
        ));
    }
    let n = ranked.len();
    let mut no_parent = Vec::new();
    let mut no_population = Vec::new();
    for &i in &ranked {
        let code = &scores.area_codes[i];
        if !parents.contains_key(code) {
            no_parent.push(code.as_str());
        }
        if !population.contains_key(code) {
            no_population.push(code.as_str());
        }
    }
    let list = |v: &[&str]| {
        let mut s = v.iter().take(5).copied().collect::<Vec<_>>().join(", ");
        if v.len() > 5 {
            s.push_str(&format!(" and {} more", v.len() - 5));
        }
        s
    };
    if !no_parent.is_empty() {
        return Err(exit::user(format!(
            "rollup.parent: {} small areas have no larger area in the lookup: {}; check that the lookup covers the study's geography and vintage",
            no_parent.len(),
            list(&no_parent)
        )));
    }
    if !no_population.is_empty() {
        return Err(exit::user(format!(
            "rollup.population: {} small areas have no population: {}; check the population table's codes and vintage",
            no_population.len(),
            list(&no_population)
        )));
    }
    // Districts by code, so the output does not depend on the input order.
    let mut district_names: BTreeMap<&str, &str> = BTreeMap::new();
    for &i in &ranked {
        let (code, name) = &parents[&scores.area_codes[i]];
        district_names.insert(code, name);
    }
    let index: HashMap<&str, usize> = district_names
        .keys()
        .enumerate()
        .map(|(k, c)| (*c, k))
        .collect();
    // Ranks with 1 = most deprived, whichever end the study ranks first.
    let worst_first = study.scoring.rank_1 == End::Worst;
    let small: Vec<SmallArea> = ranked
        .iter()
        .map(|&i| {
            let code = &scores.area_codes[i];
            let rank = scores.rank[i].unwrap_or(0) as usize;
            SmallArea {
                district: index[parents[code].0.as_str()],
                score: scores.score[i],
                rank: if worst_first {
                    rank
                } else {
                    (n + 1).saturating_sub(rank)
                },
                population: population[code],
            }
        })
        .collect();
    let higher_is_worse = study.scoring.score == Direction::HigherIsWorse;
    let summaries = roll_up(&small, district_names.len(), higher_is_worse)
        .map_err(|e| exit::user(format!("rollup: {e}")))?;
    Ok(Districts {
        codes: district_names.keys().map(|c| c.to_string()).collect(),
        names: district_names.values().map(|c| c.to_string()).collect(),
        summaries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn study(score: &str, rank_1: &str) -> Study {
        let text = format!(
            r#"schema = 1
[study]
id = "t"
title = "t"
[geography]
area_type = "lsoa"
vintage = 2011
[[sources]]
id = "s"
path = "s.csv"
code_column = "code"
[[indicators]]
id = "x"
direction = "higher_is_worse"
[scoring]
score = "{score}"
rank_1 = "{rank_1}"
[rollup]
to = "lad"
[rollup.parent]
source = "s"
code_column = "lad"
[rollup.population]
source = "s"
column = "pop"
"#
        );
        Study::from_toml_str(&text, "t.toml").unwrap()
    }

    fn scores(ranks: &[u32]) -> oa_io::Scores {
        let n = ranks.len();
        oa_io::Scores {
            area_codes: (0..n).map(|i| format!("S{i}")).collect(),
            area_names: vec![String::new(); n],
            score: ranks.iter().map(|&r| 100.0 - f64::from(r)).collect(),
            rank: ranks.iter().map(|&r| Some(r)).collect(),
            band: vec![String::new(); n],
            quantile: None,
            groups: Vec::new(),
        }
    }

    /// S0..S9 in districts A (S0-S4) and B (S5-S9), 10 people each.
    fn lookups() -> (Parents, HashMap<String, f64>) {
        let parents = (0..10)
            .map(|i| {
                let d = if i < 5 { "A" } else { "B" };
                (format!("S{i}"), (d.to_string(), format!("District {d}")))
            })
            .collect();
        let pop = (0..10).map(|i| (format!("S{i}"), 10.0)).collect();
        (parents, pop)
    }

    #[test]
    fn districts_are_summarised_and_ranked() {
        let (parents, pop) = lookups();
        // District A holds the five most deprived small areas.
        let s = scores(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        let d = summarise(&study("higher_is_worse", "worst"), &s, &parents, &pop).unwrap();
        assert_eq!(d.codes, vec!["A", "B"]);
        assert_eq!(d.names, vec!["District A", "District B"]);
        let (a, ra) = d.summaries[0];
        // Reversed ranks 10..6: mean 8; scores 99..95: mean 97; 1 of 5 in the top 10%.
        assert_eq!(a.average_rank, 8.0);
        assert_eq!(a.average_score, 97.0);
        assert_eq!(a.proportion_most_deprived_10pc, 0.2);
        assert_eq!((ra.average_rank, ra.average_score), (1, 1));
        let header = "area_code,area_name,average_score,rank_average_score,average_rank,rank_average_rank,proportion_most_deprived_10pc,rank_proportion_most_deprived_10pc,extent,rank_extent,local_concentration,rank_local_concentration";
        let mut csv = Vec::new();
        d.table().write_csv_to(&mut csv).unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.starts_with(&format!("{header}\nA,District A,97,1,8,1,0.2,1,")));
    }

    #[test]
    fn best_first_ranks_are_turned_round() {
        let (parents, pop) = lookups();
        // Rank 1 = best: S9 (rank 10) is the most deprived, in district B.
        let s = scores(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        let d = summarise(&study("higher_is_better", "best"), &s, &parents, &pop).unwrap();
        let (b, rb) = d.summaries[1];
        assert_eq!(b.average_rank, 8.0);
        assert_eq!(rb.average_rank, 1);
        assert_eq!(b.proportion_most_deprived_10pc, 0.2);
        // Lower scores are worse: B's mean score (92) ranks first.
        assert_eq!(b.average_score, 92.0);
        assert_eq!(rb.average_score, 1);
    }

    #[test]
    fn unmatched_small_areas_are_listed() {
        let (mut parents, mut pop) = lookups();
        parents.remove("S3");
        let s = scores(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        let st = study("higher_is_worse", "worst");
        let e = summarise(&st, &s, &parents, &pop)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("rollup.parent") && e.contains("S3"), "{e}");
        let (parents, _) = lookups();
        pop.remove("S7");
        let e = summarise(&st, &s, &parents, &pop)
            .err()
            .unwrap()
            .to_string();
        assert!(e.contains("rollup.population") && e.contains("S7"), "{e}");
    }
}
