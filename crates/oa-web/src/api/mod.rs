//! The JSON API under `/api`: thin handlers that parse the request, call the domain and
//! shape the response. Every collection of [`oa_store::schema`] gets the same five
//! routes (`GET`/`POST /api/{collection}`, `GET`/`PATCH`/`DELETE /api/{collection}/{id}`);
//! the rest are the few operations that are not plain records (sign-in, users, KPI actuals,
//! the area summary, money, audit, import, the OpenAPI document).

pub mod body;
pub mod csv_out;
pub mod openapi;

use crate::AppState;
use crate::auth::{self, Principal, Role};
use crate::domain::{self, import, summary};
use crate::error::{ApiError, FieldError};
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use body::{IMPORT_LIMIT, JsonBody};
use oa_store::{AuditFilter, ColType, Kind, NewToken, NewUser, PageRequest, Record, Store};
use serde_json::{Value, json};

/// Default and largest page sizes.
pub const DEFAULT_PER_PAGE: u32 = 50;
pub const MAX_PER_PAGE: u32 = 500;

/// The `/api` routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/health", get(health))
        .route("/api/admin/integrity", get(integrity))
        .route("/api/openapi.json", get(openapi_document))
        .route("/api/auth/login", post(login))
        .route("/api/auth/logout", post(logout))
        .route("/api/auth/me", get(me))
        .route("/api/tokens", get(list_tokens).post(create_token))
        .route("/api/tokens/{id}", axum::routing::delete(revoke_token))
        .route("/api/users", get(list_users).post(create_user))
        .route("/api/users/{id}", axum::routing::patch(update_user))
        .route("/api/audit", get(audit))
        .route("/api/money", get(money))
        .route("/api/areas/{id}/summary", get(area_summary))
        .route("/api/kpis/{id}/actuals", put(put_kpi_actual))
        .route("/api/programmes/{id}/import", post(import_bundle))
        .route("/api/{collection}", get(list).post(create))
        .route(
            "/api/{collection}/{id}",
            get(get_one).patch(update).delete(delete),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn method_not_allowed() -> Response {
    let mut resp = ApiError::BadRequest(String::new()).into_response();
    let doc = json!({
        "type": "/api/problems/method-not-allowed",
        "title": "Method Not Allowed",
        "status": 405,
        "detail": "this route does not take that method: see /api/openapi.json for the methods of each route",
    });
    *resp.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
    *resp.body_mut() = axum::body::Body::from(doc.to_string());
    resp
}

/// The fallback of the whole site: a problem document under `/api`, a page elsewhere (a
/// browser following a stale link should see the site's "Page not found", not JSON).
async fn not_found(
    uri: axum::http::Uri,
    viewer: Result<crate::pages::Viewer, Response>,
) -> Response {
    let path = uri.path();
    if path != "/api"
        && !path.starts_with("/api/")
        && let Ok(viewer) = viewer
    {
        return crate::pages::page_error(
            &viewer,
            ApiError::NotFound(
                "If you typed the web address, check it is correct. If you pasted it, check you copied the whole address."
                    .into(),
            ),
        );
    }
    ApiError::NotFound("no such API route: see /api/openapi.json for the routes".into())
        .into_response()
}

fn backend_name(state: &AppState) -> String {
    format!("{:?}", state.store.backend()).to_lowercase()
}

/// Public and cheap: the service answers and the database answers a trivial query on a
/// reader (never the writer). The deep check is [`integrity`].
async fn health(State(state): State<AppState>) -> Result<Json<Value>, ApiError> {
    state.store.ping().await?;
    Ok(Json(
        json!({"status": "ok", "database": backend_name(&state)}),
    ))
}

/// The database's own consistency check (SQLite: `PRAGMA integrity_check` on a reader,
/// seconds on a large file): national admins only.
async fn integrity(State(state): State<AppState>, p: Principal) -> Result<Json<Value>, ApiError> {
    p.require_signed_in()?;
    if p.role != Role::Admin {
        return Err(ApiError::Forbidden(
            "the integrity check is for national admins".into(),
        ));
    }
    let check = state.store.integrity_check().await?;
    let ok = check == ["ok"];
    Ok(Json(
        json!({"status": if ok { "ok" } else { "damaged" }, "database": backend_name(&state), "integrity": check}),
    ))
}

/// The `If-Match` header, if any.
fn if_match(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// A record as JSON with its `ETag`.
fn with_etag(status: StatusCode, rec: Record) -> Response {
    let tag = domain::etag(&rec);
    let mut resp = (status, Json(Value::Object(rec))).into_response();
    if let Ok(v) = HeaderValue::from_str(&tag) {
        resp.headers_mut().insert(header::ETAG, v);
    }
    resp
}

async fn openapi_document() -> Json<Value> {
    Json(openapi::document())
}

fn kind_of(collection: &str) -> Result<Kind, ApiError> {
    Kind::from_collection(collection).ok_or_else(|| {
        let names: Vec<&str> = Kind::ALL.iter().map(|k| k.table().collection).collect();
        ApiError::NotFound(format!(
            "no collection `{collection}`: use one of {}",
            names.join(", ")
        ))
    })
}

/// A record id from the path; areas may also be named by their code (`OA03`).
async fn resolve_id(state: &AppState, kind: Kind, raw: &str) -> Result<i64, ApiError> {
    if let Ok(id) = raw.parse::<i64>() {
        return Ok(id);
    }
    if kind == Kind::Area {
        let found = state
            .store
            .list(
                Kind::Area,
                &oa_store::Filter {
                    equals: vec![("code", Value::from(raw))],
                    ..Default::default()
                },
                PageRequest::ALL,
            )
            .await?;
        return found
            .items
            .first()
            .and_then(|a| a["id"].as_i64())
            .ok_or_else(|| ApiError::NotFound(format!("no area with id or code `{raw}`")));
    }
    Err(ApiError::BadRequest(format!(
        "`{raw}` is not a record id: use the whole-number id of the {}",
        kind.table().singular
    )))
}

/// Query parameters of a list: pagination, format and column filters.
struct ListParams {
    page: PageRequest,
    paged: bool,
    format: Option<String>,
    filters: Vec<(String, String)>,
}

fn list_params(
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<ListParams, ApiError> {
    let Query(pairs) =
        q.map_err(|e| ApiError::BadRequest(format!("the query string cannot be read: {e}")))?;
    let mut out = ListParams {
        page: PageRequest {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        },
        paged: false,
        format: None,
        filters: Vec::new(),
    };
    for (k, v) in pairs {
        match k.as_str() {
            "page" => {
                out.page.page = v.parse().ok().filter(|p| *p >= 1).ok_or_else(|| {
                    ApiError::BadRequest(format!("page `{v}`: give a whole number from 1"))
                })?;
                out.paged = true;
            }
            "per_page" => {
                out.page.per_page = v
                    .parse()
                    .ok()
                    .filter(|p| (1..=MAX_PER_PAGE).contains(p))
                    .ok_or_else(|| {
                        ApiError::BadRequest(format!(
                            "per_page `{v}`: give a whole number from 1 to {MAX_PER_PAGE}"
                        ))
                    })?;
                out.paged = true;
            }
            "format" => out.format = Some(v),
            _ => out.filters.push((k, v)),
        }
    }
    Ok(out)
}

fn typed_filters(
    kind: Kind,
    filters: Vec<(String, String)>,
) -> Result<Vec<(&'static str, Value)>, ApiError> {
    let t = kind.table();
    let mut out = Vec::new();
    for (k, v) in filters {
        let (name, ty) = if k == "id" {
            ("id", ColType::Int)
        } else {
            let Some(c) = t.column(&k) else {
                let names: Vec<&str> = t.columns.iter().map(|c| c.name).collect();
                return Err(ApiError::BadRequest(format!(
                    "unknown query parameter `{k}`: filter {} by one of id, {}, or use page, per_page, format",
                    t.collection,
                    names.join(", ")
                )));
            };
            (c.name, c.ty)
        };
        let bad = || {
            ApiError::BadRequest(format!(
                "`{k}={v}`: the value does not fit the column's type"
            ))
        };
        let value = match ty {
            ColType::Int => Value::from(v.parse::<i64>().map_err(|_| bad())?),
            ColType::Real => Value::from(v.parse::<f64>().map_err(|_| bad())?),
            ColType::Bool => Value::from(v.parse::<bool>().map_err(|_| bad())?),
            ColType::Text => Value::from(v),
            ColType::Json => {
                return Err(ApiError::BadRequest(format!(
                    "`{k}` cannot be used as a filter"
                )));
            }
        };
        out.push((name, value));
    }
    Ok(out)
}

/// A page as JSON (`items`, `page`, `per_page`, `total`, `pages`) or every row as CSV.
fn list_response(
    name: &str,
    columns: &[&str],
    items: Vec<Value>,
    total: i64,
    params: &ListParams,
    headers: &HeaderMap,
) -> Response {
    if csv_out::wants_csv(params.format.as_deref(), headers) {
        return csv_out::csv_response(name, csv_out::to_csv(columns, &items));
    }
    let per_page = i64::from(params.page.per_page.max(1));
    let mut resp = Json(json!({
        "items": items,
        "page": params.page.page,
        "per_page": params.page.per_page,
        "total": total,
        "pages": (total + per_page - 1) / per_page,
    }))
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&total.to_string()) {
        resp.headers_mut().insert("x-total-count", v);
    }
    resp
}

fn check_format(params: &ListParams) -> Result<(), ApiError> {
    match params.format.as_deref() {
        None | Some("json") | Some("csv") => Ok(()),
        Some(other) => Err(ApiError::BadRequest(format!(
            "format `{other}`: use json or csv"
        ))),
    }
}

/// For CSV without explicit pagination, every matching row.
fn effective_page(params: &ListParams, headers: &HeaderMap) -> PageRequest {
    if csv_out::wants_csv(params.format.as_deref(), headers) && !params.paged {
        PageRequest::ALL
    } else {
        params.page
    }
}

async fn list(
    State(state): State<AppState>,
    p: Principal,
    Path(collection): Path<String>,
    headers: HeaderMap,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&collection)?;
    let params = list_params(q)?;
    check_format(&params)?;
    let filters = typed_filters(kind, params.filters.clone())?;
    let page = domain::list(
        &state.store,
        &p,
        kind,
        filters,
        effective_page(&params, &headers),
    )
    .await?;
    let t = kind.table();
    let mut columns = vec!["id"];
    columns.extend(t.columns.iter().map(|c| c.name));
    let items = page.items.into_iter().map(Value::Object).collect();
    Ok(list_response(
        t.collection,
        &columns,
        items,
        page.total,
        &params,
        &headers,
    ))
}

fn created(rec: Record, location: String) -> Response {
    let mut resp = with_etag(StatusCode::CREATED, rec);
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

async fn create(
    State(state): State<AppState>,
    p: Principal,
    Path(collection): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let kind = kind_of(&collection)?;
    let rec = domain::create(&state.store, &p, kind, body).await?;
    let location = format!("/api/{collection}/{}", rec["id"]);
    Ok(created(rec, location))
}

async fn get_one(
    State(state): State<AppState>,
    p: Principal,
    Path((collection, raw)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&collection)?;
    let id = resolve_id(&state, kind, &raw).await?;
    Ok(with_etag(
        StatusCode::OK,
        domain::get(&state.store, &p, kind, id).await?,
    ))
}

/// `PATCH`: the fields given; with `If-Match`, only if the record still has that ETag
/// (412 otherwise); the answer carries the new ETag.
async fn update(
    State(state): State<AppState>,
    p: Principal,
    Path((collection, raw)): Path<(String, String)>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let kind = kind_of(&collection)?;
    let id = resolve_id(&state, kind, &raw).await?;
    let tag = if_match(&headers);
    Ok(with_etag(
        StatusCode::OK,
        domain::update(&state.store, &p, kind, id, body, tag.as_deref()).await?,
    ))
}

async fn delete(
    State(state): State<AppState>,
    p: Principal,
    Path((collection, raw)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let kind = kind_of(&collection)?;
    let id = resolve_id(&state, kind, &raw).await?;
    let tag = if_match(&headers);
    domain::delete(&state.store, &p, kind, id, tag.as_deref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn put_kpi_actual(
    State(state): State<AppState>,
    p: Principal,
    Path(raw): Path<String>,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let id = resolve_id(&state, Kind::Kpi, &raw).await?;
    let tag = if_match(&headers);
    let hold = state.settings.kpi_drafts && p.role == crate::auth::Role::AreaLead;
    let w = domain::upsert_kpi_actual(&state.store, &p, id, body, tag.as_deref(), hold).await?;
    // A draft is accepted but not yet published (it waits for a national admin).
    let status = if w.draft {
        StatusCode::ACCEPTED
    } else if w.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(with_etag(status, w.record))
}

/// The area page's data in one read, cached until the next write.
async fn area_summary(
    State(state): State<AppState>,
    p: Principal,
    Path(raw): Path<String>,
) -> Result<Response, ApiError> {
    let id = resolve_id(&state, Kind::Area, &raw).await?;
    if let Some((published, bytes)) = state.cache.get(id) {
        crate::domain::access::check_read(&p, id, published)?;
        return Ok(json_bytes(bytes));
    }
    let generation = state.cache.generation();
    let area = domain::get(&state.store, &p, Kind::Area, id).await?;
    // Cached with whether everyone may read it (published, in a published programme).
    let published = domain::area_visible(&state.store, &area).await?;
    let doc = summary::area_summary(&state.store, area).await?;
    let bytes = axum::body::Bytes::from(doc.to_string());
    state.cache.put(id, generation, published, bytes.clone());
    Ok(json_bytes(bytes))
}

fn json_bytes(b: axum::body::Bytes) -> Response {
    let mut resp = b.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

async fn money(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    let params = list_params(q)?;
    check_format(&params)?;
    let scope = domain::readable_scope(&state.store, &p).await?;
    let mut areas = scope.areas;
    for (k, v) in &params.filters {
        if k != "area_id" {
            return Err(ApiError::BadRequest(format!(
                "unknown query parameter `{k}`: use area_id, format"
            )));
        }
        let a: i64 = v
            .parse()
            .map_err(|_| ApiError::BadRequest(format!("area_id `{v}`: give a whole number")))?;
        areas = Some(match areas {
            None => vec![a],
            Some(list) => list.into_iter().filter(|x| *x == a).collect(),
        });
    }
    let lines = summary::money(&state.store, areas, scope.programmes).await?;
    let items: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::to_value(l).unwrap_or_default())
        .collect();
    let total = items.len() as i64;
    let params = ListParams {
        page: PageRequest {
            page: 1,
            per_page: total.max(1) as u32,
        },
        ..params
    };
    Ok(list_response(
        "money",
        summary::MoneyLine::COLUMNS,
        items,
        total,
        &params,
        &headers,
    ))
}

async fn audit(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    p.require_signed_in()?;
    let params = list_params(q)?;
    check_format(&params)?;
    let mut filter = AuditFilter::default();
    match p.role {
        Role::Admin => {}
        Role::AreaLead => filter.area_in = Some(p.area_id().into_iter().collect()),
        _ => {
            return Err(ApiError::Forbidden(
                "the audit log is for national admins and area leads".into(),
            ));
        }
    }
    for (k, v) in &params.filters {
        match k.as_str() {
            "entity" => filter.entity = Some(v.clone()),
            "entity_id" => {
                filter.entity_id = Some(v.parse().map_err(|_| {
                    ApiError::BadRequest(format!("entity_id `{v}`: give a whole number"))
                })?)
            }
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "unknown query parameter `{k}`: use entity, entity_id, page, per_page, format"
                )));
            }
        }
    }
    let page = state
        .store
        .audit(&filter, effective_page(&params, &headers))
        .await?;
    let items: Vec<Value> = page
        .items
        .iter()
        .map(|e| serde_json::to_value(e).unwrap_or_default())
        .collect();
    let columns = [
        "id",
        "at",
        "user_id",
        "actor",
        "action",
        "entity",
        "entity_id",
        "area_id",
        "before",
        "after",
    ];
    Ok(list_response(
        "audit", &columns, items, page.total, &params, &headers,
    ))
}

fn str_field<'a>(body: &'a Record, field: &str, errors: &mut Vec<FieldError>) -> &'a str {
    match body.get(field).and_then(Value::as_str) {
        Some(s) if !s.trim().is_empty() => s,
        _ => {
            errors.push(FieldError::new(field, "is required (a string)"));
            ""
        }
    }
}

