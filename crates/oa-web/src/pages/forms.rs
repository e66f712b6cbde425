//! HTML forms: sign in and out, the area lead's writes (KPI actuals, spend returns,
//! plan changes) and comments on an area (board members, leads, admins). Each write
//! checks the session's CSRF token, then goes through the same [`crate::domain`]
//! functions as the API, so the rules and access checks are one; a validation failure re-renders the form with an error summary (422) and a refusal is a
//! 403 page.

use super::PagePath;
use super::input;
use super::{Viewer, page_error, render, render_status, ser};
use crate::AppState;
use crate::auth;
use crate::auth::Role;
use crate::domain::rules::{self, PeriodKind};
use crate::domain::{self, access};
use crate::error::{ApiError, FieldError};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use oa_store::{Kind, Record, Store};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

pub(crate) type Fields = HashMap<String, String>;

/// One input of a form.
#[derive(serde::Serialize, Clone, Debug)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    /// `text`, `number`, `month`, `select`, `textarea`.
    pub kind: &'static str,
    pub value: String,
    pub error: Option<String>,
    /// For a select: (value, label).
    pub options: Vec<(String, String)>,
    pub width: &'static str,
    /// Shown before and after the input (GOV.UK prefix and suffix: `£`, `%`).
    pub prefix: &'static str,
    pub suffix: String,
    /// A textarea's limit, shown with a character count.
    pub max_chars: Option<usize>,
    /// A date input's three boxes (day, month, year).
    pub parts: [String; 3],
}

pub(crate) fn field(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    kind: &'static str,
) -> Field {
    Field {
        name,
        label,
        hint,
        kind,
        value: String::new(),
        error: None,
        options: Vec::new(),
        width: "govuk-input--width-10",
        prefix: "",
        suffix: String::new(),
        max_chars: None,
        parts: Default::default(),
    }
}

/// A GOV.UK date input (three boxes), filled from a stored `YYYY-MM-DD`.
pub(crate) fn date_field(
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    iso: &str,
) -> Field {
    let mut f = field(name, label, hint, "date");
    if rules::is_date(iso) {
        f.parts = [
            iso[8..10].trim_start_matches('0').to_string(),
            iso[5..7].trim_start_matches('0').to_string(),
            iso[0..4].to_string(),
        ];
    }
    f
}

/// The date typed into date input `name` of `form`: see [`input::date_parts`].
pub(crate) fn date_typed(form: &Fields, name: &str, what: &str) -> Result<Option<String>, String> {
    let part = |p: &str| {
        form.get(&format!("{name}-{p}"))
            .cloned()
            .unwrap_or_default()
    };
    input::date_parts(&part("day"), &part("month"), &part("year"), what)
}

/// A form page's contents.
pub(crate) struct FormPage {
    pub title: String,
    pub caption: String,
    pub action: String,
    pub back: String,
    pub submit: &'static str,
    pub fields: Vec<Field>,
    /// Hidden inputs besides the CSRF token, e.g. the `version` of the record edited.
    pub hidden: Vec<(&'static str, String)>,
    /// Paragraphs above the fields (what the form changes, what is recorded already).
    pub intro: Vec<String>,
}

impl FormPage {
    pub fn fill(&mut self, values: &Fields) {
        for f in &mut self.fields {
            if let Some(v) = values.get(f.name) {
                f.value = v.clone();
            }
            if f.kind == "date" {
                for (i, p) in ["day", "month", "year"].iter().enumerate() {
                    f.parts[i] = values
                        .get(&format!("{}-{p}", f.name))
                        .cloned()
                        .unwrap_or_default();
                }
            }
        }
    }

