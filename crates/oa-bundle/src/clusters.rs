//! The clusters section: `clusters.csv`, local Moran's I and Getis-Ord Gi* of the
//! headline score with their labels, and `spatial_global.csv`, global Moran's I.

use crate::csv_table::CsvTable;
use crate::error::BundleError;
use crate::spatial_global::GlobalMoran;
use oa_io::Table;

/// One row per analysed area, in the order of the headline table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Clusters {
    pub area_code: Vec<String>,
    pub area_name: Vec<String>,
    /// The value analysed (the index score, or the roll-up's headline measure).
    pub score: Vec<f64>,
    pub neighbours: Vec<u32>,
    pub local_moran_i: Vec<f64>,
    /// Conditional-permutation pseudo p-value of local Moran's I (`NaN` without
    /// permutations or neighbours).
    pub moran_p: Vec<f64>,
    /// `high-high`, `low-low`, `high-low`, `low-high` or `undefined`.
    pub quadrant: Vec<String>,
    pub gi_star_z: Vec<f64>,
    pub gi_p: Vec<f64>,
    /// `cold spot cluster`, `hot spot cluster`, `cold spot outlier`, `hot spot outlier`,
    /// `not significant` or `no neighbours`.
    pub cluster: Vec<String>,
    /// Global Moran's I of the same values (`spatial_global.csv`; `None` only in bundles
    /// of version 1, which did not report it).
    pub global: Option<GlobalMoran>,
}

const COLUMNS: [&str; 10] = [
    "area_code",
    "area_name",
    "score",
    "neighbours",
    "local_moran_i",
    "moran_p",
    "quadrant",
    "gi_star_z",
    "gi_p",
    "cluster",
];

impl Clusters {
    pub const TABLE: &'static str = "clusters";

    pub fn len(&self) -> usize {
        self.area_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.area_code.is_empty()
    }

    pub fn to_table(&self) -> Table<'_> {
        let mut t = Table::new();
        t.push_text_borrowed("area_code", &self.area_code)
            .push_text_borrowed("area_name", &self.area_name)
            .push_float_borrowed("score", &self.score)
            .push_int(
                "neighbours",
                self.neighbours.iter().map(|&n| i64::from(n)).collect(),
            )
            .push_float_borrowed("local_moran_i", &self.local_moran_i)
            .push_float_borrowed("moran_p", &self.moran_p)
            .push_text_borrowed("quadrant", &self.quadrant)
            .push_float_borrowed("gi_star_z", &self.gi_star_z)
            .push_float_borrowed("gi_p", &self.gi_p)
            .push_text_borrowed("cluster", &self.cluster);
        t
    }

    pub(crate) fn from_csv(
        t: &CsvTable,
        global: Option<&CsvTable>,
    ) -> Result<Clusters, BundleError> {
        t.only(|h| COLUMNS.contains(&h))?;
        Ok(Clusters {
            area_code: t.text("area_code")?,
            area_name: t.text("area_name")?,
            score: t.floats("score")?,
            neighbours: t.counts("neighbours")?,
            local_moran_i: t.floats("local_moran_i")?,
            moran_p: t.probabilities("moran_p")?,
            quadrant: t.text("quadrant")?,
            gi_star_z: t.floats("gi_star_z")?,
            gi_p: t.probabilities("gi_p")?,
            cluster: t.text("cluster")?,
            global: global.map(GlobalMoran::from_csv).transpose()?,
        })
    }
}
