//! `evaluation.md` in plain English: a pure function of the results, so the words can
//! never disagree with the numbers.

use crate::result::{ALL, Estimand, EstimateRow, Evaluation, Method};
use std::fmt::Write;

/// How to speak about the outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct Wording {
    /// `the share of children with a good level of development`
    pub outcome: String,
    /// `percentage points`, or empty.
    pub units: String,
    /// Whether a higher outcome is better (for "improved" / "worsened").
    pub higher_is_better: Option<bool>,
    /// Decimals shown.
    pub decimals: usize,
}

impl Wording {
    fn amount(&self, v: f64) -> String {
        let d = self.decimals;
        if self.units.is_empty() {
            format!("{:.d$}", v.abs())
        } else {
            format!("{:.d$} {}", v.abs(), self.units)
        }
    }

    fn signed(&self, v: f64) -> String {
        let d = self.decimals;
        format!("{v:.d$}")
    }

    fn direction(&self, v: f64) -> &'static str {
        if v >= 0.0 { "higher" } else { "lower" }
    }
}

fn interval_words(w: &Wording, r: &EstimateRow) -> String {
    let mut parts = Vec::new();
    if let Some((low, high)) = r.interval() {
        parts.push(format!(
            "95% interval {} to {}",
            w.signed(low),
            w.signed(high)
        ));
    }
    if let Some(p) = r.p_value_text() {
        parts.push(p);
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join("; "))
    }
}

/// The report for one outcome.
pub fn evaluation_markdown(ev: &Evaluation, w: &Wording) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# Did {} improve in the treated areas?\n", w.outcome);
    let n = ev.treated_units.len();
    let first_post = ev
        .rows
        .iter()
        .find(|r| r.estimand == Estimand::Unit || r.estimand == Estimand::AttGt)
        .map(|r| r.group.clone());
    let _ = write!(
        s,
        "{n} treated area{} ({}), observed from {} to {}",
        if n == 1 { "" } else { "s" },
        ev.treated_units.join(", "),
        ev.period_names.first().map_or("", String::as_str),
        ev.period_names.last().map_or("", String::as_str),
    );
    if let Some(g) = first_post
        && let Some(i) = ev.period_labels.iter().position(|l| *l == g)
    {
        let _ = write!(s, "; treatment counts from {}", ev.period_names[i]);
    }
    s.push_str(".\n\n## What the areas are compared with\n\n");
    for c in &ev.comparisons {
        let _ = writeln!(s, "- `{}`: {}.", c.id, c.description);
    }
    s.push_str("\n## The effect\n\n");
    let mut any = false;
    let mut found = Vec::new();
    for c in &ev.comparisons {
        for m in [
            Method::Sdid,
            Method::Sc,
            Method::Did,
            Method::Cs,
            Method::Ri,
        ] {
            let Some(r) = ev.att(m, &c.id) else { continue };
            any = true;
            found.push(r.rules_out_no_effect());
            let sentence = match m {
                Method::Ri => format!(
                    "Randomisation inference against `{}`: the treated areas' change was {} {} than the other areas'; reassigning treatment ({}), {}.",
                    c.id,
                    w.amount(r.estimate),
                    w.direction(r.estimate),
                    r.inference,
                    match r.measured_p_value() {
                        Some(p) if p < 0.001 =>
                            "a difference at least this large came up with probability below 0.001"
                                .to_string(),
                        Some(p) => format!(
                            "a difference at least this large came up with probability {p:.3}"
                        ),
                        None => "the chance of a difference at least this large was not measured"
                            .to_string(),
                    }
                ),
                _ => format!(
                    "{} against `{}`: {} was {} {} than in the comparison{}.",
                    capitalise(m.name()),
                    c.id,
                    w.outcome,
                    w.amount(r.estimate),
                    w.direction(r.estimate),
                    interval_words(w, r)
                ),
            };
            let _ = writeln!(s, "- {sentence}");
        }
    }
    for r in ev
        .rows
        .iter()
        .filter(|r| r.method == Method::Rd && r.period == ALL)
    {
        any = true;
        found.push(r.rules_out_no_effect());
        let _ = writeln!(
            s,
            "- Regression discontinuity at the selection cut: just on the selected side, {} was {} {}{}.",
            w.outcome,
            w.amount(r.estimate),
            w.direction(r.estimate),
            interval_words(w, r)
        );
    }
    if !any {
        s.push_str("- No method was estimated.\n");
    }
    s.push('\n');
    let verdict = if found.is_empty() {
        String::new()
    } else if found.iter().all(|d| !d) {
        "No method finds an effect distinguishable from zero: the data are consistent with the programme having made no difference to this outcome, and also with effects as large as the intervals allow.".to_string()
    } else if found.iter().all(|d| *d) {
        "Every method finds an effect distinguishable from zero.".to_string()
    } else {
        format!(
            "The methods disagree: {} of {} find an effect distinguishable from zero, so the evidence is not conclusive.",
            found.iter().filter(|d| **d).count(),
            found.len()
        )
    };
    if !verdict.is_empty() {
        let _ = writeln!(s, "{verdict}\n");
    }
    s.push_str("## Before treatment (parallel trends)\n\n");
    if ev.pretrends.is_empty() {
        s.push_str("No event-time estimates before treatment were made (they need Callaway and Sant'Anna with at least two periods before treatment).\n");
    } else {
        let flagged: Vec<_> = ev.pretrends.iter().filter(|p| p.flagged).collect();
        if flagged.is_empty() {
            let _ = writeln!(
                s,
                "None of the {} estimates before treatment has an interval that excludes zero: the treated and comparison areas moved together beforehand, as the methods assume.",
                ev.pretrends.len()
            );
        } else {
            for p in &flagged {
                let _ = writeln!(
                    s,
                    "- Warning (`{}`): {} period{} before treatment the treated areas were already {} {} apart ({} to {}); the comparison may not show what would have happened without the programme.",
                    p.comparison,
                    -p.event_time,
                    if p.event_time == -1 { "" } else { "s" },
                    w.amount(p.estimate),
                    if p.estimate >= 0.0 {
                        "higher, relatively,"
                    } else {
                        "lower, relatively,"
                    },
                    w.signed(p.ci_low),
                    w.signed(p.ci_high)
                );
            }
        }
    }
    if !ev.notes.is_empty() {
        s.push_str("\n## Caveats\n\n");
        for n in &ev.notes {
            let _ = writeln!(s, "- {n}");
        }
    }
    if let Some(better) = w.higher_is_better {
        let sdid = ev
            .comparisons
            .first()
            .and_then(|c| ev.att(Method::Sdid, &c.id));
        if let Some(r) = sdid {
            let improved = (r.estimate >= 0.0) == better;
            let _ = writeln!(
                s,
                "\nIn short: by the synthetic difference-in-differences estimate against `{}`, the treated areas {} relative to comparable areas{}.",
                r.comparison,
                if improved { "did better" } else { "did worse" },
                if r.rules_out_no_effect() {
                    ""
                } else {
                    ", but not by more than chance could explain"
                }
            );
        }
    }
    s
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
