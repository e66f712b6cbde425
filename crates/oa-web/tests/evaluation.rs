//! The evaluation on the dashboard, on a bundle written by the pipeline from real data:
//! the shipped `studies/opportunity-areas-evaluation.toml` (the 12 opportunity areas on
//! early years and key stage 4 destinations, against every untreated district, the
//! near-misses and the nearest neighbours), with fewer placebo and randomisation draws
//! than shipped to keep the test quick (the methods are the same).
//!
//! The pages' words and numbers are checked against the bundle's own files
//! (`evaluation.csv`, `weights.csv`, `evaluation_paths.csv`), read here with the `csv`
//! crate, not through the pages' code.
//!
//! One test in this binary: the pages read the bundle named by `OA_RESULTS_DIR` once, so
//! it is set before anything else runs.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use oa_store::{AnyStore, Filter, Kind, PageRequest, Store};
use oa_web::{AppState, router};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::Path;
use tower::ServiceExt;

/// Writes the evaluation bundle into `out`.
fn write_bundle(out: &Path) {
    let path = oa_testkit::repo_path("studies/opportunity-areas-evaluation.toml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (from, to) in [
        ("placebos = 200", "placebos = 20"),
        ("draws = 10000", "draws = 500"),
        ("bootstrap = 999", "bootstrap = 199"),
    ] {
        assert!(text.contains(from), "the study has no `{from}`");
        text = text.replacen(from, to, 1);
    }
    let plan = oa_pipeline::Plan::from_toml(
        text.into_bytes(),
        &path.display().to_string(),
        oa_testkit::shared_data_dir(),
    )
    .unwrap();
    let mut results = oa_pipeline::run(&plan, &oa_pipeline::NoProgress)
        .unwrap_or_else(|e| panic!("the evaluation study: {e}"));
    assert!(results.evaluation.is_some(), "no evaluation section");
    oa_bundle::write(&mut results, out).unwrap();
}

