//! The `[selection]` section (owned by the targeting work): rules that choose areas.
//!
//! A selection reads one or more *measures* per district (the study's own index from the
//! results bundle, or columns of data files rolled up to districts), keeps a *long list*
//! by a rule such as `worst(index, 1/6) and worst(capacity, 1/6)`, then chooses `count`
//! areas that maximise a declared objective under quotas (per region, per tag), population
//! bounds, must-include and must-exclude lists. Several districts may form one area, and
//! the chosen areas are announced in waves.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The id of the built-in measure: the study's own score from the bundle's `scores.csv`.
pub const INDEX_MEASURE: &str = "index";

/// Rules that choose areas from the ranked index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    /// How many areas to choose (k).
    pub count: usize,
    /// The measure whose worst end is the greatest need (default: the study's `index`).
    #[serde(default = "index_measure")]
    pub need: String,
    /// What the choice maximises.
    #[serde(default)]
    pub objective: Objective,
    /// How an area made of several districts gets its need from theirs.
    #[serde(default)]
    pub area_need: AreaNeed,
    /// Rule giving the long list, e.g. `worst(index, 1/6) and worst(capacity, 1/6)`.
    /// Terms: `worst(measure, amount)`, `best(measure, amount)` (amount: a count such as
    /// `54`, a fraction such as `1/6`, or a percentage such as `20%`), `tag(name)`,
    /// `region("Name")`; combined with `and`, `or`, `not` and parentheses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub long_list: Option<String>,
    /// Choose only from the long list (default true). When false the long list is
    /// reported but every area may be chosen.
    #[serde(default = "yes")]
    pub restrict_to_long_list: bool,
    /// Measure giving each district's population (summed over an area's districts); needed
    /// for population bounds and `area_need = "population_weighted"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population: Option<String>,
    /// Smallest population of an area that may be chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_population: Option<f64>,
    /// Largest population of an area that may be chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_population: Option<f64>,
    /// Areas (area ids or district codes) that must be chosen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub must_include: Vec<String>,
    /// Areas that must not be chosen.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub must_exclude: Vec<String>,
    /// The districts to choose from (default: the areas of the bundle's `scores.csv`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub universe: Option<Universe>,
    /// Measures read from data files (the index itself is the built-in `index`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub measures: Vec<Measure>,
    /// Areas made of several districts (e.g. Fenland and East Cambridgeshire); every other
    /// district is an area on its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<AreaDef>,
    /// At least / at most so many areas per region or tag.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quotas: Vec<Quota>,
    /// Area types: tag name to the area ids or district codes carrying it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, Vec<String>>,
    /// Announcement waves, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waves: Vec<Wave>,
}

fn index_measure() -> String {
    INDEX_MEASURE.to_string()
}

fn yes() -> bool {
    true
}

/// What the choice maximises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// The sum of the chosen areas' need values (the need measure, oriented so that more
    /// need is larger).
    #[default]
    TotalNeed,
    /// The sum of the chosen areas' need ranks, smallest first (rank 1 = greatest need).
    BestRank,
}

/// How an area of several districts gets its value on each measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum AreaNeed {
    /// The value of its neediest district.
    #[default]
    Worst,
    /// The population-weighted mean of its districts (needs `population`).
    PopulationWeighted,
    /// The plain mean of its districts.
    Mean,
}

/// Where the districts come from when not from `scores.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Universe {
    /// CSV path relative to the data directory.
    pub path: String,
    pub code_column: String,
    pub name_column: String,
    /// Column naming each district's region (for region quotas and explanations).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region_column: Option<String>,
    /// Keep only rows whose column equals the value, e.g. `{ in_smi2016_324 = "1" }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub filter: BTreeMap<String, String>,
}

/// Which way a measure runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    /// A higher value is better (less need).
    Higher,
    /// A lower value is better (higher = more need).
    Lower,
}

/// How rows of a data file are combined into one value per district.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum RowAggregate {
    /// Exactly one row per district.
    #[default]
    One,
    Sum,
    Mean,
    /// Mean weighted by `weight_column`.
    WeightedMean,
}

