//! The read-only pages and their downloads: national view, area profile, programme view.
//! Every figure comes from [`crate::domain`] (access rules included) and, when one is
//! configured, the results bundle.

use super::PagePath;
use super::charts::{self, BarGroup};
use super::evaluation;
use super::history;
use super::map::{self, MapSpec};
use super::progress;
use super::results::{RESULTS, Results};
use super::{Viewer, download, page_error, render, ser};
use crate::AppState;
use crate::api::csv_out::{csv_response, to_csv};
use crate::domain::{self, access, summary};
use crate::error::ApiError;
use axum::extract::{Query, State};
use axum::response::Response;
use oa_store::{Kind, PageRequest, Record, Store};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

fn int(v: &Value, k: &str) -> i64 {
    v.get(k).and_then(Value::as_i64).unwrap_or(0)
}

fn text(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn results() -> (Option<&'static Results>, Option<String>) {
    match &*RESULTS {
        Ok(r) => (r.as_ref(), None),
        Err(e) => (None, Some(e.clone())),
    }
}

/// District codes of an area record.
fn district_codes(area: &Value) -> Vec<String> {
    area.get("districts")
        .and_then(Value::as_array)
        .map(|ds| ds.iter().map(|d| text(d, "code")).collect())
        .unwrap_or_default()
}

/// A KPI's standing (on track, behind, no data) from its baseline, target, direction
/// and the latest figure among `values` (rows with `period` and `actual`).
fn kpi_standing<'a>(k: &Value, values: impl Iterator<Item = &'a Value>) -> progress::Status {
    let pair = |p: &str, v: &str| k[p].as_str().zip(k[v].as_f64());
    let latest = values
        .filter(|v| v["actual"].as_f64().is_some())
        .max_by(|a, b| text(a, "period").cmp(&text(b, "period")));
    let latest = latest.and_then(|v| v["period"].as_str().zip(v["actual"].as_f64()));
    progress::kpi_status(
        pair("baseline_period", "baseline_value"),
        pair("target_period", "target_value"),
        k["direction"].as_str() != Some("lower_is_better"),
        latest,
    )
}

/// The status as the templates show it: its words and its tag's class.
fn status_json(s: progress::Status) -> Value {
    json!({"label": s.label(), "tag": s.tag()})
}

/// What a national admin can do about a map that cannot be drawn.
fn map_help(cause: &str) -> String {
    if cause.starts_with("no boundaries") {
        "the map needs district boundaries. Start the service with the shared data folder (the one holding geo/onsvisual-uk-topojson/topo.json) as its data directory.".into()
    } else {
        format!("the map could not be drawn ({cause}).")
    }
}

/// What every page showing index figures says about them: the index's name, the areas
/// and boundaries it ranks, when its figures were made, and the named band that the
/// likelihood column is about, in words.
fn index_facts(res: Option<&Results>) -> Value {
    let Some(r) = res else {
        return Value::Null;
    };
    let band = r.p_band_name.clone().unwrap_or_default();
    json!({
        "title": r.study.as_ref().map(|s| s.study.title.clone()),
        "vintage": r.vintage(),
        "areas": r.areas_word(),
        "count": r.rows.len(),
        "updated": super::input::long_date(&r.created_at),
        "band": band,
        "band_label": super::input::sentence(&band.replace('_', " ")),
        "band_words": r.band_words.get(&band).cloned().unwrap_or_else(|| format!("the {band} band")),
    })
}

/// The areas of `scope` (what the viewer may read), by code.
async fn readable_areas(state: &AppState, scope: &domain::Scope) -> Result<Vec<Record>, ApiError> {
    let filter = oa_store::Filter {
        equals: vec![],
        area_in: scope.areas.clone(),
        programme_in: scope.programmes.clone(),
    };
    let mut areas = state
        .store
        .list(Kind::Area, &filter, PageRequest::ALL)
        .await?
        .items;
    areas.sort_by(|a, b| {
        a.get("code")
            .and_then(Value::as_str)
            .cmp(&b.get("code").and_then(Value::as_str))
    });
    Ok(areas)
}

