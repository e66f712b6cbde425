//! The programme's business rules, between the HTTP handlers and the store: validation,
//! inheritance of `area_id`/`programme_id` from a record's parent, cross-record checks
//! (a member's partner in the board's programme, KPI periods within the plan), money
//! guards, plan versions, who may do what, and the read models (area summary, money
//! reconciliation). Handlers only parse requests and call these functions.

pub mod access;
pub mod import;
pub mod rules;
pub mod summary;

use crate::auth::{Principal, Role};
use crate::error::{ApiError, FieldError};
use oa_store::{AnyStore, Filter, Guard, Kind, Op, Page, PageRequest, Record, Store};
use rules::{PeriodKind, parse_period};
use serde_json::Value;

fn int(r: &Record, key: &str) -> Option<i64> {
    r.get(key).and_then(Value::as_i64)
}

fn text<'a>(r: &'a Record, key: &str) -> Option<&'a str> {
    r.get(key).and_then(Value::as_str)
}

/// The request body as an object, or a 422 saying what to send.
pub fn as_object(input: Value, kind: Kind) -> Result<Record, ApiError> {
    match input {
        Value::Object(o) => Ok(o),
        other => Err(ApiError::field(
            "body",
            format!(
                "must be a JSON object with the {}'s fields, got {}",
                kind.table().singular,
                json_type(&other)
            ),
        )),
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

async fn must_get(store: &AnyStore, kind: Kind, id: i64) -> Result<Record, ApiError> {
    store.get(kind, id).await?.ok_or_else(|| {
        ApiError::NotFound(format!(
            "{} {id} not found: check the id",
            kind.table().singular
        ))
    })
}

/// A referenced record that must exist; a missing one is the client's field error.
async fn referenced(
    store: &AnyStore,
    kind: Kind,
    field: &str,
    id: i64,
) -> Result<Record, ApiError> {
    store.get(kind, id).await?.ok_or_else(|| {
        ApiError::field(
            field,
            format!(
                "there is no {} with id {id}: create it first or give an existing id",
                kind.table().singular
            ),
        )
    })
}

/// Sets `area_id`/`programme_id` from the parent (checking any value the client gave).
async fn inherit(store: &AnyStore, kind: Kind, rec: &mut Record) -> Result<(), ApiError> {
    let t = kind.table();
    let Some((parent_col, parent_kind)) = t.parent else {
        return Ok(());
    };
    let Some(parent_id) = int(rec, parent_col) else {
        return Err(ApiError::field(parent_col, "is required"));
    };
    let parent = referenced(store, parent_kind, parent_col, parent_id).await?;
    let mut errors = Vec::new();
    for col in ["area_id", "programme_id"] {
        if t.column(col).is_none() || !rules::inherited(t, col) {
            continue;
        }
        let from_parent = if parent_kind == Kind::Area && col == "area_id" {
            int(&parent, "id")
        } else {
            int(&parent, col)
        };
        let Some(value) = from_parent else { continue };
        match int(rec, col) {
            Some(given) if given != value => errors.push(FieldError::new(
                col,
                format!(
                    "{given} does not match {} {parent_id}'s {col} {value}: leave it out, or use a {} of {col} {given}{}",
                    parent_kind.table().singular,
                    parent_kind.table().singular,
                    if col == "programme_id" && kind == Kind::Member {
                        " (a member must be on a board of their own programme)"
                    } else {
                        ""
                    }
                ),
            )),
            _ => {
                rec.insert(col.into(), Value::from(value));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(errors))
    }
}

/// The area a record belongs to (its own id for an area).
pub fn area_of(kind: Kind, rec: &Record) -> Option<i64> {
    kind.table().area_column().and_then(|c| int(rec, c))
}

/// Checks a period against a KPI's period kind.
fn period_of_kind(field: &str, s: &str, kind: PeriodKind) -> Result<i32, FieldError> {
    match parse_period(s) {
        Some(p) if p.kind == kind => Ok(p.start_year),
        _ => Err(FieldError::new(
            field,
            format!(
                "`{s}` is not a {} year: this KPI is measured by {} year, e.g. {}",
                if kind == PeriodKind::Academic {
                    "academic"
                } else {
                    "financial"
                },
                if kind == PeriodKind::Academic {
                    "academic"
                } else {
                    "financial"
                },
                kind.example()
            ),
        )),
    }
}

fn plan_years(plan: &Record) -> (i32, i32) {
    let y = |k| {
        text(plan, k)
            .and_then(parse_period)
            .map(|p| p.start_year)
            .unwrap_or(0)
    };
    (y("first_period"), y("last_period"))
}

/// Rules that look at other records.
async fn cross_checks(store: &AnyStore, kind: Kind, rec: &Record) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    match kind {
        Kind::Member => {
            if let Some(partner_id) = int(rec, "partner_id") {
                let partner = referenced(store, Kind::Partner, "partner_id", partner_id).await?;
                if int(&partner, "programme_id") != int(rec, "programme_id") {
                    errors.push(FieldError::new(
                        "partner_id",
                        format!(
                            "partner {partner_id} belongs to programme {}, but board {} belongs to programme {}: a member must sit on a board of their own programme; choose a partner of this programme or a board of theirs",
                            int(&partner, "programme_id").unwrap_or(0),
                            int(rec, "board_id").unwrap_or(0),
                            int(rec, "programme_id").unwrap_or(0)
                        ),
                    ));
                }
            }
            if let (Some(a), Some(b)) = (text(rec, "term_start"), text(rec, "term_end"))
                && b < a
            {
                errors.push(FieldError::new("term_end", format!("{b} is before term_start {a}")));
            }
        }
        Kind::Partner => match (text(rec, "scope"), int(rec, "area_id")) {
            (Some("local"), None) => errors.push(FieldError::new(
                "area_id",
                "a local partner needs the id of its area",
            )),
            (Some("national"), Some(_)) => errors.push(FieldError::new(
                "area_id",
                "a national partner has no area: leave area_id out (record local work as a commitment)",
            )),
            (_, Some(a)) => same_programme_area(store, rec, a, &mut errors).await?,
            _ => {}
        },
        Kind::Commitment | Kind::Allocation => {
            if let Some(a) = int(rec, "area_id") {
                same_programme_area(store, rec, a, &mut errors).await?;
            }
        }
        Kind::Plan => {
            let first = text(rec, "first_period").and_then(parse_period);
            let last = text(rec, "last_period").and_then(parse_period);
            if let (Some(f), Some(l)) = (first, last)
                && l.start_year < f.start_year
            {
                errors.push(FieldError::new(
                    "last_period",
                    "is before first_period: a plan runs from its first period to its last",
                ));
            }
        }
        Kind::Intervention => {
            if let (Some(a), Some(b)) = (text(rec, "starts_on"), text(rec, "ends_on"))
                && b < a
            {
                errors.push(FieldError::new("ends_on", format!("{b} is before starts_on {a}")));
            }
        }
        Kind::Kpi => {
            let plan = referenced(store, Kind::Plan, "plan_id", int(rec, "plan_id").unwrap_or(0)).await?;
            let pk = text(rec, "period_kind")
                .and_then(PeriodKind::parse)
                .unwrap_or(PeriodKind::Academic);
            for field in ["baseline_period", "target_period"] {
                if let Some(s) = text(rec, field) {
                    match period_of_kind(field, s, pk) {
                        Ok(y) if field == "target_period" => {
                            let (first, last) = plan_years(&plan);
                            if y < first || y > last {
                                errors.push(outside_plan(field, s, &plan));
                            }
                        }
                        Ok(_) => {}
                        Err(e) => errors.push(e),
                    }
                }
            }
            if let Some(prio) = int(rec, "priority_id") {
                let priority = referenced(store, Kind::Priority, "priority_id", prio).await?;
                if int(&priority, "plan_id") != int(rec, "plan_id") {
                    errors.push(FieldError::new(
                        "priority_id",
                        format!("priority {prio} belongs to another plan: choose a priority of plan {}", int(rec, "plan_id").unwrap_or(0)),
                    ));
                }
            }
        }
        Kind::KpiValue | Kind::SeriesBreak => {
            let kpi = referenced(store, Kind::Kpi, "kpi_id", int(rec, "kpi_id").unwrap_or(0)).await?;
            let pk = text(&kpi, "period_kind")
                .and_then(PeriodKind::parse)
                .unwrap_or(PeriodKind::Academic);
            if let Some(s) = text(rec, "period") {
                match period_of_kind("period", s, pk) {
                    Ok(y) if kind == Kind::KpiValue => {
                        let plan = must_get(store, Kind::Plan, int(&kpi, "plan_id").unwrap_or(0)).await?;
                        let (first, last) = plan_years(&plan);
                        if y < first || y > last {
                            errors.push(outside_plan("period", s, &plan));
                        }
                    }
                    Ok(_) => {}
                    Err(e) => errors.push(e),
                }
            }
        }
        _ => {}
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(errors))
    }
}

fn outside_plan(field: &str, period: &str, plan: &Record) -> FieldError {
    FieldError::new(
        field,
        format!(
            "{period} is outside plan {}'s periods {} to {}: use a period the plan covers, or extend the plan's last_period first",
            int(plan, "id").unwrap_or(0),
            text(plan, "first_period").unwrap_or("?"),
            text(plan, "last_period").unwrap_or("?")
        ),
    )
}

async fn same_programme_area(
    store: &AnyStore,
    rec: &Record,
    area_id: i64,
    errors: &mut Vec<FieldError>,
) -> Result<(), ApiError> {
    let area = referenced(store, Kind::Area, "area_id", area_id).await?;
    if int(&area, "programme_id") != int(rec, "programme_id") {
        errors.push(FieldError::new(
            "area_id",
            format!(
                "area {area_id} belongs to programme {}, not programme {}: choose an area of the same programme",
                int(&area, "programme_id").unwrap_or(0),
                int(rec, "programme_id").unwrap_or(0)
            ),
        ));
    }
    Ok(())
}

/// The money guards a write of `kind` must satisfy (`id` for an update).
pub fn guards_for(kind: Kind, rec: &Record, id: Option<i64>) -> Vec<Guard> {
    let g = |child, parent, parent_id: Option<i64>, cap, message: String| {
        parent_id.map(|parent_id| Guard {
            child,
            parent,
            parent_id,
            cap_column: cap,
            field: if parent == Kind::Fund && child == Kind::Allocation && kind == Kind::Fund {
                "total_pence"
            } else {
                "amount_pence"
            },
            message,
        })
    };
    let fund_id = int(rec, "fund_id");
    let alloc_id = int(rec, "allocation_id");
    let grant_id = int(rec, "grant_id");
    let list = match kind {
        Kind::Fund => vec![g(
            Kind::Allocation,
            Kind::Fund,
            id,
            "total_pence",
            format!(
                "allocations already made from fund {} would exceed its new total: lower the allocations first",
                id.unwrap_or(0)
            ),
        )],
        Kind::Allocation => vec![
            g(
                Kind::Allocation,
                Kind::Fund,
                fund_id,
                "total_pence",
                format!(
                    "allocations from fund {} would exceed the fund's total: lower the amount or raise the fund's total_pence",
                    fund_id.unwrap_or(0)
                ),
            ),
            g(
                Kind::Grant,
                Kind::Allocation,
                id,
                "amount_pence",
                format!(
                    "grants already made from allocation {} would exceed its new amount: lower those grants first",
                    id.unwrap_or(0)
                ),
            ),
        ],
        Kind::Grant => vec![
            g(
                Kind::Grant,
                Kind::Allocation,
                alloc_id,
                "amount_pence",
                format!(
                    "grants from allocation {} would exceed the allocation: lower the grant or ask for a larger allocation",
                    alloc_id.unwrap_or(0)
                ),
            ),
            g(
                Kind::SpendReturn,
                Kind::Grant,
                id,
                "amount_pence",
                format!(
                    "spend already returned against grant {} would exceed its new amount: keep the grant at least at its spend",
                    id.unwrap_or(0)
                ),
            ),
        ],
        Kind::SpendReturn => vec![g(
            Kind::SpendReturn,
            Kind::Grant,
            grant_id,
            "amount_pence",
            format!(
                "spend returned against grant {} would exceed the grant: check the return's amount, or raise the grant first",
                grant_id.unwrap_or(0)
            ),
        )],
        _ => vec![],
    };
    list.into_iter().flatten().collect()
}

fn plan_version_op(plan: &Record, version: i64, note: &str) -> Op {
    let mut v = Record::new();
    v.insert(
        "area_id".into(),
        plan.get("area_id").cloned().unwrap_or(Value::Null),
    );
    v.insert(
        "plan_id".into(),
        plan.get("id").cloned().unwrap_or(Value::Null),
    );
    v.insert("version".into(), Value::from(version));
    v.insert("note".into(), Value::from(note));
    v.insert("snapshot".into(), Value::Object(plan.clone()));
    v.insert("created_at".into(), Value::from(oa_store::now_rfc3339()));
    Op::Create {
        kind: Kind::PlanVersion,
        record: v,
    }
}

fn coarse_write_check(p: &Principal, kind: Kind) -> Result<(), ApiError> {
    if kind == Kind::PlanVersion {
        return Err(ApiError::Forbidden(
            "plan versions are recorded by the server whenever a plan changes: change the plan instead".into(),
        ));
    }
    if p.role == Role::Anonymous {
        p.require_signed_in()?;
    }
    Ok(())
}

/// Creates a record after validation, inheritance, cross-record checks and access.
pub async fn create(
    store: &AnyStore,
    p: &Principal,
    kind: Kind,
    input: Value,
) -> Result<Record, ApiError> {
    coarse_write_check(p, kind)?;
    let mut rec = as_object(input, kind)?;
    let errors = rules::check_input(kind, &rec, None);
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    inherit(store, kind, &mut rec).await?;
    match kind {
        Kind::Plan => {
            rec.insert("version".into(), Value::from(1));
        }
        Kind::Comment => {
            let author = p.user.as_ref().map(|u| u.id).unwrap_or(0);
            rec.insert("author_id".into(), Value::from(author));
            rec.insert("created_at".into(), Value::from(oa_store::now_rfc3339()));
        }
        Kind::Area | Kind::Programme => {
            rec.entry("published").or_insert(Value::Bool(false));
        }
        Kind::Kpi => {
            rec.entry("demo_values").or_insert(Value::Bool(false));
        }
        _ => {}
    }
    let missing = rules::missing_required(kind, &rec);
    if !missing.is_empty() {
        return Err(ApiError::Invalid(missing));
    }
    access::check_write(p, kind, area_of(kind, &rec))?;
    cross_checks(store, kind, &rec).await?;
    let guards = guards_for(kind, &rec, None);
    let mut out = store
        .apply(vec![Op::Create { kind, record: rec }], guards, &p.actor())
        .await?;
    let created = out.remove(0);
    if kind == Kind::Plan {
        store
            .apply(
                vec![plan_version_op(&created, 1, "created")],
                vec![],
                &p.actor(),
            )
            .await?;
    }
    Ok(created)
}

/// Applies the given fields to record `id` (a merge: fields left out keep their values).
pub async fn update(
    store: &AnyStore,
    p: &Principal,
    kind: Kind,
    id: i64,
    input: Value,
) -> Result<Record, ApiError> {
    coarse_write_check(p, kind)?;
    let changes = as_object(input, kind)?;
    let existing = must_get(store, kind, id).await?;
    access::check_write(p, kind, area_of(kind, &existing))?;
    let errors = rules::check_input(kind, &changes, Some(&existing));
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let mut rec = existing.clone();
    for (k, v) in changes {
        rec.insert(k, v);
    }
    let missing = rules::missing_required(kind, &rec);
    if !missing.is_empty() {
        return Err(ApiError::Invalid(missing));
    }
    cross_checks(store, kind, &rec).await?;
    let mut ops = Vec::new();
    if kind == Kind::Plan {
        let version = int(&existing, "version").unwrap_or(1) + 1;
        rec.insert("version".into(), Value::from(version));
        ops.push(plan_version_op(&rec, version, "updated"));
    }
    let guards = guards_for(kind, &rec, Some(id));
    ops.insert(
        0,
        Op::Update {
            kind,
            id,
            record: rec,
        },
    );
    let mut out = store.apply(ops, guards, &p.actor()).await?;
    Ok(out.remove(0))
}

/// Deletes record `id` (refused while other records refer to it).
pub async fn delete(store: &AnyStore, p: &Principal, kind: Kind, id: i64) -> Result<(), ApiError> {
    coarse_write_check(p, kind)?;
    let existing = must_get(store, kind, id).await?;
    access::check_write(p, kind, area_of(kind, &existing))?;
    if kind == Kind::Plan {
        return Err(ApiError::Conflict(
            "a plan keeps its version history and cannot be deleted: change it instead (each change is a new version)".into(),
        ));
    }
    store
        .apply(vec![Op::Delete { kind, id }], vec![], &p.actor())
        .await?;
    Ok(())
}

/// Whether area `id` is published (false when it does not exist).
pub async fn area_published(store: &AnyStore, id: i64) -> Result<bool, ApiError> {
    Ok(store
        .get(Kind::Area, id)
        .await?
        .and_then(|a| a.get("published").and_then(Value::as_bool))
        .unwrap_or(false))
}

/// One record, if `p` may read it.
pub async fn get(store: &AnyStore, p: &Principal, kind: Kind, id: i64) -> Result<Record, ApiError> {
    let rec = must_get(store, kind, id).await?;
    if let Some(area) = area_of(kind, &rec) {
        let published = if kind == Kind::Area {
            rec.get("published")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        } else {
            area_published(store, area).await?
        };
        access::check_read(p, area, published)?;
    }
    Ok(rec)
}

/// The areas `p` may read (None: all of them).
pub async fn readable_areas(store: &AnyStore, p: &Principal) -> Result<Option<Vec<i64>>, ApiError> {
    if p.role == Role::Admin {
        return Ok(None);
    }
    let published = store
        .list(
            Kind::Area,
            &Filter {
                equals: vec![("published", Value::Bool(true))],
                area_in: None,
            },
            PageRequest::ALL,
        )
        .await?;
    let mut ids: Vec<i64> = published
        .items
        .iter()
        .filter_map(|a| int(a, "id"))
        .collect();
    if let Some(mine) = p.area_id()
        && !ids.contains(&mine)
    {
        ids.push(mine);
    }
    Ok(Some(ids))
}

/// A page of records `p` may read, filtered by column values.
pub async fn list(
    store: &AnyStore,
    p: &Principal,
    kind: Kind,
    equals: Vec<(&'static str, Value)>,
    page: PageRequest,
) -> Result<Page<Record>, ApiError> {
    let filter = Filter {
        equals,
        area_in: readable_areas(store, p).await?,
    };
    Ok(store.list(kind, &filter, page).await?)
}

/// Records (or corrects) a KPI's actual for a period: creates the value, or updates the
/// one already recorded for that period. Returns the record and whether it was created.
pub async fn upsert_kpi_actual(
    store: &AnyStore,
    p: &Principal,
    kpi_id: i64,
    input: Value,
) -> Result<(Record, bool), ApiError> {
    let mut body = as_object(input, Kind::KpiValue)?;
    let Some(period) = text(&body, "period").map(str::to_string) else {
        return Err(ApiError::field("period", "is required, e.g. 2019/20"));
    };
    body.remove("kpi_id");
    // Two clients may record the same period at once: the loser of the insert race
    // (a uniqueness conflict) finds the winner's row and updates it.
    for attempt in 0..2 {
        let existing = store
            .list(
                Kind::KpiValue,
                &Filter {
                    equals: vec![
                        ("kpi_id", Value::from(kpi_id)),
                        ("period", Value::from(period.clone())),
                    ],
                    area_in: None,
                },
                PageRequest::ALL,
            )
            .await?;
        match existing.items.first().and_then(|r| int(r, "id")) {
            Some(id) => {
                let mut changes = body.clone();
                changes.remove("period");
                return Ok((
                    update(store, p, Kind::KpiValue, id, Value::Object(changes)).await?,
                    false,
                ));
            }
            None => {
                let mut new = body.clone();
                new.insert("kpi_id".into(), Value::from(kpi_id));
                match create(store, p, Kind::KpiValue, Value::Object(new)).await {
                    Err(ApiError::Conflict(_)) if attempt == 0 => continue,
                    other => return Ok((other?, true)),
                }
            }
        }
    }
    Err(ApiError::Conflict(format!(
        "the actual for {period} changed while it was being recorded: send it again"
    )))
}
