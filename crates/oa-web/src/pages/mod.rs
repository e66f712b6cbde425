//! Server-rendered pages: the dashboard of the programme and the index, in the style of
//! the GOV.UK Design System (own stylesheet, no fetched assets), usable without
//! JavaScript (a small script adds table sorting, search counts and character counts).
//!
//! - [`views`]: national view (map, opportunity areas, every district of the index paged),
//!   area profile (with the lead's task list, KPI history and drafts), programme view
//!   (headline at a glance), comparison of 2-4 areas, and every table as CSV and every
//!   chart or map as SVG (maps and KPI charts also as PNG);
//! - [`forms`]: sign in and out, and the area lead's forms (KPI figures, spend returns,
//!   plan changes) and the comment form of board members, leads and admins, each field
//!   checked in one pass in plain words, then by the same [`crate::domain`] rules as the
//!   API, with a CSRF token tied to the session;
//! - [`admin`]: the national admin's users, grants, areas and funds;
//! - [`history`]: each KPI's history from the audit log;
//! - [`progress`]: on track / behind / no data, and money profiled to date (pure);
//! - [`input`]: what people type (`65%`, `£12,500`, `2019/2020`, `20/11/2017`) and dates
//!   as `4 October 2016`;
//! - [`method`]: the methodology page from the study, and the glossary;
//! - [`charts`]: inline SVG charts (KPI series, a district against its synthetic
//!   comparison, money bars);
//! - [`evaluation`]: the evaluation's estimates and each district's synthetic comparison
//!   in plain words (pure);
//! - [`map`]: the national choropleth through `oa_geo` (text at 14 px, small districts
//!   circled, its key also in HTML), on the data directory's boundaries or the built-in
//!   ONS districts, loaded once;
//! - [`results`]: an optional results bundle (ranks, bands, likelihoods, the study).
//!
//! Two environment variables configure what the pages can show beyond the store:
//! `OA_DATA_DIR` (the shared data directory holding `geo/onsvisual-uk-topojson/topo.json`;
//! without it the maps use the same ONS districts built into the binary) and
//! `OA_RESULTS_DIR` (a bundle written by `oa run`; without it the pages say so).

pub mod admin;
pub mod charts;
pub mod evaluation;
pub mod forms;
pub mod history;
pub mod input;
pub mod map;
pub mod method;
pub mod progress;
pub mod results;
pub mod views;

use crate::AppState;
use crate::auth::{self, Principal, Role};
use crate::error::ApiError;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use minijinja::Environment;
use oa_store::Store;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// The page routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(views::national))
        .route("/areas.csv", get(views::areas_csv))
        .route("/results.csv", get(views::results_csv))
        .route("/map.svg", get(views::map_svg))
        .route("/map.png", get(views::map_png))
        .route("/programme", get(views::programme))
        .route("/programme/money.csv", get(views::programme_money_csv))
        .route("/programme/kpis.csv", get(views::programme_kpis_csv))
        .route("/programme/schools.csv", get(views::programme_schools_csv))
        .route("/programme/spend.svg", get(views::programme_spend_svg))
        .route("/programme/evaluation.csv", get(views::evaluation_csv))
        .route("/areas/{id}", get(views::area))
        .route("/areas/{id}/kpis.csv", get(views::area_kpis_csv))
        .route("/areas/{id}/money.csv", get(views::area_money_csv))
        .route("/areas/{id}/money.svg", get(views::area_money_svg))
        .route("/areas/{id}/comments.csv", get(views::area_comments_csv))
        .route(
            "/areas/{id}/kpi-history.csv",
            get(views::area_kpi_history_csv),
        )
        .route(
            "/areas/{id}/kpi-drafts/{value}/{decision}",
            post(forms::kpi_draft_decision),
        )
        .route(
            "/areas/{id}/comments",
            get(forms::comment_form).post(forms::comment_submit),
        )
        .route(
            "/areas/{id}/kpis/{kpi}/chart.svg",
            get(views::kpi_chart_svg),
        )
        .route(
            "/areas/{id}/kpis/{kpi}/chart.png",
            get(views::kpi_chart_png),
        )
        .route(
            "/areas/{id}/kpis/{kpi}/actual",
            get(forms::kpi_actual_form).post(forms::kpi_actual_submit),
        )
        .route(
            "/areas/{id}/spend",
            get(forms::spend_form).post(forms::spend_submit),
        )
        .route(
            "/areas/{id}/plans/{plan}",
            get(forms::plan_form).post(forms::plan_submit),
        )
        .route(
            "/sign-in",
            get(forms::sign_in_form).post(forms::sign_in_submit),
        )
        .route("/sign-out", post(forms::sign_out))
        .route("/assets/app.css", get(stylesheet))
        .route("/assets/print.css", get(print_stylesheet))
        .route("/assets/app.js", get(script))
        .route("/assets/favicon.svg", get(favicon))
        .route("/favicon.ico", get(favicon))
        .route("/admin", get(admin::home))
        .route("/admin/users", get(admin::users))
        .route(
            "/admin/users/new",
            get(admin::invite_form).post(admin::invite_submit),
        )
        .route(
            "/admin/users/{id}",
            get(admin::user_form).post(admin::user_submit),
        )
        .route("/admin/grants", get(admin::grants))
        .route(
            "/admin/grants/new",
            get(admin::grant_form).post(admin::grant_submit),
        )
        .route("/admin/grants/{id}", post(admin::grant_amount))
        .route("/admin/areas", get(admin::areas))
        .route("/admin/areas/{id}", post(admin::area_publish))
        .route("/admin/funds", get(admin::funds))
        .route("/admin/funds/{id}", post(admin::fund_total))
        .route("/compare", get(views::compare))
        .route("/methodology", get(method::methodology))
        .route("/glossary", get(method::glossary))
        .route("/accessibility", get(info_page))
        .route("/privacy", get(info_page))
        .route("/cookies", get(info_page))
        .route("/contact", get(info_page))
}