/// One programme area as a row of the national table.
async fn area_rows(state: &AppState, v: &Viewer) -> Result<Vec<Value>, ApiError> {
    let scope = domain::readable_scope(&state.store, &v.principal).await?;
    let areas = readable_areas(state, &scope).await?;
    let money = summary::money(&state.store, scope.areas, scope.programmes).await?;
    let mut by_area: HashMap<i64, (i64, i64, i64)> = HashMap::new();
    for m in &money {
        let e = by_area.entry(m.area_id).or_default();
        e.0 = e.0.saturating_add(m.allocated_pence);
        e.1 = e.1.saturating_add(m.committed_pence);
        e.2 = e.2.saturating_add(m.spent_pence);
    }
    let (res, _) = results();
    Ok(areas
        .into_iter()
        .map(|a| {
            let a = Value::Object(a);
            let id = int(&a, "id");
            let codes = district_codes(&a);
            let names: Vec<String> = a
                .get("districts")
                .and_then(Value::as_array)
                .map(|ds| ds.iter().map(|d| text(d, "name")).collect())
                .unwrap_or_default();
            // The best-ranked district stands for the area.
            let best = res.and_then(|r| {
                codes
                    .iter()
                    .filter_map(|c| r.row(c))
                    .min_by_key(|row| row.rank.unwrap_or(u32::MAX))
            });
            let (alloc, committed, spent) = by_area.get(&id).copied().unwrap_or_default();
            json!({
                "id": id,
                "code": text(&a, "code"),
                "name": text(&a, "name"),
                "wave": int(&a, "wave"),
                "districts": names.join(", "),
                "district_codes": codes.join(" "),
                "allocated_pence": alloc,
                "committed_pence": committed,
                "spent_pence": spent,
                "rank": best.and_then(|b| b.rank),
                "band": best.map(|b| b.band.clone()),
                "p_band": best.and_then(|b| b.p_band).map(|p| (p * 1000.0).round() / 1000.0),
                "published": a.get("published").and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect())
}

#[derive(Deserialize, Default)]
pub struct TableQuery {
    /// Filter: a part of the name, code or district.
    pub q: Option<String>,
    /// Sort column.
    pub sort: Option<String>,
    /// `desc` for descending.
    pub dir: Option<String>,
    /// The results column mapped (`score`, `rank`, `band`).
    pub column: Option<String>,
    /// After a form: what was saved, and the part of the page it changed.
    pub saved: Option<String>,
    pub at: Option<String>,
    /// The page of an area's comments (1 = the oldest; default the newest).
    pub comments_page: Option<u32>,
    /// The page of the national view's district table (1 = the first).
    pub page: Option<u32>,
}

fn filter_sort(rows: &mut Vec<Value>, q: &TableQuery) {
    if let Some(needle) = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let needle = needle.to_lowercase();
        rows.retain(|r| {
            ["name", "code", "districts", "district_codes"]
                .iter()
                .any(|k| text(r, k).to_lowercase().contains(&needle))
        });
    }
    let key = q.sort.as_deref().unwrap_or("code");
    let numeric = matches!(
        key,
        "rank" | "wave" | "allocated_pence" | "spent_pence" | "p_band"
    );
    rows.sort_by(|a, b| {
        if numeric {
            let f = |r: &Value| r.get(key).and_then(Value::as_f64).unwrap_or(f64::MAX);
            f(a).total_cmp(&f(b))
        } else {
            text(a, key).cmp(&text(b, key))
        }
    });
    if q.dir.as_deref() == Some("desc") {
        rows.reverse();
    }
}

/// The national map's inputs.
fn national_map_spec(rows: &[Value], column: Option<&str>, use_results: bool) -> MapSpec {
    let highlight: Vec<String> = rows
        .iter()
        .flat_map(|r| {
            text(r, "district_codes")
                .split(' ')
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|c| !c.is_empty())
        .collect();
    match results().0.filter(|_| use_results) {
        Some(res) => {
            let has_bands = res.rows.iter().any(|r| !r.band.is_empty());
            let column = match column {
                Some(c @ ("score" | "rank" | "band")) => c,
                _ if has_bands => "band",
                _ => "score",
            };
            let cells = res
                .rows
                .iter()
                .map(|r| match column {
                    "band" if r.band.is_empty() => "(none)".to_string(),
                    "band" => r.band.clone(),
                    "rank" => r.rank.map(|x| x.to_string()).unwrap_or_default(),
                    // A score that is not a finite number is drawn as missing.
                    _ => r
                        .score
                        .filter(|x| x.is_finite())
                        .map(|x| x.to_string())
                        .unwrap_or_default(),
                })
                .collect();
            MapSpec {
                title: format!("Index by district: {column}"),
                column: column.to_string(),
                codes: res.rows.iter().map(|r| r.code.clone()).collect(),
                cells,
                categorical: column == "band",
                highlight,
                highlight_label: "opportunity area (selected)".into(),
                fill_rest: None,
            }
        }
        None => {
            let mut codes = Vec::new();
            let mut cells = Vec::new();
            for r in rows {
                for c in text(r, "district_codes")
                    .split(' ')
                    .filter(|c| !c.is_empty())
                {
                    codes.push(c.to_string());
                    cells.push(format!("wave {}", int(r, "wave")));
                }
            }
            MapSpec {
                title: "Opportunity areas by wave".into(),
                column: "wave".into(),
                codes,
                cells,
                categorical: true,
                highlight,
                highlight_label: "opportunity area (selected)".into(),
                fill_rest: Some("other".into()),
            }
        }
    }
}

/// The national map for the page's rows: the results column when a bundle is loaded and
/// can be drawn on districts, else the programme's areas by wave (with a note saying why).
/// Returns the map (or the reason there is none), the column shown and a note.
fn national_map(rows: &[Value], column: Option<&str>) -> (map::Drawn, String, Option<String>) {
    let programme: Vec<(String, i64)> = rows
        .iter()
        .map(|r| (text(r, "district_codes"), int(r, "wave")))
        .collect();
    let res = results().0;
    if let Some(res) = res {
        let has_bands = res.rows.iter().any(|r| !r.band.is_empty());
        let col = match column {
            Some(c @ ("score" | "rank" | "band")) => c,
            _ if has_bands => "band",
            _ => "score",
        };
        let drawn = map::svg_keyed(&("results", col, &programme), || {
            national_map_spec(rows, Some(col), true)
        });
        match drawn {
            Ok(svg) => return (Ok(svg), col.to_string(), None),
            Err(note) => {
                let fallback = map::svg_keyed(&("programme", &programme), || {
                    national_map_spec(rows, None, false)
                });
                let note = format!(
                    "The results cannot be mapped on districts ({note}), so the map shows the programme's areas."
                );
                return match fallback {
                    Ok(svg) => (Ok(svg), "wave".into(), Some(note)),
                    Err(e) => (Err(e), "wave".into(), None),
                };
            }
        }
    }
    let drawn = map::svg_keyed(&("programme", &programme), || {
        national_map_spec(rows, None, false)
    });
    (drawn, "wave".into(), None)
}

/// The map's legend as the page shows it beside the map: each class's colour and its
/// label in words (`Coldspot (64)`), the highlighted areas' outline and the circles of
/// districts too small to see.
fn map_legend(d: &map::MapDrawing) -> Vec<Value> {
    d.legend
        .iter()
        .map(|e| {
            json!({
                "colour": e.colour, "outline": e.outline, "marker": e.marker,
                "label": super::input::sentence(&e.label.replace('_', " ")),
            })
        })
        .collect()
}

/// How many results rows the national page shows (all are in `/results.csv`).
/// Districts per page of the national view's index table.
const DISTRICT_ROWS: usize = 100;

/// `GET /`: the national view.
pub async fn national(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<TableQuery>,
) -> Response {
    let mut rows = match area_rows(&state, &viewer).await {
        Ok(r) => r,
        Err(e) => return page_error(&viewer, e),
    };
    let (drawn, map_column, note) = national_map(&rows, q.column.as_deref());
    let (map_drawing, map_note) = match drawn {
        Ok(d) => (Some(d), note),
        Err(e) => {
            // The cause (a missing boundaries file, say) is for whoever runs the service:
            // logged, and said to national admins, who can act on it.
            crate::log::error(&format!("national map: {e}"));
            let public = "The map is not available on this service at the moment. The same figures are in the tables below.";
            let note = if viewer.principal.role == crate::auth::Role::Admin {
                format!("{public} For national admins: {}", map_help(&e))
            } else {
                public.to_string()
            };
            (None, Some(note))
        }
    };
    let total = rows.len();
    filter_sort(&mut rows, &q);
    let (res, res_error) = results();
    // With results, the first rows (rank 1 first) under the programme table.
    let needle =
        q.q.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_lowercase);
    // Every district matching the search, one page of them shown.
    let mut districts_total = 0;
    let mut districts: Vec<&super::results::ScoreRow> = Vec::new();
    let page = q.page.unwrap_or(1).max(1) as usize;
    let skip = (page - 1).saturating_mul(DISTRICT_ROWS);
    if let Some(r) = res {
        for &i in &r.by_rank {
            let d = &r.rows[i];
            let hit = needle.as_ref().is_none_or(|n| {
                d.name.to_lowercase().contains(n) || d.code.to_lowercase().contains(n)
            });
            if hit {
                if districts_total >= skip && districts.len() < DISTRICT_ROWS {
                    districts.push(d);
                }
                districts_total += 1;
            }
        }
    }
    let pages = districts_total.div_ceil(DISTRICT_ROWS).max(1);
    let programme_codes: HashMap<String, i64> = rows
        .iter()
        .flat_map(|r| {
            let id = int(r, "id");
            text(r, "district_codes")
                .split(' ')
                .map(move |c| (c.to_string(), id))
                .collect::<Vec<_>>()
        })
        .collect();
    let districts: Vec<Value> = districts
        .iter()
        .map(|d| {
            json!({
                "code": d.code, "name": d.name, "rank": d.rank, "band": d.band,
                "score": d.score.map(|s| (s * 1000.0).round() / 1000.0),
                "p_band": d.p_band.map(|p| (p * 1000.0).round() / 1000.0),
                "area_id": programme_codes.get(&d.code),
            })
        })
        .collect();
    render(
        &viewer,
        "national.html",
        minijinja::context! {
            title => "National view",
            nav => "national",
            rows => ser(&rows),
            total => total,
            q => q.q.clone().unwrap_or_default(),
            sort => q.sort.clone().unwrap_or_else(|| "code".into()),
            dir => q.dir.clone().unwrap_or_default(),
            column => map_column,
            map_svg => map_drawing.as_ref().map(|d| d.svg.as_str()),
            map_legend => ser(map_drawing.as_ref().map(|d| map_legend(d)).unwrap_or_default()),
            map_marked => ser(map_drawing.as_ref().map(|d| d.marked.clone()).unwrap_or_default()),
            map_credit => map::BOUNDARIES_CREDIT,
            map_note => map_note,
            has_results => res.is_some(),
            results_error => res_error,
            p_band_name => res.and_then(|r| r.p_band_name.clone()),
            districts => ser(&districts),
            districts_total => districts_total,
            page => page.min(pages),
            pages => pages,
            first_shown => skip + 1,
            last_shown => skip + districts.len(),
            index => ser(index_facts(res)),
        },
    )
}

/// `GET /areas.csv`: the national table.
pub async fn areas_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<TableQuery>,
) -> Response {
    match area_rows(&state, &viewer).await {
        Ok(mut rows) => {
            filter_sort(&mut rows, &q);
            csv_response(
                "areas",
                to_csv(
                    &[
                        "id",
                        "code",
                        "name",
                        "wave",
                        "districts",
                        "district_codes",
                        "rank",
                        "band",
                        "p_band",
                        "allocated_pence",
                        "committed_pence",
                        "spent_pence",
                    ],
                    &rows,
                ),
            )
        }
        Err(e) => page_error(&viewer, e),
    }
}

async fn national_map_for(
    state: &AppState,
    viewer: &Viewer,
    q: &TableQuery,
) -> Result<Arc<map::MapDrawing>, ApiError> {
    let rows = area_rows(state, viewer).await?;
    national_map(&rows, q.column.as_deref())
        .0
        .map_err(ApiError::NotFound)
}

/// `GET /map.svg`.
pub async fn map_svg(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<TableQuery>,
) -> Response {
    match national_map_for(&state, &viewer, &q).await {
        Ok(d) => download(d.svg.clone(), "image/svg+xml", "map.svg"),
        Err(e) => page_error(&viewer, e),
    }
}

/// `GET /map.png`.
pub async fn map_png(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(q): Query<TableQuery>,
) -> Response {
    let svg = match national_map_for(&state, &viewer, &q).await {
        Ok(d) => Arc::new(d.svg.clone()),
        Err(e) => return page_error(&viewer, e),
    };
    match map::png_cached(svg).await {
        Ok(png) => download(png, "image/png", "map.png"),
        Err(note) => page_error(&viewer, ApiError::Internal(note)),
    }
}

/// The area summary with the page's additions (KPI charts, money by year, ranks).
pub async fn area_model(state: &AppState, viewer: &Viewer, id: i64) -> Result<Value, ApiError> {
    let mut s = cached_summary(state, viewer, id).await?;
    let others = other_areas_figures(state, viewer, id, &s).await?;
    if let Some(kpis) = s.get_mut("kpis").and_then(Value::as_array_mut) {
        for k in kpis.iter_mut() {
            if let Some(o) = others.get(&text(k, "name")) {
                k["others"] = Value::from(o.clone());
            }
            // A row holding only a draft is not a published figure: kept apart, so that
            // charts, tables and downloads show published figures alone.
            if let Some(values) = k["values"].as_array_mut() {
                let (draft_only, published): (Vec<Value>, Vec<Value>) =
                    values.drain(..).partition(|v| {
                        v["actual"].is_null() && v["national"].is_null() && !v["draft"].is_null()
                    });
                *values = published;
                k["draft_only"] = Value::from(draft_only);
            }
            let chart = charts::kpi_chart(k);
            k["chart"] = Value::from(chart);
            let standing = kpi_standing(k, k["values"].as_array().into_iter().flatten());
            k["status"] = status_json(standing);
        }
    }
    let mut by_year: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    if let Some(lines) = s["money"]["lines"].as_array() {
        for l in lines {
            let e = by_year.entry(text(l, "period")).or_default();
            e.0 = e.0.saturating_add(int(l, "allocated_pence"));
            e.1 = e.1.saturating_add(int(l, "committed_pence"));
            e.2 = e.2.saturating_add(int(l, "spent_pence"));
        }
    }
    s["money"]["by_year"] = by_year
        .iter()
        .map(|(p, (a, c, sp))| json!({"period": p, "allocated_pence": a, "committed_pence": c, "spent_pence": sp}))
        .collect();
    let codes = district_codes(&s["area"]);
    let (res, _) = results();
    let ranks: Vec<Value> = codes
        .iter()
        .map(|c| {
            let row = res.and_then(|r| r.row(c));
            let outcome = res.and_then(|r| r.outcomes.get(c));
            // Names rather than ids, and a probability as a whole percentage.
            let groups: Option<Vec<(String, Option<u32>)>> = row.map(|r| {
                r.group_ranks
                    .iter()
                    .map(|(id, rank)| (res.map_or(id.clone(), |x| x.label(id)), *rank))
                    .collect()
            });
            let indicators: Vec<Value> = res
                .map(|r| r.standing(c))
                .unwrap_or_default()
                .into_iter()
                .map(|i| {
                    let name = res.map_or(i.indicator.clone(), |r| r.label(&i.indicator));
                    json!({"indicator": name, "value": i.value, "percentile": i.percentile})
                })
                .collect();
            json!({
                "code": c,
                "name": row.map(|r| r.name.clone()),
                "rank": row.and_then(|r| r.rank),
                "of": res.map(|r| r.rows.len()),
                "score": row.and_then(|r| r.score).map(|x| (x * 1000.0).round() / 1000.0),
                "band": row.map(|r| r.band.clone()),
                "p_band": row.and_then(|r| r.p_band),
                "p_band_percent": row.and_then(|r| r.p_band).map(|p| format!("{}%", (p * 100.0).round())),
                "groups": groups,
                "indicators": indicators,
                "reason": outcome.map(|o| o.reason.clone()),
                "area_name": outcome.map(|o| o.area_name.clone()),
            })
        })
        .collect();
    s["ranks"] = Value::from(ranks);
    // Did it improve? Each district against its synthetic comparison, when the bundle
    // has an evaluation.
    if let Some(r) = res
        && let Some(ev) = &r.evaluation
    {
        let section = r.study.as_ref().and_then(|st| st.evaluation.as_ref());
        let districts: Vec<(String, String)> = s["area"]["districts"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| (text(d, "code"), text(d, "name")))
            .collect();
        let name = |c: &str| r.district_name(c);
        s["evaluation"] = json!(evaluation::area(ev, section, &districts, &name));
    }
    s["index"] = index_facts(res);
    s["has_results"] = Value::from(res.is_some());
    s["p_band_name"] = json!(res.and_then(|r| r.p_band_name.clone()));
    s["can_edit"] =
        Value::from(access::check_write(&viewer.principal, Kind::KpiValue, Some(id)).is_ok());
    s["can_comment"] = Value::from(
        viewer.signed_in()
            && access::check_write(&viewer.principal, Kind::Comment, Some(id)).is_ok(),
    );
    Ok(s)
}

/// The area's summary, from the read cache the API's `/api/areas/{id}/summary` fills
/// (dropped by any write), else read and cached; access is checked either way.
async fn cached_summary(state: &AppState, viewer: &Viewer, id: i64) -> Result<Value, ApiError> {
    if let Some((published, bytes)) = state.cache.get(id) {
        access::check_read(&viewer.principal, id, published)?;
        if let Ok(doc) = serde_json::from_slice::<Value>(&bytes) {
            return Ok(doc);
        }
    }
    let generation = state.cache.generation();
    let area = domain::get(&state.store, &viewer.principal, Kind::Area, id).await?;
    let published = domain::area_visible(&state.store, &area).await?;
    let doc = summary::area_summary(&state.store, area).await?;
    state.cache.put(
        id,
        generation,
        published,
        axum::body::Bytes::from(doc.to_string()),
    );
    Ok(doc)
}

/// For each KPI name of area `id`, the published figures of the same KPI in the other
/// areas the viewer may read (`{"area", "values": [{"period", "actual"}]}`), for the
/// charts' comparison lines.
async fn other_areas_figures(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    s: &Value,
) -> Result<HashMap<String, Vec<Value>>, ApiError> {
    let names: Vec<String> = s["kpis"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|k| text(k, "name"))
        .collect();
    if names.is_empty() {
        return Ok(HashMap::new());
    }
    // One look-up of what the viewer may read, for the three lists.
    let scope = domain::readable_scope(&state.store, &viewer.principal).await?;
    let filter = oa_store::Filter {
        equals: vec![],
        area_in: scope.areas,
        programme_in: scope.programmes,
    };
    let list = |kind: Kind| state.store.list(kind, &filter, PageRequest::ALL);
    let area_names: HashMap<i64, String> = list(Kind::Area)
        .await?
        .items
        .into_iter()
        .map(|a| {
            let a = Value::Object(a);
            (int(&a, "id"), text(&a, "name"))
        })
        .collect();
    let kpis: Vec<Value> = list(Kind::Kpi)
        .await?
        .items
        .into_iter()
        .map(Value::Object)
        .filter(|k| int(k, "area_id") != id && names.contains(&text(k, "name")))
        .collect();
    let values: Vec<Value> = list(Kind::KpiValue)
        .await?
        .items
        .into_iter()
        .map(Value::Object)
        .filter(|v| !v["actual"].is_null())
        .collect();
    let mut out: HashMap<String, Vec<Value>> = HashMap::new();
    for k in &kpis {
        let kid = int(k, "id");
        let pts: Vec<Value> = values
            .iter()
            .filter(|v| int(v, "kpi_id") == kid)
            .map(|v| json!({"period": v["period"], "actual": v["actual"]}))
            .collect();
        if let Some(area) = area_names.get(&int(k, "area_id")) {
            out.entry(text(k, "name"))
                .or_default()
                .push(json!({"area": area, "values": pts}));
        }
    }
    Ok(out)
}

/// Adds a page of the area's comments to the profile's model, when the viewer may read
/// them (the area's lead and board members, admins).
async fn with_comments(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    page: Option<u32>,
    s: &mut Value,
) -> Result<(), ApiError> {
    let readable = access::check_comment_read(&viewer.principal, id).is_ok();
    s["can_read_comments"] = Value::from(readable);
    if readable {
        let (rows, shown, pages, total) = area_comments(state, viewer, id, page, false).await?;
        s["comments"] = Value::from(rows);
        s["comments_page"] = json!({"page": shown, "pages": pages, "total": total});
    }
    Ok(())
}

/// Adds each KPI's history (every change: who, when, old, new, why) and its drafts to the
/// profile's model. Drafts are shown to the area's own people and national admins only;
/// a row that holds nothing but a draft is not a published figure, so others do not see it.
async fn with_kpi_history(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
    s: &mut Value,
) -> Result<(), ApiError> {
    let insider = access::check_comment_read(&viewer.principal, id).is_ok();
    let changes = history::area_changes(state, id, insider).await?;
    s["can_approve"] = Value::from(viewer.principal.role == crate::auth::Role::Admin);
    s["drafts_held"] = Value::from(state.settings.kpi_drafts);
    for k in s["kpis"].as_array_mut().into_iter().flatten() {
        let kid = int(k, "id");
        let mine: Vec<&history::Change> = changes.iter().filter(|c| c.kpi_id == kid).collect();
        k["history"] = json!(mine);
        let mut drafts = Vec::new();
        let rows = k["values"].as_array().into_iter().flatten();
        let rows = rows.chain(k["draft_only"].as_array().into_iter().flatten());
        {
            for v in rows {
                if let Some(d) = v.get("draft").filter(|d| !d.is_null()) {
                    drafts.push(json!({
                        "value_id": v["id"], "period": v["period"],
                        "old_actual": v["actual"], "old_national": v["national"],
                        "actual": d["actual"], "national": d["national"],
                        "reason": d["reason"], "by": d["by_name"],
                        "when": history::when(d["at"].as_str().unwrap_or("")),
                    }));
                }
            }
        }
        k["drafts"] = if insider {
            Value::from(drafts)
        } else {
            json!([])
        };
    }
    Ok(())
}

/// The area lead's task list (also shown to national admins): KPI years that have ended
/// without a figure (series-break years excepted) and spend returns not yet sent for the
/// months of each grant's allocation year that have passed.
async fn with_tasks(state: &AppState, id: i64, s: &mut Value) -> Result<(), ApiError> {
    if !s["can_edit"].as_bool().unwrap_or(false) {
        return Ok(());
    }
    let today = time::OffsetDateTime::now_utc().date();
    let this_month = format!("{:04}-{:02}", today.year(), u8::from(today.month()));
    // An academic year 2019/20 has ended once September 2020 has begun.
    let academic_done = |start: i32| {
        today.year() > start + 1 || (today.year() == start + 1 && u8::from(today.month()) >= 9)
    };
    let plan_years: HashMap<i64, (i32, i32)> = s["plans"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            let y = |k: &str| domain::rules::parse_period(&text(p, k)).map_or(0, |x| x.start_year);
            (int(p, "id"), (y("first_period"), y("last_period")))
        })
        .collect();
    let mut kpi_tasks = Vec::new();
    for k in s["kpis"].as_array().into_iter().flatten() {
        let (first, last) = plan_years
            .get(&int(k, "plan_id"))
            .copied()
            .unwrap_or((0, -1));
        let baseline = domain::rules::parse_period(&text(k, "baseline_period"))
            .map_or(first, |p| p.start_year + 1);
        let periods = |key: &str, only_figures: bool| -> Vec<String> {
            k[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|v| !only_figures || !v["actual"].is_null())
                .map(|v| text(v, "period"))
                .collect()
        };
        let (recorded, breaks) = (periods("values", true), periods("series_breaks", false));
        let missing: Vec<String> = (baseline.max(first)..=last)
            .filter(|y| academic_done(*y))
            .map(|y| format!("{y}/{:02}", (y + 1) % 100))
            .filter(|p| !recorded.contains(p) && !breaks.contains(p))
            .collect();
        kpi_tasks.push(json!({"kpi_id": k["id"], "name": k["name"], "missing": missing}));
    }
    // The area's page was readable, so its own money records are: no further look-up.
    let filter = oa_store::Filter {
        equals: vec![("area_id", json!(id))],
        ..Default::default()
    };
    let of_area = |kind: Kind| state.store.list(kind, &filter, PageRequest::ALL);
    let allocations = of_area(Kind::Allocation).await?.items;
    let spend = of_area(Kind::SpendReturn).await?.items;
    let mut spend_tasks = Vec::new();
    for g in of_area(Kind::Grant).await?.items {
        let g = Value::Object(g);
        let allocation = allocations
            .iter()
            .find(|a| a.get("id").and_then(Value::as_i64) == Some(int(&g, "allocation_id")));
        // The allocation's financial year ends in March.
        let year_end = allocation
            .and_then(|a| a.get("period").and_then(Value::as_str))
            .and_then(domain::rules::parse_period)
            .map(|p| format!("{:04}-03", p.start_year + 1));
        let returned: Vec<String> = spend
            .iter()
            .filter(|r| r.get("grant_id").and_then(Value::as_i64) == Some(int(&g, "id")))
            .filter_map(|r| r.get("month").and_then(Value::as_str).map(str::to_string))
            .collect();
        let mut month = text(&g, "awarded_on").get(..7).unwrap_or("").to_string();
        let mut missing = Vec::new();
        while domain::rules::is_month(&month)
            && month < this_month
            && year_end.as_ref().is_some_and(|end| &month <= end)
            && missing.len() < 24
        {
            if !returned.contains(&month) {
                missing.push(super::input::long_month(&month));
            }
            month = next_month(&month);
        }
        spend_tasks.push(json!({"grant": text(&g, "purpose"), "missing": missing}));
    }
    s["tasks"] = json!({"kpis": kpi_tasks, "spend": spend_tasks});
    Ok(())
}

/// `2018-12` -> `2019-01`.
fn next_month(month: &str) -> String {
    let y = month
        .get(..4)
        .and_then(|y| y.parse::<i32>().ok())
        .unwrap_or(0);
    let m = month
        .get(5..7)
        .and_then(|m| m.parse::<u8>().ok())
        .unwrap_or(12);
    if m >= 12 {
        format!("{:04}-01", y + 1)
    } else {
        format!("{y:04}-{:02}", m + 1)
    }
}

/// `GET /areas/{id}/kpi-history.csv`: every change of every KPI figure of the area.
pub async fn area_kpi_history_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
) -> Response {
    let area = match domain::get(&state.store, &viewer.principal, Kind::Area, id).await {
        Ok(a) => a,
        Err(e) => return page_error(&viewer, e),
    };
    let insider = access::check_comment_read(&viewer.principal, id).is_ok();
    let changes = match history::area_changes(&state, id, insider).await {
        Ok(c) => c,
        Err(e) => return page_error(&viewer, e),
    };
    let kpis = match domain::list(
        &state.store,
        &viewer.principal,
        Kind::Kpi,
        vec![("area_id", json!(id))],
        PageRequest::ALL,
    )
    .await
    {
        Ok(p) => p.items,
        Err(e) => return page_error(&viewer, e),
    };
    let names: HashMap<i64, String> = kpis
        .iter()
        .map(|k| {
            let v = Value::Object(k.clone());
            (int(&v, "id"), text(&v, "name"))
        })
        .collect();
    let slug = file_slug(area.get("name").and_then(Value::as_str).unwrap_or("area"));
    csv_response(
        &format!("{slug}-kpi-history"),
        to_csv(&history::CSV_COLUMNS, &history::csv_rows(&changes, &names)),
    )
}

