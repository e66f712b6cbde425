//! The evaluation's place in the report: did the chosen areas improve? The "Evaluation"
//! section (after the results, before the provenance) lists every overall estimate of
//! `evaluation.csv` with its interval and p-value, says what the comparisons are, shows
//! the event-study charts and sets the caveats apart; [`summary`] gives the headline
//! estimate as the last line of the summary. Both return nothing when the bundle holds no
//! evaluation, so a report never claims one.
//!
//! Every number is a `Fig` whose `src` names its cell of `evaluation.csv`; the words
//! carry no digits.

use crate::figures::{self as src};
use crate::model::inline::{code, fig, quote, t};
use crate::model::{Block, Column, Fig, Figure, Inline, Row, Section, Table};
use oa_bundle::Results;
use oa_evaluation::{Estimand, EstimateRow, Method};

const FILE: &str = "evaluation.csv";

/// The overall rows (`att`, all groups, all periods: not the discontinuity's bandwidth
/// table): their 0-based indices in `evaluation.csv`.
fn overall(rows: &[EstimateRow]) -> Vec<usize> {
    (0..rows.len()).filter(|&i| rows[i].is_overall()).collect()
}

/// A number of `evaluation.csv` as printed in a table (a dash when the method gives none).
fn number(x: f64, dp: usize) -> Vec<Inline> {
    if x.is_finite() {
        vec![t(src::decimal(x, dp))]
    } else {
        vec![t("\u{2013}")]
    }
}

/// The evaluation section, when the results hold an evaluation.
pub fn section(r: &Results) -> Option<Section> {
    let ev = r.evaluation.as_ref()?;
    let rows = &ev.estimates;
    let mut s = Section::new("evaluation", "Evaluation");
    s.para(vec![
        t("Did the chosen areas improve, compared with areas like them? Each method estimates the average change in the outcome in the treated areas after treatment began, beyond the change in a comparison: "),
        code("did"),
        t(" is difference-in-differences, "),
        code("cs"),
        t(" Callaway and Sant'Anna's group-time difference-in-differences, "),
        code("sc"),
        t(" synthetic control, "),
        code("sdid"),
        t(" synthetic difference-in-differences, "),
        code("ri"),
        t(" randomisation inference (reassigning treatment at random) and "),
        code("rd"),
        t(" the regression discontinuity at the selection's cut (areas ranked just inside against just outside). Every estimate, each area's own and the checks before treatment are in "),
        code(FILE),
        t("; the weights of the synthetic comparisons in "),
        code("weights.csv"),
        t("; the findings in words in "),
        code("evaluation.md"),
        t("."),
    ]);
    let overall = overall(rows);
    if overall.is_empty() {
        s.para(vec![t("The evaluation gave no overall estimate.")]);
        return Some(s);
    }
    let table_rows = overall
        .iter()
        .map(|&i| {
            let e = &rows[i];
            Row {
                row: Some(i + 1),
                cells: vec![
                    vec![t(e.method.name())],
                    vec![t(&e.outcome)],
                    vec![t(&e.comparison)],
                    number(e.estimate, 2),
                    number(e.ci_low, 2),
                    number(e.ci_high, 2),
                    number(e.measured_p_value().unwrap_or(f64::NAN), 3),
                    vec![t(src::group(e.n_treated as u64))],
                    vec![t(src::group(e.n_control as u64))],
                ],
            }
        })
        .collect();
    s.blocks.push(Block::Table(Table {
        id: "evaluation-estimates".into(),
        caption: "The overall effect on the treated areas, by outcome, comparison and method"
            .into(),
        caption_quote: None,
        columns: vec![
            Column::text("Method"),
            Column::text_of("Outcome", "outcome"),
            Column::text_of("Compared with", "comparison"),
            Column::number_of("Effect", "estimate"),
            Column::number_of("Interval from", "ci_low"),
            Column::number_of("to", "ci_high"),
            Column::number_of("p-value", "p_value"),
            Column::number_of("Treated", "n_treated"),
            Column::number_of("Compared", "n_control"),
        ],
        rows: table_rows,
        file: Some(FILE.into()),
        row_header: Some(0),
    }));
    s.blocks.push(Block::Note(vec![
        t("An effect is the treated areas' outcome minus their comparison's, after treatment, in the outcome's units. With few treated areas the intervals that assume many may be too narrow: the randomisation p-value holds for any number of areas. Synthetic control gives a p-value from placebos (each comparison area treated in turn) rather than an interval."),
    ]));
    if overall.iter().any(|&i| rows[i].method == Method::Rd) {
        s.blocks.push(Block::Note(vec![t(
            "For the regression discontinuity, Treated and Compared count the areas within its bandwidth just inside the cut (eligible, whether chosen or not) and just outside it.",
        )]));
    }
    let pre: Vec<usize> = (0..rows.len())
        .filter(|&i| {
            let e = &rows[i];
            e.pre_treatment
                && e.method == Method::Cs
                && e.estimand == Estimand::Event
                && (e.ci_low > 0.0 || e.ci_high < 0.0)
        })
        .collect();
    if !pre.is_empty() {
        let items = pre
            .iter()
            .map(|&i| {
                let e = &rows[i];
                vec![
                    quote(&e.outcome, src::cell(FILE, i, "outcome")),
                    t(" against "),
                    quote(&e.comparison, src::cell(FILE, i, "comparison")),
                    t(", event time "),
                    quote(&e.period, src::cell(FILE, i, "period")),
                    t(": the treated areas were already "),
                    fig(Fig::number(e.estimate, 2, src::cell(FILE, i, "estimate"))),
                    t(" apart (interval "),
                    fig(Fig::number(e.ci_low, 2, src::cell(FILE, i, "ci_low"))),
                    t(" to "),
                    fig(Fig::number(e.ci_high, 2, src::cell(FILE, i, "ci_high"))),
                    t(")."),
                ]
            })
            .collect();
        s.para(vec![t(
            "Before treatment the treated areas and their comparison should move together. These checks before treatment exclude zero, so that comparison may not show what would have happened without the programme:",
        )]);
        s.blocks.push(Block::List { items });
    }
    for c in ev
        .charts
        .iter()
        .filter(|c| c.name.starts_with("evaluation_event_"))
    {
        s.blocks.push(Block::Figure(Figure {
            id: c.name.trim_end_matches(".svg").replace('_', "-"),
            caption: "The effect by periods since treatment began, with its intervals".into(),
            description: vec![
                t("Estimates of Callaway and Sant'Anna's method by periods since treatment began, from "),
                code(&c.name),
                t("; those before treatment are checks of parallel trends, shown in grey, or in pink when their interval excludes zero."),
            ],
            svg: c.svg.clone(),
            file: c.name.clone(),
        }));
    }
    Some(s)
}