fn only_fields(body: &Record, allowed: &[&str]) -> Vec<FieldError> {
    body.keys()
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| {
            FieldError::new(
                k.clone(),
                format!("unknown field: remove it (fields: {})", allowed.join(", ")),
            )
        })
        .collect()
}

async fn issue_token(
    state: &AppState,
    user_id: i64,
    kind: &'static str,
    label: Option<String>,
    expires_at: Option<i64>,
) -> Result<String, ApiError> {
    let secret = auth::new_secret();
    state
        .store
        .create_token(NewToken {
            token_hash: auth::secret_hash(&secret),
            user_id,
            kind,
            label,
            expires_at,
        })
        .await?;
    Ok(secret)
}

/// The client's address for throttling (the peer, or the proxy's `X-Forwarded-For`).
fn client(state: &AppState, req: &axum::http::request::Parts) -> Option<std::net::IpAddr> {
    state.client_address(&req.headers, &req.extensions)
}

async fn login(
    State(state): State<AppState>,
    parts: axum::http::request::Parts,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let body = domain::as_object(body, Kind::Comment)
        .map_err(|_| ApiError::field("body", "send {\"email\": ..., \"password\": ...}"))?;
    let mut errors = only_fields(&body, &["email", "password"]);
    let email = str_field(&body, "email", &mut errors).to_string();
    let password = str_field(&body, "password", &mut errors).to_string();
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let session = auth::sign_in(&state, &email, &password, client(&state, &parts)).await?;
    let mut resp = Json(
        json!({"token": session.secret, "expires_at": session.expires_at, "user": session.user}),
    )
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&session.set_cookie) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string);
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == auth::SESSION_COOKIE)
        .map(|(_, v)| v.to_string());
    for secret in bearer.into_iter().chain(cookie) {
        auth::sign_out(&state, &secret).await?;
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&auth::clear_cookie(&state)) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(resp)
}

