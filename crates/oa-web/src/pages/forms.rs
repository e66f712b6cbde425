//! HTML forms: sign in and out, the area lead's writes (KPI actuals, spend returns,
//! plan changes) and comments on an area (board members, leads, admins). Each write
//! checks the session's CSRF token, then goes through the same [`crate::domain`]
//! functions as the API, so the rules and access checks are one; a validation failure re-renders the form with an error summary (422) and a refusal is a
//! 403 page.

use super::PagePath;
use super::{Viewer, page_error, render, render_status, ser};
use crate::AppState;
use crate::auth;
use crate::domain::{self, access};
use crate::error::{ApiError, FieldError};
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use oa_store::Kind;
use serde_json::{Map, Value, json};
use std::collections::HashMap;

type Fields = HashMap<String, String>;

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
}

fn field(name: &'static str, label: &'static str, hint: &'static str, kind: &'static str) -> Field {
    Field {
        name,
        label,
        hint,
        kind,
        value: String::new(),
        error: None,
        options: Vec::new(),
        width: "govuk-input--width-10",
    }
}

/// A form page's contents.
struct FormPage {
    title: String,
    caption: String,
    action: String,
    back: String,
    submit: &'static str,
    fields: Vec<Field>,
    /// Hidden inputs besides the CSRF token, e.g. the `version` of the record edited.
    hidden: Vec<(&'static str, String)>,
}

impl FormPage {
    fn fill(&mut self, values: &Fields) {
        for f in &mut self.fields {
            if let Some(v) = values.get(f.name) {
                f.value = v.clone();
            }
        }
    }

    /// Attaches errors to fields (by the domain's names, mapped to the form's) and renders.
    fn render(mut self, viewer: &Viewer, errors: Vec<FieldError>) -> Response {
        let mut summary = Vec::new();
        for e in errors {
            let name = form_name(&e.field);
            let target = self.fields.iter_mut().find(|f| f.name == name).map(|f| {
                f.error.get_or_insert_with(|| e.message.clone());
                f.name
            });
            summary.push(json!({
                "href": format!("#{}", target.unwrap_or(self.fields.first().map_or("main", |f| f.name))),
                "text": match target {
                    Some(_) => format!("{}: {}", label_of(&self.fields, name), e.message),
                    None => format!("{}: {}", e.field, e.message),
                },
            }));
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
                errors => ser(&summary),
            },
        )
    }
}

fn label_of(fields: &[Field], name: &str) -> String {
    fields
        .iter()
        .find(|f| f.name == name)
        .map_or(name.to_string(), |f| f.label.to_string())
}

/// The form's name for a domain field.
fn form_name(domain_field: &str) -> &str {
    match domain_field {
        "amount_pence" => "amount",
        other => other,
    }
}

/// Signed in with the session's token, or the reason why not.
fn check_csrf(viewer: &Viewer, form: &Fields) -> Result<(), ApiError> {
    viewer.principal.require_signed_in()?;
    match (&viewer.csrf, form.get("csrf")) {
        (Some(expected), Some(given)) if expected == given => Ok(()),
        _ => Err(ApiError::Forbidden(
            "the form's security token is missing or out of date: go back, reload the page and send the form again".into(),
        )),
    }
}

/// Shows a form page with its fields empty, or the error that stops it being shown.
fn show_empty(viewer: &Viewer, page: Result<FormPage, ApiError>) -> Response {
    match page {
        Ok(page) => page.render(viewer, vec![]),
        Err(e) => page_error(viewer, e),
    }
}

/// Checks the form's security token before building its page, then puts the submitted
/// values back so that a rejected form shows what was typed.
async fn refilled(
    viewer: &Viewer,
    form: &Fields,
    page: impl Future<Output = Result<FormPage, ApiError>>,
) -> Result<FormPage, Response> {
    check_csrf(viewer, form).map_err(|e| page_error(viewer, e))?;
    let mut page = page.await.map_err(|e| page_error(viewer, e))?;
    page.fill(form);
    Ok(page)
}