/// A measure read from a data file, one value per district.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    pub id: String,
    /// Words used in explanations, e.g. "children's income deprivation".
    #[serde(default)]
    pub name: String,
    /// CSV path relative to the data directory.
    pub path: String,
    /// Column holding the district code of each row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_column: Option<String>,
    /// Instead of a code: a column holding small-area names such as `West Somerset 001A`
    /// (LSOA 2011 names); each row goes to the district named by the value less its last
    /// word (`Bristol` also matches `Bristol, City of`). This places 2011 small areas in
    /// their 2016 districts exactly, whatever later district code the file carries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_by_name_column: Option<String>,
    pub value_column: String,
    pub better: Better,
    #[serde(default)]
    pub aggregate: RowAggregate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_column: Option<String>,
}

/// An area made of several districts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AreaDef {
    pub id: String,
    pub name: String,
    pub districts: Vec<String>,
}

/// At least / at most so many chosen areas in a region or with a tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quota {
    /// `region` or `tag`.
    pub by: QuotaBy,
    /// The region or tag; absent for `by = "region"` means every region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<usize>,
}

/// What a quota counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaBy {
    Region,
    Tag,
}

/// A wave of announcements.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Wave {
    pub id: String,
    /// Year and month, e.g. `2016-10`.
    pub announced: String,
    /// Areas announced in this wave (they must be chosen).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<String>,
    /// How many areas the wave holds; chosen areas not listed in any wave fill the waves
    /// in order of need.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
}

/// The measures a long-list rule names: the first argument of each `worst(...)` and
/// `best(...)` term.
fn rule_measures(rule: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for word in ["worst(", "best("] {
        for (at, _) in rule.match_indices(word) {
            let whole_word = rule[..at]
                .chars()
                .next_back()
                .is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
            if !whole_word {
                continue;
            }
            let args = &rule[at + word.len()..];
            let end = args.find([',', ')']).unwrap_or(args.len());
            let m = args[..end].trim();
            if !m.is_empty() {
                out.push(m);
            }
        }
    }
    out
}

