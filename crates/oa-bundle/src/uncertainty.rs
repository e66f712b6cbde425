//! The uncertainty section: `uncertainty.csv` (rank intervals and band probabilities per
//! area), `selection_stability.csv` (when the study selects), `sensitivity.csv` (Sobol
//! indices, when asked) and the charts `uncertainty.svg`, `sensitivity.svg`.

use crate::csv_table::{CsvTable, split_list};
use crate::error::BundleError;
use crate::results::File;
use oa_io::Table;

/// The Monte Carlo analysis of a study's ranking.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Uncertainty {
    pub areas: RankIntervals,
    pub stability: Option<Stability>,
    /// Sobol indices, one row per uncertain input (empty without `[uncertainty.sobol]`).
    pub sensitivity: Option<Vec<Sensitivity>>,
    /// `uncertainty.svg`.
    pub chart: String,
    /// `sensitivity.svg`, with Sobol indices.
    pub sensitivity_chart: Option<String>,
}

/// Per area (the areas ranked, in the order the analysis read them): nominal rank,
/// median and 5th-95th percentile ranks over the samples, the probability of each named
/// band, and of being selected when the study selects. Probabilities have at most six
/// decimals.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RankIntervals {
    pub area_code: Vec<String>,
    pub nominal_rank: Vec<u32>,
    pub median_rank: Vec<u32>,
    pub p05_rank: Vec<u32>,
    pub p95_rank: Vec<u32>,
    /// (band name, probability per area), in study order: columns `p_<band>`.
    pub bands: Vec<(String, Vec<f64>)>,
    /// Column `p_selected`.
    pub p_selected: Option<Vec<f64>>,
}

/// How stable the selected set is across the samples (`selection_stability.csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct Stability {
    pub samples: u32,
    pub feasible: u32,
    pub infeasible: u32,
    pub share_equal_nominal: f64,
    pub mean_jaccard: f64,
    pub nominal_selected: Vec<String>,
}

/// One row of `sensitivity.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sensitivity {
    pub input: String,
    pub first_order: f64,
    pub first_order_low: f64,
    pub first_order_high: f64,
    pub total: f64,
    pub total_low: f64,
    pub total_high: f64,
}

const FIXED: [&str; 5] = [
    "area_code",
    "nominal_rank",
    "median_rank",
    "p05_rank",
    "p95_rank",
];
const STABILITY: [&str; 6] = [
    "samples",
    "feasible",
    "infeasible",
    "share_equal_nominal",
    "mean_jaccard",
    "nominal_selected",
];
const SENSITIVITY: [&str; 7] = [
    "input",
    "first_order",
    "first_order_low",
    "first_order_high",
    "total",
    "total_low",
    "total_high",
];

impl Uncertainty {
    /// The section's files.
    pub fn files(&self) -> Vec<File<'_>> {
        let mut files = vec![
            File::Table {
                stem: "uncertainty",
                table: self.areas.to_table(),
            },
            File::Bytes {
                name: "uncertainty.svg".into(),
                bytes: self.chart.as_bytes(),
            },
        ];
        if let Some(s) = &self.stability {
            files.push(File::Table {
                stem: "selection_stability",
                table: s.to_table(),
            });
        }
        if let Some(rows) = &self.sensitivity {
            files.push(File::Table {
                stem: "sensitivity",
                table: Sensitivity::to_table(rows),
            });
        }
        if let Some(svg) = &self.sensitivity_chart {
            files.push(File::Bytes {
                name: "sensitivity.svg".into(),
                bytes: svg.as_bytes(),
            });
        }
        files
    }
}

fn ints(v: &[u32]) -> Vec<i64> {
    v.iter().map(|&x| i64::from(x)).collect()
}

impl RankIntervals {
    pub const TABLE: &'static str = "uncertainty";

    /// The probability column of band `name`.
    pub fn band(&self, name: &str) -> Option<&[f64]> {
        self.bands
            .iter()
            .find(|(b, _)| b == name)
            .map(|(_, p)| p.as_slice())
    }