async fn me(p: Principal) -> Result<Json<Value>, ApiError> {
    let user = p.require_signed_in()?;
    Ok(Json(json!(user)))
}

/// `POST /api/tokens`: an API token for the signed-in user. The password must be given
/// again (a stolen session cannot mint a lasting token), and every token expires
/// (`expires_in_days`, default and limit from the settings).
async fn create_token(
    State(state): State<AppState>,
    p: Principal,
    parts: axum::http::request::Parts,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    let user = p.require_signed_in()?;
    let body = domain::as_object(body, Kind::Comment)?;
    let mut errors = only_fields(&body, &["label", "password", "expires_in_days"]);
    let label = str_field(&body, "label", &mut errors).to_string();
    if label.chars().count() > domain::rules::MAX_SHORT_TEXT_CHARS {
        errors.push(FieldError::new(
            "label",
            format!(
                "is too long: at most {} characters",
                domain::rules::MAX_SHORT_TEXT_CHARS
            ),
        ));
    }
    let password = str_field(&body, "password", &mut errors).to_string();
    let max_days = state.settings.max_token_days;
    let days = match body.get("expires_in_days") {
        None | Some(Value::Null) => state.settings.token_days.min(max_days),
        Some(v) => match v.as_i64().filter(|d| (1..=max_days).contains(d)) {
            Some(d) => d,
            None => {
                errors.push(FieldError::new(
                    "expires_in_days",
                    format!("give a whole number of days from 1 to {max_days}"),
                ));
                0
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    auth::check_password(
        &state,
        &user.email,
        Some(user),
        &password,
        client(&state, &parts),
    )
    .await
    .map_err(|e| match e {
        ApiError::Unauthorized(_) => ApiError::field(
            "password",
            "is not your password: an API token needs your password again",
        ),
        other => other,
    })?;
    let expires_at = auth::now_unix() + days * 86_400;
    let secret = issue_token(
        &state,
        user.id,
        "api",
        Some(label.clone()),
        Some(expires_at),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({"token": secret, "id": &auth::secret_hash(&secret)[..16], "label": label, "expires_at": expires_at})),
    )
        .into_response())
}

/// `GET /api/tokens`: the signed-in user's sessions and tokens (never their secrets); an
/// admin sees everyone's, or one user's with `?user_id=`.
async fn list_tokens(
    State(state): State<AppState>,
    p: Principal,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let user = p.require_signed_in()?;
    let Query(pairs) =
        q.map_err(|e| ApiError::BadRequest(format!("the query string cannot be read: {e}")))?;
    let mut whose = Some(user.id);
    for (k, v) in pairs {
        match k.as_str() {
            "user_id" if p.role == Role::Admin => {
                whose = Some(v.parse().map_err(|_| {
                    ApiError::BadRequest(format!("user_id `{v}`: give a whole number"))
                })?)
            }
            "all" if p.role == Role::Admin && v == "true" => whose = None,
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "unknown query parameter `{k}`{}",
                    if p.role == Role::Admin {
                        ": use user_id or all=true"
                    } else {
                        ": this list takes none"
                    }
                )));
            }
        }
    }
    let tokens = state.store.tokens(whose, auth::now_unix()).await?;
    Ok(Json(json!({"items": tokens, "total": tokens.len()})))
}

