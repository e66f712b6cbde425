//! The programme's business rules, between the HTTP handlers and the store: validation,
//! inheritance of `area_id`/`programme_id` from a record's parent, cross-record checks
//! (a member's partner in the board's programme, KPI periods within the plan), money
//! guards, plan versions, who may do what, and the read models (area summary, money
//! reconciliation). Handlers only parse requests and call these functions.
//!
//! Updates never lose a concurrent change: an update writes only the fields it was given,
//! so two changes of different fields both stand. A caller that names the version it
//! edited ([`etag`], `If-Match`, a form's hidden `version`) has its change applied only
//! if the row is still that version inside the write transaction, else 412; a plan's
//! change (which numbers a new version) is re-read and re-applied when another got there
//! first.

pub mod access;
pub mod import;
pub mod rules;
pub mod summary;

use crate::auth::{Principal, Role};
use crate::error::{ApiError, FieldError};
use oa_store::{AnyStore, Filter, Guard, Kind, Op, Page, PageRequest, Record, Store, StoreError};
use rules::{PeriodKind, parse_period};
use serde_json::Value;
use sha2::{Digest, Sha256};

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

/// A referenced record that must exist and that `p` may read; a missing (or unreadable)
/// one is the client's field error, the same in both cases so that ids of unpublished
/// records cannot be probed by linking to them.
async fn referenced(
    store: &AnyStore,
    p: &Principal,
    kind: Kind,
    field: &str,
    id: i64,
) -> Result<Record, ApiError> {
    let missing = || {
        ApiError::field(
            field,
            format!(
                "there is no {} with id {id}: create it first or give an existing id",
                kind.table().singular
            ),
        )
    };
    let rec = store.get(kind, id).await?.ok_or_else(missing)?;
    if p.role == Role::Admin {
        return Ok(rec);
    }
    match check_readable(store, p, kind, &rec).await {
        Ok(()) => Ok(rec),
        Err(ApiError::Unauthorized(_) | ApiError::Forbidden(_)) => Err(missing()),
        Err(other) => Err(other),
    }
}

/// Whether programme `id` is published (false when it does not exist).
async fn programme_published(store: &AnyStore, id: i64) -> Result<bool, ApiError> {
    Ok(store
        .get(Kind::Programme, id)
        .await?
        .and_then(|r| r.get("published").and_then(Value::as_bool))
        .unwrap_or(false))
}

/// Whether an area record is visible to everyone: published, in a published programme.
pub async fn area_visible(store: &AnyStore, area: &Record) -> Result<bool, ApiError> {
    let published = area
        .get("published")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok(published && programme_published(store, int(area, "programme_id").unwrap_or(0)).await?)
}

/// The programme of the reader's own area, if any.
async fn own_programme(store: &AnyStore, p: &Principal) -> Result<Option<i64>, ApiError> {
    match p.area_id() {
        Some(a) => Ok(store
            .get(Kind::Area, a)
            .await?
            .and_then(|r| int(&r, "programme_id"))),
        None => Ok(None),
    }
}

/// 401 for anonymous readers, 403 for the rest: programme `id` is not published.
fn unpublished_programme(p: &Principal, id: i64) -> ApiError {
    if p.role == Role::Anonymous {
        ApiError::Unauthorized(format!(
            "programme {id} is not published: sign in with an account of that programme"
        ))
    } else {
        ApiError::Forbidden(format!(
            "programme {id} is not published: ask a national admin for access"
        ))
    }
}