fn required(f: &Fields, name: &str) -> Option<String> {
    f.get(name)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn optional_number(
    f: &Fields,
    name: &'static str,
    what: &str,
    errors: &mut Vec<FieldError>,
) -> Option<f64> {
    let s = required(f, name)?;
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        _ => {
            errors.push(FieldError::new(
                name,
                format!("enter {what} as a number, like 62.5"),
            ));
            None
        }
    }
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
        ApiError::Conflict(m) => page.render(viewer, vec![FieldError::new("form", m)]),
        ApiError::TooManyRequests { .. } => {
            let mut r = page.render(viewer, vec![FieldError::new("form", e.detail())]);
            *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
            e.decorate(&mut r);
            r
        }
        other => page_error(viewer, other),
    }
}

fn saved(area: i64, what: &str, anchor: &str) -> Response {
    Redirect::to(&format!("/areas/{area}?saved={what}#{anchor}")).into_response()
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

async fn kpi_page(
    state: &AppState,
    viewer: &Viewer,
    area: i64,
    kpi: i64,
) -> Result<FormPage, ApiError> {
    may_write(viewer, Kind::KpiValue, area)?;
    let k = domain::get(&state.store, &viewer.principal, Kind::Kpi, kpi).await?;
    if k.get("area_id").and_then(Value::as_i64) != Some(area) {
        return Err(ApiError::NotFound(format!("area {area} has no KPI {kpi}")));
    }
    let name = k.get("name").and_then(Value::as_str).unwrap_or("KPI");
    let unit = k.get("unit").and_then(Value::as_str).unwrap_or("");
    let academic = k.get("period_kind").and_then(Value::as_str) != Some("financial");
    let mut period = field(
        "period",
        "Period",
        if academic {
            "Academic year, for example 2019/20"
        } else {
            "Financial year, for example 2019-20"
        },
        "text",
    );
    period.width = "govuk-input--width-5";
    let mut actual = field(
        "actual",
        "Actual",
        "The area's figure for the period",
        "number",
    );
    actual.width = "govuk-input--width-5";
    let mut national = field(
        "national",
        "National comparator (optional)",
        "England's figure for the same period",
        "number",
    );
    national.width = "govuk-input--width-5";
    let note = field("note", "Note (optional)", "Source or caveats", "textarea");
    let _ = unit;
    Ok(FormPage {
        title: format!("Record an actual: {name}"),
        caption: format!("KPI {kpi} ({unit})"),
        action: format!("/areas/{area}/kpis/{kpi}/actual"),
        back: format!("/areas/{area}#kpi-{kpi}"),
        submit: "Save actual",
        fields: vec![period, actual, national, note],
        hidden: vec![],
    })
}

/// `GET /areas/{id}/kpis/{kpi}/actual`.
pub async fn kpi_actual_form(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath((area, kpi)): PagePath<(i64, i64)>,
) -> Response {
    show_empty(&viewer, kpi_page(&state, &viewer, area, kpi).await)
}

/// `POST /areas/{id}/kpis/{kpi}/actual`.
pub async fn kpi_actual_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath((area, kpi)): PagePath<(i64, i64)>,
    Form(form): Form<Fields>,
) -> Response {
    let page = match refilled(&viewer, &form, kpi_page(&state, &viewer, area, kpi)).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let mut errors = Vec::new();
    let period = required(&form, "period");
    if period.is_none() {
        errors.push(FieldError::new("period", "enter the period, like 2019/20"));
    }
    let actual = optional_number(&form, "actual", "the actual", &mut errors);
    if actual.is_none() && required(&form, "actual").is_none() {
        errors.push(FieldError::new("actual", "enter the actual"));
    }
    let national = optional_number(&form, "national", "the national comparator", &mut errors);
    if !errors.is_empty() {
        return page.render(&viewer, errors);
    }
    let mut body = Map::new();
    body.insert("period".into(), json!(period));
    body.insert("actual".into(), json!(actual));
    if let Some(n) = national {
        body.insert("national".into(), json!(n));
    }
    if let Some(note) = required(&form, "note") {
        body.insert("note".into(), json!(note));
    }
    match domain::upsert_kpi_actual(
        &state.store,
        &viewer.principal,
        kpi,
        Value::Object(body),
        None,
    )
    .await
    {
        Ok(_) => saved(area, "kpi", &format!("kpi-{kpi}")),
        Err(e) => form_result(&viewer, page, e),
    }
}

