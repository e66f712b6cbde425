//! The roll-up stage: summarise the small-area index over a larger geography, as the IoD
//! summarises LSOAs over districts (METHODS.md section 3), from the index's scores in
//! memory and the `[rollup]` lookup and population tables.

use crate::error::{Code, Error};
use crate::plan::Plan;
use oa_bundle::{ROLLUP_MEASURES, Rollup, Scores, Summary};
use oa_model::Study;
use oa_model::study::rollup::Rollup as RollupSection;
use oa_model::study::{Direction, End, Source};
use oa_spatial::rollup::{DistrictRanks, DistrictSummary, SmallArea, roll_up};
use std::collections::{BTreeMap, HashMap};

fn fail(message: impl Into<String>) -> Error {
    Error::new(Code::StageFailed, message)
}

/// Rolls `scores` (the small areas) up to the larger areas of `[rollup]`.
pub fn run(plan: &Plan, section: &RollupSection, scores: &Scores) -> Result<Rollup, Error> {
    let lookup = Lookup::read(plan, section)?;
    let districts = summarise(&plan.study, scores, &lookup)?;
    districts.table(section)
}

/// Which larger area each small area lies in and its population, read once.
pub struct Lookup {
    /// Small-area code -> (larger area code, larger area name).
    pub parents: HashMap<String, (String, String)>,
    pub population: HashMap<String, f64>,
}

impl Lookup {
    pub fn read(plan: &Plan, section: &RollupSection) -> Result<Lookup, Error> {
        Ok(Lookup {
            parents: read_parents(plan, section)?,
            population: read_populations(plan, section)?,
        })
    }
}