/// `DELETE /api/tokens/{id}`: revokes one of the user's sessions or tokens (an admin:
/// anyone's), by the `id` the list shows.
async fn revoke_token(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let user = p.require_signed_in()?;
    let owner = (p.role != Role::Admin).then_some(user.id);
    if state.store.revoke_token(&id, owner).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!(
            "no session or token `{id}` of yours: see GET /api/tokens for their ids"
        )))
    }
}

async fn list_users(
    State(state): State<AppState>,
    p: Principal,
    headers: HeaderMap,
    q: Result<Query<Vec<(String, String)>>, QueryRejection>,
) -> Result<Response, ApiError> {
    p.require_signed_in()?;
    if p.role != Role::Admin {
        return Err(ApiError::Forbidden(
            "only national admins can list users".into(),
        ));
    }
    let params = list_params(q)?;
    check_format(&params)?;
    let users = state.store.users().await?;
    let total = users.len() as i64;
    let page = effective_page(&params, &headers);
    let items: Vec<Value> = if page.per_page == 0 {
        users.iter().map(|u| json!(u)).collect()
    } else {
        users
            .iter()
            .skip(((page.page - 1) * page.per_page) as usize)
            .take(page.per_page as usize)
            .map(|u| json!(u))
            .collect()
    };
    let columns = [
        "id",
        "email",
        "name",
        "role",
        "area_id",
        "created_at",
        "disabled",
    ];
    Ok(list_response(
        "users", &columns, items, total, &params, &headers,
    ))
}