    /// Attaches errors to fields (by the domain's names, mapped to the form's) and renders.
    pub fn render(mut self, viewer: &Viewer, errors: Vec<FieldError>) -> Response {
        // One message per field, in the order of the fields; the summary repeats the
        // inline message word for word (GOV.UK error summary).
        let mut unplaced = Vec::new();
        for e in errors {
            let name = form_name(&e.field);
            let message = input::sentence(&e.message);
            match self.fields.iter_mut().find(|f| f.name == name) {
                Some(f) => {
                    f.error.get_or_insert(message);
                }
                None => unplaced.push(message),
            }
        }
        let first = self.fields.first().map_or("main", |f| f.name);
        let mut summary: Vec<Value> = unplaced
            .into_iter()
            .map(|text| json!({"href": format!("#{first}"), "text": text}))
            .collect();
        for f in &self.fields {
            if let Some(text) = &f.error {
                // A date input's error links to its first box.
                let target = if f.kind == "date" {
                    format!("#{}-day", f.name)
                } else {
                    format!("#{}", f.name)
                };
                summary.push(json!({"href": target, "text": text}));
            }
        }
        let status = if summary.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        render_status(
            viewer,
            status,
            "form.html",
            minijinja::context! {
                title => if summary.is_empty() { self.title.clone() } else { format!("Error: {}", self.title) },
                heading => self.title,
                caption => self.caption,
                action => self.action,
                back => self.back,
                submit => self.submit,
                fields => ser(&self.fields),
                hidden => ser(&self.hidden),
                intro => ser(&self.intro),
                errors => ser(&summary),
            },
        )
    }
}

/// The form's name for a domain field.
fn form_name(domain_field: &str) -> &str {
    match domain_field {
        "amount_pence" => "amount",
        other => other,
    }
}

/// Signed in with the session's token, or the reason why not.
pub(crate) fn check_csrf(viewer: &Viewer, form: &Fields) -> Result<(), ApiError> {
    if !viewer.signed_in() {
        return Err(ApiError::Unauthorized(
            "You are signed out, so the form was not saved: sign in, then fill in the form again"
                .into(),
        ));
    }
    match (&viewer.csrf, form.get("csrf")) {
        (Some(expected), Some(given)) if expected == given => Ok(()),
        _ => Err(ApiError::Forbidden(
            "The form was out of date, so it was not saved: go back, reload the page and fill in the form again".into(),
        )),
    }
}

/// Shows a form page of area `area` with its fields empty, or the error that stops it
/// being shown (said with the areas' names).
async fn show_empty(
    state: &AppState,
    viewer: &Viewer,
    area: i64,
    page: Result<FormPage, ApiError>,
) -> Response {
    match page {
        Ok(page) => page.render(viewer, vec![]),
        Err(e) => super::area_error(state, viewer, area, e).await,
    }
}

/// Checks the form's security token before building its page, then puts the submitted
/// values back so that a rejected form shows what was typed.
async fn refilled(
    state: &AppState,
    viewer: &Viewer,
    area: i64,
    form: &Fields,
    page: impl Future<Output = Result<FormPage, ApiError>>,
) -> Result<FormPage, Response> {
    check_csrf(viewer, form).map_err(|e| page_error(viewer, e))?;
    let mut page = match page.await {
        Ok(p) => p,
        Err(e) => return Err(super::area_error(state, viewer, area, e).await),
    };
    page.fill(form);
    Ok(page)
}

pub(crate) fn required(f: &Fields, name: &str) -> Option<String> {
    f.get(name)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Pounds as typed (`1234.56`, `£1,234`) to pence.
pub fn parse_pounds(s: &str) -> Option<i64> {
    let t: String = s
        .trim()
        .trim_start_matches('£')
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, t),
    };
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > 2
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let pounds: i64 = whole.parse().ok()?;
    let pence: i64 = format!("{frac:0<2}").parse().ok()?;
    let v = pounds.checked_mul(100)?.checked_add(pence)?;
    Some(if neg { -v } else { v })
}

/// What to do with a domain error in a form: fields back to the form, the rest as a page.
fn form_result(viewer: &Viewer, page: FormPage, e: ApiError) -> Response {
    match e {
        ApiError::Invalid(errors) => page.render(viewer, errors),
        // The store's words name tables and constraints: a person gets a plain sentence.
        ApiError::Conflict(_) => page.render(
            viewer,
            vec![FieldError::new(
                "form",
                "This is already recorded, or someone changed it while you were filling in the form: check the area page, then try again",
            )],
        ),
        ApiError::TooManyRequests { .. } => {
            let mut r = page.render(viewer, vec![FieldError::new("form", e.detail())]);
            *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            e.decorate(&mut r);
            r
        }
        other => page_error(viewer, other),
    }
}

/// Back to the area page with the success banner in view (`#saved`); the banner links on
/// to the part of the page that changed (`anchor`).
fn saved(area: i64, what: &str, anchor: &str) -> Response {
    Redirect::to(&format!("/areas/{area}?saved={what}&at={anchor}#saved")).into_response()
}

/// Only the area's writers get the form (signed-out callers are asked to sign in).
fn may_write(viewer: &Viewer, kind: Kind, area: i64) -> Result<(), ApiError> {
    if viewer.principal.user.is_none() {
        return Err(ApiError::Unauthorized(
            "sign in to change this area's records".into(),
        ));
    }
    access::check_write(&viewer.principal, kind, Some(area))
}

// ---- KPI actuals ----

/// What the KPI form needs besides its fields: the KPI, its plan's years, its series
/// breaks and the figures already recorded.
struct KpiContext {
    name: String,
    unit: String,
    kind: PeriodKind,
    range: (f64, f64),
    plan_years: (String, String),
    breaks: Vec<(String, String)>,
    values: Vec<Record>,
}

impl KpiContext {
    fn value(&self, period: &str) -> Option<&Record> {
        self.values
            .iter()
            .find(|v| v.get("period").and_then(Value::as_str) == Some(period))
    }

    fn is_percentage(&self) -> bool {
        rules::is_percentage(&self.unit)
    }
}

async fn kpi_context(
    state: &AppState,
    viewer: &Viewer,
    area: i64,
    kpi: i64,
) -> Result<KpiContext, ApiError> {
    may_write(viewer, Kind::KpiValue, area)?;
    let k = domain::get(&state.store, &viewer.principal, Kind::Kpi, kpi).await?;
    if k.get("area_id").and_then(Value::as_i64) != Some(area) {
        return Err(ApiError::NotFound(
            "this area has no such KPI: go back to the area page and choose one of its KPIs".into(),
        ));
    }
    let plan_id = k.get("plan_id").and_then(Value::as_i64).unwrap_or(0);
    let plan = domain::get(&state.store, &viewer.principal, Kind::Plan, plan_id).await?;
    let of = |kind: Kind| {
        domain::list(
            &state.store,
            &viewer.principal,
            kind,
            vec![("kpi_id", json!(kpi))],
            oa_store::PageRequest::ALL,
        )
    };
    let breaks = of(Kind::SeriesBreak)
        .await?
        .items
        .iter()
        .map(|b| (text_of(b, "period"), text_of(b, "reason")))
        .collect();
    let values = of(Kind::KpiValue).await?.items;
    Ok(KpiContext {
        name: text_of(&k, "name"),
        unit: text_of(&k, "unit"),
        kind: PeriodKind::parse(&text_of(&k, "period_kind")).unwrap_or(PeriodKind::Academic),
        range: rules::kpi_range(&k),
        plan_years: (
            text_of(&plan, "first_period"),
            text_of(&plan, "last_period"),
        ),
        breaks,
        values,
    })
}