/// A `[rollup]` table as an `oa-io` source: a study source by id, or a CSV path.
fn table_source(
    study: &Study,
    key: &str,
    source: &Option<String>,
    path: &Option<String>,
    area_column: &Option<String>,
) -> Result<Source, Error> {
    match (source, path) {
        (Some(id), _) => {
            let mut s = study
                .sources
                .iter()
                .find(|s| &s.id == id)
                .cloned()
                .ok_or_else(|| {
                    Error::new(
                        Code::StudyInvalid,
                        format!(
                            "rollup.{key}.source: unknown source `{id}`; use one of the [[sources]] ids ({})",
                            study
                                .sources
                                .iter()
                                .map(|s| s.id.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })?;
            if let Some(c) = area_column {
                s.code_column = c.clone();
            }
            Ok(s)
        }
        (None, Some(p)) => Ok(Source::file(
            &format!("rollup.{key}"),
            p,
            area_column.as_deref().unwrap_or_default(),
        )),
        (None, None) => Err(Error::new(
            Code::StudyInvalid,
            format!("rollup.{key}: give `source` or `path`"),
        )),
    }
}

fn read_error(e: oa_io::ReadError) -> Error {
    Error::new(Code::DataMalformed, e.to_string())
}

/// Position of a (known) column, for cell references in messages.
fn column_index(table: &oa_io::SourceTable, name: &str) -> usize {
    table.headers.iter().position(|h| h == name).unwrap_or(0)
}

fn read_parents(
    plan: &Plan,
    r: &RollupSection,
) -> Result<HashMap<String, (String, String)>, Error> {
    let p = &r.parent;
    let source = table_source(&plan.study, "parent", &p.source, &p.path, &p.area_column)?;
    let table = oa_io::read_table(&plan.data_path(&source.path), &source).map_err(read_error)?;
    let codes = table.text(&source.code_column).map_err(read_error)?;
    let parents = table.text(&p.code_column).map_err(read_error)?;
    let names = match &p.name_column {
        Some(n) => Some(table.text(n).map_err(read_error)?),
        None => None,
    };
    let mut out = HashMap::with_capacity(codes.len());
    for (i, code) in codes.iter().enumerate() {
        let parent = parents[i].clone();
        if parent.is_empty() {
            return Err(Error::new(
                Code::DataMalformed,
                format!(
                    "{}: {}: the larger area code is empty for `{code}`",
                    source.path,
                    table
                        .location(i)
                        .cell(column_index(&table, &p.code_column), &p.code_column)
                ),
            ));
        }
        let name = names.map(|n| n[i].clone()).unwrap_or_default();
        if let Some((before, _)) = out.insert(code.clone(), (parent.clone(), name))
            && before != parent
        {
            return Err(Error::new(
                Code::DataMalformed,
                format!(
                    "{}: small area `{code}` is given two larger areas ({before} and {parent}); a roll-up needs one each",
                    source.path
                ),
            ));
        }
    }
    Ok(out)
}

fn read_populations(plan: &Plan, r: &RollupSection) -> Result<HashMap<String, f64>, Error> {
    let p = &r.population;
    let source = table_source(
        &plan.study,
        "population",
        &p.source,
        &p.path,
        &p.area_column,
    )?;
    let table = oa_io::read_table(&plan.data_path(&source.path), &source).map_err(read_error)?;
    let codes = table.text(&source.code_column).map_err(read_error)?;
    let values = table.numbers(&p.column).map_err(read_error)?;
    let mut out = HashMap::with_capacity(codes.len());
    for (i, (code, &v)) in codes.iter().zip(&values).enumerate() {
        if v.is_nan() || v < 0.0 {
            return Err(Error::new(
                Code::DataMalformed,
                format!(
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
                ),
            ));
        }
        out.insert(code.clone(), v);
    }
    Ok(out)
}

/// The larger areas and their summaries, by code.
pub struct Districts {
    pub codes: Vec<String>,
    pub names: Vec<String>,
    pub summaries: Vec<(DistrictSummary, DistrictRanks)>,
}

/// The value and rank of one summary of one district.
fn measure(s: &(DistrictSummary, DistrictRanks), id: &str) -> (f64, usize) {
    let (v, r) = s;
    match id {
        "average_score" => (v.average_score, r.average_score),
        "average_rank" => (v.average_rank, r.average_rank),
        "proportion_most_deprived_10pc" => (
            v.proportion_most_deprived_10pc,
            r.proportion_most_deprived_10pc,
        ),
        "extent" => (v.extent, r.extent),
        _ => (v.local_concentration, r.local_concentration),
    }
}

impl Districts {
    /// The bundle's table: ordered by the headline's rank (ties by code), banded on it.
    pub fn table(&self, section: &RollupSection) -> Result<Rollup, Error> {
        let headline = section.headline.column();
        let mut order: Vec<usize> = (0..self.codes.len()).collect();
        order.sort_by(|&a, &b| {
            (measure(&self.summaries[a], headline).1, &self.codes[a])
                .cmp(&(measure(&self.summaries[b], headline).1, &self.codes[b]))
        });
        let band = if section.bands.is_empty() {
            None
        } else {
            let ranks: Vec<u32> = order
                .iter()
                .map(|&i| measure(&self.summaries[i], headline).1 as u32)
                .collect();
            let bands = oa_engine::named_bands(&ranks, &section.bands, End::Worst)
                .map_err(|e| fail(format!("rollup.bands: {e}")))?;
            Some(
                bands
                    .iter()
                    .map(|b| {
                        b.map(|b| section.bands[b as usize].name.clone())
                            .unwrap_or_default()
                    })
                    .collect(),
            )
        };
        Ok(Rollup {
            area_code: order.iter().map(|&i| self.codes[i].clone()).collect(),
            area_name: order.iter().map(|&i| self.names[i].clone()).collect(),
            measures: ROLLUP_MEASURES
                .iter()
                .map(|id| Summary {
                    id: id.to_string(),
                    value: order
                        .iter()
                        .map(|&i| measure(&self.summaries[i], id).0)
                        .collect(),
                    rank: order
                        .iter()
                        .map(|&i| measure(&self.summaries[i], id).1 as u32)
                        .collect(),
                })
                .collect(),
            band,
        })
    }
}

/// The small areas of an index as the roll-up takes them.
pub struct SmallAreas {
    /// District positions (districts by code) and ranks with 1 = most deprived, whichever
    /// end the study ranks first.
    pub areas: Vec<SmallArea>,
    /// The larger areas by code, with their names.
    pub districts: BTreeMap<String, String>,
}

/// The small areas of `scores` that are ranked. Every ranked small area must have a larger
/// area and a population (the message lists the first few that do not).
pub fn small_areas(study: &Study, scores: &Scores, lookup: &Lookup) -> Result<SmallAreas, Error> {
    let ranked: Vec<usize> = (0..scores.len())
        .filter(|&i| scores.rank[i].is_some() && scores.score[i].is_finite())
        .collect();
    if ranked.is_empty() {
        return Err(fail(
            "rollup: the index has no ranked small areas to roll up",
        ));
    }
    let n = ranked.len();
    let mut no_parent = Vec::new();
    let mut no_population = Vec::new();
    for &i in &ranked {
        let code = &scores.area_code[i];
        if !lookup.parents.contains_key(code) {
            no_parent.push(code.as_str());
        }
        if !lookup.population.contains_key(code) {
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
        return Err(Error::new(
            Code::DataMalformed,
            format!(
                "rollup.parent: {} small areas have no larger area in the lookup: {}; check that the lookup covers the study's geography and vintage",
                no_parent.len(),
                list(&no_parent)
            ),
        ));
    }
    if !no_population.is_empty() {
        return Err(Error::new(
            Code::DataMalformed,
            format!(
                "rollup.population: {} small areas have no population: {}; check the population table's codes and vintage",
                no_population.len(),
                list(&no_population)
            ),
        ));
    }
    // Districts by code, so the output does not depend on the input order.
    let mut district_names: BTreeMap<String, String> = BTreeMap::new();
    for &i in &ranked {
        let (code, name) = &lookup.parents[&scores.area_code[i]];
        district_names.insert(code.clone(), name.clone());
    }
    let index: HashMap<&str, usize> = district_names
        .keys()
        .enumerate()
        .map(|(k, c)| (c.as_str(), k))
        .collect();
    let worst_first = study.scoring.rank_1 == End::Worst;
    let small = ranked
        .iter()
        .map(|&i| {
            let code = &scores.area_code[i];
            let rank = scores.rank[i].unwrap_or(0) as usize;
            SmallArea {
                district: index[lookup.parents[code].0.as_str()],
                score: scores.score[i],
                rank: if worst_first {
                    rank
                } else {
                    (n + 1).saturating_sub(rank)
                },
                population: lookup.population[code],
            }
        })
        .collect();
    Ok(SmallAreas {
        areas: small,
        districts: district_names,
    })
}

/// Joins the small-area scores to their larger areas and populations and rolls them up.
pub fn summarise(study: &Study, scores: &Scores, lookup: &Lookup) -> Result<Districts, Error> {
    let small = small_areas(study, scores, lookup)?;
    let higher_is_worse = study.scoring.score == Direction::HigherIsWorse;
    let summaries = roll_up(&small.areas, small.districts.len(), higher_is_worse)
        .map_err(|e| fail(format!("rollup: {e}")))?;
    let (codes, names) = small.districts.into_iter().unzip();
    Ok(Districts {
        codes,
        names,
        summaries,
    })
}

/// The roll-up's headline ranking of the larger areas, remade from each Monte Carlo run's
/// small-area scores and ranks (the same summaries as the roll-up stage, on the run's
/// values), so that uncertainty is reported for districts: their rank intervals and
/// P(band) on the headline.
pub struct DistrictRanking {
    /// The larger areas by code, with names.
    pub codes: Vec<String>,
    pub names: Vec<String>,
    bands: Vec<oa_model::study::NamedBand>,
    headline: &'static str,
    /// District of each kept small area, and its population.
    district_of: Vec<usize>,
    population: Vec<f64>,
    worst_first: bool,
    higher_is_worse: bool,
}

impl DistrictRanking {
    /// For the small areas `kept_codes` (the uncertainty analysis's kept areas, in its
    /// order); every one must have a larger area and a population.
    pub fn prepare(
        plan: &Plan,
        section: &RollupSection,
        kept_codes: &[String],
    ) -> Result<DistrictRanking, Error> {
        let lookup = Lookup::read(plan, section)?;
        let missing: Vec<&str> = kept_codes
            .iter()
            .filter(|c| !lookup.parents.contains_key(*c) || !lookup.population.contains_key(*c))
            .map(String::as_str)
            .take(5)
            .collect();
        if !missing.is_empty() {
            return Err(Error::new(
                Code::DataMalformed,
                format!(
                    "rollup: small areas without a larger area or a population in the lookups: {}; check the lookups' codes and vintage",
                    missing.join(", ")
                ),
            ));
        }
        let mut districts: BTreeMap<String, String> = BTreeMap::new();
        for c in kept_codes {
            let (code, name) = &lookup.parents[c];
            districts.insert(code.clone(), name.clone());
        }
        let index: HashMap<&str, usize> = districts
            .keys()
            .enumerate()
            .map(|(k, c)| (c.as_str(), k))
            .collect();
        Ok(DistrictRanking {
            district_of: kept_codes
                .iter()
                .map(|c| index[lookup.parents[c].0.as_str()])
                .collect(),
            population: kept_codes.iter().map(|c| lookup.population[c]).collect(),
            codes: districts.keys().cloned().collect(),
            names: districts.values().cloned().collect(),
            bands: section.bands.clone(),
            headline: section.headline.column(),
            worst_first: plan.study.scoring.rank_1 == End::Worst,
            higher_is_worse: plan.study.scoring.score == Direction::HigherIsWorse,
        })
    }
}

impl oa_uncertainty::Regroup for DistrictRanking {
    fn units(&self) -> usize {
        self.codes.len()
    }

    fn bands(&self) -> &[oa_model::study::NamedBand] {
        &self.bands
    }

    fn rank_1(&self) -> End {
        End::Worst
    }

    fn rank(&self, scores: &[f64], ranks: &[u32], out: &mut Vec<u32>) {
        let ranked = ranks.iter().filter(|&&r| r > 0).count();
        let small: Vec<SmallArea> = (0..ranks.len())
            .filter(|&i| ranks[i] > 0 && scores[i].is_finite())
            .map(|i| {
                let r = ranks[i] as usize;
                SmallArea {
                    district: self.district_of[i],
                    score: scores[i],
                    rank: if self.worst_first { r } else { ranked + 1 - r },
                    population: self.population[i],
                }
            })
            .collect();
        out.clear();
        match roll_up(&small, self.codes.len(), self.higher_is_worse) {
            Ok(summaries) => {
                out.extend(summaries.iter().map(|s| measure(s, self.headline).1 as u32))
            }
            // A run with nothing to roll up ranks no district.
            Err(_) => out.resize(self.codes.len(), 0),
        }
    }
}