/// The service's own pages (accessibility statement, privacy, cookies, contact).
async fn info_page(viewer: Viewer, uri: axum::http::Uri) -> Response {
    let page = uri.path().trim_start_matches('/').to_string();
    let title = match page.as_str() {
        "accessibility" => "Accessibility statement",
        "privacy" => "Privacy notice",
        "cookies" => "Cookies",
        _ => "Contact and feedback",
    };
    render(
        &viewer,
        "info.html",
        minijinja::context! { title => title, page => page },
    )
}

static STYLESHEET: &str = include_str!("../../assets/app.css");
static SCRIPT: &str = include_str!("../../assets/app.js");
static PRINT_STYLESHEET: &str = include_str!("../../assets/print.css");
static FAVICON: &str = include_str!("../../assets/favicon.svg");

async fn print_stylesheet() -> Response {
    asset(PRINT_STYLESHEET, "text/css; charset=utf-8")
}

async fn favicon() -> Response {
    asset(FAVICON, "image/svg+xml")
}

async fn stylesheet() -> Response {
    asset(STYLESHEET, "text/css; charset=utf-8")
}

async fn script() -> Response {
    asset(SCRIPT, "text/javascript; charset=utf-8")
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=3600"),
    );
    r
}

/// The templates, compiled once (embedded in the binary).
static TEMPLATES: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut env = Environment::new();
    for (name, source) in [
        ("layout.html", include_str!("../../templates/layout.html")),
        (
            "national.html",
            include_str!("../../templates/national.html"),
        ),
        ("area.html", include_str!("../../templates/area.html")),
        (
            "programme.html",
            include_str!("../../templates/programme.html"),
        ),
        ("form.html", include_str!("../../templates/form.html")),
        ("sign_in.html", include_str!("../../templates/sign_in.html")),
        ("error.html", include_str!("../../templates/error.html")),
        ("info.html", include_str!("../../templates/info.html")),
        ("admin.html", include_str!("../../templates/admin.html")),
        ("compare.html", include_str!("../../templates/compare.html")),
        (
            "methodology.html",
            include_str!("../../templates/methodology.html"),
        ),
        (
            "glossary.html",
            include_str!("../../templates/glossary.html"),
        ),
    ] {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name} does not compile: {e}"));
    }
    env.add_filter("pounds", |pence: i64| pounds(pence));
    env.add_filter("thousands", |n: i64| thousands(n));
    env.add_filter("date", |iso: String| input::long_date(&iso));
    env.add_filter("month", |iso: String| input::long_month(&iso));
    env.add_filter("figure", |x: f64| crate::domain::figure(x));
    env
});

/// Any serialisable value for a template.
pub fn ser<T: serde::Serialize>(x: T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(x))
}

/// `1,234,567`: a whole number with thousands grouped.
pub fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut grouped = String::new();
    if n < 0 {
        grouped.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    grouped
}