pub(crate) fn text_of(r: &Record, key: &str) -> String {
    r.get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn kpi_page(ctx: &KpiContext, area: i64, kpi: i64, period: Option<&str>) -> FormPage {
    let academic = ctx.kind == PeriodKind::Academic;
    let mut year = field(
        "period",
        "Year",
        if academic {
            "Academic year, for example 2019/20"
        } else {
            "Financial year, for example 2019-20"
        },
        "text",
    );
    year.width = "govuk-input--width-5";
    let suffix = if ctx.is_percentage() {
        "%".to_string()
    } else {
        String::new()
    };
    let mut actual = field(
        "actual",
        "Figure",
        "The area's figure for the year",
        "number",
    );
    actual.width = "govuk-input--width-5";
    actual.suffix = suffix.clone();
    let mut national = field(
        "national",
        "National figure (optional)",
        "England's figure for the same year",
        "number",
    );
    national.width = "govuk-input--width-5";
    national.suffix = suffix;
    let mut note = field("note", "Note (optional)", "Source or caveats", "textarea");
    note.max_chars = Some(rules::MAX_LONG_TEXT_CHARS);
    let mut reason = field(
        "reason",
        "Reason for the change",
        "Needed when you change a figure already recorded, or record one for a year marked as a break in the series. Everyone who can see the figure can read it.",
        "textarea",
    );
    reason.max_chars = Some(rules::MAX_LONG_TEXT_CHARS);
    let mut intro = vec![format!(
        "The plan covers {} to {}.{}",
        ctx.plan_years.0,
        ctx.plan_years.1,
        if ctx.is_percentage() {
            " Figures are percentages from 0 to 100."
        } else {
            ""
        }
    )];
    for (p, why) in &ctx.breaks {
        intro.push(format!("{p} is marked as a break in the series: {why}."));
    }
    if let Some(p) = period
        && let Some(v) = ctx.value(p)
    {
        year.value = p.to_string();
        let fmt = |k: &str| v.get(k).and_then(Value::as_f64).map(domain::figure);
        actual.value = fmt("actual").unwrap_or_default();
        national.value = fmt("national").unwrap_or_default();
        note.value = text_of(v, "note");
        intro.push(format!(
            "The figure recorded for {p} is {}{}. If you change it, give the reason.",
            fmt("actual").unwrap_or_else(|| "not set".into()),
            fmt("national").map_or(String::new(), |n| format!(" (national {n})"))
        ));
    }
    FormPage {
        title: format!("Record a figure: {}", ctx.name),
        caption: "Key performance indicator".into(),
        action: format!("/areas/{area}/kpis/{kpi}/actual"),
        back: format!("/areas/{area}#kpi-{kpi}"),
        submit: "Save figure",
        fields: vec![year, actual, national, note, reason],
        hidden: vec![],
        intro,
    }
}

#[derive(serde::Deserialize, Default)]
pub struct PeriodQuery {
    pub period: Option<String>,
}

/// `GET /areas/{id}/kpis/{kpi}/actual` (`?period=2016/17` opens a recorded figure to change).
pub async fn kpi_actual_form(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath((area, kpi)): PagePath<(i64, i64)>,
    Query(q): Query<PeriodQuery>,
) -> Response {
    let page = kpi_context(&state, &viewer, area, kpi)
        .await
        .map(|ctx| kpi_page(&ctx, area, kpi, q.period.as_deref()));
    show_empty(&state, &viewer, area, page).await
}

/// A figure typed into `name`: a number (`65%` and `1,234` read), within the KPI's range.
fn kpi_figure(
    form: &Fields,
    name: &'static str,
    what: &str,
    ctx: &KpiContext,
    errors: &mut Vec<FieldError>,
) -> Option<f64> {
    let s = required(form, name)?;
    let Some(v) = input::number(&s) else {
        errors.push(FieldError::new(
            name,
            format!("Enter {what} as a number, like 62.5"),
        ));
        return None;
    };
    let (lo, hi) = ctx.range;
    if !(lo..=hi).contains(&v) {
        let msg = if ctx.is_percentage() && (lo, hi) == (0.0, 100.0) {
            format!("Enter {what} as a percentage from 0 to 100")
        } else {
            format!(
                "Enter {what} from {} to {}",
                domain::figure(lo),
                domain::figure(hi)
            )
        };
        errors.push(FieldError::new(name, msg));
        return None;
    }
    Some(v)
}

/// `POST /areas/{id}/kpis/{kpi}/actual`: every field is checked in one pass, in plain
/// words, before the domain's rules (which would say the same) are applied.
pub async fn kpi_actual_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath((area, kpi)): PagePath<(i64, i64)>,
    Form(form): Form<Fields>,
) -> Response {
    if let Err(e) = check_csrf(&viewer, &form) {
        return page_error(&viewer, e);
    }
    let ctx = match kpi_context(&state, &viewer, area, kpi).await {
        Ok(ctx) => ctx,
        Err(e) => return super::area_error(&state, &viewer, area, e).await,
    };
    let mut errors = Vec::new();
    let period = match required(&form, "period") {
        None => {
            errors.push(FieldError::new(
                "period",
                format!("Enter the year, like {}", ctx.kind.example()),
            ));
            None
        }
        Some(s) => match input::period(&s, ctx.kind) {
            Err(m) => {
                errors.push(FieldError::new("period", m));
                None
            }
            Ok(p) => {
                let (first, last) = &ctx.plan_years;
                let year = |p: &str| rules::parse_period(p).map(|x| x.start_year);
                match (year(&p), year(first), year(last)) {
                    (Some(y), Some(f), Some(l)) if y < f || y > l => {
                        errors.push(FieldError::new(
                            "period",
                            format!(
                                "Enter a year from {first} to {last}: the years the plan covers"
                            ),
                        ));
                        None
                    }
                    _ => Some(p),
                }
            }
        },
    };
    let actual = kpi_figure(&form, "actual", "the figure", &ctx, &mut errors);
    if required(&form, "actual").is_none() {
        errors.push(FieldError::new("actual", "Enter the figure"));
    }
    let national = kpi_figure(&form, "national", "the national figure", &ctx, &mut errors);
    let note = required(&form, "note");
    let reason = required(&form, "reason");
    for (name, value, what) in [("note", &note, "Note"), ("reason", &reason, "Reason")] {
        if value
            .as_ref()
            .is_some_and(|v| v.chars().count() > rules::MAX_LONG_TEXT_CHARS)
        {
            errors.push(FieldError::new(
                name,
                format!("{what} must be 2,000 characters or fewer"),
            ));
        }
    }
    // Whether a reason is needed is judged only on figures that were read.
    let figures_read = !errors
        .iter()
        .any(|e| e.field == "actual" || e.field == "national");
    if let Some(p) = &period
        && reason.is_none()
        && figures_read
    {
        let before = ctx.value(p);
        let old = |k: &str| before.and_then(|v| v.get(k).and_then(Value::as_f64));
        if let (Some(b), Some(a)) = (old("actual"), actual)
            && a != b
        {
            errors.push(FieldError::new(
                "reason",
                format!(
                    "Give a reason for changing the {p} figure from {} to {}",
                    domain::figure(b),
                    domain::figure(a)
                ),
            ));
        } else if let Some(b) = old("national")
            && national != Some(b)
        {
            errors.push(FieldError::new(
                "reason",
                format!(
                    "Give a reason for changing the {p} national figure from {}",
                    domain::figure(b)
                ),
            ));
        } else if let Some((_, why)) = ctx.breaks.iter().find(|(bp, _)| bp == p)
            && (old("actual") != actual || old("national") != national)
        {
            errors.push(FieldError::new(
                "reason",
                format!(
                    "Give a reason for recording a figure for {p}: that year is marked as a break in the series ({why})"
                ),
            ));
        }
    }
    let mut page = kpi_page(&ctx, area, kpi, None);
    page.fill(&form);
    if !errors.is_empty() {
        return page.render(&viewer, errors);
    }
    let mut body = Map::new();
    body.insert("period".into(), json!(period));
    body.insert("actual".into(), json!(actual));
    body.insert("national".into(), json!(national));
    body.insert("note".into(), json!(note));
    body.insert("reason".into(), json!(reason));
    let hold = state.settings.kpi_drafts && viewer.principal.role == Role::AreaLead;
    match domain::upsert_kpi_actual(
        &state.store,
        &viewer.principal,
        kpi,
        Value::Object(body),
        None,
        hold,
    )
    .await
    {
        Ok(w) if w.draft => saved(area, "kpi-draft", &format!("kpi-{kpi}")),
        Ok(_) => saved(area, "kpi", &format!("kpi-{kpi}")),
        Err(e) => form_result(&viewer, page, e),
    }
}

