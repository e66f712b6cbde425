//! A KPI's history: every figure recorded or changed, who did it, when, the old and new
//! figures and why, read from the audit log the store writes with each change (so it
//! cannot miss one), and the drafts waiting for a national admin.
//!
//! Names: the area's own people and national admins see who made each change by their
//! public name; everyone else sees the role ("The area lead"), as with comments.

use super::input;
use crate::AppState;
use crate::domain::{access, figure};
use crate::error::ApiError;
use oa_store::{AuditFilter, PageRequest, Store};
use serde_json::{Value, json};
use std::collections::HashMap;

/// One change of a KPI figure, ready for the page and the CSV.
#[derive(serde::Serialize, Debug, Clone)]
pub struct Change {
    pub kpi_id: i64,
    pub period: String,
    /// RFC 3339, and as people read it (`27 November 2026 at 05:30 UTC`).
    pub at: String,
    pub when: String,
    pub who: String,
    /// `Recorded`, `Changed`, `Draft proposed`, `Draft discarded`, `Removed`.
    pub what: String,
    pub old_actual: Option<f64>,
    pub new_actual: Option<f64>,
    pub old_national: Option<f64>,
    pub new_national: Option<f64>,
    pub reason: Option<String>,
}

fn f(v: Option<&Value>, key: &str) -> Option<f64> {
    v.and_then(|r| r.get(key)).and_then(Value::as_f64)
}

fn draft_of(v: Option<&Value>) -> Option<&Value> {
    v.and_then(|r| r.get("draft")).filter(|d| !d.is_null())
}

/// `2026-11-27T05:30:12Z` as `27 November 2026 at 05:30 UTC`.
pub fn when(at: &str) -> String {
    match at.get(11..16) {
        Some(hm) if at.ends_with('Z') => format!("{} at {hm} UTC", input::long_date(at)),
        _ => input::long_date(at),
    }
}

/// Every change of the figures of area `area`'s KPIs, oldest first. `insider`: the reader
/// is one of the area's people or a national admin, who see names and drafts (others see
/// roles, and published figures only).
pub async fn area_changes(
    state: &AppState,
    area: i64,
    insider: bool,
) -> Result<Vec<Change>, ApiError> {
    let named = insider;
    let rows = state
        .store
        .audit(
            &AuditFilter {
                entity: Some("kpi_values".into()),
                entity_id: None,
                area_in: Some(vec![area]),
            },
            PageRequest::ALL,
        )
        .await?
        .items;
    let mut names: HashMap<i64, String> = HashMap::new();
    let mut out = Vec::new();
    for r in rows.into_iter().rev() {
        let (before, after) = (r.before.as_ref(), r.after.as_ref());
        let row = after.or(before);
        let kpi_id = row
            .and_then(|v| v.get("kpi_id"))
            .and_then(Value::as_i64)
            .unwrap_or(0);
        let period = row
            .and_then(|v| v.get("period"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let figures_changed = f(before, "actual") != f(after, "actual")
            || f(before, "national") != f(after, "national");
        let draft_event = draft_of(before).is_some() || draft_of(after).is_some();
        if draft_event && !figures_changed && !insider {
            continue;
        }
        let (what, reason, new_actual, new_national) = match (draft_of(before), draft_of(after)) {
            (_, Some(d)) if draft_of(before) != Some(d) && !figures_changed => (
                "Draft proposed",
                d.get("reason").and_then(Value::as_str).map(str::to_string),
                d.get("actual").and_then(Value::as_f64),
                d.get("national").and_then(Value::as_f64),
            ),
            (Some(_), None) if !figures_changed => (
                "Draft discarded",
                None,
                f(before, "actual"),
                f(before, "national"),
            ),
            _ if !figures_changed => continue,
            _ => (
                match (before, after) {
                    (None, _) => "Recorded",
                    (_, None) => "Removed",
                    _ if f(before, "actual").is_none() && f(before, "national").is_none() => {
                        "Recorded"
                    }
                    _ => "Changed",
                },
                after
                    .and_then(|a| a.get("reason"))
                    .and_then(Value::as_str)
                    .map(str::to_string),
                f(after, "actual"),
                f(after, "national"),
            ),
        };
        let who = match r.user_id {
            None => "Loaded with the programme's records".to_string(),
            Some(id) => match names.get(&id) {
                Some(n) => n.clone(),
                None => {
                    let n = match state.store.user(id).await? {
                        Some(u) if named => access::public_name(&u),
                        Some(u) => {
                            let anonymised = oa_store::User {
                                name: String::new(),
                                ..u
                            };
                            access::public_name(&anonymised)
                        }
                        None => "A former user".to_string(),
                    };
                    names.insert(id, n.clone());
                    n
                }
            },
        };
        out.push(Change {
            kpi_id,
            period,
            when: when(&r.at),
            at: r.at,
            who,
            what: what.to_string(),
            old_actual: f(before, "actual"),
            new_actual,
            old_national: f(before, "national"),
            new_national,
            reason,
        });
    }
    Ok(out)
}

/// The changes as CSV rows (`kpi` names the KPI).
pub fn csv_rows(changes: &[Change], kpi_names: &HashMap<i64, String>) -> Vec<Value> {
    changes
        .iter()
        .map(|c| {
            json!({
                "kpi": kpi_names.get(&c.kpi_id).cloned().unwrap_or_default(),
                "year": c.period,
                "changed_at": c.at,
                "changed_by": c.who,
                "change": c.what,
                "old_figure": c.old_actual.map(figure),
                "new_figure": c.new_actual.map(figure),
                "old_national_figure": c.old_national.map(figure),
                "new_national_figure": c.new_national.map(figure),
                "reason": c.reason,
            })
        })
        .collect()
}

/// The CSV's columns.
pub const CSV_COLUMNS: [&str; 10] = [
    "kpi",
    "year",
    "changed_at",
    "changed_by",
    "change",
    "old_figure",
    "new_figure",
    "old_national_figure",
    "new_national_figure",
    "reason",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_dates() {
        assert_eq!(
            when("2026-11-27T05:30:12Z"),
            "27 November 2026 at 05:30 UTC"
        );
        assert_eq!(when("2026-11-27"), "27 November 2026");
    }
}
