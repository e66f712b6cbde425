//! The selection section: `selection.csv` (every candidate area, chosen or not, with the
//! reason) and `selection.md` (the same in words).

use crate::csv_table::{CsvTable, split_list};
use crate::error::BundleError;
use oa_io::Table;

/// Every candidate area, in id order, and the explanation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Selection {
    /// The measures' ids, in the order of their `rank_<id>, value_<id>` columns.
    pub measures: Vec<String>,
    pub areas: Vec<SelectedArea>,
    /// `selection.md`.
    pub markdown: String,
}

/// One row of `selection.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectedArea {
    pub area_id: String,
    pub area_name: String,
    /// District codes (`;`-separated in the file).
    pub districts: Vec<String>,
    pub selected: bool,
    pub wave: Option<String>,
    pub on_long_list: bool,
    /// Rank on the need measure among the districts (1 = greatest need).
    pub rank: u32,
    /// Value on the need measure, in its units.
    pub need: f64,
    pub reason: String,
    pub announced: Option<String>,
    pub region: String,
    pub tags: Vec<String>,
    pub population: Option<f64>,
    /// Per measure (in [`Selection::measures`] order): rank among the districts, value.
    pub measure_ranks: Vec<u32>,
    pub measure_values: Vec<f64>,
}

const FIXED: [&str; 13] = [
    "area_id",
    "area_name",
    "districts",
    "selected",
    "wave",
    "on_long_list",
    "rank",
    "need",
    "reason",
    "announced",
    "region",
    "tags",
    "population",
];

impl Selection {
    pub const TABLE: &'static str = "selection";

    /// The areas chosen.
    pub fn selected(&self) -> impl Iterator<Item = &SelectedArea> {
        self.areas.iter().filter(|a| a.selected)
    }

    /// The value of measure `id` for each area (`None` when the measure is unknown).
    pub fn measure_values(&self, id: &str) -> Option<Vec<f64>> {
        let m = self.measures.iter().position(|x| x == id)?;
        Some(self.areas.iter().map(|a| a.measure_values[m]).collect())
    }

    pub fn to_table(&self) -> Table<'_> {
        let a = &self.areas;
        let text = |f: fn(&SelectedArea) -> String| a.iter().map(f).collect::<Vec<_>>();
        let mut t = Table::new();
        t.push_text("area_id", text(|x| x.area_id.clone()))
            .push_text("area_name", text(|x| x.area_name.clone()))
            .push_text("districts", text(|x| x.districts.join(";")))
            .push_text("selected", text(|x| x.selected.to_string()))
            .push_text("wave", text(|x| x.wave.clone().unwrap_or_default()))
            .push_text("on_long_list", text(|x| x.on_long_list.to_string()))
            .push_int("rank", a.iter().map(|x| i64::from(x.rank)).collect())
            .push_float("need", a.iter().map(|x| x.need).collect())
            .push_text("reason", text(|x| x.reason.clone()))
            .push_text(
                "announced",
                text(|x| x.announced.clone().unwrap_or_default()),
            )
            .push_text("region", text(|x| x.region.clone()))
            .push_text("tags", text(|x| x.tags.join(";")))
            .push_float(
                "population",
                a.iter().map(|x| x.population.unwrap_or(f64::NAN)).collect(),
            );
        for (m, id) in self.measures.iter().enumerate() {
            t.push_int(
                format!("rank_{id}"),
                a.iter().map(|x| i64::from(x.measure_ranks[m])).collect(),
            );
            t.push_float(
                format!("value_{id}"),
                a.iter().map(|x| x.measure_values[m]).collect(),
            );
        }
        t
    }

    pub(crate) fn from_csv(t: &CsvTable, markdown: String) -> Result<Selection, BundleError> {
        // Measures are the `rank_<id>` columns, in order.
        let measures: Vec<String> = t
            .headers
            .iter()
            .filter_map(|h| h.strip_prefix("rank_").map(str::to_string))
            .collect();
        t.only(|h| {
            FIXED.contains(&h)
                || h.strip_prefix("rank_")
                    .or_else(|| h.strip_prefix("value_"))
                    .is_some_and(|m| measures.iter().any(|x| x == m))
        })?;
        let ids = t.text("area_id")?;
        let names = t.text("area_name")?;
        let districts = t.text("districts")?;
        let selected = t.bools("selected")?;
        let wave = t.text("wave")?;
        let long = t.bools("on_long_list")?;
        let rank = t.counts("rank")?;
        let need = t.floats("need")?;
        let reason = t.text("reason")?;
        let announced = t.text("announced")?;
        let region = t.text("region")?;
        let tags = t.text("tags")?;
        let population = t.floats("population")?;
        let ranks: Vec<Vec<u32>> = measures
            .iter()
            .map(|m| t.counts(&format!("rank_{m}")))
            .collect::<Result<_, _>>()?;
        let values: Vec<Vec<f64>> = measures
            .iter()
            .map(|m| t.floats(&format!("value_{m}")))
            .collect::<Result<_, _>>()?;
        let some = |s: &String| (!s.is_empty()).then(|| s.clone());
        let areas = (0..t.len())
            .map(|i| SelectedArea {
                area_id: ids[i].clone(),
                area_name: names[i].clone(),
                districts: split_list(&districts[i]),
                selected: selected[i],
                wave: some(&wave[i]),
                on_long_list: long[i],
                rank: rank[i],
                need: need[i],
                reason: reason[i].clone(),
                announced: some(&announced[i]),
                region: region[i].clone(),
                tags: split_list(&tags[i]),
                population: Some(population[i]).filter(|p| !p.is_nan()),
                measure_ranks: ranks.iter().map(|r| r[i]).collect(),
                measure_values: values.iter().map(|v| v[i]).collect(),
            })
            .collect();
        Ok(Selection {
            measures,
            areas,
            markdown,
        })
    }
}