/// `POST /areas/{id}/kpi-drafts/{value}/{approve|discard}`: a national admin publishes or
/// discards a figure an area lead proposed.
pub async fn kpi_draft_decision(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath((area, value, decision)): PagePath<(i64, i64, String)>,
    Form(form): Form<Fields>,
) -> Response {
    if let Err(e) = check_csrf(&viewer, &form) {
        return page_error(&viewer, e);
    }
    let row = match domain::get(&state.store, &viewer.principal, Kind::KpiValue, value).await {
        Ok(r) if r.get("area_id").and_then(Value::as_i64) == Some(area) => r,
        Ok(_) => {
            return page_error(
                &viewer,
                ApiError::NotFound("this area has no such figure waiting".into()),
            );
        }
        Err(e) => return page_error(&viewer, e),
    };
    let kpi = row.get("kpi_id").and_then(Value::as_i64).unwrap_or(0);
    let result = match decision.as_str() {
        "approve" => domain::approve_kpi_draft(&state.store, &viewer.principal, value).await,
        "discard" => domain::discard_kpi_draft(&state.store, &viewer.principal, value).await,
        _ => Err(ApiError::NotFound("there is no such page".into())),
    };
    match result {
        Ok(_) => saved(area, &format!("draft-{decision}"), &format!("kpi-{kpi}")),
        Err(e) => page_error(&viewer, e),
    }
}

// ---- Spend returns ----

/// A grant of the area, as the spend form offers it.
struct GrantChoice {
    id: i64,
    label: String,
    amount_pence: i64,
    spent_pence: i64,
    /// The months already returned against the grant (`YYYY-MM`).
    months: Vec<String>,
}