/// May `p` read `rec` (a record of `kind`)? Area records: the area must be visible (or
/// the reader's own); programme-level records: the programme must be published (or the
/// reader's own); comments: only within their area.
pub async fn check_readable(
    store: &AnyStore,
    p: &Principal,
    kind: Kind,
    rec: &Record,
) -> Result<(), ApiError> {
    if p.role == Role::Admin {
        return Ok(());
    }
    if kind == Kind::Comment {
        return access::check_comment_read(p, int(rec, "area_id").unwrap_or(0));
    }
    if let Some(area) = area_of(kind, rec) {
        if p.area_id() == Some(area) {
            // The reader's own area: readable whether published or not.
            return Ok(());
        }
        let area_rec = if kind == Kind::Area {
            Some(rec.clone())
        } else {
            store.get(Kind::Area, area).await?
        };
        let visible = match &area_rec {
            Some(a) => area_visible(store, a).await?,
            None => false,
        };
        return access::check_read(p, area, visible);
    }
    let programme = if kind == Kind::Programme {
        int(rec, "id")
    } else {
        int(rec, "programme_id")
    };
    if let Some(pid) = programme
        && !programme_published(store, pid).await?
        && own_programme(store, p).await? != Some(pid)
    {
        return Err(unpublished_programme(p, pid));
    }
    Ok(())
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
    // The parent is looked up without the read rule: the write check that follows
    // refuses (403) a parent in someone else's area.
    let admin = Principal::system("inherit");
    let parent = referenced(store, &admin, parent_kind, parent_col, parent_id).await?;
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
async fn cross_checks(
    store: &AnyStore,
    p: &Principal,
    kind: Kind,
    rec: &Record,
) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    match kind {
        Kind::Member => {
            if let Some(partner_id) = int(rec, "partner_id") {
                let partner =
                    referenced(store, p, Kind::Partner, "partner_id", partner_id).await?;
                if let Some(partner_area) = int(&partner, "area_id")
                    && Some(partner_area) != int(rec, "area_id")
                {
                    errors.push(FieldError::new(
                        "partner_id",
                        format!(
                            "partner {partner_id} is local to area {partner_area}, and this board belongs to area {}: link a national partner or one of this area's own",
                            int(rec, "area_id").unwrap_or(0)
                        ),
                    ));
                }
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
            (_, Some(a)) => same_programme_area(store, p, rec, a, &mut errors).await?,
            _ => {}
        },
        Kind::Commitment | Kind::Allocation => {
            if let Some(a) = int(rec, "area_id") {
                same_programme_area(store, p, rec, a, &mut errors).await?;
            }
            if kind == Kind::Commitment
                && let Some(partner_id) = int(rec, "partner_id")
            {
                let partner =
                    referenced(store, p, Kind::Partner, "partner_id", partner_id).await?;
                if let (Some(pa), Some(a)) = (int(&partner, "area_id"), int(rec, "area_id"))
                    && pa != a
                {
                    errors.push(FieldError::new(
                        "area_id",
                        format!(
                            "partner {partner_id} is local to area {pa}: a commitment of theirs is for area {pa} (or leave area_id out)"
                        ),
                    ));
                }
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
            let plan = referenced(store, p, Kind::Plan, "plan_id", int(rec, "plan_id").unwrap_or(0)).await?;
            let (lo, hi) = rules::kpi_range(rec);
            if lo > hi {
                errors.push(FieldError::new(
                    "max_value",
                    format!("{hi} is below min_value {lo}: a KPI's range runs from its minimum to its maximum"),
                ));
            }
            let unit = text(rec, "unit").unwrap_or("");
            for field in ["baseline_value", "target_value"] {
                let v = rec.get(field).and_then(Value::as_f64);
                rules::check_in_range(field, v, (lo, hi), unit, &mut errors);
            }
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
                let priority = referenced(store, p, Kind::Priority, "priority_id", prio).await?;
                if int(&priority, "plan_id") != int(rec, "plan_id") {
                    errors.push(FieldError::new(
                        "priority_id",
                        format!("priority {prio} belongs to another plan: choose a priority of plan {}", int(rec, "plan_id").unwrap_or(0)),
                    ));
                }
            }
        }
        Kind::KpiValue | Kind::SeriesBreak => {
            let kpi = referenced(store, p, Kind::Kpi, "kpi_id", int(rec, "kpi_id").unwrap_or(0)).await?;
            if kind == Kind::KpiValue {
                let range = rules::kpi_range(&kpi);
                let unit = text(&kpi, "unit").unwrap_or("");
                for field in ["actual", "national"] {
                    let v = rec.get(field).and_then(Value::as_f64);
                    rules::check_in_range(field, v, range, unit, &mut errors);
                }
            }
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

/// The series break recorded for `period` of KPI `kpi`, if any: its reason.
pub async fn series_break(
    store: &AnyStore,
    kpi: i64,
    period: &str,
) -> Result<Option<String>, ApiError> {
    let found = store
        .list(
            Kind::SeriesBreak,
            &Filter {
                equals: vec![
                    ("kpi_id", Value::from(kpi)),
                    ("period", Value::from(period)),
                ],
                ..Filter::default()
            },
            PageRequest::ALL,
        )
        .await?;
    Ok(found
        .items
        .first()
        .map(|b| text(b, "reason").unwrap_or("").to_string()))
}

/// A number as people write it: `62`, `62.5` (never `62.0`).
pub fn figure(x: f64) -> String {
    let s = format!("{x}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

/// The rules that make a KPI's figures trustworthy beyond their range: changing a figure
/// already recorded needs a `reason` (the audit log keeps who, when, before and after;
/// the row keeps why), and so does a figure for a period marked as a series break (such
/// as a year without statutory assessments).
async fn kpi_value_reasons(
    store: &AnyStore,
    rec: &Record,
    existing: Option<&Record>,
) -> Result<(), ApiError> {
    let given = text(rec, "reason").is_some_and(|r| !r.trim().is_empty());
    if given {
        return Ok(());
    }
    let period = text(rec, "period").unwrap_or("");
    let mut errors = Vec::new();
    let mut changes_a_figure = existing.is_none();
    for field in ["actual", "national"] {
        let after = rec.get(field).and_then(Value::as_f64);
        let before = existing.and_then(|e| e.get(field).and_then(Value::as_f64));
        if before != after {
            changes_a_figure = true;
        }
        if let Some(b) = before
            && after != Some(b)
        {
            let what = if field == "actual" {
                "the figure"
            } else {
                "the national figure"
            };
            errors.push(FieldError::new(
                "reason",
                format!(
                    "{what} for {period} is already {}: give a reason for changing it to {}",
                    figure(b),
                    after.map_or("nothing".to_string(), figure)
                ),
            ));
        }
    }
    let sets_a_figure = ["actual", "national"]
        .iter()
        .any(|f| rec.get(*f).and_then(Value::as_f64).is_some());
    if changes_a_figure
        && sets_a_figure
        && let Some(why) = series_break(store, int(rec, "kpi_id").unwrap_or(0), period).await?
    {
        errors.push(FieldError::new(
            "reason",
            format!(
                "{period} is marked as a break in this KPI's series ({why}): give a reason to record a figure for it anyway"
            ),
        ));
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
    p: &Principal,
    rec: &Record,
    area_id: i64,
    errors: &mut Vec<FieldError>,
) -> Result<(), ApiError> {
    let area = referenced(store, p, Kind::Area, "area_id", area_id).await?;
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
    cross_checks(store, p, kind, &rec).await?;
    if kind == Kind::KpiValue {
        kpi_value_reasons(store, &rec, None).await?;
    }
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

/// The entity tag of a record's current state (`"` + 16 hex digits + `"`): a strong
/// validator for `ETag` and `If-Match`, and the `version` a form carries.
pub fn etag(rec: &Record) -> String {
    let sorted: std::collections::BTreeMap<&String, &Value> = rec.iter().collect();
    let bytes = serde_json::to_vec(&sorted).unwrap_or_default();
    format!("\"{}\"", &hex::encode(Sha256::digest(&bytes))[..16])
}

/// Whether an `If-Match` value (`*`, or a list of tags, weak ones included) names `rec`'s
/// current tag.
pub fn matches_etag(if_match: &str, rec: &Record) -> bool {
    let current = etag(rec);
    if_match
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == current)
}

fn precondition_failed(kind: Kind, id: i64) -> ApiError {
    ApiError::PreconditionFailed(format!(
        "{} {id} has changed since the version you sent (If-Match): read it again (GET for its ETag), check the change still applies, and send it with the new ETag",
        kind.table().singular
    ))
}

/// How many times a plan's change is re-read and re-applied when another change of the
/// plan got there first.
const MERGE_ATTEMPTS: usize = 8;

/// Applies the given fields to record `id` (fields left out keep their values, also when
/// someone else changes them meanwhile). With `if_match`, the record must still have that
/// [`etag`] (else 412).
pub async fn update(
    store: &AnyStore,
    p: &Principal,
    kind: Kind,
    id: i64,
    input: Value,
    if_match: Option<&str>,
) -> Result<Record, ApiError> {
    coarse_write_check(p, kind)?;
    let mut changes = as_object(input, kind)?;
    if kind == Kind::KpiValue {
        // The reason belongs to this change alone (an earlier change's reason must not
        // stand for it), and a figure written directly replaces any draft waiting.
        changes.entry("reason").or_insert(Value::Null);
    }
    for attempt in 1..=MERGE_ATTEMPTS {
        let existing = must_get(store, kind, id).await?;
        access::check_write(p, kind, area_of(kind, &existing))?;
        if kind == Kind::Comment {
            access::check_comment_author(p, int(&existing, "author_id"))?;
        }
        if let Some(tag) = if_match
            && !matches_etag(tag, &existing)
        {
            return Err(precondition_failed(kind, id));
        }
        let errors = rules::check_input(kind, &changes, Some(&existing));
        if !errors.is_empty() {
            return Err(ApiError::Invalid(errors));
        }
        let mut rec = existing.clone();
        for (k, v) in changes.clone() {
            rec.insert(k, v);
        }
        let missing = rules::missing_required(kind, &rec);
        if !missing.is_empty() {
            return Err(ApiError::Invalid(missing));
        }
        cross_checks(store, p, kind, &rec).await?;
        if kind == Kind::KpiValue {
            kpi_value_reasons(store, &rec, Some(&existing)).await?;
        }
        let mut ops = Vec::new();
        if kind == Kind::Plan {
            let version = int(&existing, "version").unwrap_or(1) + 1;
            rec.insert("version".into(), Value::from(version));
            ops.push(plan_version_op(&rec, version, "updated"));
        }
        let guards = guards_for(kind, &rec, Some(id));
        // Only the fields given (and a plan's new version number) are written.
        let mut set = changes.clone();
        if kind == Kind::Plan {
            set.insert("version".into(), rec["version"].clone());
        }
        if kind == Kind::KpiValue {
            set.insert("draft".into(), Value::Null);
        }
        // A whole-row check only where the change depends on the row as read: the
        // client's named version, or a plan's version number.
        let expect = (if_match.is_some() || kind == Kind::Plan).then_some(existing);
        ops.insert(
            0,
            Op::Update {
                kind,
                id,
                record: set,
                expect,
            },
        );
        match store.apply(ops, guards, &p.actor()).await {
            Ok(mut out) => return Ok(out.remove(0)),
            Err(StoreError::Stale { .. }) if if_match.is_some() => {
                return Err(precondition_failed(kind, id));
            }
            Err(StoreError::Stale { .. }) if attempt < MERGE_ATTEMPTS => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Conflict(format!(
        "{} {id} kept changing while this change was being saved: send it again",
        kind.table().singular
    )))
}

/// Deletes record `id` (refused while other records refer to it). With `if_match`, only
/// if it still has that [`etag`] (else 412).
pub async fn delete(
    store: &AnyStore,
    p: &Principal,
    kind: Kind,
    id: i64,
    if_match: Option<&str>,
) -> Result<(), ApiError> {
    coarse_write_check(p, kind)?;
    let existing = must_get(store, kind, id).await?;
    access::check_write(p, kind, area_of(kind, &existing))?;
    if kind == Kind::Comment {
        access::check_comment_author(p, int(&existing, "author_id"))?;
    }
    if kind == Kind::Plan {
        return Err(ApiError::Conflict(
            "a plan keeps its version history and cannot be deleted: change it instead (each change is a new version)".into(),
        ));
    }
    if let Some(tag) = if_match
        && !matches_etag(tag, &existing)
    {
        return Err(precondition_failed(kind, id));
    }
    // With If-Match, the row must still be the version named.
    match store
        .apply(
            vec![Op::Delete {
                kind,
                id,
                expect: if_match.map(|_| existing),
            }],
            vec![],
            &p.actor(),
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(StoreError::Stale { .. }) if if_match.is_some() => Err(precondition_failed(kind, id)),
        Err(e) => Err(e.into()),
    }
}

/// Whether area `id` is visible to everyone (false when it does not exist).
pub async fn area_published(store: &AnyStore, id: i64) -> Result<bool, ApiError> {
    match store.get(Kind::Area, id).await? {
        Some(a) => area_visible(store, &a).await,
        None => Ok(false),
    }
}

/// One record, if `p` may read it.
pub async fn get(store: &AnyStore, p: &Principal, kind: Kind, id: i64) -> Result<Record, ApiError> {
    let rec = must_get(store, kind, id).await?;
    check_readable(store, p, kind, &rec).await?;
    Ok(rec)
}

/// What a reader may see: the areas and the programmes (`None`: all of them).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub areas: Option<Vec<i64>>,
    pub programmes: Option<Vec<i64>>,
}

/// The areas and programmes `p` may read: everything for an admin; else the published
/// programmes and their published areas, plus the reader's own area and its programme.
/// One query.
pub async fn readable_scope(store: &AnyStore, p: &Principal) -> Result<Scope, ApiError> {
    if p.role == Role::Admin {
        return Ok(Scope::default());
    }
    let mine = p.area_id();
    let mut programmes = Vec::new();
    let mut areas = Vec::new();
    for row in store.publication().await? {
        let own = row.area.is_some_and(|(a, _)| Some(a) == mine);
        if (row.programme_published || own) && !programmes.contains(&row.programme_id) {
            programmes.push(row.programme_id);
        }
        if let Some((a, published)) = row.area
            && ((published && row.programme_published) || own)
        {
            areas.push(a);
        }
    }
    if let Some(m) = mine
        && !areas.contains(&m)
    {
        areas.push(m);
    }
    Ok(Scope {
        areas: Some(areas),
        programmes: Some(programmes),
    })
}

/// The programmes `p` may read (None: all of them).
pub async fn readable_programmes(
    store: &AnyStore,
    p: &Principal,
) -> Result<Option<Vec<i64>>, ApiError> {
    Ok(readable_scope(store, p).await?.programmes)
}

/// The areas `p` may read (None: all of them).
pub async fn readable_areas(store: &AnyStore, p: &Principal) -> Result<Option<Vec<i64>>, ApiError> {
    Ok(readable_scope(store, p).await?.areas)
}

/// The areas whose comments `p` may read (None: all of them).
pub fn comment_areas(p: &Principal) -> Option<Vec<i64>> {
    match p.role {
        Role::Admin => None,
        Role::AreaLead | Role::BoardMember => Some(p.area_id().into_iter().collect()),
        _ => Some(Vec::new()),
    }
}

/// A page of records `p` may read, filtered by column values.
pub async fn list(
    store: &AnyStore,
    p: &Principal,
    kind: Kind,
    equals: Vec<(&'static str, Value)>,
    page: PageRequest,
) -> Result<Page<Record>, ApiError> {
    let filter = if kind == Kind::Comment {
        Filter {
            equals,
            area_in: comment_areas(p),
            programme_in: None,
        }
    } else {
        let scope = readable_scope(store, p).await?;
        Filter {
            equals,
            area_in: scope.areas,
            programme_in: scope.programmes,
        }
    };
    Ok(store.list(kind, &filter, page).await?)
}

/// What recording a KPI figure did.
#[derive(Debug)]
pub struct KpiWrite {
    /// The row as stored.
    pub record: Record,
    /// Whether the period's row was new.
    pub created: bool,
    /// Whether the figures wait in the row's `draft` for a national admin's approval.
    pub draft: bool,
}

/// Records KPI `kpi_id`'s figures for a period (created or changed). With `hold_as_draft`
/// (the service holds area leads' figures until approved), the figures are checked by the
/// same rules and then kept in the row's `draft`: the published figures stay until a
/// national admin approves ([`approve_kpi_draft`]).
pub async fn upsert_kpi_actual(
    store: &AnyStore,
    p: &Principal,
    kpi_id: i64,
    input: Value,
    if_match: Option<&str>,
    hold_as_draft: bool,
) -> Result<KpiWrite, ApiError> {
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
                    ..Filter::default()
                },
                PageRequest::ALL,
            )
            .await?;
        let existing = existing.items.into_iter().next();
        if hold_as_draft {
            return hold_kpi_draft(store, p, kpi_id, body, existing, if_match).await;
        }
        match existing.as_ref().and_then(|r| int(r, "id")) {
            Some(id) => {
                let mut changes = body.clone();
                changes.remove("period");
                let record = update(
                    store,
                    p,
                    Kind::KpiValue,
                    id,
                    Value::Object(changes),
                    if_match,
                )
                .await?;
                return Ok(KpiWrite {
                    record,
                    created: false,
                    draft: false,
                });
            }
            None if if_match.is_some_and(|t| t.trim() != "*") => {
                return Err(ApiError::PreconditionFailed(format!(
                    "there is no actual for {period} yet, so it cannot have the version you sent (If-Match): leave If-Match out to record it"
                )));
            }
            None => {
                let mut new = body.clone();
                new.insert("kpi_id".into(), Value::from(kpi_id));
                match create(store, p, Kind::KpiValue, Value::Object(new)).await {
                    Err(ApiError::Conflict(_)) if attempt == 0 => continue,
                    other => {
                        return Ok(KpiWrite {
                            record: other?,
                            created: true,
                            draft: false,
                        });
                    }
                }
            }
        }
    }
    Err(ApiError::Conflict(format!(
        "the actual for {period} changed while it was being recorded: send it again"
    )))
}

/// The figures a draft holds (the fields a client may send for a KPI value).
const DRAFT_FIELDS: [&str; 4] = ["actual", "national", "note", "reason"];

/// Checks `body` as if it were applied to the period's row, then keeps it as the row's
/// draft (creating the row, without figures, for a new period).
async fn hold_kpi_draft(
    store: &AnyStore,
    p: &Principal,
    kpi_id: i64,
    mut body: Record,
    existing: Option<Record>,
    if_match: Option<&str>,
) -> Result<KpiWrite, ApiError> {
    coarse_write_check(p, Kind::KpiValue)?;
    let errors = rules::check_input(Kind::KpiValue, &body, existing.as_ref());
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    body.entry("reason").or_insert(Value::Null);
    let mut rec = existing.clone().unwrap_or_default();
    for (k, v) in body.clone() {
        rec.insert(k, v);
    }
    rec.insert("kpi_id".into(), Value::from(kpi_id));
    inherit(store, Kind::KpiValue, &mut rec).await?;
    access::check_write(p, Kind::KpiValue, area_of(Kind::KpiValue, &rec))?;
    if let (Some(tag), Some(e)) = (if_match, &existing)
        && !matches_etag(tag, e)
    {
        return Err(precondition_failed(
            Kind::KpiValue,
            int(e, "id").unwrap_or(0),
        ));
    }
    cross_checks(store, p, Kind::KpiValue, &rec).await?;
    kpi_value_reasons(store, &rec, existing.as_ref()).await?;
    let mut draft = serde_json::Map::new();
    for f in DRAFT_FIELDS {
        draft.insert(f.into(), body.get(f).cloned().unwrap_or(Value::Null));
    }
    let user = p.user.as_ref();
    draft.insert("by".into(), Value::from(user.map(|u| u.id)));
    draft.insert(
        "by_name".into(),
        Value::from(user.map_or("The service".to_string(), access::public_name)),
    );
    draft.insert("at".into(), Value::from(oa_store::now_rfc3339()));
    let draft = Value::Object(draft);
    let (op, created) = match &existing {
        Some(e) => {
            let mut set = Record::new();
            set.insert("draft".into(), draft);
            (
                Op::Update {
                    kind: Kind::KpiValue,
                    id: int(e, "id").unwrap_or(0),
                    record: set,
                    expect: if_match.map(|_| e.clone()),
                },
                false,
            )
        }
        None => {
            let mut new = Record::new();
            for f in ["area_id", "kpi_id", "period"] {
                new.insert(f.into(), rec.get(f).cloned().unwrap_or(Value::Null));
            }
            new.insert("draft".into(), draft);
            (
                Op::Create {
                    kind: Kind::KpiValue,
                    record: new,
                },
                true,
            )
        }
    };
    match store.apply(vec![op], vec![], &p.actor()).await {
        Ok(mut out) => Ok(KpiWrite {
            record: out.remove(0),
            created,
            draft: true,
        }),
        Err(StoreError::Stale { .. }) => Err(precondition_failed(
            Kind::KpiValue,
            existing.as_ref().and_then(|e| int(e, "id")).unwrap_or(0),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Publishes the draft waiting on KPI value `id` (national admins): its figures replace
/// the row's, with the proposer's reason and name kept in the row's reason.
pub async fn approve_kpi_draft(
    store: &AnyStore,
    p: &Principal,
    id: i64,
) -> Result<Record, ApiError> {
    let row = draft_row(store, p, id).await?;
    let draft = row
        .get("draft")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut changes = Record::new();
    for f in ["actual", "national", "note"] {
        changes.insert(f.into(), draft.get(f).cloned().unwrap_or(Value::Null));
    }
    let by = draft
        .get("by_name")
        .and_then(Value::as_str)
        .unwrap_or("the area lead");
    let why = draft
        .get("reason")
        .and_then(Value::as_str)
        .filter(|r| !r.trim().is_empty());
    changes.insert(
        "reason".into(),
        Value::from(match why {
            Some(r) => format!("{r} (proposed by {by}, approved by a national admin)"),
            None => format!("Proposed by {by}, approved by a national admin"),
        }),
    );
    update(store, p, Kind::KpiValue, id, Value::Object(changes), None).await
}

/// Discards the draft waiting on KPI value `id` (national admins); the published figures
/// stay as they are.
pub async fn discard_kpi_draft(
    store: &AnyStore,
    p: &Principal,
    id: i64,
) -> Result<Record, ApiError> {
    let row = draft_row(store, p, id).await?;
    let mut set = Record::new();
    set.insert("draft".into(), Value::Null);
    let mut out = store
        .apply(
            vec![Op::Update {
                kind: Kind::KpiValue,
                id,
                record: set,
                expect: Some(row),
            }],
            vec![],
            &p.actor(),
        )
        .await
        .map_err(|e| match e {
            StoreError::Stale { .. } => precondition_failed(Kind::KpiValue, id),
            e => e.into(),
        })?;
    Ok(out.remove(0))
}

/// KPI value `id` with a draft waiting, for a national admin to decide on.
async fn draft_row(store: &AnyStore, p: &Principal, id: i64) -> Result<Record, ApiError> {
    if p.role != Role::Admin {
        p.require_signed_in()?;
        return Err(ApiError::Forbidden(
            "draft figures are approved by a national admin".into(),
        ));
    }
    let row = must_get(store, Kind::KpiValue, id).await?;
    if row.get("draft").is_none_or(Value::is_null) {
        return Err(ApiError::Conflict(
            "there is no draft waiting for this figure: someone may have decided on it already"
                .into(),
        ));
    }
    Ok(row)
}