impl Selection {
    /// Checks what serde cannot; returns (key, message) on error.
    pub fn validate(&self, study: &super::Study) -> Result<(), (String, String)> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        if self.count == 0 {
            return err("count", "choose at least one area (count >= 1)".into());
        }
        let mut measure_ids: BTreeSet<&str> = BTreeSet::new();
        measure_ids.insert(INDEX_MEASURE);
        for (i, m) in self.measures.iter().enumerate() {
            if !super::is_identifier(&m.id) {
                return err(
                    &format!("measures[{i}].id"),
                    "use letters, digits and underscores".into(),
                );
            }
            if !measure_ids.insert(m.id.as_str()) {
                return err(
                    &format!("measures[{i}].id"),
                    format!("measure `{}` is declared twice (`index` is built in)", m.id),
                );
            }
            match (&m.code_column, &m.group_by_name_column) {
                (Some(_), Some(_)) | (None, None) => {
                    return err(
                        &format!("measures[{i}]"),
                        "give exactly one of `code_column` or `group_by_name_column`".into(),
                    );
                }
                _ => {}
            }
            if m.aggregate == RowAggregate::WeightedMean && m.weight_column.is_none() {
                return err(
                    &format!("measures[{i}].weight_column"),
                    "`aggregate = \"weighted_mean\"` needs a `weight_column`".into(),
                );
            }
        }
        if !measure_ids.contains(self.need.as_str()) {
            return err(
                "need",
                format!(
                    "unknown measure `{}`; use `index` or declare it under [[selection.measures]]",
                    self.need
                ),
            );
        }
        if let Some(rule) = &self.long_list {
            // The rule is parsed where it is used (oa-targeting); its measure names are
            // checked here so that `oa validate` catches a typo before a run does.
            for m in rule_measures(rule) {
                if !measure_ids.contains(m) {
                    return err(
                        "long_list",
                        format!(
                            "unknown measure `{m}`; use `index` or a [[selection.measures]] id"
                        ),
                    );
                }
            }
        }
        if let Some(p) = &self.population {
            if !measure_ids.contains(p.as_str()) {
                return err(
                    "population",
                    format!("unknown measure `{p}`; declare it under [[selection.measures]]"),
                );
            }
        } else {
            if self.min_population.is_some() || self.max_population.is_some() {
                return err(
                    "population",
                    "population bounds need `population = \"<measure id>\"`".into(),
                );
            }
            if self.area_need == AreaNeed::PopulationWeighted {
                return err(
                    "population",
                    "`area_need = \"population_weighted\"` needs `population = \"<measure id>\"`"
                        .into(),
                );
            }
        }
        if let (Some(lo), Some(hi)) = (self.min_population, self.max_population)
            && lo > hi
        {
            return err(
                "min_population",
                format!("min_population {lo} is above max_population {hi}"),
            );
        }
        let mut area_ids = BTreeSet::new();
        let mut district_owner: BTreeMap<&str, &str> = BTreeMap::new();
        for (i, a) in self.areas.iter().enumerate() {
            if !area_ids.insert(a.id.as_str()) {
                return err(
                    &format!("areas[{i}].id"),
                    format!("area `{}` is declared twice", a.id),
                );
            }
            if a.districts.is_empty() {
                return err(
                    &format!("areas[{i}].districts"),
                    format!("area `{}` lists no districts", a.id),
                );
            }
            for d in &a.districts {
                if let Some(other) = district_owner.insert(d.as_str(), a.id.as_str()) {
                    return err(
                        &format!("areas[{i}].districts"),
                        format!(
                            "district {d} is in two areas (`{other}` and `{}`); a district belongs to one area",
                            a.id
                        ),
                    );
                }
            }
        }
        for (i, q) in self.quotas.iter().enumerate() {
            if q.min.is_none() && q.max.is_none() {
                return err(&format!("quotas[{i}]"), "give `min`, `max` or both".into());
            }
            if let (Some(lo), Some(hi)) = (q.min, q.max)
                && lo > hi
            {
                return err(
                    &format!("quotas[{i}].min"),
                    format!("min {lo} is above max {hi}"),
                );
            }
            if q.by == QuotaBy::Tag {
                match &q.value {
                    None => {
                        return err(
                            &format!("quotas[{i}].value"),
                            "a tag quota names its tag, e.g. `value = \"coastal\"`".into(),
                        );
                    }
                    Some(t) if !self.tags.contains_key(t) => {
                        return err(
                            &format!("quotas[{i}].value"),
                            format!("unknown tag `{t}`; declare it under [selection.tags]"),
                        );
                    }
                    _ => {}
                }
            }
        }
        let included: BTreeSet<&str> = self.must_include.iter().map(String::as_str).collect();
        for (i, x) in self.must_exclude.iter().enumerate() {
            if included.contains(x.as_str()) {
                return err(
                    &format!("must_exclude[{i}]"),
                    format!("`{x}` is both in must_include and must_exclude"),
                );
            }
        }
        let mut wave_of: BTreeMap<&str, &str> = BTreeMap::new();
        let mut wave_ids = BTreeSet::new();
        for (i, w) in self.waves.iter().enumerate() {
            if !wave_ids.insert(w.id.as_str()) {
                return err(
                    &format!("waves[{i}].id"),
                    format!("wave `{}` is declared twice", w.id),
                );
            }
            if !is_year_month(&w.announced) {
                return err(
                    &format!("waves[{i}].announced"),
                    format!("`{}` is not a year and month such as 2016-10", w.announced),
                );
            }
            if let Some(c) = w.count
                && c < w.areas.len()
            {
                return err(
                    &format!("waves[{i}].count"),
                    format!(
                        "wave `{}` holds {c} areas but lists {}",
                        w.id,
                        w.areas.len()
                    ),
                );
            }
            for a in &w.areas {
                if let Some(other) = wave_of.insert(a.as_str(), w.id.as_str()) {
                    return err(
                        &format!("waves[{i}].areas"),
                        format!(
                            "area `{a}` is listed in two waves (`{other}` and `{}`); an area is announced once",
                            w.id
                        ),
                    );
                }
                if self.must_exclude.contains(a) {
                    return err(
                        &format!("waves[{i}].areas"),
                        format!("area `{a}` is announced in a wave but is in must_exclude"),
                    );
                }
            }
        }
        if !self.waves.is_empty() && self.waves.iter().all(|w| w.count.is_some()) {
            let total: usize = self.waves.iter().filter_map(|w| w.count).sum();
            if total != self.count {
                return err(
                    "waves",
                    format!(
                        "the waves hold {total} areas but `count` is {}; make them agree",
                        self.count
                    ),
                );
            }
        }
        let _ = study;
        Ok(())
    }
}

fn is_year_month(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[5..].iter().all(u8::is_ascii_digit)
        && matches!(s[5..].parse::<u8>(), Ok(1..=12))
}

#[cfg(test)]
mod tests {
    use crate::Study;

    const BASE: &str = r#"schema = 1
[study]
id = "s"
title = "s"
[geography]
area_type = "lad"
vintage = 2016
[[sources]]
id = "a"
path = "a.csv"
code_column = "code"
[[indicators]]
id = "x"
direction = "higher_is_worse"
"#;