/// The evaluation's headline estimate for the summary: the first synthetic
/// difference-in-differences estimate (else the first overall one).
pub fn summary(r: &Results) -> Option<Vec<Inline>> {
    let ev = r.evaluation.as_ref()?;
    let rows = &ev.estimates;
    let overall = overall(rows);
    let &i = overall
        .iter()
        .find(|&&i| rows[i].method == Method::Sdid)
        .or_else(|| overall.first())?;
    let e = &rows[i];
    let mut line = vec![
        t("Evaluation: by "),
        t(e.method.name()),
        t(" against "),
        quote(&e.comparison, src::cell(FILE, i, "comparison")),
        t(", the effect on "),
        quote(&e.outcome, src::cell(FILE, i, "outcome")),
        t(" was "),
        fig(Fig::number(e.estimate, 2, src::cell(FILE, i, "estimate"))),
    ];
    if e.interval().is_some() {
        line.extend([
            t(" (interval "),
            fig(Fig::number(e.ci_low, 2, src::cell(FILE, i, "ci_low"))),
            t(" to "),
            fig(Fig::number(e.ci_high, 2, src::cell(FILE, i, "ci_high"))),
            t(")"),
        ]);
    }
    if let Some(p) = e.measured_p_value() {
        line.extend([
            t(", p-value "),
            fig(Fig::number(p, 3, src::cell(FILE, i, "p_value"))),
        ]);
    }
    line.push(t("; the evaluation section has every estimate."));
    Some(line)
}
