//! Read models: everything an area page shows in one document, and the money
//! reconciliation (allocated vs committed vs spent) that the guards keep true.

use crate::error::ApiError;
use oa_store::{AnyStore, Filter, Kind, PageRequest, Record, Store};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn int(r: &Record, key: &str) -> i64 {
    r.get(key).and_then(Value::as_i64).unwrap_or(0)
}

async fn by(
    store: &AnyStore,
    kind: Kind,
    column: &'static str,
    id: i64,
) -> Result<Vec<Record>, ApiError> {
    Ok(store
        .list(
            kind,
            &Filter {
                equals: vec![(column, Value::from(id))],
                ..Default::default()
            },
            PageRequest::ALL,
        )
        .await?
        .items)
}

/// One allocation's money: allocated, committed in grants, spent in returns.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MoneyLine {
    pub allocation_id: i64,
    pub fund_id: i64,
    pub fund: String,
    pub area_id: i64,
    pub period: String,
    pub allocated_pence: i64,
    pub committed_pence: i64,
    pub spent_pence: i64,
    /// Allocated but not yet granted.
    pub uncommitted_pence: i64,
    /// Granted but not yet spent.
    pub unspent_pence: i64,
}

impl MoneyLine {
    /// The fields in declaration order: the columns of every money CSV download.
    pub const COLUMNS: &[&str] = &[
        "allocation_id",
        "fund_id",
        "fund",
        "area_id",
        "period",
        "allocated_pence",
        "committed_pence",
        "spent_pence",
        "uncommitted_pence",
        "unspent_pence",
    ];
}