/// A name as part of a file name: `West Somerset` -> `west-somerset`.
pub fn file_slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() { "area".into() } else { out }
}

/// `2026-11-27T05:30:12Z` as `27 November 2026 at 05:30 UTC` (other text as it is).
fn comment_date(rfc3339: &str) -> String {
    history::when(rfc3339)
}

/// Comments per page of an area profile (the newest page is shown first).
pub const COMMENTS_PER_PAGE: u32 = 50;

/// Comments with their authors' public names (never an email), oldest first, through the
/// same read rules as the API's `/api/comments`. `page` is 1-based; `None` is the last
/// (newest) page; `PageRequest::ALL` for the CSV. Returns the rows, the page shown and the
/// number of pages.
pub async fn area_comments(
    state: &AppState,
    viewer: &Viewer,
    area: i64,
    page: Option<u32>,
    all: bool,
) -> Result<(Vec<Value>, u32, u32, i64), ApiError> {
    let p = &viewer.principal;
    access::check_comment_read(p, area)?;
    let filter = vec![("area_id", json!(area))];
    // The total first (a one-row page also counts), then the page asked for.
    let first = domain::list(
        &state.store,
        p,
        Kind::Comment,
        filter.clone(),
        PageRequest {
            page: 1,
            per_page: 1,
        },
    )
    .await?;
    let total = first.total;
    let pages =
        u32::try_from((total + i64::from(COMMENTS_PER_PAGE) - 1) / i64::from(COMMENTS_PER_PAGE))
            .unwrap_or(u32::MAX)
            .max(1);
    let shown = page.unwrap_or(pages).clamp(1, pages);
    let request = if all {
        PageRequest::ALL
    } else {
        PageRequest {
            page: shown,
            per_page: COMMENTS_PER_PAGE,
        }
    };
    let comments = domain::list(&state.store, p, Kind::Comment, filter, request)
        .await?
        .items;
    if comments.is_empty() {
        return Ok((Vec::new(), shown, pages, total));
    }
    let names: HashMap<i64, String> = state
        .store
        .users()
        .await?
        .iter()
        .map(|u| (u.id, access::public_name(u)))
        .collect();
    let rows = comments
        .into_iter()
        .map(|c| {
            let c = Value::Object(c);
            let author_id = int(&c, "author_id");
            let created = text(&c, "created_at");
            json!({
                "id": c["id"],
                "author_id": author_id,
                "author": names.get(&author_id).cloned().unwrap_or_else(|| "A former user".to_string()),
                "created_at": created,
                "date": comment_date(&created),
                "subject": c["subject"],
                "body": c["body"],
            })
        })
        .collect();
    Ok((rows, shown, pages, total))
}