async fn spend_page(
    state: &AppState,
    viewer: &Viewer,
    area: i64,
) -> Result<(FormPage, Vec<GrantChoice>), ApiError> {
    may_write(viewer, Kind::SpendReturn, area)?;
    let a = domain::get(&state.store, &viewer.principal, Kind::Area, area).await?;
    let of_area = |kind: Kind| {
        domain::list(
            &state.store,
            &viewer.principal,
            kind,
            vec![("area_id", json!(area))],
            oa_store::PageRequest::ALL,
        )
    };
    let grants = of_area(Kind::Grant).await?.items;
    let spend = of_area(Kind::SpendReturn).await?.items;
    let choices: Vec<GrantChoice> = grants
        .iter()
        .map(|g| {
            let id = g.get("id").and_then(Value::as_i64).unwrap_or(0);
            let amount_pence = g.get("amount_pence").and_then(Value::as_i64).unwrap_or(0);
            let returns: Vec<&Record> = spend
                .iter()
                .filter(|s| s.get("grant_id").and_then(Value::as_i64) == Some(id))
                .collect();
            let spent_pence = returns
                .iter()
                .filter_map(|s| s.get("amount_pence").and_then(Value::as_i64))
                .fold(0i64, i64::saturating_add);
            let months = returns.iter().map(|s| text_of(s, "month")).collect();
            GrantChoice {
                id,
                label: format!(
                    "{} ({}, {}; {} spent)",
                    text_of(g, "purpose"),
                    text_of(g, "recipient"),
                    super::pounds(amount_pence),
                    super::pounds(spent_pence)
                ),
                amount_pence,
                spent_pence,
                months,
            }
        })
        .collect();
    let mut grant = field(
        "grant_id",
        "Grant",
        "The grant the money was spent from",
        "select",
    );
    grant.options = choices
        .iter()
        .map(|g| (g.id.to_string(), g.label.clone()))
        .collect();
    let mut month = field(
        "month",
        "Month",
        "For example March 2019 or 03/2019",
        "text",
    );
    month.width = "govuk-input--width-10";
    let mut amount = field(
        "amount",
        "Amount spent",
        "In pounds, for example 12,500 or 12500.50",
        "number",
    );
    amount.prefix = "£";
    let mut note = field("note", "Note (optional)", "", "textarea");
    note.max_chars = Some(rules::MAX_LONG_TEXT_CHARS);
    let page = FormPage {
        title: "Record a spend return".into(),
        caption: text_of(&a, "name"),
        action: format!("/areas/{area}/spend"),
        back: format!("/areas/{area}#money"),
        submit: "Save spend return",
        fields: vec![grant, month, amount, note],
        hidden: vec![],
        intro: if choices.is_empty() {
            vec!["This area has no grants yet: a national admin records grants before spend can be returned against them.".into()]
        } else {
            vec![]
        },
    };
    Ok((page, choices))
}

/// `GET /areas/{id}/spend`.
pub async fn spend_form(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(area): PagePath<i64>,
) -> Response {
    let page = spend_page(&state, &viewer, area).await.map(|p| p.0);
    show_empty(&state, &viewer, area, page).await
}

/// `POST /areas/{id}/spend`: every field checked in one pass; an amount that would take
/// a grant's spending past the grant is refused with the figures, before the store's
/// guard (which still decides under concurrent writes).
pub async fn spend_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(area): PagePath<i64>,
    Form(form): Form<Fields>,
) -> Response {
    if let Err(e) = check_csrf(&viewer, &form) {
        return page_error(&viewer, e);
    }
    let (mut page, grants) = match spend_page(&state, &viewer, area).await {
        Ok(p) => p,
        Err(e) => return super::area_error(&state, &viewer, area, e).await,
    };
    page.fill(&form);
    let mut errors = Vec::new();
    let grant = required(&form, "grant_id")
        .and_then(|g| g.parse::<i64>().ok())
        .and_then(|g| grants.iter().find(|c| c.id == g));
    if grant.is_none() {
        errors.push(FieldError::new(
            "grant_id",
            "Choose the grant the money was spent from",
        ));
    }
    let month = match required(&form, "month") {
        None => {
            errors.push(FieldError::new(
                "month",
                "Enter the month the money was spent, like March 2019",
            ));
            None
        }
        Some(m) => match input::month(&m) {
            Some(m) => Some(m),
            None => {
                errors.push(FieldError::new(
                    "month",
                    "Enter the month as a month and year, like March 2019 or 03/2019",
                ));
                None
            }
        },
    };
    let amount = match required(&form, "amount") {
        None => {
            errors.push(FieldError::new("amount", "Enter the amount spent"));
            None
        }
        Some(s) => match parse_pounds(&s) {
            Some(p) if p < 0 => {
                errors.push(FieldError::new("amount", "Enter an amount of £0 or more"));
                None
            }
            Some(p) if p > rules::MAX_PENCE => {
                errors.push(FieldError::new(
                    "amount",
                    "Enter an amount under £10 trillion",
                ));
                None
            }
            Some(p) => Some(p),
            None => {
                errors.push(FieldError::new(
                    "amount",
                    "Enter the amount in pounds, like 12,500 or 12500.50",
                ));
                None
            }
        },
    };
    if let (Some(g), Some(m)) = (grant, &month)
        && g.months.contains(m)
    {
        errors.push(FieldError::new(
            "month",
            format!(
                "A return for {} from this grant is already recorded: choose another month, or ask a national admin to correct that return",
                input::long_month(m)
            ),
        ));
    }
    if let (Some(g), Some(a)) = (grant, amount)
        && g.spent_pence.saturating_add(a) > g.amount_pence
    {
        errors.push(FieldError::new(
            "amount",
            format!(
                "Enter {} or less: the grant is {} and {} of it is spent already (a national admin can raise the grant)",
                super::pounds(g.amount_pence.saturating_sub(g.spent_pence).max(0)),
                super::pounds(g.amount_pence),
                super::pounds(g.spent_pence)
            ),
        ));
    }
    let note = required(&form, "note");
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > rules::MAX_LONG_TEXT_CHARS)
    {
        errors.push(FieldError::new(
            "note",
            "Note must be 2,000 characters or fewer",
        ));
    }
    if !errors.is_empty() {
        return page.render(&viewer, errors);
    }
    let mut body = Map::new();
    body.insert("grant_id".into(), json!(grant.map(|g| g.id)));
    body.insert("month".into(), json!(month));
    body.insert("amount_pence".into(), json!(amount));
    if let Some(note) = note {
        body.insert("note".into(), json!(note));
    }
    match domain::create(
        &state.store,
        &viewer.principal,
        Kind::SpendReturn,
        Value::Object(body),
    )
    .await
    {
        Ok(_) => saved(area, "spend", "money"),
        Err(ApiError::Invalid(errs)) if errs.iter().any(|e| e.field == "amount_pence") => page
            .render(
                &viewer,
                vec![FieldError::new(
                    "amount",
                    "The grant's spending changed while you were recording this and the amount is now more than is left: check the grant and enter a smaller amount",
                )],
            ),
        Err(e) => form_result(&viewer, page, e),
    }
}

