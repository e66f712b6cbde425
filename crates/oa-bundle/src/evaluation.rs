//! The evaluation section: did the chosen areas improve? `evaluation.csv` (one row per
//! estimate: method, estimand, group, period, estimate, se, ci_low, ci_high, p_value, then
//! outcome, unit, comparison set, n_treated, n_control, inference, pre_treatment),
//! `weights.csv` (unit and time weights of the synthetic methods), `evaluation_paths.csv`
//! (each treated area's path and its synthetic comparison, for the dashboard's area
//! profile), `evaluation.md` (the findings in words) and charts
//! (`evaluation_event_*.svg`, `evaluation_synthetic_*.svg`, `evaluation_placebos_*.svg`).
//!
//! The row types are the evaluation engine's own ([`EstimateRow`], [`WeightRow`]), so the
//! dashboard reads what the engine wrote without a second description.

use crate::csv_table::{CsvTable, from_label};
use crate::error::BundleError;
use crate::results::File;
use oa_evaluation::{Estimand, EstimateRow, Method, ROW_COLUMNS, WeightKind, WeightRow};
use oa_io::Table;
use std::path::Path;

/// Every file of the evaluation section.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Evaluation {
    /// `evaluation.csv`, every outcome's rows in order.
    pub estimates: Vec<EstimateRow>,
    /// `weights.csv`.
    pub weights: Vec<WeightRow>,
    /// `evaluation_paths.csv`: one row per path and period.
    pub paths: Vec<PathPoint>,
    /// `evaluation.md`.
    pub markdown: String,
    /// The SVG charts, by file name.
    pub charts: Vec<EvaluationChart>,
}

/// One period of a treated path and its synthetic comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct PathPoint {
    pub method: Method,
    pub outcome: String,
    pub comparison: String,
    /// The treated area, or `all` for the treated mean.
    pub unit: String,
    /// The period as shown to people (`2017/18`).
    pub period: String,
    /// Whether treatment had started.
    pub treated: bool,
    pub actual: f64,
    pub synthetic: f64,
}

/// One chart: `evaluation_<kind>_<outcome>_<comparison>[_<unit>].svg`.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluationChart {
    pub name: String,
    pub svg: String,
}

/// The kinds of chart, as their file names begin.
pub const EVALUATION_CHART_PREFIXES: [&str; 3] = [
    "evaluation_event_",
    "evaluation_synthetic_",
    "evaluation_placebos_",
];

const WEIGHT_COLUMNS: [&str; 8] = [
    "method",
    "unit",
    "weight",
    "kind",
    "outcome",
    "comparison",
    "treated",
    "group",
];

const PATH_COLUMNS: [&str; 8] = [
    "method",
    "outcome",
    "comparison",
    "unit",
    "period",
    "treated",
    "actual",
    "synthetic",
];

const ESTIMANDS: [Estimand; 6] = [
    Estimand::Att,
    Estimand::AttGt,
    Estimand::Event,
    Estimand::Group,
    Estimand::Calendar,
    Estimand::Unit,
];

fn kind_code(kind: WeightKind) -> &'static str {
    match kind {
        WeightKind::Unit => "unit",
        WeightKind::Time => "time",
    }
}

fn bool_text(b: bool) -> String {
    if b { "true" } else { "false" }.to_string()
}

/// Whether `name` is a chart of this section.
pub fn is_evaluation_chart(name: &str) -> bool {
    name.ends_with(".svg")
        && !name.contains(['/', '\\'])
        && EVALUATION_CHART_PREFIXES
            .iter()
            .any(|p| name.starts_with(p))
}

impl Evaluation {
    pub const ESTIMATES: &'static str = "evaluation";
    pub const WEIGHTS: &'static str = "weights";
    pub const PATHS: &'static str = "evaluation_paths";
    pub const MARKDOWN: &'static str = "evaluation.md";