/// `GET /areas/{id}/comments.csv`: the area's comments.
pub async fn area_comments_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
) -> Response {
    let rows = match domain::get(&state.store, &viewer.principal, Kind::Area, id).await {
        Ok(_) => area_comments(&state, &viewer, id, None, true).await,
        Err(e) => Err(e),
    };
    match rows {
        Ok((rows, ..)) => csv_response(
            &format!("area-{id}-comments"),
            to_csv(
                &["id", "created_at", "author_id", "author", "subject", "body"],
                &rows,
            ),
        ),
        Err(e) => page_error(&viewer, e),
    }
}

/// `GET /areas/{id}`: the area profile.
pub async fn area(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
    Query(q): Query<TableQuery>,
) -> Response {
    let model = async {
        let mut s = area_model(&state, &viewer, id).await?;
        with_comments(&state, &viewer, id, q.comments_page, &mut s).await?;
        with_kpi_history(&state, &viewer, id, &mut s).await?;
        with_tasks(&state, id, &mut s).await?;
        Ok::<_, ApiError>(s)
    }
    .await;
    match model {
        Ok(s) => {
            let name = text(&s["area"], "name");
            render(
                &viewer,
                "area.html",
                minijinja::context! {
                    title => name,
                    nav => "national",
                    s => ser(&s),
                    saved => q.saved,
                    // Only a plain fragment name goes back into the page's link.
                    saved_at => q.at.filter(|a| !a.is_empty() && a.len() < 40 && a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')),
                },
            )
        }
        Err(e) => super::area_error(&state, &viewer, id, e).await,
    }
}

/// `GET /areas/{id}/kpis.csv`: every KPI value of the area.
pub async fn area_kpis_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
) -> Response {
    let s = match area_model(&state, &viewer, id).await {
        Ok(s) => s,
        Err(e) => return page_error(&viewer, e),
    };
    let mut rows = Vec::new();
    for k in s["kpis"].as_array().into_iter().flatten() {
        let base = json!({
            "kpi_id": k["id"], "kpi": k["name"], "unit": k["unit"],
            "baseline_period": k["baseline_period"], "baseline_value": k["baseline_value"],
            "target_period": k["target_period"], "target_value": k["target_value"],
        });
        for v in k["values"].as_array().into_iter().flatten() {
            let mut r = base.clone();
            r["period"] = v["period"].clone();
            r["actual"] = v["actual"].clone();
            r["national"] = v["national"].clone();
            r["note"] = v["note"].clone();
            rows.push(r);
        }
        if k["values"].as_array().is_none_or(Vec::is_empty) {
            rows.push(base);
        }
    }
    csv_response(
        &format!("area-{id}-kpis"),
        to_csv(
            &[
                "kpi_id",
                "kpi",
                "unit",
                "baseline_period",
                "baseline_value",
                "target_period",
                "target_value",
                "period",
                "actual",
                "national",
                "note",
            ],
            &rows,
        ),
    )
}