// ---- Comments ----

async fn comment_page(state: &AppState, viewer: &Viewer, area: i64) -> Result<FormPage, ApiError> {
    may_write(viewer, Kind::Comment, area)?;
    let a = domain::get(&state.store, &viewer.principal, Kind::Area, area).await?;
    let mut body = field(
        "body",
        "Comment",
        "Read by this area's lead and board members and by national admins, not by the public.",
        "textarea",
    );
    body.max_chars = Some(rules::MAX_COMMENT_CHARS);
    Ok(FormPage {
        title: "Add a comment".into(),
        caption: a
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        action: format!("/areas/{area}/comments"),
        back: format!("/areas/{area}#comments"),
        submit: "Add comment",
        fields: vec![body],
        hidden: vec![],
        intro: vec![],
    })
}

/// `GET /areas/{id}/comments`: the comment form on its own page (the area profile also
/// carries it).
pub async fn comment_form(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(area): PagePath<i64>,
) -> Response {
    let page = comment_page(&state, &viewer, area).await;
    show_empty(&state, &viewer, area, page).await
}

/// `POST /areas/{id}/comments`: the text goes to [`domain::create`] as it was typed, so
/// an empty or over-long comment is refused by the same rules as the API's.
pub async fn comment_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(area): PagePath<i64>,
    Form(form): Form<Fields>,
) -> Response {
    let page = match refilled(
        &state,
        &viewer,
        area,
        &form,
        comment_page(&state, &viewer, area),
    )
    .await
    {
        Ok(page) => page,
        Err(response) => return response,
    };
    let text = form.get("body").map(|t| t.trim()).unwrap_or_default();
    if text.is_empty() {
        return page.render(&viewer, vec![FieldError::new("body", "Enter your comment")]);
    }
    if text.chars().count() > rules::MAX_COMMENT_CHARS {
        return page.render(
            &viewer,
            vec![FieldError::new(
                "body",
                "Comment must be 2,000 characters or fewer",
            )],
        );
    }
    let body = json!({"area_id": area, "body": text});
    match domain::create(&state.store, &viewer.principal, Kind::Comment, body).await {
        Ok(_) => saved(area, "comment", "comments"),
        Err(e) => form_result(&viewer, page, e),
    }
}

// ---- Plan changes ----

