//! The roll-up section: IoD-style summaries of a small-area index over larger areas,
//! written as `scores.csv` (the small areas move to `small_area_scores.csv`).

use crate::csv_table::CsvTable;
use crate::error::BundleError;
use oa_io::Table;

/// The summaries, in the order of their columns: each is a value then its rank
/// (`rank_<measure>`, 1 = most deprived).
pub const ROLLUP_MEASURES: [&str; 5] = [
    "average_score",
    "average_rank",
    "proportion_most_deprived_10pc",
    "extent",
    "local_concentration",
];

/// The larger areas, in order of the headline measure's rank (ties by code).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rollup {
    pub area_code: Vec<String>,
    pub area_name: Vec<String>,
    /// One per [`ROLLUP_MEASURES`], in that order.
    pub measures: Vec<Summary>,
    /// The named band of each area on the headline rank, when `[rollup] bands` are
    /// declared.
    pub band: Option<Vec<String>>,
}

/// One summary measure of every larger area.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub id: String,
    pub value: Vec<f64>,
    pub rank: Vec<u32>,
}

impl Rollup {
    pub const TABLE: &'static str = "district summaries";

    pub fn len(&self) -> usize {
        self.area_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.area_code.is_empty()
    }

    /// The measure `id` (one of [`ROLLUP_MEASURES`]).
    pub fn measure(&self, id: &str) -> Option<&Summary> {
        self.measures.iter().find(|m| m.id == id)
    }

    pub fn to_table(&self) -> Table<'_> {
        let mut t = Table::new();
        t.push_text_borrowed("area_code", &self.area_code)
            .push_text_borrowed("area_name", &self.area_name);
        for m in &self.measures {
            t.push_float_borrowed(m.id.clone(), &m.value);
            t.push_int(
                format!("rank_{}", m.id),
                m.rank.iter().map(|&r| i64::from(r)).collect(),
            );
        }
        if let Some(b) = &self.band {
            t.push_text("band", b.clone());
        }
        t
    }

    pub(crate) fn from_csv(t: &CsvTable) -> Result<Rollup, BundleError> {
        t.only(|h| {
            matches!(h, "area_code" | "area_name" | "band")
                || ROLLUP_MEASURES.contains(&h.strip_prefix("rank_").unwrap_or(h))
        })?;
        Ok(Rollup {
            area_code: t.text("area_code")?,
            area_name: t.text("area_name")?,
            measures: ROLLUP_MEASURES
                .iter()
                .map(|m| {
                    Ok(Summary {
                        id: m.to_string(),
                        value: t.required_floats(m)?,
                        rank: t.counts(&format!("rank_{m}"))?,
                    })
                })
                .collect::<Result<_, BundleError>>()?,
            band: if t.has("band") {
                Some(t.text("band")?)
            } else {
                None
            },
        })
    }
}