/// `GET /areas/{id}/money.csv`: allocations with committed and spent.
pub async fn area_money_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
) -> Response {
    match area_model(&state, &viewer, id).await {
        Ok(s) => {
            let lines: Vec<Value> = s["money"]["lines"].as_array().cloned().unwrap_or_default();
            csv_response(
                &format!("area-{id}-money"),
                to_csv(summary::MoneyLine::COLUMNS, &lines),
            )
        }
        Err(e) => page_error(&viewer, e),
    }
}

/// `GET /areas/{id}/money.svg`: money by year.
pub async fn area_money_svg(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath(id): PagePath<i64>,
) -> Response {
    match area_model(&state, &viewer, id).await {
        Ok(s) => {
            let groups: Vec<BarGroup> = s["money"]["by_year"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|y| BarGroup {
                    label: text(y, "period"),
                    values: vec![
                        int(y, "allocated_pence"),
                        int(y, "committed_pence"),
                        int(y, "spent_pence"),
                    ],
                })
                .collect();
            let svg = charts::money_bars(
                &format!("{}: money by year", text(&s["area"], "name")),
                &["Allocated", "Granted", "Spent"],
                &groups,
            );
            download(svg, "image/svg+xml", &format!("area-{id}-money.svg"))
        }
        Err(e) => page_error(&viewer, e),
    }
}