async fn plan_page(
    state: &AppState,
    viewer: &Viewer,
    area: i64,
    plan: i64,
) -> Result<FormPage, ApiError> {
    may_write(viewer, Kind::Plan, area)?;
    let p = domain::get(&state.store, &viewer.principal, Kind::Plan, plan).await?;
    if p.get("area_id").and_then(Value::as_i64) != Some(area) {
        return Err(ApiError::NotFound(
            "this area has no such plan: go back to the area page and choose its plan".into(),
        ));
    }
    let area_name = domain::get(&state.store, &viewer.principal, Kind::Area, area)
        .await
        .map(|a| text_of(&a, "name"))
        .unwrap_or_default();
    let get = |k: &str| {
        p.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let mut title = field("title", "Title", "", "text");
    title.width = "govuk-input--width-30";
    title.value = get("title");
    let mut first = field(
        "first_period",
        "First year",
        "Academic year, for example 2017/18",
        "text",
    );
    first.value = get("first_period");
    first.width = "govuk-input--width-5";
    let mut last = field(
        "last_period",
        "Last year",
        "Academic year, for example 2020/21",
        "text",
    );
    last.value = get("last_period");
    last.width = "govuk-input--width-5";
    let published = date_field(
        "published_on",
        "Date published (optional)",
        "For example, 20 11 2017",
        &get("published_on"),
    );
    let version = p.get("version").and_then(Value::as_i64).unwrap_or(1);
    Ok(FormPage {
        title: "Change the delivery plan".into(),
        caption: area_name,
        action: format!("/areas/{area}/plans/{plan}"),
        back: format!("/areas/{area}#plan"),
        submit: "Save plan",
        fields: vec![title, first, last, published],
        // The version edited: a save over someone else's later change is refused (412).
        hidden: vec![("version", domain::etag(&p))],
        intro: vec![format!(
            "This is version {version} of the plan. Saving records version {}; earlier versions are kept.",
            version + 1
        )],
    })
}

/// `GET /areas/{id}/plans/{plan}`.
pub async fn plan_form(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath((area, plan)): PagePath<(i64, i64)>,
) -> Response {
    let page = plan_page(&state, &viewer, area, plan).await;
    show_empty(&state, &viewer, area, page).await
}

/// `POST /areas/{id}/plans/{plan}`.
pub async fn plan_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath((area, plan)): PagePath<(i64, i64)>,
    Form(form): Form<Fields>,
) -> Response {
    let mut page = match refilled(
        &state,
        &viewer,
        area,
        &form,
        plan_page(&state, &viewer, area, plan),
    )
    .await
    {
        Ok(page) => page,
        Err(response) => return response,
    };
    // The version the form was opened on (the page rebuilt above carries the current one).
    let edited = form.get("version").cloned();
    let mut errors = Vec::new();
    let mut body = Map::new();
    match required(&form, "title") {
        Some(t) if t.chars().count() > rules::MAX_SHORT_TEXT_CHARS => errors.push(FieldError::new(
            "title",
            "Title must be 200 characters or fewer",
        )),
        Some(t) => {
            body.insert("title".into(), json!(t));
        }
        None => errors.push(FieldError::new("title", "Enter the plan's title")),
    }
    let mut years = Vec::new();
    for (name, which, example) in [
        ("first_period", "first", "2017/18"),
        ("last_period", "last", "2020/21"),
    ] {
        match required(&form, name).map(|v| input::period(&v, PeriodKind::Academic)) {
            Some(Ok(v)) => {
                years.push(rules::parse_period(&v).map(|p| p.start_year));
                body.insert(name.into(), json!(v));
            }
            Some(Err(m)) => errors.push(FieldError::new(name, m)),
            None => errors.push(FieldError::new(
                name,
                format!("Enter the {which} year of the plan, like {example}"),
            )),
        }
    }
    if let [Some(first), Some(last)] = years[..]
        && last < first
    {
        errors.push(FieldError::new(
            "last_period",
            "The last year must be the same as or after the first year",
        ));
    }
    match date_typed(&form, "published_on", "Date published") {
        Ok(Some(d)) => {
            body.insert("published_on".into(), json!(d));
        }
        Ok(None) => {}
        Err(m) => errors.push(FieldError::new("published_on", m)),
    }
    if !errors.is_empty() {
        return page.render(&viewer, errors);
    }
    let Some(edited) = edited else {
        return page.render(
            &viewer,
            vec![FieldError::new(
                "form",
                "The form is out of date: reload the page and save again",
            )],
        );
    };
    match domain::update(
        &state.store,
        &viewer.principal,
        Kind::Plan,
        plan,
        Value::Object(body),
        Some(&edited),
    )
    .await
    {
        Ok(_) => saved(area, "plan", "plan"),
        Err(ApiError::PreconditionFailed(_)) => {
            // Show the current version's figures in the message; the form keeps what was
            // typed and now carries the current version, so sending it again saves over.
            page.intro
                .push("Someone changed the plan since you opened this form.".into());
            let mut r = page.render(
                &viewer,
                vec![FieldError::new(
                    "form",
                    "Someone else changed this plan after you opened the form: check the plan on the area page, then save again to replace their changes with yours",
                )],
            );
            *r.status_mut() = StatusCode::PRECONDITION_FAILED;
            r
        }
        Err(e) => form_result(&viewer, page, e),
    }
}

// ---- Sign in and out ----

#[derive(serde::Deserialize, Default)]
pub struct Next {
    pub next: Option<String>,
}

/// A path on this site to go back to, or `/`. Only printable ASCII without spaces or
/// backslashes, starting with one `/` followed by neither `/` nor `\`: browsers skip tabs
/// and newlines in URLs (`/\t/evil.example` is `//evil.example`, another site) and treat
/// `\` as `/`, and CR/LF cannot go into a `Location` header.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && n.len() <= 2048
                && n.bytes().all(|b| b.is_ascii_graphic() && b != b'\\') =>
        {
            n.to_string()
        }
        _ => "/".into(),
    }
}

/// `GET /sign-in`.
pub async fn sign_in_form(viewer: Viewer, Query(q): Query<Next>) -> Response {
    render(
        &viewer,
        "sign_in.html",
        minijinja::context! {
            title => "Sign in",
            next => safe_next(q.next.as_deref()),
            email => "",
            errors => ser(Vec::<Value>::new()),
        },
    )
}

/// Whether a form post comes from this site: a browser sends `Origin` with a POST, and a
/// sign-in form posted from another site (login CSRF) names that site.
fn same_origin(headers: &axum::http::HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    origin
        .split_once("://")
        .is_some_and(|(_, rest)| rest.trim_end_matches('/') == host)
}