/// `£1,234,567` (pence rounded to whole pounds; `£12.50` when there are pence).
pub fn pounds(pence: i64) -> String {
    let neg = pence < 0;
    let p = pence.unsigned_abs();
    let grouped = thousands((p / 100) as i64);
    let cents = p % 100;
    format!(
        "{}£{grouped}{}",
        if neg { "-" } else { "" },
        if cents == 0 {
            String::new()
        } else {
            format!(".{cents:02}")
        }
    )
}

/// Who is looking at a page: the principal, and the CSRF token of their session. An
/// invalid or expired session cookie reads as signed out (the page offers to sign in)
/// rather than failing the page.
pub struct Viewer {
    pub principal: Principal,
    pub csrf: Option<String>,
    /// The session secret (to end it on sign out).
    pub secret: Option<String>,
    /// The page asked for (path and query), so that signing in can return to it.
    pub path: String,
}

impl Viewer {
    pub fn signed_in(&self) -> bool {
        self.principal.user.is_some()
    }

    /// What the layout shows about the user.
    fn context(&self) -> minijinja::Value {
        let role = match self.principal.role {
            Role::Admin => "national admin",
            Role::AreaLead => "area lead",
            Role::BoardMember => "board member",
            Role::Viewer => "viewer",
            Role::Anonymous => "",
        };
        minijinja::context! {
            signed_in => self.signed_in(),
            name => self.principal.user.as_ref().map(|u| u.name.clone()),
            email => self.principal.user.as_ref().map(|u| u.email.clone()),
            role => role,
            area_id => self.principal.area_id(),
            csrf => self.csrf.clone(),
            path => self.path.clone(),
        }
    }
}

/// The CSRF token of a session: derived from its secret, so it needs no storage and a
/// page of another session cannot guess it.
pub fn csrf_token(secret: &str) -> String {
    hex::encode(Sha256::digest(format!("oa-pages-csrf:{secret}").as_bytes()))
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let path = parts
            .uri
            .path_and_query()
            .map_or("/".to_string(), |p| p.as_str().to_string());
        let anonymous = Viewer {
            principal: Principal::anonymous(),
            csrf: None,
            secret: None,
            path: path.clone(),
        };
        let Some(secret) = auth::request_secret(parts) else {
            return Ok(anonymous);
        };
        match state
            .store
            .user_by_token(&auth::secret_hash(&secret), auth::now_unix())
            .await
        {
            Ok(Some(user)) => {
                let viewer = Viewer {
                    csrf: Some(csrf_token(&secret)),
                    secret: Some(secret),
                    principal: Principal::of(user),
                    path,
                };
                if let Some(user) = &viewer.principal.user
                    && let Err(e) = auth::charge_write(state, &parts.method, user)
                {
                    return Err(page_error(&viewer, e));
                }
                Ok(viewer)
            }
            Ok(None) => Ok(anonymous),
            Err(e) => Err(page_error(&anonymous, ApiError::from(e))),
        }
    }
}

/// The ids in a page's address. A malformed one (`/areas/abc`) is the site's "Page not
/// found" page, not axum's plain-text rejection.
pub struct PagePath<T>(pub T);

impl<T> FromRequestParts<AppState> for PagePath<T>
where
    T: serde::de::DeserializeOwned + Send,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(PagePath(v)),
            Err(_) => {
                let viewer = Viewer::from_request_parts(parts, state).await?;
                Err(page_error(
                    &viewer,
                    ApiError::NotFound(
                        "If you typed the web address, check it is correct. If you pasted it, check you copied the whole address.".into(),
                    ),
                ))
            }
        }
    }
}

/// Renders `template` inside the layout with the viewer's details.
pub fn render(viewer: &Viewer, template: &str, ctx: minijinja::Value) -> Response {
    render_status(viewer, StatusCode::OK, template, ctx)
}

pub fn render_status(
    viewer: &Viewer,
    status: StatusCode,
    template: &str,
    ctx: minijinja::Value,
) -> Response {
    let full = minijinja::context! { user => viewer.context(), ..ctx };
    match TEMPLATES
        .get_template(template)
        .and_then(|t| t.render(full))
    {
        Ok(html) => {
            let mut r = (status, html).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(e) => {
            crate::log::error(&format!("page {template} failed to render: {e:#}"));
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal error: the server logged the cause",
            )
                .into_response()
        }
    }
}