/// A CSV file of the bundle as rows of column -> text.
fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .cloned()
                .zip(rec.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn num(row: &HashMap<String, String>, k: &str) -> f64 {
    row[k].parse().unwrap_or(f64::NAN)
}

/// A signed figure as the pages write it: `+0.1`, `−1.2` (a minus sign), `0.0`.
fn signed(v: f64, dp: usize) -> String {
    let s = format!("{:.dp$}", v.abs());
    if s.bytes().all(|b| b == b'0' || b == b'.') {
        s
    } else if v < 0.0 {
        format!("\u{2212}{s}")
    } else {
        format!("+{s}")
    }
}

/// The decimals the pages use: one when the interval (else the estimate) spans 2 or more.
fn dp(row: &HashMap<String, String>) -> usize {
    let (lo, hi) = (num(row, "ci_low"), num(row, "ci_high"));
    let span = if lo.is_finite() && hi.is_finite() {
        hi - lo
    } else {
        num(row, "estimate").abs()
    };
    if span >= 2.0 { 1 } else { 2 }
}

struct App {
    state: AppState,
    _dir: tempfile::TempDir,
}

impl App {
    async fn get(&self, uri: &str) -> (StatusCode, String) {
        let req = Request::builder().uri(uri).body(Body::empty()).unwrap();
        let resp = router(self.state.clone()).oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let text = String::from_utf8_lossy(&bytes)
            .replace("&#x2f;", "/")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&amp;", "&");
        (status, text)
    }

    async fn area_id(&self, code: &str) -> i64 {
        let areas = self
            .state
            .store
            .list(
                Kind::Area,
                &Filter {
                    equals: vec![("code", json!(code))],
                    ..Default::default()
                },
                PageRequest::ALL,
            )
            .await
            .unwrap();
        Value::Object(areas.items[0].clone())["id"]
            .as_i64()
            .unwrap()
    }
}

#[test]
fn the_evaluation_pages_say_what_the_bundle_found() {
    let bundle = tempfile::tempdir().unwrap();
    let out = bundle.path().join("oa-eval");
    write_bundle(&out);
    // SAFETY: the only test of this binary, before any thread reads the environment.
    unsafe {
        std::env::set_var("OA_RESULTS_DIR", &out);
        std::env::remove_var("OA_DATA_DIR");
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(check_pages(&out));
}

async fn check_pages(out: &Path) {
    let dir = tempfile::tempdir().unwrap();
    let store = AnyStore::open(dir.path().join("oa.db").to_str().unwrap())
        .await
        .unwrap();
    let state = AppState::with_settings(store, oa_web::limits::Settings::default());
    oa_web::demo::load(&state).await.unwrap();
    let app = App { state, _dir: dir };

    let estimates = rows(&out.join("evaluation.csv"));
    let weights = rows(&out.join("weights.csv"));
    let paths = rows(&out.join("evaluation_paths.csv"));

    // The programme page: every overall estimate (estimand `att`, group `all`) in words,
    // with its number and interval as the CSV has them.
    let (status, page) = app.get("/programme").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"evaluation\""), "no evaluation section");
    assert!(page.contains("Did the programme work?"));
    let overall: Vec<&HashMap<String, String>> = estimates
        .iter()
        .filter(|r| r["estimand"] == "att" && r["group"] == "all" && r["period"] == "all")
        .collect();
    // Two outcomes, three comparisons, five methods; and the discontinuity per outcome.
    assert_eq!(overall.len(), 2 * 3 * 5 + 2, "{overall:?}");
    assert!(page.contains("Regression discontinuity"));
    assert!(page.contains("ranked just outside the selection's cut"));
    for r in &overall {
        let d = dp(r);
        let mut expected = format!(
            "Estimated effect: {} percentage points",
            signed(num(r, "estimate"), d)
        );
        let (lo, hi) = (num(r, "ci_low"), num(r, "ci_high"));
        if lo.is_finite() && hi.is_finite() {
            expected.push_str(&format!(
                " (95% interval {} to {})",
                signed(lo, d),
                signed(hi, d)
            ));
            let clear = lo > 0.0 || hi < 0.0;
            let verdict = if clear {
                "this is clearly different from no effect"
            } else {
                "this is not clearly different from no effect."
            };
            assert!(
                page.contains(&format!("{expected}; {verdict}")),
                "{}: no `{expected}; {verdict}`",
                r["method"]
            );
        } else {
            let p = num(r, "p_value");
            let p_text = if p < 0.001 {
                "p < 0.001".to_string()
            } else {
                format!("p = {p:.3}")
            };
            assert!(page.contains(&expected), "{}: no `{expected}`", r["method"]);
            assert!(
                page.contains(&format!("({p_text}); this is")),
                "{}: {p_text}",
                r["method"]
            );
        }
    }
    for method in [
        "Difference in differences",
        "Callaway and Sant'Anna's difference in differences",
        "Synthetic control",
        "Synthetic difference in differences",
        "Randomisation inference",
    ] {
        assert!(
            page.contains(&format!(
                "<dt class=\"govuk-summary-list__key\">{method}</dt>"
            )),
            "{method}"
        );
    }
    // What the districts are compared with, with the counts of the CSV.
    let n_never = overall
        .iter()
        .find(|r| r["comparison"] == "never_treated" && r["method"] == "did")
        .map(|r| r["n_control"].clone())
        .unwrap();
    assert!(
        page.contains(&format!(
            "Compared with every district not in the programme ({n_never} districts)"
        )),
        "never treated: {n_never}"
    );
    let n_near = overall
        .iter()
        .find(|r| r["comparison"] == "near_misses" && r["method"] == "did")
        .map(|r| r["n_control"].clone())
        .unwrap();
    assert!(page.contains(&format!("Compared with the {n_near} near-misses")));
    assert!(
        page.contains("Compared with the 3 districts most like each district in the programme")
    );
    // Few treated districts: said once, with the number.
    let n_treated = &overall[0]["n_treated"];
    assert!(
        page.contains(&format!(
            "Only {n_treated} districts are in this evaluation"
        )),
        "{n_treated}"
    );
    // The pre-trend warning exactly when a check before treatment excludes zero.
    let flagged = estimates.iter().any(|r| {
        r["method"] == "cs"
            && r["estimand"] == "event"
            && r["pre_treatment"] == "true"
            && num(r, "se").is_finite()
            && (num(r, "ci_low") > 0.0 || num(r, "ci_high") < 0.0)
    });
    assert_eq!(
        page.contains("were already moving apart from"),
        flagged,
        "pre-trend warning shown: {}, flagged in the CSV: {flagged}",
        !flagged
    );
    // The outcomes' periods as people read them, and a caveat with names, not codes.
    assert!(page.contains("The share of children with a good level of development"));
    assert!(page.contains("Measured from 2013/14 to 2018/19; the programme counts from 2017/18."));
    assert!(
        page.contains("Area Somerset West and Taunton ("),
        "the left-out area by name"
    );
    // The download is the bundle's file.
    let (status, csv) = app.get("/programme/evaluation.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        csv.replace("\r\n", "\n"),
        std::fs::read_to_string(out.join("evaluation.csv"))
            .unwrap()
            .replace("\r\n", "\n")
    );

    // Blackpool's page: the district against its synthetic comparison.
    let blackpool = app.area_id("OA03").await;
    let (status, page) = app.get(&format!("/areas/{blackpool}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Did it improve? Blackpool against districts like it"));
    assert!(page.contains("href=\"#evaluation\""));
    for outcome in ["gld", "ks4_sustained"] {
        let mine: Vec<&HashMap<String, String>> = paths
            .iter()
            .filter(|p| {
                p["method"] == "sc"
                    && p["outcome"] == outcome
                    && p["comparison"] == "never_treated"
                    && p["unit"] == "E06000009"
            })
            .collect();
        assert!(mine.len() >= 5, "{outcome}: {} periods", mine.len());
        let section_at = page
            .find(&format!("id=\"evaluation-E06000009-{outcome}\""))
            .unwrap_or_else(|| panic!("no section for {outcome}"));
        let section = &page[section_at..];
        let section = &section[..section.find("</section>").unwrap()];
        // Chart: one point per period for each line, and the start of the programme.
        assert_eq!(
            section.matches("class=\"point-actual\"").count(),
            mine.len()
        );
        assert_eq!(
            section.matches("class=\"point-synthetic\"").count(),
            mine.len()
        );
        assert!(section.contains("Programme starts"));
        assert!(section.contains("role=\"img\""));
        // Table: each period's figures as the CSV has them, to one decimal.
        for p in &mine {
            let (a, s) = (num(p, "actual"), num(p, "synthetic"));
            let row = format!(
                "<td class=\"govuk-table__cell govuk-table__cell--numeric\">{a:.1}</td><td class=\"govuk-table__cell govuk-table__cell--numeric\">{s:.1}</td><td class=\"govuk-table__cell govuk-table__cell--numeric\">{}</td>",
                signed(a - s, 1)
            );
            assert!(
                section.contains(&row),
                "{outcome} {}: no {row}",
                p["period"]
            );
            assert!(
                section.contains(&format!(">{}", p["period"])),
                "{}",
                p["period"]
            );
        }
        // Areas like this one: the largest weight's district, by name, with its share.
        let mut w: Vec<&HashMap<String, String>> = weights
            .iter()
            .filter(|x| {
                x["method"] == "sc"
                    && x["kind"] == "unit"
                    && x["outcome"] == outcome
                    && x["comparison"] == "never_treated"
                    && x["treated"] == "E06000009"
            })
            .collect();
        w.sort_by(|a, b| num(b, "weight").total_cmp(&num(a, "weight")));
        let top = w[0];
        let percent = format!("({}%)", (num(top, "weight") * 100.0).round());
        assert!(section.contains(&percent), "{outcome}: no {percent}");
        assert!(
            !section.contains(&format!("{} {percent}", top["unit"])),
            "a code, not a name"
        );
        assert!(section.contains("Synthetic comparison: districts like Blackpool"));
        // The district's own synthetic-control estimate.
        let own = estimates
            .iter()
            .find(|r| {
                r["method"] == "sc"
                    && r["estimand"] == "unit"
                    && r["outcome"] == outcome
                    && r["comparison"] == "never_treated"
                    && r["unit"] == "E06000009"
            })
            .unwrap();
        let expected = format!(
            "Estimated effect: {} percentage points",
            signed(num(own, "estimate"), dp(own))
        );
        assert!(section.contains(&expected), "{outcome}: no {expected}");
    }
    // West Somerset is left out (a part of Somerset West and Taunton on these
    // boundaries), and its page says so by name.
    let somerset = app.area_id("OA01").await;
    let (_, page) = app.get(&format!("/areas/{somerset}")).await;
    assert!(page.contains("West Somerset has no synthetic comparison in this evaluation"));
    assert!(
        page.contains("Somerset West and Taunton"),
        "the caveat by name"
    );
    assert!(!page.contains("id=\"evaluation-E07000191"));
}