    pub fn to_table(&self) -> Table<'_> {
        let mut t = Table::new();
        t.push_text_borrowed("area_code", &self.area_code)
            .push_int("nominal_rank", ints(&self.nominal_rank))
            .push_int("median_rank", ints(&self.median_rank))
            .push_int("p05_rank", ints(&self.p05_rank))
            .push_int("p95_rank", ints(&self.p95_rank));
        for (name, p) in &self.bands {
            t.push_float_borrowed(format!("p_{name}"), p);
        }
        if let Some(p) = &self.p_selected {
            t.push_float_borrowed("p_selected", p);
        }
        t
    }

    pub(crate) fn from_csv(t: &CsvTable, bands: &[String]) -> Result<RankIntervals, BundleError> {
        t.only(|h| {
            FIXED.contains(&h)
                || h == "p_selected"
                || h.strip_prefix("p_")
                    .is_some_and(|b| bands.iter().any(|x| x == b))
        })?;
        Ok(RankIntervals {
            area_code: t.text("area_code")?,
            nominal_rank: t.counts("nominal_rank")?,
            median_rank: t.counts("median_rank")?,
            p05_rank: t.counts("p05_rank")?,
            p95_rank: t.counts("p95_rank")?,
            bands: bands
                .iter()
                .filter(|b| t.has(&format!("p_{b}")))
                .map(|b| Ok((b.clone(), t.probabilities(&format!("p_{b}"))?)))
                .collect::<Result<_, BundleError>>()?,
            p_selected: if t.has("p_selected") {
                Some(t.probabilities("p_selected")?)
            } else {
                None
            },
        })
    }
}

impl Stability {
    pub const TABLE: &'static str = "selection stability";

    pub fn to_table(&self) -> Table<'_> {
        let mut t = Table::new();
        t.push_int("samples", vec![i64::from(self.samples)])
            .push_int("feasible", vec![i64::from(self.feasible)])
            .push_int("infeasible", vec![i64::from(self.infeasible)])
            .push_float("share_equal_nominal", vec![self.share_equal_nominal])
            .push_float("mean_jaccard", vec![self.mean_jaccard])
            .push_text("nominal_selected", vec![self.nominal_selected.join(";")]);
        t
    }

    pub(crate) fn from_csv(t: &CsvTable) -> Result<Stability, BundleError> {
        t.only(|h| STABILITY.contains(&h))?;
        if t.len() != 1 {
            return Err(t.inconsistent(format!("{} rows; the table has exactly one", t.len())));
        }
        Ok(Stability {
            samples: t.counts("samples")?[0],
            feasible: t.counts("feasible")?[0],
            infeasible: t.counts("infeasible")?[0],
            share_equal_nominal: t.probabilities("share_equal_nominal")?[0],
            mean_jaccard: t.probabilities("mean_jaccard")?[0],
            nominal_selected: split_list(&t.text("nominal_selected")?[0]),
        })
    }
}

impl Sensitivity {
    pub const TABLE: &'static str = "sensitivity";

    pub fn to_table(rows: &[Sensitivity]) -> Table<'_> {
        let col = |f: fn(&Sensitivity) -> f64| rows.iter().map(f).collect::<Vec<_>>();
        let mut t = Table::new();
        t.push_text("input", rows.iter().map(|r| r.input.clone()).collect())
            .push_float("first_order", col(|r| r.first_order))
            .push_float("first_order_low", col(|r| r.first_order_low))
            .push_float("first_order_high", col(|r| r.first_order_high))
            .push_float("total", col(|r| r.total))
            .push_float("total_low", col(|r| r.total_low))
            .push_float("total_high", col(|r| r.total_high));
        t
    }

    pub(crate) fn from_csv(t: &CsvTable) -> Result<Vec<Sensitivity>, BundleError> {
        t.only(|h| SENSITIVITY.contains(&h))?;
        let input = t.text("input")?;
        let v: Vec<Vec<f64>> = SENSITIVITY[1..]
            .iter()
            .map(|c| t.floats(c))
            .collect::<Result<_, _>>()?;
        Ok((0..t.len())
            .map(|i| Sensitivity {
                input: input[i].clone(),
                first_order: v[0][i],
                first_order_low: v[1][i],
                first_order_high: v[2][i],
                total: v[3][i],
                total_low: v[4][i],
                total_high: v[5][i],
            })
            .collect())
    }
}