/// An error as a page: 401 offers to sign in, 403 says whose records these are, 404 and
/// the rest say what happened.
pub fn page_error(viewer: &Viewer, e: ApiError) -> Response {
    e.log_cause();
    let status = e.status();
    let title = match status {
        StatusCode::UNAUTHORIZED => "Sign in to see this page",
        StatusCode::FORBIDDEN => "You do not have access to this page",
        StatusCode::NOT_FOUND => "Page not found",
        StatusCode::TOO_MANY_REQUESTS => "Too many requests: wait a moment",
        StatusCode::PRECONDITION_FAILED => "Someone else changed this first",
        _ if status.is_client_error() => "There is a problem with the request",
        _ => "Sorry, there is a problem with the service",
    };
    let mut resp = render_status(
        viewer,
        status,
        "error.html",
        minijinja::context! {
            title => title,
            status => status.as_u16(),
            detail => input::sentence(&e.detail()),
            sign_in => status == StatusCode::UNAUTHORIZED,
            next => viewer.path.clone(),
        },
    );
    e.decorate(&mut resp);
    resp
}

/// An error on a page of area `area`, said with names rather than ids: whose page it is
/// and which area the viewer's account is for ("You are the area lead for Blackpool. This
/// page is Derby's."). An unpublished area is not named to someone who may not see it.
pub async fn area_error(state: &AppState, viewer: &Viewer, area: i64, e: ApiError) -> Response {
    let name_of = |id: i64| async move {
        match state.store.get(oa_store::Kind::Area, id).await {
            Ok(Some(a)) => Some((
                a.get("name")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                crate::domain::area_visible(&state.store, &a)
                    .await
                    .unwrap_or(false),
            )),
            _ => None,
        }
    };
    let not_found = matches!(e, ApiError::NotFound(_));
    let refused = matches!(e, ApiError::Forbidden(_) | ApiError::Unauthorized(_));
    let explained = match () {
        () if not_found && name_of(area).await.is_none() => ApiError::NotFound(
            "There is no opportunity area at this address. Find the area on the national view."
                .into(),
        ),
        () if refused => {
            let page = match name_of(area).await {
                Some((name, visible)) if visible || viewer.principal.role == Role::Admin => {
                    format!("This page is {name}'s.")
                }
                Some(_) => "This area's page is not published yet.".to_string(),
                None => String::new(),
            };
            let mine = match viewer.principal.area_id() {
                Some(own) => name_of(own).await.map(|(n, _)| n),
                None => None,
            };
            let who = match (viewer.principal.role, mine) {
                (Role::Anonymous, _) => {
                    "Sign in with an account for this area to see or change it.".to_string()
                }
                (Role::AreaLead, Some(n)) => format!("You are the area lead for {n}."),
                (Role::BoardMember, Some(n)) => {
                    format!(
                        "You are a board member for {n}: board members can read their area's records and add comments."
                    )
                }
                (Role::Viewer, _) => {
                    "Your account can read published areas but not change them.".to_string()
                }
                _ => String::new(),
            };
            let ask = if viewer.principal.role == Role::Anonymous {
                ""
            } else {
                " If you need access, ask a national admin."
            };
            let text = format!("{who} {page}{ask}").trim().to_string();
            match e {
                ApiError::Unauthorized(_) => ApiError::Unauthorized(text),
                _ => ApiError::Forbidden(text),
            }
        }
        () => e,
    };
    page_error(viewer, explained)
}

/// A download: `body` with its content type, saved under `filename`.
pub fn download(body: impl Into<axum::body::Body>, content_type: &str, filename: &str) -> Response {
    let mut r = Response::new(body.into());
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pounds_are_grouped() {
        assert_eq!(pounds(0), "£0");
        assert_eq!(pounds(197_000_000), "£1,970,000");
        assert_eq!(pounds(1250), "£12.50");
        assert_eq!(pounds(-100_000), "-£1,000");
        assert_eq!(pounds(99_999_900), "£999,999");
    }

    #[test]
    fn every_template_compiles() {
        for name in [
            "layout.html",
            "national.html",
            "area.html",
            "programme.html",
            "form.html",
            "sign_in.html",
            "error.html",
            "info.html",
            "admin.html",
            "compare.html",
            "methodology.html",
            "glossary.html",
        ] {
            assert!(TEMPLATES.get_template(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn csrf_tokens_depend_on_the_session() {
        assert_ne!(csrf_token("a"), csrf_token("b"));
        assert_eq!(csrf_token("a").len(), 64);
    }
}