/// Reconciles allocations with their grants and spend returns.
pub fn reconcile(
    funds: &[Record],
    allocations: &[Record],
    grants: &[Record],
    spend: &[Record],
) -> Vec<MoneyLine> {
    let fund_names: BTreeMap<i64, String> = funds
        .iter()
        .map(|f| {
            (
                int(f, "id"),
                f.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect();
    // Sums saturate rather than wrap or panic: the guards keep real totals far below
    // the limit, and a read must never fail on what is stored.
    let add = |total: &mut i64, x: i64| *total = total.saturating_add(x);
    let mut spent_by_grant: BTreeMap<i64, i64> = BTreeMap::new();
    for s in spend {
        add(
            spent_by_grant.entry(int(s, "grant_id")).or_default(),
            int(s, "amount_pence"),
        );
    }
    let mut committed: BTreeMap<i64, i64> = BTreeMap::new();
    let mut spent: BTreeMap<i64, i64> = BTreeMap::new();
    for g in grants {
        let a = int(g, "allocation_id");
        add(committed.entry(a).or_default(), int(g, "amount_pence"));
        add(
            spent.entry(a).or_default(),
            spent_by_grant.get(&int(g, "id")).copied().unwrap_or(0),
        );
    }
    allocations
        .iter()
        .map(|a| {
            let id = int(a, "id");
            let allocated = int(a, "amount_pence");
            let c = committed.get(&id).copied().unwrap_or(0);
            let s = spent.get(&id).copied().unwrap_or(0);
            MoneyLine {
                allocation_id: id,
                fund_id: int(a, "fund_id"),
                fund: fund_names
                    .get(&int(a, "fund_id"))
                    .cloned()
                    .unwrap_or_default(),
                area_id: int(a, "area_id"),
                period: a
                    .get("period")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                allocated_pence: allocated,
                committed_pence: c,
                spent_pence: s,
                uncommitted_pence: allocated.saturating_sub(c),
                unspent_pence: c.saturating_sub(s),
            }
        })
        .collect()
}

/// The money of the areas in `areas` of the programmes in `programmes` (None: all).
pub async fn money(
    store: &AnyStore,
    areas: Option<Vec<i64>>,
    programmes: Option<Vec<i64>>,
) -> Result<Vec<MoneyLine>, ApiError> {
    let filter = Filter {
        equals: vec![],
        area_in: areas,
        programme_in: programmes.clone(),
    };
    let all = |k| store.list(k, &filter, PageRequest::ALL);
    let funds = store
        .list(
            Kind::Fund,
            &Filter {
                programme_in: programmes,
                ..Filter::default()
            },
            PageRequest::ALL,
        )
        .await?
        .items;
    let allocations = all(Kind::Allocation).await?.items;
    let grants = all(Kind::Grant).await?.items;
    let spend = all(Kind::SpendReturn).await?.items;
    Ok(reconcile(&funds, &allocations, &grants, &spend))
}

/// Everything an area page shows: the area, its boards and members, partners and
/// commitments, plans with priorities, interventions and versions, KPIs with their values
/// and series breaks, research schools and activities, and money by allocation with totals.
pub async fn area_summary(store: &AnyStore, area: Record) -> Result<Value, ApiError> {
    let id = int(&area, "id");
    let programme = int(&area, "programme_id");
    let boards = by(store, Kind::Board, "area_id", id).await?;
    let members = by(store, Kind::Member, "area_id", id).await?;
    let plans = by(store, Kind::Plan, "area_id", id).await?;
    let priorities = by(store, Kind::Priority, "area_id", id).await?;
    let interventions = by(store, Kind::Intervention, "area_id", id).await?;
    let kpis = by(store, Kind::Kpi, "area_id", id).await?;
    let values = by(store, Kind::KpiValue, "area_id", id).await?;
    let breaks = by(store, Kind::SeriesBreak, "area_id", id).await?;
    let schools = by(store, Kind::ResearchSchool, "area_id", id).await?;
    let activities = by(store, Kind::ResearchActivity, "area_id", id).await?;
    let partners: Vec<Record> = by(store, Kind::Partner, "programme_id", programme)
        .await?
        .into_iter()
        .filter(|p| {
            p.get("area_id")
                .and_then(Value::as_i64)
                .is_none_or(|a| a == id)
        })
        .collect();
    let commitments: Vec<Record> = by(store, Kind::Commitment, "programme_id", programme)
        .await?
        .into_iter()
        .filter(|c| {
            c.get("area_id")
                .and_then(Value::as_i64)
                .is_none_or(|a| a == id)
        })
        .collect();
    let funds = by(store, Kind::Fund, "programme_id", programme).await?;
    let allocations = by(store, Kind::Allocation, "area_id", id).await?;
    let grants = by(store, Kind::Grant, "area_id", id).await?;
    let spend = by(store, Kind::SpendReturn, "area_id", id).await?;
    let money = reconcile(&funds, &allocations, &grants, &spend);
    let total = |f: fn(&MoneyLine) -> i64| money.iter().map(f).fold(0i64, i64::saturating_add);

    let nest = |parents: &[Record], children: &[Record], key: &str, name: &str| -> Vec<Value> {
        parents
            .iter()
            .map(|p| {
                let mut o = p.clone();
                let kids: Vec<Value> = children
                    .iter()
                    .filter(|c| c.get(key).and_then(Value::as_i64) == Some(int(p, "id")))
                    .map(|c| Value::Object(c.clone()))
                    .collect();
                o.insert(name.into(), Value::Array(kids));
                Value::Object(o)
            })
            .collect()
    };
    let kpis: Vec<Value> = kpis
        .iter()
        .map(|k| {
            let mut o = k.clone();
            let kid = int(k, "id");
            let mut vals: Vec<&Record> =
                values.iter().filter(|v| int(v, "kpi_id") == kid).collect();
            vals.sort_by(|a, b| {
                a.get("period")
                    .and_then(Value::as_str)
                    .cmp(&b.get("period").and_then(Value::as_str))
            });
            o.insert("values".into(), json!(vals));
            let br: Vec<&Record> = breaks.iter().filter(|b| int(b, "kpi_id") == kid).collect();
            o.insert("series_breaks".into(), json!(br));
            Value::Object(o)
        })
        .collect();
    let priorities = nest(&priorities, &interventions, "priority_id", "interventions");
    let priorities_records: Vec<Record> = priorities
        .iter()
        .filter_map(|v| v.as_object().cloned())
        .collect();
    let plans = nest(&plans, &priorities_records, "plan_id", "priorities");
    Ok(json!({
        "area": area,
        "boards": nest(&boards, &members, "board_id", "members"),
        "partners": nest(&partners, &commitments, "partner_id", "commitments"),
        "plans": plans,
        "kpis": kpis,
        "research_schools": nest(&schools, &activities, "research_school_id", "activities"),
        "money": {
            "lines": money,
            "allocated_pence": total(|m| m.allocated_pence),
            "committed_pence": total(|m| m.committed_pence),
            "spent_pence": total(|m| m.spent_pence),
        },
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_columns_are_the_serialised_fields_in_order() {
        let line = MoneyLine {
            allocation_id: 1,
            fund_id: 2,
            fund: "f".into(),
            area_id: 3,
            period: "2017/18".into(),
            allocated_pence: 4,
            committed_pence: 5,
            spent_pence: 6,
            uncommitted_pence: 7,
            unspent_pence: 8,
        };
        let value = serde_json::to_value(&line).unwrap();
        let keys: Vec<&str> = value
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut sorted = MoneyLine::COLUMNS.to_vec();
        sorted.sort_unstable();
        assert_eq!(keys.len(), MoneyLine::COLUMNS.len());
        let mut keys_sorted = keys.clone();
        keys_sorted.sort_unstable();
        assert_eq!(keys_sorted, sorted);
    }

    fn r(v: Value) -> Record {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn reconciles_to_the_penny() {
        let funds = [r(json!({"id": 1, "name": "Core"}))];
        let allocations = [r(
            json!({"id": 10, "fund_id": 1, "area_id": 5, "period": "2017-18", "amount_pence": 1000}),
        )];
        let grants = [
            r(json!({"id": 20, "allocation_id": 10, "amount_pence": 600})),
            r(json!({"id": 21, "allocation_id": 10, "amount_pence": 300})),
        ];
        let spend = [
            r(json!({"grant_id": 20, "amount_pence": 250})),
            r(json!({"grant_id": 21, "amount_pence": 300})),
        ];
        let lines = reconcile(&funds, &allocations, &grants, &spend);
        assert_eq!(lines.len(), 1);
        let l = &lines[0];
        assert_eq!(
            (l.allocated_pence, l.committed_pence, l.spent_pence),
            (1000, 900, 550)
        );
        assert_eq!(l.uncommitted_pence + l.committed_pence, l.allocated_pence);
        assert_eq!(l.unspent_pence + l.spent_pence, l.committed_pence);
        assert_eq!(l.fund, "Core");
    }
}
