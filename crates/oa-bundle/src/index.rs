//! The index section: `scores.csv` (or `small_area_scores.csv` under a roll-up),
//! `indicators.csv` and `coverage.csv`; with the JRC outlier rule `outliers.csv` and
//! `outlier_points.csv`, with PCA weights `pca.csv` (module `method`).

use crate::coverage::Coverage;
use crate::csv_table::CsvTable;
use crate::error::BundleError;
use crate::method::{Outliers, PcaLoading};
use oa_io::Table;

/// The ranked, banded index and what went into it.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    pub scores: Scores,
    pub indicators: Indicators,
    pub coverage: Coverage,
    /// What the JRC outlier rule did (present when the study's `[method] outliers` is
    /// `jrc`).
    pub outliers: Option<Outliers>,
    /// The principal components behind PCA weights, one row per child of each group
    /// (present when the study's `[method] weights` is `pca`).
    pub pca: Option<Vec<PcaLoading>>,
}

/// Every ranked area (and any left unranked), in rank order (ties and unranked areas by
/// input order). Columns: `area_code, area_name, score, rank, band`, then `quantile` when
/// the study declares quantiles, then `score_<group>, rank_<group>` for each group.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Scores {
    pub area_code: Vec<String>,
    pub area_name: Vec<String>,
    /// The index score (`NaN` = not scored).
    pub score: Vec<f64>,
    /// Rank with ties 'min' (`None` = not ranked).
    pub rank: Vec<Option<u32>>,
    /// The first named band holding the area (empty = none).
    pub band: Vec<String>,
    /// Equal-count band from the rank-1 end, when declared.
    pub quantile: Option<Vec<Option<u32>>>,
    /// Each group's score and rank, in study order.
    pub groups: Vec<GroupScores>,
}

/// One group's columns of [`Scores`].
#[derive(Debug, Clone, PartialEq)]
pub struct GroupScores {
    pub id: String,
    pub score: Vec<f64>,
    pub rank: Vec<Option<u32>>,
}

/// Normalised indicator values (oriented so higher runs the way the score runs), one
/// column per indicator in study order, rows as in [`Scores`]. `indicators.csv` repeats
/// the scores' area codes and names; they are not held twice.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Indicators {
    pub columns: Vec<(String, Vec<f64>)>,
}

pub(crate) fn ranks_column(ranks: &[Option<u32>]) -> Vec<Option<i64>> {
    ranks.iter().map(|r| r.map(i64::from)).collect()
}

impl Scores {
    pub const TABLE: &'static str = "scores";

    pub fn len(&self) -> usize {
        self.area_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.area_code.is_empty()
    }

    /// Position of each area code.
    pub fn position(&self, code: &str) -> Option<usize> {
        self.area_code.iter().position(|c| c == code)
    }

    pub fn to_table(&self) -> Table<'_> {
        let mut t = Table::new();
        t.push_text_borrowed("area_code", &self.area_code)
            .push_text_borrowed("area_name", &self.area_name)
            .push_float_borrowed("score", &self.score)
            .push_opt_int("rank", ranks_column(&self.rank))
            .push_text_borrowed("band", &self.band);
        if let Some(q) = &self.quantile {
            t.push_opt_int("quantile", ranks_column(q));
        }
        for g in &self.groups {
            t.push_float_borrowed(format!("score_{}", g.id), &g.score);
            t.push_opt_int(format!("rank_{}", g.id), ranks_column(&g.rank));
        }
        t
    }

    pub(crate) fn from_csv(t: &CsvTable, groups: &[String]) -> Result<Scores, BundleError> {
        t.only(|h| {
            matches!(
                h,
                "area_code" | "area_name" | "score" | "rank" | "band" | "quantile"
            ) || h
                .strip_prefix("score_")
                .or_else(|| h.strip_prefix("rank_"))
                .is_some_and(|g| groups.iter().any(|x| x == g))
        })?;
        let mut out = Scores {
            area_code: t.text("area_code")?,
            area_name: t.text("area_name")?,
            score: t.floats("score")?,
            rank: t.opt_counts("rank")?,
            band: t.text("band")?,
            quantile: if t.has("quantile") {
                Some(t.opt_counts("quantile")?)
            } else {
                None
            },
            groups: Vec::new(),
        };
        for g in groups {
            let (score, rank) = (format!("score_{g}"), format!("rank_{g}"));
            if t.has(&score) || t.has(&rank) {
                out.groups.push(GroupScores {
                    id: g.clone(),
                    score: t.floats(&score)?,
                    rank: t.opt_counts(&rank)?,
                });
            }
        }
        Ok(out)
    }
}

impl Indicators {
    pub const TABLE: &'static str = "indicators";

    /// The table of `indicators.csv`, its areas those of `scores` (same rows, same order).
    pub fn to_table<'a>(&'a self, scores: &'a Scores) -> Table<'a> {
        let mut t = Table::new();
        t.push_text_borrowed("area_code", &scores.area_code)
            .push_text_borrowed("area_name", &scores.area_name);
        for (id, values) in &self.columns {
            t.push_float_borrowed(id.clone(), values);
        }
        t
    }

    /// Reads `indicators.csv`, whose areas must be those of `scores`, row for row.
    pub(crate) fn from_csv(
        t: &CsvTable,
        ids: &[String],
        scores: &Scores,
        scores_file: &str,
    ) -> Result<Indicators, BundleError> {
        t.only(|h| h == "area_code" || h == "area_name" || ids.iter().any(|i| i == h))?;
        if !t.text_is("area_code", &scores.area_code)?
            || !t.text_is("area_name", &scores.area_name)?
        {
            return Err(t.inconsistent(format!(
                "its areas differ from those of {scores_file} (in the same order); the bundle was changed by hand"
            )));
        }
        Ok(Indicators {
            columns: ids
                .iter()
                .map(|id| Ok((id.clone(), t.floats(id)?)))
                .collect::<Result<_, BundleError>>()?,
        })
    }
}