// ---- Spend returns ----

async fn spend_page(state: &AppState, viewer: &Viewer, area: i64) -> Result<FormPage, ApiError> {
    may_write(viewer, Kind::SpendReturn, area)?;
    let a = domain::get(&state.store, &viewer.principal, Kind::Area, area).await?;
    let grants = domain::list(
        &state.store,
        &viewer.principal,
        Kind::Grant,
        vec![("area_id", json!(area))],
        oa_store::PageRequest::ALL,
    )
    .await?
    .items;
    let mut grant = field(
        "grant_id",
        "Grant",
        "The grant the money was spent from",
        "select",
    );
    grant.options = grants
        .iter()
        .map(|g| {
            (
                g.get("id").and_then(Value::as_i64).unwrap_or(0).to_string(),
                format!(
                    "{} ({}, {})",
                    g.get("purpose").and_then(Value::as_str).unwrap_or(""),
                    g.get("recipient").and_then(Value::as_str).unwrap_or(""),
                    super::pounds(g.get("amount_pence").and_then(Value::as_i64).unwrap_or(0))
                ),
            )
        })
        .collect();
    let mut month = field("month", "Month", "For example 2019-03", "text");
    month.width = "govuk-input--width-5";
    let amount = field(
        "amount",
        "Amount spent, in pounds",
        "For example 12500.00",
        "text",
    );
    let note = field("note", "Note (optional)", "", "textarea");
    Ok(FormPage {
        title: "Record a spend return".into(),
        caption: a
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
        action: format!("/areas/{area}/spend"),
        back: format!("/areas/{area}#money"),
        submit: "Save spend return",
        fields: vec![grant, month, amount, note],
        hidden: vec![],
    })
}

/// `GET /areas/{id}/spend`.
pub async fn spend_form(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(area): PagePath<i64>,
) -> Response {
    show_empty(&viewer, spend_page(&state, &viewer, area).await)
}

/// `POST /areas/{id}/spend`.
pub async fn spend_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(area): PagePath<i64>,
    Form(form): Form<Fields>,
) -> Response {
    let page = match refilled(&viewer, &form, spend_page(&state, &viewer, area)).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let mut errors = Vec::new();
    let grant = required(&form, "grant_id").and_then(|g| g.parse::<i64>().ok());
    match grant {
        Some(g) if page.fields[0].options.iter().any(|o| o.0 == g.to_string()) => {}
        _ => errors.push(FieldError::new(
            "grant_id",
            "choose one of this area's grants",
        )),
    }
    let month = required(&form, "month");
    if month.is_none() {
        errors.push(FieldError::new("month", "enter the month, like 2019-03"));
    }
    let amount = match required(&form, "amount") {
        None => {
            errors.push(FieldError::new("amount", "enter the amount spent"));
            None
        }
        Some(s) => match parse_pounds(&s) {
            Some(p) => Some(p),
            None => {
                errors.push(FieldError::new(
                    "amount",
                    "enter the amount in pounds, like 12500 or 12500.50",
                ));
                None
            }
        },
    };
    if !errors.is_empty() {
        return page.render(&viewer, errors);
    }
    let mut body = Map::new();
    body.insert("grant_id".into(), json!(grant));
    body.insert("month".into(), json!(month));
    body.insert("amount_pence".into(), json!(amount));
    if let Some(note) = required(&form, "note") {
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
        Err(e) => form_result(&viewer, page, e),
    }
}

// ---- Comments ----

