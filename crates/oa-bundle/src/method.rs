//! What the method did to the data, beside the index's scores: `outliers.csv` and
//! `outlier_points.csv` (the JRC rule: which indicators were winsorised, which points
//! moved, which were log-transformed) and `pca.csv` (the principal components PCA weights
//! came from: loadings, eigenvalues, explained variance), as METHODS.md 1.3 and 1.5 ask
//! them to be reported.

use crate::csv_table::{CsvTable, from_label};
use crate::error::BundleError;
use oa_io::Table;

/// What the JRC outlier rule did: one row per indicator, and every point it moved.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outliers {
    /// One per indicator, in study order (`outliers.csv`).
    pub indicators: Vec<IndicatorTreatment>,
    /// Every winsorised value, by indicator then input order (`outlier_points.csv`).
    pub points: Vec<OutlierPoint>,
}

/// What the rule did to one indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    /// It passed as it was.
    None,
    /// Up to five distinct points were winsorised.
    Winsorised,
    /// Winsorising did not bring it within the rule: the original values were
    /// log-transformed.
    Log,
}

impl Treatment {
    pub const ALL: [Treatment; 3] = [Treatment::None, Treatment::Winsorised, Treatment::Log];

    pub fn label(self) -> &'static str {
        match self {
            Treatment::None => "none",
            Treatment::Winsorised => "winsorised",
            Treatment::Log => "log",
        }
    }
}

/// One row of `outliers.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct IndicatorTreatment {
    pub indicator: String,
    pub treatment: Treatment,
    /// Skew and kurtosis before and after (empty when undefined: too few or constant
    /// values).
    pub skew_before: f64,
    pub kurtosis_before: f64,
    pub skew_after: f64,
    pub kurtosis_after: f64,
    /// Whether the treated values pass the rule.
    pub passes: bool,
    /// Distinct points winsorised.
    pub winsorised: u32,
    /// With the log transform, `c` in `ln(x + c)` (`NaN` otherwise).
    pub log_shift: f64,
}

/// Which end of an indicator a winsorised point was at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointEnd {
    High,
    Low,
}

impl PointEnd {
    pub fn label(self) -> &'static str {
        match self {
            PointEnd::High => "high",
            PointEnd::Low => "low",
        }
    }
}

/// One row of `outlier_points.csv`: a value the rule winsorised, in the indicator's own
/// units.
#[derive(Debug, Clone, PartialEq)]
pub struct OutlierPoint {
    pub indicator: String,
    pub area_code: String,
    pub area_name: String,
    pub end: PointEnd,
    pub original: f64,
    pub treated: f64,
}

/// One row of `pca.csv`: a child of a group whose weights are PCA, with its loading on
/// the first principal component and the weight that gave it; the row of the `k`-th
/// child also carries the `k`-th eigenvalue, so a group's rows list its whole spectrum.
#[derive(Debug, Clone, PartialEq)]
pub struct PcaLoading {
    /// The group (or `index`).
    pub group: String,
    pub child: String,
    /// Signed loading on the first component (a unit vector over the group's children).
    pub loading: f64,
    /// The weight used: the squared loading.
    pub weight: f64,
    /// Component number (1 = the first) of `eigenvalue`.
    pub component: u32,
    pub eigenvalue: f64,
    /// Share of the variance on the first component (the same on every row of a group).
    pub explained_variance: f64,
    /// Areas with a value in every child (the ones the components were computed on).
    pub areas_used: u32,
}

const OUTLIERS: [&str; 9] = [
    "indicator",
    "treatment",
    "skew_before",
    "kurtosis_before",
    "skew_after",
    "kurtosis_after",
    "passes",
    "winsorised",
    "log_shift",
];
const POINTS: [&str; 6] = [
    "indicator",
    "area_code",
    "area_name",
    "end",
    "original",
    "treated",
];
const PCA: [&str; 8] = [
    "group",
    "child",
    "loading",
    "weight",
    "component",
    "eigenvalue",
    "explained_variance",
    "areas_used",
];

fn column<T, U>(rows: &[T], f: impl Fn(&T) -> U) -> Vec<U> {
    rows.iter().map(f).collect()
}

/// Parses each cell of `values` as one of `options` by its label.
fn labelled<T: Copy>(
    t: &CsvTable,
    name: &str,
    options: &[T],
    label: impl Fn(T) -> &'static str,
    expected: &'static str,
) -> Result<Vec<T>, BundleError> {
    t.text(name)?
        .iter()
        .enumerate()
        .map(|(i, s)| {
            from_label(options, &label, s).ok_or_else(|| BundleError::BadCell {
                path: t.path.clone(),
                line: i + 2,
                column: name.into(),
                text: s.clone(),
                expected,
            })
        })
        .collect()
}

impl Outliers {
    pub const TABLE: &'static str = "outliers";
    pub const POINTS: &'static str = "outlier points";

