//! The dashboard pages through the router (no network): status codes by role, sign in,
//! CSRF, the area lead's forms with server-side validation and error summaries, refusal
//! on another area, escaping of user text, and the downloads.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use oa_store::{AnyStore, Filter, Kind, PageRequest, Store};
use oa_web::demo::{self, DemoCredentials};
use oa_web::pages::csrf_token;
use oa_web::{AppState, router};
use serde_json::{Value, json};
use tower::ServiceExt;

struct Resp {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
}

impl Resp {
    fn content_type(&self) -> &str {
        self.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
}

struct App {
    state: AppState,
    creds: DemoCredentials,
    _dir: tempfile::TempDir,
}

/// A signed-in browser: its cookie secret.
struct Session {
    secret: String,
}

impl Session {
    fn csrf(&self) -> String {
        csrf_token(&self.secret)
    }
}

/// The value of a hidden input of a page.
fn hidden_value(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no hidden {name} in {html}"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].replace("&quot;", "\"")
}

fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

fn encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl App {
    async fn new() -> App {
        App::with_settings(oa_web::limits::Settings::default()).await
    }

    async fn with_settings(settings: oa_web::limits::Settings) -> App {
        let dir = tempfile::tempdir().unwrap();
        let store = AnyStore::open(dir.path().join("oa.db").to_str().unwrap())
            .await
            .unwrap();
        let state = AppState::with_settings(store, settings);
        let creds = demo::load(&state).await.unwrap();
        App {
            state,
            creds,
            _dir: dir,
        }
    }

    async fn call(
        &self,
        method: &str,
        uri: &str,
        s: Option<&Session>,
        body: Option<String>,
    ) -> Resp {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(s) = s {
            req = req.header(header::COOKIE, format!("oa_session={}", s.secret));
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(b)),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let resp = router(self.state.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        // Autoescaping writes `/` and `'` as entities; the tests read text as people do.
        let text = String::from_utf8_lossy(&bytes)
            .replace("&#x2f;", "/")
            .replace("&#x27;", "'");
        Resp {
            status,
            headers,
            text,
        }
    }

    async fn get(&self, uri: &str, s: Option<&Session>) -> Resp {
        self.call("GET", uri, s, None).await
    }

    async fn post(&self, uri: &str, s: Option<&Session>, pairs: &[(&str, &str)]) -> Resp {
        self.call("POST", uri, s, Some(form(pairs))).await
    }

    async fn sign_in(&self, email: &str, password: &str) -> Session {
        let r = self
            .post(
                "/sign-in",
                None,
                &[("email", email), ("password", password), ("next", "/")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let cookie = r.headers[header::SET_COOKIE].to_str().unwrap().to_string();
        let secret = cookie
            .strip_prefix("oa_session=")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        Session { secret }
    }

    async fn lead(&self) -> Session {
        self.sign_in(&self.creds.lead_email, &self.creds.lead_password)
            .await
    }

    async fn board_member(&self) -> Session {
        self.sign_in(&self.creds.board_email, &self.creds.board_password)
            .await
    }

    async fn admin(&self) -> Session {
        self.sign_in(&self.creds.admin_email, &self.creds.admin_password)
            .await
    }

    async fn area_id(&self, code: &str) -> i64 {
        self.records(Kind::Area, vec![("code", json!(code))]).await[0]["id"]
            .as_i64()
            .unwrap()
    }

    async fn records(&self, kind: Kind, equals: Vec<(&'static str, Value)>) -> Vec<Value> {
        self.state
            .store
            .list(
                kind,
                &Filter {
                    equals,
                    ..Default::default()
                },
                PageRequest::ALL,
            )
            .await
            .unwrap()
            .items
            .into_iter()
            .map(Value::Object)
            .collect()
    }

    /// KPI `kpi`'s stored row for `period` (none or one).
    async fn kpi_value(&self, kpi: i64, period: &str) -> Vec<Value> {
        self.records(
            Kind::KpiValue,
            vec![("kpi_id", json!(kpi)), ("period", json!(period))],
        )
        .await
    }

    /// The first KPI of an area.
    async fn kpi_of(&self, area: i64) -> i64 {
        let mut k = self
            .records(Kind::Kpi, vec![("area_id", json!(area))])
            .await;
        k.sort_by_key(|k| k["id"].as_i64());
        k[0]["id"].as_i64().unwrap()
    }
}

#[tokio::test]
async fn national_view_lists_the_areas_for_anyone() {
    let app = App::new().await;
    let r = app.get("/", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type().starts_with("text/html"));
    assert!(r.text.contains("<html lang=\"en\""));
    assert!(
        r.text
            .contains("<p class=\"govuk-body-s\" id=\"areas-count\" aria-live=\"polite\">12 opportunity areas</p>"),
        "{}",
        r.text
    );
    let blackpool = app.area_id("OA03").await;
    assert!(
        r.text
            .contains(&format!("href=\"/areas/{blackpool}\">Blackpool</a>"))
    );
    // Without OA_DATA_DIR the map is drawn on the built-in ONS districts, credited, with
    // its key in HTML beside it and small districts drawn as circles.
    assert!(!r.text.contains("id=\"map-note\""), "no map");
    assert!(r.text.contains("<figure class=\"oa-map\""));
    assert!(
        r.text
            .contains("Open Government Licence v3.0. Contains OS data")
    );
    assert!(r.text.contains("id=\"map-key\""));
    assert!(
        r.text.contains("Wave 1 (6)") && r.text.contains("Wave 2 (7)"),
        "the key"
    );
    assert!(r.text.contains("drawn as circles:") && r.text.contains("Blackpool, "));
    assert!(
        r.text.contains("<title>Hastings: Wave 2</title>"),
        "Hastings' tooltip"
    );
    // No text in the map is smaller than 14 px.
    for size in r.text.split("font-size=\"").skip(1) {
        let size: f64 = size[..size.find('"').unwrap()].parse().unwrap();
        assert!(size >= 14.0, "text of {size} px on the map");
    }
    assert!(r.text.contains("Sign in"));
    // Without an evaluation in the results, the programme page has no evaluation heading.
    let programme = app.get("/programme", None).await;
    assert!(!programme.text.contains("id=\"evaluation\""));
    assert!(!programme.text.contains("Did the programme work?"));

    // Server-side filtering and sorting (no JavaScript needed).
    let r = app.get("/?q=fenland", None).await;
    assert!(
        r.text
            .contains("1 of 12 opportunity areas match \"fenland\""),
        "{}",
        r.text
    );
    assert!(r.text.contains("Fenland and East Cambridgeshire"));
    assert!(!r.text.contains(">Blackpool</a>"));
    let r = app.get("/?sort=allocated_pence&dir=desc", None).await;
    let first_blackpool = r.text.find(">Blackpool</a>").unwrap();
    let first_somerset = r.text.find(">West Somerset</a>").unwrap();
    assert!(
        first_blackpool < first_somerset,
        "Blackpool has the largest allocation"
    );

    let csv = app.get("/areas.csv?q=derby", None).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type().starts_with("text/csv"));
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(lines.len(), 2, "{}", csv.text);
    assert!(lines[0].starts_with("id,code,name,wave"));
    assert!(lines[1].contains("Derby"));
    // The map downloads, drawn on the built-in boundaries, with names in its tooltips.
    let svg = app.get("/map.svg", None).await;
    assert_eq!(svg.status, StatusCode::OK);
    assert!(svg.content_type().starts_with("image/svg+xml"));
    assert!(svg.text.contains("<title>Blackpool: Wave 1</title>"));
    // A page that does not exist is a page, not an API problem document.
    let r = app.get("/no-such-page", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.content_type().starts_with("text/html"), "{}", r.text);
    assert!(r.text.contains("Page not found"), "{}", r.text);
    let r = app.get("/areas/abc", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text.contains("Page not found"), "{}", r.text);
    assert!(r.text.contains("check it is correct"), "{}", r.text);
    let r = app.get("/api/no-such-route/x/y", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.text.contains("no such API route"), "{}", r.text);
}

#[tokio::test]
async fn area_profile_shows_plan_kpis_money_and_downloads() {
    let app = App::new().await;
    let id = app.area_id("OA03").await;
    let r = app.get(&format!("/areas/{id}"), None).await;
    assert_eq!(r.status, StatusCode::OK);
    for needle in [
        "Blackpool",
        "Board and partners",
        "Raise attainment and progress in schools",
        "KS2 reading, writing and maths at the expected standard",
        "<svg",
        "class=\"point-actual\"",
        "Series break 2019/20",
        "£1,970,000",
        "Research schools",
    ] {
        assert!(r.text.contains(needle), "missing {needle}");
    }
    // Anonymous readers get no edit links.
    assert!(!r.text.contains("Record an actual"));
    let kpi = app.kpi_of(id).await;
    let svg = app
        .get(&format!("/areas/{id}/kpis/{kpi}/chart.svg"), None)
        .await;
    assert_eq!(svg.status, StatusCode::OK);
    assert_eq!(svg.content_type(), "image/svg+xml");
    assert!(svg.text.starts_with("<svg") && svg.text.ends_with("</svg>"));
    let png = app
        .get(&format!("/areas/{id}/kpis/{kpi}/chart.png"), None)
        .await;
    assert_eq!(png.status, StatusCode::OK);
    assert_eq!(png.content_type(), "image/png");
    let csv = app.get(&format!("/areas/{id}/kpis.csv"), None).await;
    assert!(csv.text.contains("2016/17,62.0,62.0"), "{}", csv.text);
    let money = app.get(&format!("/areas/{id}/money.csv"), None).await;
    assert!(
        money
            .text
            .lines()
            .next()
            .unwrap()
            .contains("allocated_pence")
    );
    let bars = app.get(&format!("/areas/{id}/money.svg"), None).await;
    assert!(bars.text.contains("Allocated"));
    assert_eq!(
        app.get("/areas/99999", None).await.status,
        StatusCode::NOT_FOUND
    );

    let p = app.get("/programme", None).await;
    assert_eq!(p.status, StatusCode::OK);
    assert!(p.text.contains("Spend against allocation"));
    assert!(
        p.text
            .contains("Opportunity areas core, years 1-3 (2017-20)")
    );
    assert!(p.text.contains("Research School (demo name)"));
    assert!(
        p.text
            .contains("Meaningful employer encounters per pupil aged 11-18")
    );
    for csv in [
        "/programme/money.csv",
        "/programme/kpis.csv",
        "/programme/schools.csv",
    ] {
        let r = app.get(csv, None).await;
        assert_eq!(r.status, StatusCode::OK, "{csv}");
        assert!(r.text.lines().count() > 12, "{csv}: {}", r.text);
    }
}

#[tokio::test]
async fn sign_in_errors_and_sign_out() {
    let app = App::new().await;
    let r = app
        .post(
            "/sign-in",
            None,
            &[("email", &app.creds.lead_email), ("password", "wrong")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text.contains("There is a problem"));
    assert!(r.text.contains("The email address or password is wrong"));
    let r = app
        .post("/sign-in", None, &[("email", ""), ("password", "")])
        .await;
    assert!(r.text.contains("href=\"#email\">Enter your email address"));
    // Inline as well as in the summary, in the same words.
    for (id, text) in [
        ("email", "Enter your email address"),
        ("password", "Enter your password"),
    ] {
        assert!(r.text.contains(&format!("id=\"{id}-error\"")), "{}", r.text);
        assert_eq!(r.text.matches(text).count(), 2, "{text}");
    }
    // The return path stays on the site.
    let r = app
        .post(
            "/sign-in",
            None,
            &[
                ("email", &app.creds.lead_email),
                ("password", &app.creds.lead_password),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.headers[header::LOCATION], "/");

    let s = app.lead().await;
    let home = app.get("/", Some(&s)).await;
    assert!(home.text.contains("Signed in as"));
    assert!(home.text.contains("(area lead)"));
    // Sign out needs the session's token.
    let r = app.post("/sign-out", Some(&s), &[("csrf", "forged")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post("/sign-out", Some(&s), &[("csrf", &s.csrf())])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // The old cookie no longer signs anyone in: the page reads as signed out.
    let home = app.get("/", Some(&s)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(!home.text.contains("Signed in as"));
}

#[tokio::test]
async fn area_lead_records_a_kpi_actual_with_validation() {
    let app = App::new().await;
    let s = app.lead().await;
    let id = app.area_id("OA03").await;
    let kpi = app.kpi_of(id).await;
    let url = format!("/areas/{id}/kpis/{kpi}/actual");
    let page = app.get(&format!("/areas/{id}"), Some(&s)).await;
    assert!(page.text.contains(&format!("href=\"{url}\"")));
    let f = app.get(&url, Some(&s)).await;
    assert_eq!(f.status, StatusCode::OK);
    assert!(f.text.contains(&format!("value=\"{}\"", s.csrf())));

    // Not a number: the error summary links to the field, and the value is kept.
    let r = app
        .post(
            &url,
            Some(&s),
            &[
                ("csrf", &s.csrf()),
                ("period", "2018/19"),
                ("actual", "lots"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("govuk-error-summary"));
    assert!(r.text.contains("href=\"#actual\""));
    assert!(r.text.contains("Enter the figure as a number, like 62.5"));
    assert!(r.text.contains("value=\"lots\""));
    // A year outside the plan, said with the plan's years (no ids, no field names).
    let r = app
        .post(
            &url,
            Some(&s),
            &[("csrf", &s.csrf()), ("period", "2030/31"), ("actual", "60")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text
            .contains("Enter a year from 2016/17 to 2021/22: the years the plan covers"),
        "{}",
        r.text
    );
    assert!(r.text.contains("href=\"#period\""));
    // Wrong kind of period.
    let r = app
        .post(
            &url,
            Some(&s),
            &[("csrf", &s.csrf()), ("period", "2018/20"), ("actual", "60")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Enter two years in a row, like 2019/20"));
    // No token: refused before anything is written.
    let r = app
        .post(&url, Some(&s), &[("period", "2018/19"), ("actual", "60")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A good one, with a note that tries to inject markup.
    let r = app
        .post(
            &url,
            Some(&s),
            &[
                ("csrf", &s.csrf()),
                ("period", "2018/19"),
                ("actual", "64.5"),
                ("national", "65"),
                ("note", "<script>alert(1)</script>"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(
        r.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .starts_with(&format!("/areas/{id}?saved=kpi"))
    );
    // The success banner is in view, and links on to what changed.
    let location = r.headers[header::LOCATION].to_str().unwrap();
    assert!(location.ends_with("#saved"), "{location}");
    let page = app.get(location, Some(&s)).await;
    assert!(page.text.contains("The figure was saved."));
    assert!(page.text.contains("id=\"saved\""));
    assert!(
        page.text
            .contains(&format!("href=\"#kpi-{kpi}\">See what changed"))
    );
    assert!(
        page.text.contains("Actual 2018/19: 64.5 %"),
        "the chart shows the new point"
    );
    assert!(page.text.contains("&lt;script&gt;alert(1)&lt;"));
    assert!(!page.text.contains("<script>alert(1)</script>"));
    let stored = app.kpi_value(kpi, "2018/19").await;
    assert_eq!(stored[0]["actual"], json!(64.5));
}

#[tokio::test]
async fn other_areas_and_other_roles_are_refused() {
    let app = App::new().await;
    let s = app.lead().await;
    let derby = app.area_id("OA05").await;
    let kpi = app.kpi_of(derby).await;
    let url = format!("/areas/{derby}/kpis/{kpi}/actual");
    // Another area's profile is readable (published) but has no edit links.
    let page = app.get(&format!("/areas/{derby}"), Some(&s)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains("Record a figure"));
    let r = app.get(&url, Some(&s)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Names, not ids: whose page this is and which area the account is for.
    assert!(r.text.contains("You do not have access to this page"));
    assert!(
        r.text.contains("You are the area lead for Blackpool.")
            && r.text.contains("This page is Derby's."),
        "{}",
        r.text
    );
    assert!(!r.text.contains(&format!("area {derby}")), "{}", r.text);
    let r = app
        .post(
            &url,
            Some(&s),
            &[("csrf", &s.csrf()), ("period", "2019/20"), ("actual", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(app.kpi_value(kpi, "2019/20").await.is_empty());
    let r = app.get(&format!("/areas/{derby}/spend"), Some(&s)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Signed out: asked to sign in.
    let r = app.get(&url, None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // ...and signing in comes back to the page asked for.
    assert!(
        r.text.contains(&format!(
            "href=\"/sign-in?next=/areas/{derby}/kpis/{kpi}/actual\""
        )),
        "{}",
        r.text
    );
    // A KPI of another area under this area's path is not found.
    let mine = app.area_id("OA03").await;
    let r = app
        .get(&format!("/areas/{mine}/kpis/{kpi}/actual"), Some(&s))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The admin may edit anywhere.
    let a = app.admin().await;
    assert_eq!(app.get(&url, Some(&a)).await.status, StatusCode::OK);
}

#[tokio::test]
async fn spend_returns_and_plan_changes_follow_the_money_and_version_rules() {
    let app = App::new().await;
    let s = app.lead().await;
    let id = app.area_id("OA03").await;
    let grants = app.records(Kind::Grant, vec![("area_id", json!(id))]).await;
    let grant = grants[0]["id"].as_i64().unwrap().to_string();
    let url = format!("/areas/{id}/spend");
    let r = app.get(&url, Some(&s)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains(&format!("<option value=\"{grant}\"")));
    // Far above the grant: the store's guard, as an error on the amount.
    let r = app
        .post(
            &url,
            Some(&s),
            &[
                ("csrf", &s.csrf()),
                ("grant_id", &grant),
                ("month", "2019-03"),
                ("amount", "999999999"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    // Said with the figures and where to act, in the same words inline and in the summary.
    let msg = "Enter £1,200,000 or less: the grant is £1,800,000 and £600,000 of it is spent already (a national admin can raise the grant)";
    assert_eq!(r.text.matches(msg).count(), 2, "{}", r.text);
    assert!(r.text.contains("href=\"#amount\""));
    // Amounts and months the way people write them.
    let r = app
        .post(
            &url,
            Some(&s),
            &[
                ("csrf", &s.csrf()),
                ("grant_id", &grant),
                ("month", "April 2019"),
                ("amount", "£12,500"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        app.records(
            Kind::SpendReturn,
            vec![("area_id", json!(id)), ("month", json!("2019-04"))]
        )
        .await[0]["amount_pence"],
        json!(1_250_000)
    );
    // A negative amount is said in pounds, never in pence or by field name.
    let r = app
        .post(
            &url,
            Some(&s),
            &[
                ("csrf", &s.csrf()),
                ("grant_id", &grant),
                ("month", "03/2019"),
                ("amount", "-100"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("Enter an amount of £0 or more"),
        "{}",
        r.text
    );
    assert!(!r.text.contains("pence") && !r.text.contains("amount_pence"));
    let r = app
        .post(
            &url,
            Some(&s),
            &[
                ("csrf", &s.csrf()),
                ("grant_id", &grant),
                ("month", "March"),
                ("amount", "12.345"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Enter the amount in pounds"));
    let before = app
        .records(Kind::SpendReturn, vec![("area_id", json!(id))])
        .await
        .len();
    let r = app
        .post(
            &url,
            Some(&s),
            &[
                ("csrf", &s.csrf()),
                ("grant_id", &grant),
                ("month", "2019-03"),
                ("amount", "1,250.50"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let after = app
        .records(Kind::SpendReturn, vec![("area_id", json!(id))])
        .await;
    assert_eq!(after.len(), before + 1);
    assert!(after.iter().any(|x| x["amount_pence"] == json!(125_050)));

    let plan = app.records(Kind::Plan, vec![("area_id", json!(id))]).await[0].clone();
    let pid = plan["id"].as_i64().unwrap();
    let url = format!("/areas/{id}/plans/{pid}");
    // The form carries the version it edits.
    let version = hidden_value(&app.get(&url, Some(&s)).await.text, "version");
    let r = app
        .post(
            &url,
            Some(&s),
            &[
                ("csrf", &s.csrf()),
                ("version", &version),
                ("title", ""),
                ("first_period", "2017/18"),
                ("last_period", "2016/17"),
                ("published_on-day", "31"),
                ("published_on-month", "2"),
                ("published_on-year", "2017"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Every problem in one pass, in the order of the fields, each inline and in the summary.
    let problems = [
        "Enter the plan's title",
        "The last year must be the same as or after the first year",
        "Date published must be a real date",
    ];
    let mut at = 0;
    for p in problems {
        assert_eq!(r.text.matches(p).count(), 2, "{p}: {}", r.text);
        let found = r.text[at..]
            .find(p)
            .unwrap_or_else(|| panic!("{p} out of order"));
        at += found;
    }
    assert!(
        r.text.contains("href=\"#published_on-day\""),
        "the date's error links to its day box"
    );
    let summary = &r.text[r.text.find("govuk-error-summary__list").unwrap()..];
    let summary = &summary[..summary.find("</ul>").unwrap()];
    for item in summary.split("\">").skip(1) {
        let text = &item[..item.find('<').unwrap_or(item.len())];
        assert!(!text.contains('_'), "no field names: {text}");
    }
    let r = app
        .post(
            &url,
            Some(&s),
            &[
                ("csrf", &s.csrf()),
                ("version", &version),
                ("title", "Blackpool plan (revised)"),
                ("first_period", "2017/2018"),
                ("last_period", "2021/22"),
                ("published_on-day", "20"),
                ("published_on-month", "Nov"),
                ("published_on-year", "2017"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let stored = app.records(Kind::Plan, vec![("area_id", json!(id))]).await[0].clone();
    assert_eq!(stored["first_period"], "2017/18");
    assert_eq!(stored["published_on"], "2017-11-20");
    // A second form opened on the old version is refused, not saved over the change.
    let r = app
        .post(
            &url,
            Some(&s),
            &[
                ("csrf", &s.csrf()),
                ("version", &version),
                ("title", "An older edit"),
                ("first_period", "2017/18"),
                ("last_period", "2020/21"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::PRECONDITION_FAILED, "{}", r.text);
    assert!(
        r.text.contains("Someone else changed this plan"),
        "{}",
        r.text
    );
    // The refused form now carries the current version: sending it again saves.
    let current = hidden_value(&r.text, "version");
    assert_ne!(current, version);
    let plan = app.records(Kind::Plan, vec![("id", json!(pid))]).await[0].clone();
    assert_eq!(plan["title"], "Blackpool plan (revised)");
    // The demo's plan was version 1; one change makes version 2, with its snapshot.
    assert_eq!(plan["version"], json!(2));
    let versions = app
        .records(Kind::PlanVersion, vec![("plan_id", json!(pid))])
        .await;
    assert_eq!(versions.len(), 2);
}

#[test]
fn the_national_map_is_small_enough_for_a_page() {
    // The demo's districts on the shared ONS boundaries, as the national view draws them.
    let topo = oa_testkit::shared_data("geo/onsvisual-uk-topojson/topo.json");
    let layer = oa_geo::load_boundaries(
        &topo,
        &oa_geo::LoadOptions {
            layer: Some("ltla".into()),
            year: Some(2018),
            ..Default::default()
        },
    )
    .unwrap();
    let codes: Vec<String> = [
        "E07000191",
        "E07000148",
        "E06000009",
        "E08000004",
        "E07000010",
        "E07000009",
    ]
    .iter()
    .map(|c| c.to_string())
    .collect();
    let spec = oa_web::pages::map::MapSpec {
        title: "Opportunity areas by wave".into(),
        column: "wave".into(),
        cells: codes.iter().map(|_| "wave 1".to_string()).collect(),
        highlight: codes.clone(),
        codes,
        categorical: true,
        highlight_label: "opportunity area".into(),
        fill_rest: Some("other".into()),
    };
    let svg = oa_web::pages::map::draw(&layer, &spec).unwrap();
    assert!(
        svg.starts_with("<svg") || svg.starts_with("<?xml"),
        "{}",
        &svg[..80]
    );
    assert!(svg.contains("wave 1"));
    // Every other English district is drawn as "other", so none is missing.
    assert!(!svg.contains("no data"), "districts left as missing data");
    assert!(svg.len() < 400_000, "map is {} bytes", svg.len());
}

/// A viewer account (the demo has none).
async fn add_viewer(app: &App) -> Session {
    let admin = oa_web::auth::Principal::system("test");
    oa_web::api::add_user(
        &app.state,
        &admin,
        json!({"email": "viewer@example.org", "name": "A viewer", "role": "viewer", "password": "viewer-password"}),
    )
    .await
    .unwrap();
    app.sign_in("viewer@example.org", "viewer-password").await
}

#[tokio::test]
async fn board_member_comments_on_their_area_and_sees_it() {
    let app = App::new().await;
    let s = app.board_member().await;
    let blackpool = app.area_id("OA03").await;
    let page = app.get(&format!("/areas/{blackpool}"), Some(&s)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("id=\"comments\""));
    assert!(page.text.contains("No comments yet."));
    assert!(
        page.text
            .contains(&format!("action=\"/areas/{blackpool}/comments\""))
    );
    // A board member gets the comment form but no edit links.
    assert!(!page.text.contains("Record an actual"));

    let url = format!("/areas/{blackpool}/comments");
    let text = "Attendance at the careers fair was up.\nMore employers next term.";
    let r = app
        .post(&url, Some(&s), &[("csrf", &s.csrf()), ("body", text)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        r.headers[header::LOCATION],
        format!("/areas/{blackpool}?saved=comment&at=comments#saved").as_str()
    );
    let stored = app
        .records(Kind::Comment, vec![("area_id", json!(blackpool))])
        .await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0]["body"], text);
    let page = app
        .get(&format!("/areas/{blackpool}?saved=comment"), Some(&s))
        .await;
    assert!(page.text.contains("Your comment was added."));
    assert!(page.text.contains("Demo board member (Blackpool)"));
    assert!(page.text.contains("Attendance at the careers fair was up."));
    assert!(!page.text.contains("No comments yet."));
    // Comments are the partnership's: not shown to anyone signed out (or to viewers),
    // and in the CSV for the area's own people.
    let anon = app.get(&format!("/areas/{blackpool}"), None).await;
    assert_eq!(anon.status, StatusCode::OK);
    assert!(!anon.text.contains("Attendance at the careers fair was up."));
    assert!(!anon.text.contains("id=\"comments\""));
    let csv = app
        .get(&format!("/areas/{blackpool}/comments.csv"), None)
        .await;
    assert_eq!(csv.status, StatusCode::UNAUTHORIZED);
    let csv = app
        .get(&format!("/areas/{blackpool}/comments.csv"), Some(&s))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type().starts_with("text/csv"));
    let first = csv.text.lines().next().unwrap();
    assert_eq!(first, "id,created_at,author_id,author,subject,body");
    assert!(csv.text.contains("Demo board member (Blackpool)"));
    assert!(csv.text.contains("More employers next term."));

    // The same domain rules as the API: empty and over-long text get an error summary.
    for (body, expect) in [
        ("   ".to_string(), "Enter your comment"),
        (
            "x".repeat(2001),
            "Comment must be 2,000 characters or fewer",
        ),
    ] {
        let r = app
            .post(&url, Some(&s), &[("csrf", &s.csrf()), ("body", &body)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
        assert!(r.text.contains("govuk-error-summary"), "{}", r.text);
        assert!(r.text.contains("href=\"#body\""), "{}", r.text);
        assert!(r.text.contains(expect), "{expect}: {}", r.text);
        assert!(r.text.contains("<title>Error: "), "{}", r.text);
    }
    let r = app
        .post(
            &url,
            Some(&s),
            &[("csrf", &s.csrf()), ("body", &"y".repeat(2000))],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "2000 characters are allowed"
    );
    // Without the session's CSRF token: refused, nothing stored.
    let r = app
        .post(&url, Some(&s), &[("csrf", "forged"), ("body", "sneaky")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.records(Kind::Comment, vec![("area_id", json!(blackpool))])
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn comments_are_refused_on_another_area_and_for_viewers() {
    let app = App::new().await;
    let s = app.board_member().await;
    let derby = app.area_id("OA05").await;
    let url = format!("/areas/{derby}/comments");
    let page = app.get(&format!("/areas/{derby}"), Some(&s)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.text.contains(&format!("action=\"{url}\"")));
    assert_eq!(app.get(&url, Some(&s)).await.status, StatusCode::FORBIDDEN);
    // Refused before validation: an empty comment on another area is a 403 too.
    for body in ["On Derby's plan", ""] {
        let r = app
            .post(&url, Some(&s), &[("csrf", &s.csrf()), ("body", body)])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
        assert!(
            r.text.contains("You are a board member for Blackpool")
                && r.text.contains("This page is Derby's."),
            "{}",
            r.text
        );
    }

    let v = add_viewer(&app).await;
    let blackpool = app.area_id("OA03").await;
    let mine = format!("/areas/{blackpool}/comments");
    let page = app.get(&format!("/areas/{blackpool}"), Some(&v)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.text.contains("id=\"comments\""),
        "a viewer does not read the partnership's comments"
    );
    assert!(!page.text.contains(&format!("action=\"{mine}\"")));
    assert_eq!(app.get(&mine, Some(&v)).await.status, StatusCode::FORBIDDEN);
    let r = app
        .post(&mine, Some(&v), &[("csrf", &v.csrf()), ("body", "hello")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Signed out: no form, and a POST asks to sign in.
    let anon = app.get(&format!("/areas/{blackpool}"), None).await;
    assert!(!anon.text.contains(&format!("action=\"{mine}\"")));
    let r = app.post(&mine, None, &[("body", "hello")]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        app.records(Kind::Comment, vec![]).await.is_empty(),
        "no comment was stored"
    );
    // The area lead and the admin may comment on Blackpool.
    let lead = app.lead().await;
    let page = app.get(&format!("/areas/{blackpool}"), Some(&lead)).await;
    assert!(page.text.contains(&format!("action=\"{mine}\"")));
    let r = app
        .post(
            &mine,
            Some(&lead),
            &[("csrf", &lead.csrf()), ("body", "From the lead")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let a = app.admin().await;
    let r = app
        .post(
            &url,
            Some(&a),
            &[("csrf", &a.csrf()), ("body", "From the admin")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.records(Kind::Comment, vec![]).await.len(), 2);
}

#[tokio::test]
async fn comment_text_is_escaped() {
    let app = App::new().await;
    let s = app.board_member().await;
    let blackpool = app.area_id("OA03").await;
    let evil = "<script>alert('x')</script> & <b>bold</b>";
    let r = app
        .post(
            &format!("/areas/{blackpool}/comments"),
            Some(&s),
            &[("csrf", &s.csrf()), ("body", evil)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/areas/{blackpool}"), Some(&s)).await;
    assert!(!page.text.contains("<script>alert"), "script not escaped");
    assert!(!page.text.contains("<b>bold</b>"));
    assert!(
        page.text.contains("&lt;script&gt;alert("),
        "escaped text shown"
    );
    // A failed form keeps the text, escaped too.
    let r = app
        .post(
            &format!("/areas/{blackpool}/comments"),
            Some(&s),
            &[
                ("csrf", &s.csrf()),
                ("body", &format!("{evil}{}", "z".repeat(2000))),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!r.text.contains("<script>alert"));
    assert!(r.text.contains("&lt;script&gt;"));
    // In the CSV, a comment a spreadsheet would run as a formula is defused.
    let r = app
        .post(
            &format!("/areas/{blackpool}/comments"),
            Some(&s),
            &[("csrf", &s.csrf()), ("body", "=HYPERLINK(\"http://x\")")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let csv = app
        .get(&format!("/areas/{blackpool}/comments.csv"), Some(&s))
        .await;
    assert!(csv.text.contains(",\"'=HYPERLINK("), "{}", csv.text);
    assert!(
        csv.text.contains("<script>alert('x')</script>"),
        "CSV keeps the text"
    );
}

/// The Blackpool KPI with published figures (KS2, 62% in 2016/17, COVID series breaks).
async fn blackpool_ks2(app: &App) -> (i64, i64) {
    let id = app.area_id("OA03").await;
    let kpis = app.records(Kind::Kpi, vec![("area_id", json!(id))]).await;
    let k = kpis
        .iter()
        .find(|k| k["name"].as_str().unwrap().starts_with("KS2"))
        .unwrap();
    (id, k["id"].as_i64().unwrap())
}

#[tokio::test]
async fn kpi_figures_are_checked_changes_need_a_reason_and_keep_their_history() {
    let app = App::new().await;
    let s = app.lead().await;
    let (id, kpi) = blackpool_ks2(&app).await;
    let url = format!("/areas/{id}/kpis/{kpi}/actual");
    let post = |pairs: Vec<(&'static str, String)>| {
        let (app, s, url) = (&app, &s, url.clone());
        async move {
            let mut all: Vec<(&str, &str)> = vec![("csrf", "")];
            let csrf = s.csrf();
            all[0].1 = &csrf;
            all.extend(pairs.iter().map(|(k, v)| (*k, v.as_str())));
            app.post(&url, Some(s), &all).await
        }
    };
    // Outside a percentage's range, both ways, in one pass.
    let r = post(vec![
        ("period", "2017/18".into()),
        ("actual", "150".into()),
        ("national", "-5".into()),
    ])
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.text
            .matches("Enter the figure as a percentage from 0 to 100")
            .count(),
        2,
        "inline and in the summary: {}",
        r.text
    );
    assert!(
        r.text
            .contains("Enter the national figure as a percentage from 0 to 100")
    );
    // The form shows the unit as a suffix.
    assert!(r.text.contains("govuk-input__suffix"));

    // A figure that cannot be read is the only problem said: no reason is asked for yet.
    let r = post(vec![
        ("period", "2016/17".into()),
        ("actual", "sixty".into()),
        ("national", "62".into()),
    ])
    .await;
    assert!(r.text.contains("Enter the figure as a number"));
    assert!(!r.text.contains("Give a reason"), "{}", r.text);

    // Changing the published 2016/17 figure (62) shows the old value and asks why.
    let form = app.get(&format!("{url}?period=2016%2F17"), Some(&s)).await;
    assert!(
        form.text
            .contains("The figure recorded for 2016/17 is 62 (national 62)"),
        "{}",
        form.text
    );
    assert!(form.text.contains("value=\"62\""));
    let r = post(vec![
        ("period", "2016/2017".into()),
        ("actual", "10%".into()),
        ("national", "62".into()),
    ])
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(
        r.text
            .contains("Give a reason for changing the 2016/17 figure from 62 to 10"),
        "{}",
        r.text
    );
    assert!(r.text.contains("href=\"#reason\""));
    let stored = app.kpi_value(kpi, "2016/17").await;
    assert_eq!(stored[0]["actual"], json!(62.0), "nothing was overwritten");
    let r = post(vec![
        ("period", "2016/2017".into()),
        ("actual", "10%".into()),
        ("national", "62".into()),
        ("reason", "Typing error in the return".into()),
    ])
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    // A year marked as a series break (no assessments in 2020) needs a reason too.
    let r = post(vec![("period", "2019/20".into()), ("actual", "55".into())]).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains(
            "Give a reason for recording a figure for 2019/20: that year is marked as a break in the series (no statutory assessments in 2020 (COVID-19))"
        ),
        "{}",
        r.text
    );
    // The API says the same (the rule is the domain's, not the form's).
    let api = app
        .state
        .store
        .list(
            Kind::SeriesBreak,
            &Filter {
                equals: vec![("kpi_id", json!(kpi))],
                ..Default::default()
            },
            PageRequest::ALL,
        )
        .await
        .unwrap();
    assert_eq!(api.items.len(), 2);

    // The history: who, when, old, new, why; the public sees roles, the area's people names.
    let page = app.get(&format!("/areas/{id}?saved=kpi"), Some(&s)).await;
    assert!(page.text.contains("The figure was saved."));
    assert!(page.text.contains("History of these figures"));
    assert!(page.text.contains("Typing error in the return"));
    let lead_name = app
        .state
        .store
        .user_by_email(&app.creds.lead_email)
        .await
        .unwrap()
        .unwrap()
        .name;
    let history = &page.text[page.text.find("History of these figures").unwrap()..];
    let row = history
        .split("<tr class=\"govuk-table__row\">")
        .find(|r| r.contains("Typing error"))
        .unwrap();
    assert!(row.contains(&lead_name), "{row}");
    assert!(
        row.contains(">Changed<") && row.contains(">62<") && row.contains(">10<"),
        "{row}"
    );
    assert!(row.contains(" UTC"), "when: {row}");
    let public = app.get(&format!("/areas/{id}"), None).await;
    assert!(public.text.contains("Typing error in the return"));
    assert!(!public.text.contains(&lead_name), "no names for the public");
    assert!(public.text.contains("The area lead"));
    // ...and in the CSV.
    let csv = app
        .get(&format!("/areas/{id}/kpi-history.csv"), Some(&s))
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let line = csv
        .text
        .lines()
        .find(|l| l.contains("Typing error"))
        .unwrap_or_else(|| panic!("{}", csv.text));
    assert!(
        line.contains("2016/17") && line.contains(",Changed,62,10,62,62,"),
        "{line}"
    );
    assert!(
        csv.text
            .starts_with("kpi,year,changed_at,changed_by,change,old_figure,new_figure")
    );
}

#[tokio::test]
async fn lead_figures_wait_as_drafts_until_an_admin_approves_them() {
    let app = App::with_settings(oa_web::limits::Settings {
        kpi_drafts: true,
        ..Default::default()
    })
    .await;
    let s = app.lead().await;
    let (id, kpi) = blackpool_ks2(&app).await;
    let url = format!("/areas/{id}/kpis/{kpi}/actual");
    let r = app
        .post(
            &url,
            Some(&s),
            &[
                ("csrf", &s.csrf()),
                ("period", "2016/17"),
                ("actual", "64"),
                ("national", "62"),
                ("reason", "Revised figures published"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(
        r.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .contains("saved=kpi-draft")
    );
    // A new year's figure waits as well, and the public does not see it.
    let r = app
        .post(
            &url,
            Some(&s),
            &[("csrf", &s.csrf()), ("period", "2017/18"), ("actual", "66")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let public = app.get(&format!("/areas/{id}"), None).await;
    assert!(!public.text.contains("Drafts waiting"));
    let start = public.text.find(&format!("id=\"kpi-{kpi}\"")).unwrap();
    let section = &public.text[start..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(section.contains(">2016/17<"));
    assert!(
        !section.contains("<td class=\"govuk-table__cell\">2017/18"),
        "a draft-only year is not published: {section}"
    );
    assert!(
        !section.contains("Draft proposed"),
        "nor is the draft's history"
    );
    let stored = app.kpi_value(kpi, "2016/17").await;
    assert_eq!(
        stored[0]["actual"],
        json!(62.0),
        "published figure unchanged"
    );
    let lead_page = app.get(&format!("/areas/{id}"), Some(&s)).await;
    assert!(lead_page.text.contains("Drafts waiting for approval"));
    assert!(
        !lead_page.text.contains("/approve\""),
        "leads cannot approve"
    );
    // The lead cannot approve their own draft.
    let value = stored[0]["id"].as_i64().unwrap();
    let approve = format!("/areas/{id}/kpi-drafts/{value}/approve");
    let r = app.post(&approve, Some(&s), &[("csrf", &s.csrf())]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // An admin approves one and discards the other.
    let a = app.admin().await;
    let admin_page = app.get(&format!("/areas/{id}"), Some(&a)).await;
    assert!(admin_page.text.contains(&format!("action=\"{approve}\"")));
    let r = app.post(&approve, Some(&a), &[("csrf", &a.csrf())]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let stored = app.kpi_value(kpi, "2016/17").await;
    assert_eq!(stored[0]["actual"], json!(64.0));
    assert!(stored[0]["draft"].is_null());
    assert!(
        stored[0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("Revised figures published (proposed by")
    );
    let other = app.kpi_value(kpi, "2017/18").await[0]["id"]
        .as_i64()
        .unwrap();
    let r = app
        .post(
            &format!("/areas/{id}/kpi-drafts/{other}/discard"),
            Some(&a),
            &[("csrf", &a.csrf())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = app.get(&format!("/areas/{id}"), Some(&a)).await;
    assert!(!page.text.contains("Drafts waiting"));
    assert!(page.text.contains("Draft proposed") && page.text.contains("Draft discarded"));
    // Deciding twice is refused in words.
    let r = app.post(&approve, Some(&a), &[("csrf", &a.csrf())]).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("There is no draft waiting for this figure"));
}

#[tokio::test]
async fn the_service_shell_has_its_banner_footer_pages_and_favicon() {
    let app = App::new().await;
    let home = app.get("/", None).await;
    assert!(
        home.text
            .contains("href=\"/contact#feedback\">feedback</a>")
    );
    for (href, heading) in [
        ("/accessibility", "Accessibility statement"),
        ("/privacy", "Privacy notice"),
        ("/cookies", "Cookies"),
        ("/contact", "Contact and feedback"),
    ] {
        assert!(
            home.text.contains(&format!("href=\"{href}\"")),
            "footer links {href}"
        );
        let page = app.get(href, None).await;
        assert_eq!(page.status, StatusCode::OK, "{href}");
        assert!(
            page.text
                .contains(&format!("<h1 class=\"govuk-heading-xl\">{heading}</h1>"))
        );
    }
    assert!(home.text.contains("Open Government Licence v3.0"));
    assert!(
        home.text
            .contains("rel=\"icon\" href=\"/assets/favicon.svg\"")
    );
    for url in ["/assets/favicon.svg", "/favicon.ico"] {
        let icon = app.get(url, None).await;
        assert_eq!(icon.status, StatusCode::OK);
        assert_eq!(icon.content_type(), "image/svg+xml");
        assert!(icon.text.starts_with("<svg"));
    }
    let print = app.get("/assets/print.css", None).await;
    assert!(print.text.contains(".govuk-header") && print.text.contains("display:none"));
    assert!(
        home.text
            .contains("href=\"/assets/print.css\" media=\"print\"")
    );
    // Signing in from a page comes back to it.
    let programme = app.get("/programme", None).await;
    assert!(programme.text.contains("href=\"/sign-in?next=/programme\""));
    // No developer instructions on public pages.
    for url in ["/", "/programme", "/sign-in", "/areas/3"] {
        let page = app.get(url, None).await;
        for dev in [
            "OA_RESULTS_DIR",
            "OA_DATA_DIR",
            "oa user add",
            "oa run",
            "<code>",
        ] {
            assert!(!page.text.contains(dev), "{url} says {dev}");
        }
    }
}

#[tokio::test]
async fn an_area_lead_lands_on_their_area_with_a_task_list() {
    let app = App::new().await;
    let r = app
        .post(
            "/sign-in",
            None,
            &[
                ("email", &app.creds.lead_email),
                ("password", &app.creds.lead_password),
                ("next", "/"),
            ],
        )
        .await;
    let blackpool = app.area_id("OA03").await;
    assert_eq!(
        r.headers[header::LOCATION],
        format!("/areas/{blackpool}").as_str()
    );
    let s = app.lead().await;
    let page = app.get(&format!("/areas/{blackpool}"), Some(&s)).await;
    assert!(page.text.contains("Your tasks"));
    // Years that have ended without a figure; the COVID years are series breaks, not gaps.
    assert!(
        page.text
            .contains("No figure for 2017/18, 2018/19, 2021/22"),
        "{}",
        page.text
    );
    // Spend returns for the grant's allocation year (2017-18), from its award in November.
    assert!(
        page.text.contains(
            "Due for November 2017, December 2017, January 2018, February 2018, March 2018"
        ),
        "{}",
        page.text
    );
    let (_, kpi) = blackpool_ks2(&app).await;
    let r = app
        .post(
            &format!("/areas/{blackpool}/kpis/{kpi}/actual"),
            Some(&s),
            &[("csrf", &s.csrf()), ("period", "2017/18"), ("actual", "63")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = app.get(&format!("/areas/{blackpool}"), Some(&s)).await;
    assert!(page.text.contains("No figure for 2018/19, 2021/22"));
    // Only those who can act see the list.
    let public = app.get(&format!("/areas/{blackpool}"), None).await;
    assert!(!public.text.contains("Your tasks"));
    let board = app.board_member().await;
    let page = app.get(&format!("/areas/{blackpool}"), Some(&board)).await;
    assert!(!page.text.contains("Your tasks"));
}

#[tokio::test]
async fn national_admins_manage_users_grants_areas_and_funds() {
    let app = App::new().await;
    let lead = app.lead().await;
    let r = app.get("/admin", Some(&lead)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("These pages are for national admins"));
    let r = app.get("/admin/users", None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text.contains("href=\"/sign-in?next=/admin/users\""));

    let a = app.admin().await;
    // Without a data directory the map is drawn on the built-in boundaries, so neither
    // national admins nor the public are told of a missing map.
    let national = app.get("/", Some(&a)).await;
    assert!(national.text.contains("<figure class=\"oa-map\""));
    assert!(!national.text.contains("For national admins"));
    let home = app.get("/admin", Some(&a)).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.text
            .contains("href=\"/admin\" aria-current=\"page\">Manage</a>")
    );
    // Inviting: every problem in one pass, in words.
    let r = app
        .post(
            "/admin/users/new",
            Some(&a),
            &[
                ("csrf", &a.csrf()),
                ("name", ""),
                ("email", "nobody"),
                ("role", "area_lead"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for msg in [
        "Enter the user's full name",
        "Enter an email address in the correct format, like name@example.org",
        "Choose the area: area leads and board members belong to one area",
    ] {
        assert_eq!(r.text.matches(msg).count(), 2, "{msg}: {}", r.text);
    }
    let derby = app.area_id("OA05").await;
    let r = app
        .post(
            "/admin/users/new",
            Some(&a),
            &[
                ("csrf", &a.csrf()),
                ("name", "Dana Lead"),
                ("email", "dana@example.org"),
                ("role", "viewer"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let start = r.text.find("class=\"oa-password\">").unwrap() + 20;
    let password = r.text[start..start + 20].to_string();
    let dana = app.sign_in("dana@example.org", &password).await;
    let users = app.get("/admin/users", Some(&a)).await;
    let dana_id = app
        .state
        .store
        .user_by_email("dana@example.org")
        .await
        .unwrap()
        .unwrap()
        .id;
    assert!(users.text.contains("Dana Lead"));
    // A role and an area, then the account disabled.
    let r = app
        .post(
            &format!("/admin/users/{dana_id}"),
            Some(&a),
            &[
                ("csrf", &a.csrf()),
                ("role", "area_lead"),
                ("area", &derby.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = app.get(&format!("/areas/{derby}"), Some(&dana)).await;
    assert!(
        page.text.contains("Record a figure"),
        "Dana now leads Derby"
    );
    let r = app
        .post(
            &format!("/admin/users/{dana_id}"),
            Some(&a),
            &[("csrf", &a.csrf()), ("action", "disable")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/areas/{derby}"), Some(&dana)).await;
    assert!(
        !page.text.contains("Record a figure"),
        "signed out once disabled"
    );

    // "A national admin can raise the grant": a spend over the grant, then the raise.
    let blackpool = app.area_id("OA03").await;
    let grant = app
        .records(Kind::Grant, vec![("area_id", json!(blackpool))])
        .await[0]["id"]
        .as_i64()
        .unwrap();
    let spend = |amount: &'static str| {
        let (app, lead) = (&app, &lead);
        async move {
            app.post(
                &format!("/areas/{blackpool}/spend"),
                Some(lead),
                &[
                    ("csrf", &lead.csrf()),
                    ("grant_id", &grant.to_string()),
                    ("month", "May 2019"),
                    ("amount", amount),
                ],
            )
            .await
        }
    };
    let r = spend("£1,500,000").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("a national admin can raise the grant"));
    let grants = app.get("/admin/grants", Some(&a)).await;
    assert!(
        grants
            .text
            .contains(&format!("action=\"/admin/grants/{grant}\""))
    );
    let r = app
        .post(
            &format!("/admin/grants/{grant}"),
            Some(&a),
            &[("csrf", &a.csrf()), ("amount", "2,000,000")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(spend("£1,400,000").await.status, StatusCode::SEE_OTHER);
    // Lowering a grant below its spending is refused in words.
    let r = app
        .post(
            &format!("/admin/grants/{grant}"),
            Some(&a),
            &[("csrf", &a.csrf()), ("amount", "100")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.text
            .contains("it must cover what is already spent from it")
    );

    // A new grant: the date input's three boxes, checked with the other fields in one pass.
    let allocation = app
        .records(Kind::Allocation, vec![("area_id", json!(blackpool))])
        .await
        .iter()
        .find(|a| a["period"] == "2018-19")
        .unwrap()["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let grant_form = |year: &'static str, amount: &'static str| {
        let (app, a, allocation) = (&app, &a, allocation.clone());
        async move {
            app.post(
                "/admin/grants/new",
                Some(a),
                &[
                    ("csrf", &a.csrf()),
                    ("allocation", &allocation),
                    ("recipient", "Blackpool Council"),
                    ("purpose", "Attendance project"),
                    ("amount", amount),
                    ("awarded_on-day", "1"),
                    ("awarded_on-month", "11"),
                    ("awarded_on-year", year),
                ],
            )
            .await
        }
    };
    let r = grant_form("", "£9,000,000").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("Date awarded must include a year"),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains("that is what the allocation has not yet granted")
    );
    assert!(r.text.contains("href=\"#awarded_on-day\""));
    let r = grant_form("2018", "£250,000").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let made = app
        .records(
            Kind::Grant,
            vec![("allocation_id", json!(allocation.parse::<i64>().unwrap()))],
        )
        .await;
    assert!(
        made.iter()
            .any(|g| g["awarded_on"] == "2018-11-01" && g["amount_pence"] == json!(25_000_000))
    );

    // A fund's total cannot go below what is allocated from it.
    let fund = app.records(Kind::Fund, vec![]).await[0]["id"]
        .as_i64()
        .unwrap();
    let r = app
        .post(
            &format!("/admin/funds/{fund}"),
            Some(&a),
            &[("csrf", &a.csrf()), ("total", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.text
            .contains("more than that is already allocated from it")
    );

    // Unpublishing an area hides it from the public without naming it.
    let r = app
        .post(
            &format!("/admin/areas/{derby}"),
            Some(&a),
            &[("csrf", &a.csrf()), ("published", "false")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app.get(&format!("/areas/{derby}"), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text.contains("This area's page is not published yet."));
    assert!(!r.text.contains("Derby"), "{}", r.text);
}

#[tokio::test]
async fn areas_are_compared_side_by_side_and_terms_explained() {
    let app = App::new().await;
    let (blackpool, derby) = (app.area_id("OA03").await, app.area_id("OA05").await);
    let home = app.get("/", None).await;
    assert!(home.text.contains("action=\"/compare\""));
    assert!(
        home.text
            .contains(&format!("name=\"area\" value=\"{blackpool}\""))
    );
    let r = app
        .get(&format!("/compare?area={blackpool}&area={derby}"), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("Compare Blackpool, Derby"));
    assert!(r.text.contains("Allocated") && r.text.contains("latest figure"));
    assert!(
        r.text
            .contains("KS2 reading, writing and maths at the expected standard: 62% in 2016/17"),
        "{}",
        r.text
    );
    for bad in [
        format!("/compare?area={blackpool}"),
        "/compare?area=1&area=2&area=3&area=4&area=5".to_string(),
    ] {
        let r = app.get(&bad, None).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.text.contains("Choose 2, 3 or 4 areas to compare"));
    }
    let r = app.get("/compare?area=3&area=9999", None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        r.text
            .contains("There is no opportunity area at this address")
    );
    // Without an index the methodology page says so; the glossary explains the terms.
    let m = app.get("/methodology", None).await;
    assert!(m.text.contains("does not show an index yet"));
    let g = app.get("/glossary", None).await;
    assert!(g.text.contains("Cold spot") && g.text.contains("Series break"));
}

#[tokio::test]
async fn progress_shows_at_a_glance_with_tags() {
    let app = App::new().await;
    let r = app.get("/programme", None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text.contains("At a glance"));
    // Every year of the demo's allocations has ended, so all of it is profiled to date.
    let money = app.get("/api/money", None).await.text;
    let money: Value = serde_json::from_str(&money).unwrap();
    let allocated: i64 = money["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["allocated_pence"].as_i64().unwrap())
        .sum();
    let shown = format!(
        "of the {} profiled to date",
        oa_web::pages::pounds(allocated)
    );
    assert!(r.text.contains(&shown), "{shown}: {}", r.text);
    // Blackpool's 62% in 2016/17 is ahead of the path from 48% (2015/16) to 65% (2020/21).
    let blackpool = app.area_id("OA03").await;
    let area = app.get(&format!("/areas/{blackpool}"), None).await;
    let (_, kpi) = blackpool_ks2(&app).await;
    assert!(
        area.text.contains(&format!(
            "id=\"kpi-{kpi}-title\">KS2 reading, writing and maths at the expected standard <strong class=\"govuk-tag govuk-tag--green\">On track</strong>"
        )),
        "{}",
        area.text
    );
    // The employer-encounters KPI of every area is drawn behind Blackpool's, with a key.
    assert!(area.text.contains("class=\"other-area\""));
    assert!(
        area.text.contains("Other areas (Derby")
            || area.text.contains("Other areas (West Somerset")
    );
    // Each priority links to the KPIs that measure it.
    assert!(
        area.text
            .contains("Measured by: <a class=\"govuk-link\" href=\"#kpi-")
    );
    for tag in ["On track: ", "Behind: ", "No data: "] {
        assert!(r.text.contains(tag), "{tag}");
    }
}