/// `POST /sign-in`.
pub async fn sign_in_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    parts: axum::http::request::Parts,
    Form(form): Form<Fields>,
) -> Response {
    let headers = &parts.headers;
    if !same_origin(headers) {
        return page_error(
            &viewer,
            ApiError::Forbidden(
                "this sign-in form was sent from another site: open the sign-in page of this service and sign in there".into(),
            ),
        );
    }
    let next = safe_next(form.get("next").map(String::as_str));
    let email = required(&form, "email").unwrap_or_default();
    let password = form.get("password").cloned().unwrap_or_default();
    let mut errors = Vec::new();
    if email.is_empty() {
        errors.push(json!({"href": "#email", "text": "Enter your email address"}));
    }
    if password.is_empty() {
        errors.push(json!({"href": "#password", "text": "Enter your password"}));
    }
    let mut status = StatusCode::UNAUTHORIZED;
    let mut throttled = None;
    if errors.is_empty() {
        let address = state.client_address(&parts.headers, &parts.extensions);
        match auth::sign_in(&state, &email, &password, address).await {
            Ok(session) => {
                // Leads and board members who asked for no page in particular land on
                // their own area (a refused return path still goes to the home page).
                let asked = form.get("next").map_or("/", |n| n.as_str());
                let next = match (asked, state.store.user_by_email(&email).await) {
                    ("/" | "", Ok(Some(u)))
                        if matches!(
                            Role::parse(&u.role),
                            Some(Role::AreaLead | Role::BoardMember)
                        ) =>
                    {
                        u.area_id.map_or(next, |a| format!("/areas/{a}"))
                    }
                    _ => next,
                };
                // `next` is a checked path, so the header cannot fail; the cookie is set
                // only on a redirect that is built.
                let Ok(location) = HeaderValue::from_str(&next) else {
                    return page_error(&viewer, ApiError::BadRequest("bad return path".into()));
                };
                let mut r = StatusCode::SEE_OTHER.into_response();
                r.headers_mut().insert(header::LOCATION, location);
                if let Ok(v) = HeaderValue::from_str(&session.set_cookie) {
                    r.headers_mut().insert(header::SET_COOKIE, v);
                }
                return r;
            }
            Err(ApiError::Unauthorized(_)) => errors.push(json!({
                "href": "#email",
                "text": "The email address or password is wrong: check them, or ask a national admin to reset your password",
            })),
            Err(e @ ApiError::TooManyRequests { .. }) => {
                status = StatusCode::TOO_MANY_REQUESTS;
                errors.push(json!({"href": "#email", "text": format!("Too many failed sign-ins: {}", e.detail())}));
                throttled = Some(e);
            }
            Err(e) => return page_error(&viewer, e),
        }
    }
    let mut r = render_status(
        &viewer,
        status,
        "sign_in.html",
        minijinja::context! {
            title => "Error: Sign in",
            next => next,
            email => email,
            errors => ser(&errors),
        },
    );
    if let Some(e) = throttled {
        e.decorate(&mut r);
    }
    r
}

/// `POST /sign-out`.
pub async fn sign_out(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<Fields>,
) -> Response {
    if let Err(e) = check_csrf(&viewer, &form) {
        return page_error(&viewer, e);
    }
    if let Some(secret) = &viewer.secret
        && let Err(e) = auth::sign_out(&state, secret).await
    {
        return page_error(&viewer, e);
    }
    let mut r = Redirect::to("/").into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::clear_cookie(&state)) {
        r.headers_mut().insert(header::SET_COOKIE, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pounds_parse() {
        assert_eq!(parse_pounds("12500"), Some(1_250_000));
        assert_eq!(parse_pounds("£1,234.5"), Some(123_450));
        assert_eq!(parse_pounds("0.07"), Some(7));
        assert_eq!(parse_pounds("-3"), Some(-300));
        assert_eq!(parse_pounds("12.345"), None);
        assert_eq!(parse_pounds("abc"), None);
        assert_eq!(parse_pounds(""), None);
    }

    #[test]
    fn sign_in_from_another_site_is_refused() {
        let mut h = axum::http::HeaderMap::new();
        assert!(same_origin(&h), "no Origin header (not a browser): allowed");
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:8080"),
        );
        assert!(same_origin(&h));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(!same_origin(&h));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(!same_origin(&h));
    }

    #[test]
    fn next_stays_on_site() {
        assert_eq!(safe_next(Some("/areas/3")), "/areas/3");
        assert_eq!(
            safe_next(Some("/areas/3?saved=kpi#kpi-2")),
            "/areas/3?saved=kpi#kpi-2"
        );
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\t/evil.example/phish",
            "/\n/evil.example",
            "/\\evil.example",
            "/x\r\nSet-Cookie: a=b",
            "/ /evil.example",
            "\\\\evil.example",
            "",
            "areas/3",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    proptest::proptest! {
        /// Whatever `next` is, the redirect is a path on this site: one `/`, then no
        /// second `/` or `\`, and nothing a browser would skip or a header could not hold.
        #[test]
        fn next_is_always_a_local_path(n in "\\PC{0,40}|[/\\\\\t\r\n a-z.]{0,12}") {
            let out = safe_next(Some(&n));
            proptest::prop_assert!(out.starts_with('/'));
            proptest::prop_assert!(!out.starts_with("//") && !out.starts_with("/\\"));
            proptest::prop_assert!(out.bytes().all(|b| b.is_ascii_graphic() && b != b'\\'));
            proptest::prop_assert!(axum::http::HeaderValue::from_str(&out).is_ok());
        }
    }
}