    pub fn indicators_table(&self) -> Table<'_> {
        let r = &self.indicators;
        let mut t = Table::new();
        t.push_text("indicator", column(r, |x| x.indicator.clone()))
            .push_text("treatment", column(r, |x| x.treatment.label().to_string()))
            .push_float("skew_before", column(r, |x| x.skew_before))
            .push_float("kurtosis_before", column(r, |x| x.kurtosis_before))
            .push_float("skew_after", column(r, |x| x.skew_after))
            .push_float("kurtosis_after", column(r, |x| x.kurtosis_after))
            .push_text("passes", column(r, |x| x.passes.to_string()))
            .push_int("winsorised", column(r, |x| i64::from(x.winsorised)))
            .push_float("log_shift", column(r, |x| x.log_shift));
        t
    }

    pub fn points_table(&self) -> Table<'_> {
        let p = &self.points;
        let mut t = Table::new();
        t.push_text("indicator", column(p, |x| x.indicator.clone()))
            .push_text("area_code", column(p, |x| x.area_code.clone()))
            .push_text("area_name", column(p, |x| x.area_name.clone()))
            .push_text("end", column(p, |x| x.end.label().to_string()))
            .push_float("original", column(p, |x| x.original))
            .push_float("treated", column(p, |x| x.treated));
        t
    }

    pub(crate) fn from_csv(
        indicators: &CsvTable,
        points: &CsvTable,
    ) -> Result<Outliers, BundleError> {
        let t = indicators;
        t.only(|h| OUTLIERS.contains(&h))?;
        let treatment = labelled(
            t,
            "treatment",
            &Treatment::ALL,
            Treatment::label,
            "none, winsorised or log",
        )?;
        let (skew_before, kurtosis_before) =
            (t.floats("skew_before")?, t.floats("kurtosis_before")?);
        let (skew_after, kurtosis_after) = (t.floats("skew_after")?, t.floats("kurtosis_after")?);
        let (passes, winsorised, log_shift) = (
            t.bools("passes")?,
            t.counts("winsorised")?,
            t.floats("log_shift")?,
        );
        let rows = t
            .text("indicator")?
            .into_iter()
            .enumerate()
            .map(|(i, indicator)| IndicatorTreatment {
                indicator,
                treatment: treatment[i],
                skew_before: skew_before[i],
                kurtosis_before: kurtosis_before[i],
                skew_after: skew_after[i],
                kurtosis_after: kurtosis_after[i],
                passes: passes[i],
                winsorised: winsorised[i],
                log_shift: log_shift[i],
            })
            .collect();
        let p = points;
        p.only(|h| POINTS.contains(&h))?;
        let end = labelled(
            p,
            "end",
            &[PointEnd::High, PointEnd::Low],
            PointEnd::label,
            "high or low",
        )?;
        let (codes, names) = (p.text("area_code")?, p.text("area_name")?);
        let (original, treated) = (
            p.required_floats("original")?,
            p.required_floats("treated")?,
        );
        let points = p
            .text("indicator")?
            .into_iter()
            .enumerate()
            .map(|(i, indicator)| OutlierPoint {
                indicator,
                area_code: codes[i].clone(),
                area_name: names[i].clone(),
                end: end[i],
                original: original[i],
                treated: treated[i],
            })
            .collect();
        Ok(Outliers {
            indicators: rows,
            points,
        })
    }
}

impl PcaLoading {
    pub const TABLE: &'static str = "pca";

    pub fn to_table(rows: &[PcaLoading]) -> Table<'_> {
        let mut t = Table::new();
        t.push_text("group", column(rows, |x| x.group.clone()))
            .push_text("child", column(rows, |x| x.child.clone()))
            .push_float("loading", column(rows, |x| x.loading))
            .push_float("weight", column(rows, |x| x.weight))
            .push_int("component", column(rows, |x| i64::from(x.component)))
            .push_float("eigenvalue", column(rows, |x| x.eigenvalue))
            .push_float("explained_variance", column(rows, |x| x.explained_variance))
            .push_int("areas_used", column(rows, |x| i64::from(x.areas_used)));
        t
    }

    pub(crate) fn from_csv(t: &CsvTable) -> Result<Vec<PcaLoading>, BundleError> {
        t.only(|h| PCA.contains(&h))?;
        let (child, loading, weight) = (
            t.text("child")?,
            t.required_floats("loading")?,
            t.required_floats("weight")?,
        );
        let (component, eigenvalue) = (t.counts("component")?, t.required_floats("eigenvalue")?);
        let (explained, areas) = (t.floats("explained_variance")?, t.counts("areas_used")?);
        Ok(t.text("group")?
            .into_iter()
            .enumerate()
            .map(|(i, group)| PcaLoading {
                group,
                child: child[i].clone(),
                loading: loading[i],
                weight: weight[i],
                component: component[i],
                eigenvalue: eigenvalue[i],
                explained_variance: explained[i],
                areas_used: areas[i],
            })
            .collect())
    }
}