    /// `evaluation.csv`.
    pub fn estimates_table(&self) -> Table<'_> {
        let r = &self.estimates;
        let text = |g: fn(&EstimateRow) -> String| r.iter().map(g).collect::<Vec<_>>();
        let float = |g: fn(&EstimateRow) -> f64| r.iter().map(g).collect::<Vec<_>>();
        let count = |g: fn(&EstimateRow) -> usize| r.iter().map(|x| g(x) as i64).collect();
        let mut t = Table::new();
        t.push_text("method", text(|x| x.method.code().to_string()))
            .push_text("estimand", text(|x| x.estimand.code().to_string()))
            .push_text("group", text(|x| x.group.clone()))
            .push_text("period", text(|x| x.period.clone()))
            .push_float("estimate", float(|x| x.estimate))
            .push_float("se", float(|x| x.se))
            .push_float("ci_low", float(|x| x.ci_low))
            .push_float("ci_high", float(|x| x.ci_high))
            .push_float("p_value", float(|x| x.p_value))
            .push_text("outcome", text(|x| x.outcome.clone()))
            .push_text("unit", text(|x| x.unit.clone()))
            .push_text("comparison", text(|x| x.comparison.clone()))
            .push_int("n_treated", count(|x| x.n_treated))
            .push_int("n_control", count(|x| x.n_control))
            .push_text("inference", text(|x| x.inference.clone()))
            .push_text("pre_treatment", text(|x| bool_text(x.pre_treatment)));
        t
    }

    /// `weights.csv`.
    pub fn weights_table(&self) -> Table<'_> {
        let w = &self.weights;
        let text = |g: fn(&WeightRow) -> String| w.iter().map(g).collect::<Vec<_>>();
        let mut t = Table::new();
        t.push_text("method", text(|x| x.method.code().to_string()))
            .push_text("unit", text(|x| x.unit.clone()))
            .push_float("weight", w.iter().map(|x| x.weight).collect())
            .push_text("kind", text(|x| kind_code(x.kind).to_string()))
            .push_text("outcome", text(|x| x.outcome.clone()))
            .push_text("comparison", text(|x| x.comparison.clone()))
            .push_text("treated", text(|x| x.treated.clone()))
            .push_text("group", text(|x| x.group.clone()));
        t
    }

    /// `evaluation_paths.csv`.
    pub fn paths_table(&self) -> Table<'_> {
        let p = &self.paths;
        let text = |g: fn(&PathPoint) -> String| p.iter().map(g).collect::<Vec<_>>();
        let mut t = Table::new();
        t.push_text("method", text(|x| x.method.code().to_string()))
            .push_text("outcome", text(|x| x.outcome.clone()))
            .push_text("comparison", text(|x| x.comparison.clone()))
            .push_text("unit", text(|x| x.unit.clone()))
            .push_text("period", text(|x| x.period.clone()))
            .push_text("treated", text(|x| bool_text(x.treated)))
            .push_float("actual", p.iter().map(|x| x.actual).collect())
            .push_float("synthetic", p.iter().map(|x| x.synthetic).collect());
        t
    }

    /// The section's files: the three tables, the words, then the charts.
    pub fn files(&self) -> Vec<File<'_>> {
        let mut files = vec![
            File::Table {
                stem: Self::ESTIMATES,
                table: self.estimates_table(),
            },
            File::Table {
                stem: Self::WEIGHTS,
                table: self.weights_table(),
            },
            File::Table {
                stem: Self::PATHS,
                table: self.paths_table(),
            },
            File::Bytes {
                name: Self::MARKDOWN.into(),
                bytes: self.markdown.as_bytes(),
            },
        ];
        files.extend(self.charts.iter().map(|c| File::Bytes {
            name: c.name.as_str().into(),
            bytes: c.svg.as_bytes(),
        }));
        files
    }

    /// The rows of `evaluation.csv` (also for a file uploaded on its own).
    pub(crate) fn estimates_from_csv(t: &CsvTable) -> Result<Vec<EstimateRow>, BundleError> {
        t.only(|h| ROW_COLUMNS.contains(&h))?;
        let method = labels(t, "method", &Method::ALL, Method::code)?;
        let estimand = labels(t, "estimand", &ESTIMANDS, Estimand::code)?;
        let group = t.text("group")?;
        let period = t.text("period")?;
        let estimate = t.floats("estimate")?;
        let se = t.floats("se")?;
        let ci_low = t.floats("ci_low")?;
        let ci_high = t.floats("ci_high")?;
        let p_value = t.probabilities("p_value")?;
        let outcome = t.text("outcome")?;
        let unit = t.text("unit")?;
        let comparison = t.text("comparison")?;
        let n_treated = t.counts("n_treated")?;
        let n_control = t.counts("n_control")?;
        let inference = t.text("inference")?;
        let pre = t.bools("pre_treatment")?;
        Ok((0..t.len())
            .map(|i| EstimateRow {
                method: method[i],
                estimand: estimand[i],
                group: group[i].clone(),
                period: period[i].clone(),
                estimate: estimate[i],
                se: se[i],
                ci_low: ci_low[i],
                ci_high: ci_high[i],
                p_value: p_value[i],
                outcome: outcome[i].clone(),
                unit: unit[i].clone(),
                comparison: comparison[i].clone(),
                n_treated: n_treated[i] as usize,
                n_control: n_control[i] as usize,
                inference: inference[i].clone(),
                pre_treatment: pre[i],
            })
            .collect())
    }

    fn weights_from_csv(t: &CsvTable) -> Result<Vec<WeightRow>, BundleError> {
        t.only(|h| WEIGHT_COLUMNS.contains(&h))?;
        let method = labels(t, "method", &Method::ALL, Method::code)?;
        let unit = t.text("unit")?;
        let weight = t.required_floats("weight")?;
        let kind = labels(t, "kind", &[WeightKind::Unit, WeightKind::Time], kind_code)?;
        let outcome = t.text("outcome")?;
        let comparison = t.text("comparison")?;
        let treated = t.text("treated")?;
        let group = t.text("group")?;
        Ok((0..t.len())
            .map(|i| WeightRow {
                method: method[i],
                outcome: outcome[i].clone(),
                comparison: comparison[i].clone(),
                treated: treated[i].clone(),
                group: group[i].clone(),
                kind: kind[i],
                unit: unit[i].clone(),
                weight: weight[i],
            })
            .collect())
    }

    fn paths_from_csv(t: &CsvTable) -> Result<Vec<PathPoint>, BundleError> {
        t.only(|h| PATH_COLUMNS.contains(&h))?;
        let method = labels(t, "method", &Method::ALL, Method::code)?;
        let outcome = t.text("outcome")?;
        let comparison = t.text("comparison")?;
        let unit = t.text("unit")?;
        let period = t.text("period")?;
        let treated = t.bools("treated")?;
        let actual = t.floats("actual")?;
        let synthetic = t.floats("synthetic")?;
        Ok((0..t.len())
            .map(|i| PathPoint {
                method: method[i],
                outcome: outcome[i].clone(),
                comparison: comparison[i].clone(),
                unit: unit[i].clone(),
                period: period[i].clone(),
                treated: treated[i],
                actual: actual[i],
                synthetic: synthetic[i],
            })
            .collect())
    }

    /// The section of the bundle at `dir`; `outputs` are the manifest's file names (the
    /// charts are those it lists).
    pub(crate) fn read<'a>(
        dir: &Path,
        outputs: impl Iterator<Item = &'a str>,
    ) -> Result<Evaluation, BundleError> {
        let estimates =
            Self::estimates_from_csv(&CsvTable::read(dir, "evaluation.csv", Self::ESTIMATES)?)?;
        let weights = Self::weights_from_csv(&CsvTable::read(dir, "weights.csv", Self::WEIGHTS)?)?;
        let paths =
            Self::paths_from_csv(&CsvTable::read(dir, "evaluation_paths.csv", Self::PATHS)?)?;
        let markdown = crate::read::read_text(dir, Self::MARKDOWN, "the evaluation in words")?;
        let mut names: Vec<&str> = outputs.filter(|n| is_evaluation_chart(n)).collect();
        names.sort_unstable();
        names.dedup();
        let charts = names
            .into_iter()
            .map(|name| {
                Ok(EvaluationChart {
                    name: name.to_string(),
                    svg: crate::read::read_text(dir, name, "an evaluation chart")?,
                })
            })
            .collect::<Result<_, BundleError>>()?;
        Ok(Evaluation {
            estimates,
            weights,
            paths,
            markdown,
            charts,
        })
    }
}

/// A column of closed-set words (`did`, `att`, ...) as their values.
fn labels<T: Copy>(
    t: &CsvTable,
    column: &str,
    options: &[T],
    label: fn(T) -> &'static str,
) -> Result<Vec<T>, BundleError> {
    let text = t.text(column)?;
    text.iter()
        .enumerate()
        .map(|(i, s)| {
            from_label(options, label, s).ok_or_else(|| BundleError::BadCell {
                path: t.path.clone(),
                line: i + 2,
                column: column.to_string(),
                text: s.chars().take(60).collect(),
                expected: "one of the words `oa` writes (did, cs, sc, sdid, ri, rd; att, att_gt, event, group, calendar, unit; unit, time)",
            })
        })
        .collect()
}