async fn comment_page(state: &AppState, viewer: &Viewer, area: i64) -> Result<FormPage, ApiError> {
    may_write(viewer, Kind::Comment, area)?;
    let a = domain::get(&state.store, &viewer.principal, Kind::Area, area).await?;
    let body = field(
        "body",
        "Comment",
        "Read by this area's lead and board members and by national admins. Up to 2,000 characters.",
        "textarea",
    );
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
    })
}

/// `GET /areas/{id}/comments`: the comment form on its own page (the area profile also
/// carries it).
pub async fn comment_form(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(area): PagePath<i64>,
) -> Response {
    show_empty(&viewer, comment_page(&state, &viewer, area).await)
}

/// `POST /areas/{id}/comments`: the text goes to [`domain::create`] as it was typed, so
/// an empty or over-long comment is refused by the same rules as the API's.
pub async fn comment_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(area): PagePath<i64>,
    Form(form): Form<Fields>,
) -> Response {
    let page = match refilled(&viewer, &form, comment_page(&state, &viewer, area)).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    let text = form.get("body").map(|t| t.trim()).unwrap_or_default();
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
        return Err(ApiError::NotFound(format!(
            "area {area} has no plan {plan}"
        )));
    }
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
        "First period",
        "Academic year, for example 2017/18",
        "text",
    );
    first.value = get("first_period");
    first.width = "govuk-input--width-5";
    let mut last = field(
        "last_period",
        "Last period",
        "Academic year, for example 2020/21",
        "text",
    );
    last.value = get("last_period");
    last.width = "govuk-input--width-5";
    let mut published = field(
        "published_on",
        "Published on (optional)",
        "Date, for example 2017-11-20",
        "text",
    );
    published.value = get("published_on");
    Ok(FormPage {
        title: "Change the delivery plan".into(),
        caption: format!(
            "Plan {plan}, version {}",
            p.get("version").and_then(Value::as_i64).unwrap_or(1)
        ),
        action: format!("/areas/{area}/plans/{plan}"),
        back: format!("/areas/{area}#plan"),
        submit: "Save plan",
        fields: vec![title, first, last, published],
        // The version edited: a save over someone else's later change is refused (412).
        hidden: vec![("version", domain::etag(&p))],
    })
}

/// `GET /areas/{id}/plans/{plan}`.
pub async fn plan_form(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath((area, plan)): PagePath<(i64, i64)>,
) -> Response {
    show_empty(&viewer, plan_page(&state, &viewer, area, plan).await)
}

/// `POST /areas/{id}/plans/{plan}`.
pub async fn plan_submit(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath((area, plan)): PagePath<(i64, i64)>,
    Form(form): Form<Fields>,
) -> Response {
    let mut page = match refilled(&viewer, &form, plan_page(&state, &viewer, area, plan)).await {
        Ok(page) => page,
        Err(response) => return response,
    };
    // The version the form was opened on (the page rebuilt above carries the current one).
    let edited = form.get("version").cloned();
    let mut errors = Vec::new();
    let mut body = Map::new();
    for (name, what) in [
        ("title", "enter the plan's title"),
        ("first_period", "enter the first period, like 2017/18"),
        ("last_period", "enter the last period, like 2020/21"),
    ] {
        match required(&form, name) {
            Some(v) => {
                body.insert(name.into(), json!(v));
            }
            None => errors.push(FieldError::new(name, what)),
        }
    }
    if let Some(p) = required(&form, "published_on") {
        body.insert("published_on".into(), json!(p));
    }
    if !errors.is_empty() {
        return page.render(&viewer, errors);
    }
    let Some(edited) = edited else {
        return page.render(
            &viewer,
            vec![FieldError::new(
                "form",
                "the form does not say which version of the plan it changes: reload the page and send it again",
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
            let caption = page.caption.clone();
            page.caption = format!("{caption} (changed since you opened this form)");
            let mut r = page.render(
                &viewer,
                vec![FieldError::new(
                    "form",
                    "someone else changed this plan after you opened the form: check the plan on the area page, then send your changes again to save them over theirs",
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