/// `GET /areas/{id}/kpis/{kpi}/chart.png` (the SVG through resvg).
pub async fn kpi_chart_png(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath((id, kpi)): PagePath<(i64, i64)>,
) -> Response {
    let svg = kpi_chart_svg(State(state), viewer_clone(&viewer), PagePath((id, kpi))).await;
    if !svg.status().is_success() {
        return svg;
    }
    let bytes = match axum::body::to_bytes(svg.into_body(), 4 << 20).await {
        Ok(b) => b,
        Err(e) => return page_error(&viewer, ApiError::Internal(e.to_string())),
    };
    let text = String::from_utf8_lossy(&bytes).into_owned();
    match tokio::task::spawn_blocking(move || oa_geo::svg_to_png(&text)).await {
        Ok(Ok(png)) => download(png, "image/png", &format!("kpi-{kpi}.png")),
        Ok(Err(e)) => page_error(&viewer, ApiError::Internal(e.to_string())),
        Err(e) => page_error(&viewer, ApiError::Internal(e.to_string())),
    }
}

fn viewer_clone(v: &Viewer) -> Viewer {
    Viewer {
        principal: v.principal.clone(),
        csrf: v.csrf.clone(),
        secret: v.secret.clone(),
        path: v.path.clone(),
    }
}