/// A new password's problems (at least 10 characters, at most [`auth::MAX_PASSWORD_CHARS`]).
fn password_errors(password: &str, errors: &mut Vec<FieldError>) {
    let n = password.chars().count();
    if !password.is_empty() && n < 10 {
        errors.push(FieldError::new(
            "password",
            "must be at least 10 characters",
        ));
    }
    if n > auth::MAX_PASSWORD_CHARS {
        errors.push(FieldError::new(
            "password",
            format!("must be at most {} characters", auth::MAX_PASSWORD_CHARS),
        ));
    }
}

/// Validates and creates a user (admin only); the password is hashed here. The email is
/// stored in lower case; without a `name` the user is shown to others by role (never by
/// email).
pub async fn add_user(
    state: &AppState,
    p: &Principal,
    body: Value,
) -> Result<oa_store::User, ApiError> {
    let body = domain::as_object(body, Kind::Comment)?;
    let mut errors = only_fields(&body, &["email", "name", "role", "area_id", "password"]);
    let email = oa_store::normalise_email(str_field(&body, "email", &mut errors));
    if !email.is_empty()
        && (!email.contains('@')
            || email.chars().count() > 254
            || email.contains(char::is_whitespace))
    {
        errors.push(FieldError::new(
            "email",
            format!("`{email}` is not an email address"),
        ));
    }
    let role = str_field(&body, "role", &mut errors).to_string();
    let parsed = Role::parse(&role);
    if !role.is_empty() && parsed.is_none() {
        errors.push(FieldError::new(
            "role",
            format!("`{role}` is not one of: {}", Role::NAMES.join(", ")),
        ));
    }
    let area_id = match body.get("area_id") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64() {
            Some(a) => Some(a),
            None => {
                errors.push(FieldError::new(
                    "area_id",
                    "must be the whole-number id of an area",
                ));
                None
            }
        },
    };
    if matches!(parsed, Some(Role::AreaLead | Role::BoardMember)) && area_id.is_none() {
        errors.push(FieldError::new(
            "area_id",
            format!(
                "{} needs the id of their area",
                if parsed == Some(Role::AreaLead) {
                    "an area lead"
                } else {
                    "a board member"
                }
            ),
        ));
    }
    if let Some(a) = area_id
        && state.store.get(Kind::Area, a).await?.is_none()
    {
        errors.push(FieldError::new(
            "area_id",
            format!("there is no area with id {a}"),
        ));
    }
    let password = str_field(&body, "password", &mut errors).to_string();
    password_errors(&password, &mut errors);
    let name = match body.get("name") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(n)) if n.trim().contains('@') => {
            errors.push(FieldError::new(
                "name",
                "is shown to other users: give a name, not an email address",
            ));
            String::new()
        }
        Some(Value::String(n)) if n.chars().count() <= domain::rules::MAX_SHORT_TEXT_CHARS => {
            n.trim().to_string()
        }
        Some(_) => {
            errors.push(FieldError::new(
                "name",
                format!(
                    "must be text of at most {} characters",
                    domain::rules::MAX_SHORT_TEXT_CHARS
                ),
            ));
            String::new()
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let hash = auth::hash_password_limited(state, password).await?;
    Ok(state
        .store
        .create_user(
            NewUser {
                email,
                name,
                role,
                area_id,
                password_hash: hash,
            },
            &p.actor(),
        )
        .await?)
}