    fn check(extra: &str) -> Result<Study, String> {
        Study::from_toml_str(&format!("{BASE}{extra}"), "s.toml").map_err(|e| e.to_string())
    }

    #[test]
    fn a_full_selection_parses() {
        let s = check(
            r#"[selection]
count = 2
long_list = "worst(index, 1/6)"
[[selection.areas]]
id = "FEC"
name = "Fenland and East Cambridgeshire"
districts = ["E07000010", "E07000009"]
[[selection.quotas]]
by = "region"
max = 3
[[selection.waves]]
id = "1"
announced = "2016-10"
areas = ["FEC"]
count = 1
[[selection.waves]]
id = "2"
announced = "2017-01"
count = 1
"#,
        )
        .unwrap();
        let sel = s.selection.unwrap();
        assert_eq!(sel.count, 2);
        assert_eq!(sel.areas[0].districts.len(), 2);
        assert!(sel.restrict_to_long_list);
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            (
                "[selection]\ncount = 1\n[[selection.areas]]\nid = \"A\"\nname = \"A\"\ndistricts = [\"D1\"]\n[[selection.areas]]\nid = \"B\"\nname = \"B\"\ndistricts = [\"D1\"]\n",
                "`selection.areas[1].districts`: district D1 is in two areas",
            ),
            (
                "[selection]\ncount = 1\n[[selection.waves]]\nid = \"1\"\nannounced = \"2016-10\"\nareas = [\"A\"]\n[[selection.waves]]\nid = \"2\"\nannounced = \"2017-01\"\nareas = [\"A\"]\n",
                "`selection.waves[1].areas`: area `A` is listed in two waves",
            ),
            (
                "[selection]\ncount = 1\n[[selection.waves]]\nid = \"1\"\nannounced = \"October\"\n",
                "`selection.waves[0].announced`",
            ),
            ("[selection]\ncount = 0\n", "`selection.count`"),
            (
                "[selection]\ncount = 1\nneed = \"capacity\"\n",
                "unknown measure `capacity`",
            ),
            (
                "[selection]\ncount = 1\nlong_list = \"worst(index, 1/6) and (best(indx, 20%) or tag(x))\"\n",
                "`selection.long_list`: unknown measure `indx`",
            ),
            (
                "[selection]\ncount = 1\n[[selection.quotas]]\nby = \"tag\"\nvalue = \"coastal\"\nmin = 1\n",
                "unknown tag `coastal`",
            ),
            (
                "[selection]\ncount = 1\nmust_include = [\"A\"]\nmust_exclude = [\"A\"]\n",
                "both in must_include and must_exclude",
            ),
            (
                "[selection]\ncount = 3\n[[selection.waves]]\nid = \"1\"\nannounced = \"2016-10\"\ncount = 1\n",
                "the waves hold 1 areas but `count` is 3",
            ),
        ];
        for (extra, want) in cases {
            let e = check(extra).unwrap_err();
            assert!(e.contains(want), "expected `{want}` in: {e}");
        }
    }

    #[test]
    fn funds_check_their_parts_and_totals() {
        let cases = [
            (
                "[[funds]]\nid = \"f\"\ntotal = \"£3.5m\"\nareas = [\"A\"]\nformula = { method = \"equal\" }\nfunders = [{ name = \"DfE\", amount = \"£1.5m\" }, { name = \"EEF\", amount = \"£1m\" }]\n",
                "`funds[0].funders`: the funders' parts add up to £2,500,000.00, not the total £3,500,000.00",
            ),
            (
                "[[funds]]\nid = \"f\"\ntotal = 0\nareas = [\"A\"]\nformula = { method = \"equal\" }\n",
                "`funds[0].total`",
            ),
            (
                "[[funds]]\nid = \"f\"\ntotal = \"£1m\"\nformula = { method = \"equal\" }\n",
                "`funds[0].areas`",
            ),
            (
                "[[funds]]\nid = \"f\"\ntotal = \"£1m\"\nareas = [\"A\"]\nformula = { method = \"fixed\", amounts = { A = \"£2m\" } }\n",
                "more than the fund's total",
            ),
            (
                "[[funds]]\nid = \"f\"\ntotal = \"lots\"\nareas = [\"A\"]\nformula = { method = \"equal\" }\n",
                "not an amount",
            ),
        ];
        for (extra, want) in cases {
            let e = check(extra).unwrap_err();
            assert!(e.contains(want), "expected `{want}` in: {e}");
        }
    }
}
