//! `spatial_global.csv`: global Moran's I of the analysed column (part of the clusters
//! section): is the score clustered in space at all, before asking where.

use crate::csv_table::CsvTable;
use crate::error::BundleError;
use oa_io::Table;

/// Global Moran's I with row-standardised contiguity weights, its moments under
/// normality and a permutation pseudo p-value. One row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GlobalMoran {
    /// The column analysed (e.g. `score`, `average_score`).
    pub column: String,
    /// Areas analysed, and how many of them have no neighbour (islands).
    pub areas: u32,
    pub islands: u32,
    pub moran_i: f64,
    /// `-1/(n-1)`.
    pub expected: f64,
    pub variance_normal: f64,
    pub z_normal: f64,
    /// Two-sided p-value of `z_normal`.
    pub p_normal: f64,
    /// Permutation pseudo p-value (`NaN` without permutations).
    pub p_permutation: f64,
    pub permutations: u32,
}

const COLUMNS: [&str; 10] = [
    "column",
    "areas",
    "islands",
    "moran_i",
    "expected",
    "variance_normal",
    "z_normal",
    "p_normal",
    "p_permutation",
    "permutations",
];

impl GlobalMoran {
    pub const TABLE: &'static str = "spatial_global";

    pub fn to_table(&self) -> Table<'_> {
        let mut t = Table::new();
        t.push_text("column", vec![self.column.clone()])
            .push_int("areas", vec![i64::from(self.areas)])
            .push_int("islands", vec![i64::from(self.islands)])
            .push_float("moran_i", vec![self.moran_i])
            .push_float("expected", vec![self.expected])
            .push_float("variance_normal", vec![self.variance_normal])
            .push_float("z_normal", vec![self.z_normal])
            .push_float("p_normal", vec![self.p_normal])
            .push_float("p_permutation", vec![self.p_permutation])
            .push_int("permutations", vec![i64::from(self.permutations)]);
        t
    }

    pub(crate) fn from_csv(t: &CsvTable) -> Result<GlobalMoran, BundleError> {
        t.only(|h| COLUMNS.contains(&h))?;
        if t.len() != 1 {
            return Err(t.inconsistent(format!(
                "{} rows; the table has one row (the statistic of the whole map)",
                t.len()
            )));
        }
        let one = |v: Vec<f64>| v[0];
        Ok(GlobalMoran {
            column: t.text("column")?.remove(0),
            areas: t.counts("areas")?[0],
            islands: t.counts("islands")?[0],
            moran_i: one(t.floats("moran_i")?),
            expected: one(t.floats("expected")?),
            variance_normal: one(t.floats("variance_normal")?),
            z_normal: one(t.floats("z_normal")?),
            p_normal: one(t.probabilities("p_normal")?),
            p_permutation: one(t.probabilities("p_permutation")?),
            permutations: t.counts("permutations")?[0],
        })
    }
}