/// `GET /areas/{id}/kpis/{kpi}/chart.svg`.
pub async fn kpi_chart_svg(
    State(state): State<AppState>,
    viewer: Viewer,
    PagePath((id, kpi)): PagePath<(i64, i64)>,
) -> Response {
    match area_model(&state, &viewer, id).await {
        Ok(s) => match s["kpis"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|k| int(k, "id") == kpi)
        {
            Some(k) => download(text(k, "chart"), "image/svg+xml", &format!("kpi-{kpi}.svg")),
            None => page_error(
                &viewer,
                ApiError::NotFound(format!("area {id} has no KPI {kpi}")),
            ),
        },
        Err(e) => page_error(&viewer, e),
    }
}

/// What the programme view shows.
async fn programme_model(state: &AppState, viewer: &Viewer) -> Result<Value, ApiError> {
    let store = &state.store;
    let scope = domain::readable_scope(store, &viewer.principal).await?;
    let areas = readable_areas(state, &scope).await?;
    let names: HashMap<i64, String> = areas
        .iter()
        .map(|a| {
            let a = Value::Object(a.clone());
            (int(&a, "id"), text(&a, "name"))
        })
        .collect();
    // What `domain::list` does per call, with the readable scope looked up once.
    let domain::Scope {
        areas: readable,
        programmes,
    } = scope;
    let filter = oa_store::Filter {
        equals: vec![],
        area_in: readable.clone(),
        programme_in: programmes.clone(),
    };
    let all = |kind| store.list(kind, &filter, PageRequest::ALL);
    let funds = all(Kind::Fund).await?.items;
    let money = summary::money(store, readable, programmes).await?;
    // Funds and their allocation across areas.
    let fund_rows: Vec<Value> = funds
        .iter()
        .map(|f| {
            let f = Value::Object(f.clone());
            let fid = int(&f, "id");
            let lines: Vec<&summary::MoneyLine> =
                money.iter().filter(|m| m.fund_id == fid).collect();
            let allocated = lines
                .iter()
                .fold(0i64, |t, m| t.saturating_add(m.allocated_pence));
            let mut per_area: BTreeMap<String, i64> = BTreeMap::new();
            for m in &lines {
                let e = per_area
                    .entry(names.get(&m.area_id).cloned().unwrap_or_default())
                    .or_default();
                *e = e.saturating_add(m.allocated_pence);
            }
            json!({
                "id": fid, "name": text(&f, "name"), "total_pence": int(&f, "total_pence"),
                "first_period": f["first_period"], "last_period": f["last_period"],
                "source": f["source"], "allocated_pence": allocated,
                "unallocated_pence": int(&f, "total_pence").saturating_sub(allocated),
                "areas": per_area.into_iter().map(|(a, v)| json!({"area": a, "pence": v})).collect::<Vec<_>>(),
            })
        })
        .collect();
    // Spend against the allocation profile, per area.
    let mut per_area: BTreeMap<i64, (i64, i64, i64)> = BTreeMap::new();
    for m in &money {
        let e = per_area.entry(m.area_id).or_default();
        e.0 = e.0.saturating_add(m.allocated_pence);
        e.1 = e.1.saturating_add(m.committed_pence);
        e.2 = e.2.saturating_add(m.spent_pence);
    }
    let spend: Vec<Value> = per_area
        .iter()
        .map(|(id, (a, c, s))| {
            json!({
                "area_id": id, "area": names.get(id), "allocated_pence": a,
                "committed_pence": c, "spent_pence": s,
                "spent_share": if *a > 0 { format!("{:.1}%", *s as f64 * 100.0 / *a as f64) } else { "-".into() },
            })
        })
        .collect();
    // Research schools and their reach.
    let schools = all(Kind::ResearchSchool).await?.items;
    let activities = all(Kind::ResearchActivity).await?.items;
    let school_rows: Vec<Value> = schools
        .iter()
        .map(|s| {
            let s = Value::Object(s.clone());
            let sid = int(&s, "id");
            let acts: Vec<Value> = activities
                .iter()
                .map(|a| Value::Object(a.clone()))
                .filter(|a| int(a, "research_school_id") == sid)
                .collect();
            json!({
                "name": text(&s, "name"), "area_id": int(&s, "area_id"),
                "area": names.get(&int(&s, "area_id")),
                "activities": acts.len(),
                "schools_reached": acts.iter().map(|a| int(a, "schools_reached")).sum::<i64>(),
                "participants": acts.iter().map(|a| int(a, "participants")).sum::<i64>(),
            })
        })
        .collect();
    // KPIs across areas: the latest actual of each KPI, grouped by KPI name.
    let kpis = all(Kind::Kpi).await?.items;
    let values = all(Kind::KpiValue).await?.items;
    let mut latest: HashMap<i64, Value> = HashMap::new();
    for v in values {
        let v = Value::Object(v);
        if v.get("actual").is_none_or(Value::is_null) {
            continue;
        }
        let k = int(&v, "kpi_id");
        let newer = latest
            .get(&k)
            .is_none_or(|old| text(old, "period") < text(&v, "period"));
        if newer {
            latest.insert(k, v);
        }
    }
    let mut kpi_groups: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    for k in kpis {
        let k = Value::Object(k);
        let l = latest.get(&int(&k, "id"));
        let standing = kpi_standing(&k, l.into_iter());
        *counts.entry(standing.label()).or_default() += 1;
        kpi_groups.entry(text(&k, "name")).or_default().push(json!({
            "area_id": int(&k, "area_id"), "area": names.get(&int(&k, "area_id")),
            "kpi_id": int(&k, "id"), "unit": text(&k, "unit"),
            "baseline": k["baseline_value"], "baseline_period": k["baseline_period"],
            "target": k["target_value"], "target_period": k["target_period"],
            "latest": l.map(|v| v["actual"].clone()), "latest_period": l.map(|v| text(v, "period")),
            "national": l.map(|v| v["national"].clone()),
            "status": status_json(standing),
        }));
    }
    // The headline: money against the profile to date, and the KPIs' standing.
    let today = time::OffsetDateTime::now_utc().date();
    let total =
        |f: fn(&summary::MoneyLine) -> i64| money.iter().map(f).fold(0i64, i64::saturating_add);
    let profile: Vec<(String, i64)> = money
        .iter()
        .map(|m| (m.period.clone(), m.allocated_pence))
        .collect();
    let profiled = progress::profiled_to_date(&profile, (today.year(), u8::from(today.month())));
    let spent = total(|m| m.spent_pence);
    let headline = json!({
        "allocated_pence": total(|m| m.allocated_pence),
        "committed_pence": total(|m| m.committed_pence),
        "spent_pence": spent,
        "profiled_pence": profiled,
        "spent_of_profile": if profiled > 0 { format!("{}%", (spent as f64 * 100.0 / profiled as f64).round()) } else { "none due yet".into() },
        "on_track": counts.get("On track").copied().unwrap_or(0),
        "behind": counts.get("Behind").copied().unwrap_or(0),
        "no_data": counts.get("No data").copied().unwrap_or(0),
    });
    let kpi_groups: Vec<Value> = kpi_groups
        .into_iter()
        .map(|(name, rows)| json!({"name": name, "rows": rows}))
        .collect();
    // Did the programme work? The bundle's overall estimates, when it has an evaluation.
    let (res, _) = results();
    let evaluation = res.and_then(|r| {
        let section = r.study.as_ref().and_then(|st| st.evaluation.as_ref());
        let name = |c: &str| r.district_name(c);
        r.evaluation
            .as_ref()
            .and_then(|ev| evaluation::programme(ev, section, &name))
            .map(|e| json!({"e": e, "index": index_facts(Some(r))}))
    });
    Ok(json!({
        "funds": fund_rows, "spend": spend, "schools": school_rows, "kpis": kpi_groups,
        "money": money, "headline": headline, "evaluation": evaluation,
    }))
}