async fn create_user(
    State(state): State<AppState>,
    p: Principal,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    p.require_signed_in()?;
    if p.role != Role::Admin {
        return Err(ApiError::Forbidden(
            "only national admins can add users".into(),
        ));
    }
    let user = add_user(&state, &p, body).await?;
    Ok((StatusCode::CREATED, Json(json!(user))).into_response())
}

/// Changes a user (admin only): `disabled` (true ends every session and token; false lets
/// them sign in again) and `password` (a reset, which also ends every session and token).
pub async fn change_user(
    state: &AppState,
    p: &Principal,
    id: i64,
    body: Value,
) -> Result<oa_store::User, ApiError> {
    let body = domain::as_object(body, Kind::Comment)?;
    let mut errors = only_fields(&body, &["disabled", "password"]);
    let disabled = match body.get("disabled") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            errors.push(FieldError::new("disabled", "must be true or false"));
            None
        }
    };
    let password = match body.get("password") {
        None => None,
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(_) => {
            errors.push(FieldError::new(
                "password",
                "must be the new password (text)",
            ));
            None
        }
    };
    if let Some(pw) = &password {
        password_errors(pw, &mut errors);
    }
    if disabled.is_none() && password.is_none() && errors.is_empty() {
        errors.push(FieldError::new(
            "body",
            "send {\"disabled\": true|false} and/or {\"password\": ...}",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    if p.user.as_ref().is_some_and(|u| u.id == id) && disabled == Some(true) {
        return Err(ApiError::Conflict(
            "you cannot disable your own account: ask another national admin".into(),
        ));
    }
    if state.store.user(id).await?.is_none() {
        return Err(ApiError::NotFound(format!(
            "user {id} not found: check the id"
        )));
    }
    if let Some(pw) = password {
        let hash = auth::hash_password_limited(state, pw).await?;
        state.store.set_password(id, &hash, &p.actor()).await?;
    }
    if let Some(d) = disabled {
        state.store.set_disabled(id, d, &p.actor()).await?;
    }
    state
        .store
        .user(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("user {id} not found")))
}

async fn update_user(
    State(state): State<AppState>,
    p: Principal,
    Path(id): Path<i64>,
    JsonBody(body): JsonBody,
) -> Result<Response, ApiError> {
    p.require_signed_in()?;
    if p.role != Role::Admin {
        return Err(ApiError::Forbidden(
            "only national admins can change users".into(),
        ));
    }
    let user = change_user(&state, &p, id, body).await?;
    Ok(Json(json!(user)).into_response())
}

/// `POST /api/programmes/{id}/import`: a results bundle's `selection.csv` and
/// `allocations.csv` with its `manifest.json`, whose SHA-256 digests must match; all or
/// nothing.
async fn import_bundle(
    State(state): State<AppState>,
    p: Principal,
    Path(raw): Path<String>,
    JsonBody(body): JsonBody<IMPORT_LIMIT>,
) -> Result<Json<import::ImportReport>, ApiError> {
    p.require_signed_in()?;
    domain::access::check_write(&p, Kind::Area, None)?;
    let id = resolve_id(&state, Kind::Programme, &raw).await?;
    let body = domain::as_object(body, Kind::Area)?;
    let mut errors = only_fields(
        &body,
        &["selection_csv", "allocations_csv", "manifest_json"],
    );
    let selection = str_field(&body, "selection_csv", &mut errors).to_string();
    let manifest = str_field(&body, "manifest_json", &mut errors).to_string();
    let allocations = match body.get("allocations_csv") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => {
            errors.push(FieldError::new(
                "allocations_csv",
                "must be the text of allocations.csv",
            ));
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    import::verify_texts(
        &manifest,
        &[
            (import::SELECTION, Some(selection.as_bytes())),
            (
                import::ALLOCATIONS,
                allocations.as_deref().map(str::as_bytes),
            ),
        ],
    )
    .map_err(|e| ApiError::field("manifest_json", e))?;
    let (_, report) = import::import_bundle(
        &state.store,
        &p,
        import::ImportTarget::Existing(id),
        &selection,
        allocations.as_deref(),
    )
    .await?;
    Ok(Json(report))
}