/// `GET /programme`.
pub async fn programme(State(state): State<AppState>, viewer: Viewer) -> Response {
    match programme_model(&state, &viewer).await {
        Ok(m) => render(
            &viewer,
            "programme.html",
            minijinja::context! {
                title => "Programme", nav => "programme", spend_svg => spend_chart(&m), m => ser(&m),
            },
        ),
        Err(e) => page_error(&viewer, e),
    }
}

/// `GET /programme/money.csv`.
pub async fn programme_money_csv(State(state): State<AppState>, viewer: Viewer) -> Response {
    match programme_model(&state, &viewer).await {
        Ok(m) => csv_response(
            "programme-money",
            to_csv(
                summary::MoneyLine::COLUMNS,
                m["money"].as_array().map_or(&[][..], |v| v),
            ),
        ),
        Err(e) => page_error(&viewer, e),
    }
}

/// `GET /programme/kpis.csv`.
pub async fn programme_kpis_csv(State(state): State<AppState>, viewer: Viewer) -> Response {
    match programme_model(&state, &viewer).await {
        Ok(m) => {
            let mut rows = Vec::new();
            for g in m["kpis"].as_array().into_iter().flatten() {
                for r in g["rows"].as_array().into_iter().flatten() {
                    let mut r = r.clone();
                    r["kpi"] = g["name"].clone();
                    rows.push(r);
                }
            }
            csv_response(
                "programme-kpis",
                to_csv(
                    &[
                        "kpi",
                        "area_id",
                        "area",
                        "kpi_id",
                        "unit",
                        "baseline_period",
                        "baseline",
                        "target_period",
                        "target",
                        "latest_period",
                        "latest",
                        "national",
                    ],
                    &rows,
                ),
            )
        }
        Err(e) => page_error(&viewer, e),
    }
}

/// `GET /programme/schools.csv`.
pub async fn programme_schools_csv(State(state): State<AppState>, viewer: Viewer) -> Response {
    match programme_model(&state, &viewer).await {
        Ok(m) => csv_response(
            "research-schools",
            to_csv(
                &[
                    "name",
                    "area_id",
                    "area",
                    "activities",
                    "schools_reached",
                    "participants",
                ],
                m["schools"].as_array().map_or(&[][..], |v| v),
            ),
        ),
        Err(e) => page_error(&viewer, e),
    }
}

/// The programme's spend against profile as bars.
pub fn spend_chart(m: &Value) -> String {
    let groups: Vec<BarGroup> = m["spend"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| BarGroup {
            label: text(r, "area"),
            values: vec![
                int(r, "allocated_pence"),
                int(r, "committed_pence"),
                int(r, "spent_pence"),
            ],
        })
        .collect();
    charts::money_bars(
        "Spend against allocation, by area",
        &["Allocated", "Granted", "Spent"],
        &groups,
    )
}

/// `GET /programme/spend.svg`.
pub async fn programme_spend_svg(State(state): State<AppState>, viewer: Viewer) -> Response {
    match programme_model(&state, &viewer).await {
        Ok(m) => download(spend_chart(&m), "image/svg+xml", "programme-spend.svg"),
        Err(e) => page_error(&viewer, e),
    }
}

/// `GET /results.csv`: every row of the results bundle as the national view reads it.
pub async fn results_csv() -> Response {
    match results().0 {
        Some(res) => {
            let rows: Vec<Value> = res
                .rows
                .iter()
                .map(|r| serde_json::to_value(r).unwrap_or_default())
                .collect();
            csv_response(
                "results",
                to_csv(&["code", "name", "score", "rank", "band", "p_band"], &rows),
            )
        }
        None => csv_response("results", String::new()),
    }
}

/// `GET /programme/evaluation.csv`: the bundle's `evaluation.csv` (every estimate), or
/// "not found" when it has no evaluation.
pub async fn evaluation_csv(viewer: Viewer) -> Response {
    match results().0.and_then(|r| r.evaluation.as_ref()) {
        Some(ev) => csv_response("evaluation", oa_bundle::csv_text(&ev.estimates_table())),
        None => page_error(
            &viewer,
            ApiError::NotFound("this service's results have no evaluation".into()),
        ),
    }
}

/// `GET /compare?area=3&area=5`: two to four opportunity areas side by side (rank, band,
/// likelihood, money, each KPI's latest figure), each read with the viewer's access.
pub async fn compare(
    State(state): State<AppState>,
    viewer: Viewer,
    uri: axum::http::Uri,
) -> Response {
    let mut ids: Vec<i64> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|kv| kv.strip_prefix("area="))
        .filter_map(|v| v.parse().ok())
        .collect();
    ids.dedup();
    if !(2..=4).contains(&ids.len()) {
        return page_error(
            &viewer,
            ApiError::BadRequest(
                "Choose 2, 3 or 4 areas to compare: go back to the national view and tick them in the table of opportunity areas.".into(),
            ),
        );
    }
    let mut areas = Vec::new();
    for id in ids {
        let s = match area_model(&state, &viewer, id).await {
            Ok(s) => s,
            Err(e) => return super::area_error(&state, &viewer, id, e).await,
        };
        let latest: Vec<Value> = s["kpis"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|k| {
                let last = k["values"]
                    .as_array()
                    .and_then(|v| v.iter().rev().find(|v| !v["actual"].is_null()));
                json!({
                    "name": k["name"], "unit": k["unit"],
                    "actual": last.map(|v| v["actual"].clone()),
                    "period": last.map(|v| v["period"].clone()),
                    "target": k["target_value"], "target_period": k["target_period"],
                })
            })
            .collect();
        areas.push(json!({
            "id": id, "name": s["area"]["name"], "wave": s["area"]["wave"],
            "districts": s["area"]["districts"], "ranks": s["ranks"],
            "money": s["money"], "kpis": latest,
        }));
    }
    let (res, _) = results();
    render(
        &viewer,
        "compare.html",
        minijinja::context! {
            title => "Compare areas",
            nav => "national",
            areas => ser(&areas),
            index => ser(index_facts(res)),
            has_results => res.is_some(),
        },
    )
}
