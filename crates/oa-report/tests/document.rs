//! The document of small hand-made results: its figures carry the results' values and
//! their formulas, the HTML is well-formed and escapes what it quotes, the PDF is tagged,
//! embeds its fonts and is the same bytes each time.

use oa_bundle::{AreaStatus, Coverage, DropReason, Index, Indicators, Manifest, Results, Scores};
use oa_model::Study;
use oa_report::model::{Block, Inline, Section, Value};
use oa_report::{Provenance, document};

const STUDY: &str = r#"schema = 1
[study]
id = "small"
title = "Small & <plain>"
description = "Three areas, one left out."
[geography]
area_type = "lad"
vintage = 2016
[[sources]]
id = "d"
path = "data dir/d.csv"
code_column = "code"
[[indicators]]
id = "a"
name = "Alpha"
direction = "higher_is_better"
weight = 3
[[indicators]]
id = "b"
direction = "higher_is_worse"
[[bands.named]]
name = "coldspot"
end = "worst"
count = 1
[report]
top = 1
"#;

fn results() -> Results {
    let study = Study::from_toml_str(STUDY, "small.toml").unwrap();
    let mut manifest = Manifest::new(
        "9.9.9",
        &study,
        "studies/small study.toml",
        STUDY.as_bytes(),
        std::path::Path::new("/nowhere"),
    );
    manifest.add_inputs(&[oa_io::FileDigest {
        path: "data dir/d.csv".into(),
        bytes: 12_345,
        sha256: "ab".repeat(32),
    }]);
    let codes: Vec<String> = ["E1", "E2", "E3"].map(String::from).to_vec();
    let names: Vec<String> = ["One", "Two & <two>", "Three \"3\""]
        .map(String::from)
        .to_vec();
    Results {
        manifest,
        study,
        study_toml: STUDY.as_bytes().to_vec(),
        index: Index {
            scores: Scores {
                area_code: codes.clone(),
                area_name: names.clone(),
                score: vec![2.5, -1.0 / 3.0, f64::NAN],
                rank: vec![Some(1), Some(2), None],
                band: vec![String::new(), "coldspot".into(), String::new()],
                quantile: None,
                groups: Vec::new(),
            },
            indicators: Indicators {
                columns: vec![
                    ("a".into(), vec![1.0, 0.0, f64::NAN]),
                    ("b".into(), vec![0.0, 1.0, f64::NAN]),
                ],
            },
            coverage: Coverage {
                area_code: codes,
                area_name: names,
                indicators: vec![2, 2, 2],
                present: vec![2, 2, 0],
                coverage: vec![1.0, 1.0, 0.0],
                imputed: vec![0, 0, 0],
                status: vec![AreaStatus::Kept, AreaStatus::Kept, AreaStatus::Dropped],
                reason: vec![None, None, Some(DropReason::NoData)],
                skipped: Vec::new(),
            },
            outliers: None,
            pca: None,
        },
        rollup: None,
        clusters: None,
        selection: None,
        funding: None,
        uncertainty: None,
        maps: None,
        audit: None,
        evaluation: None,
        report: None,
    }
}

fn figures(s: &Section, out: &mut Vec<(String, Value, String)>) {
    let mut inlines = |items: &[Inline]| {
        for i in items {
            if let Inline::Fig(f) = i {
                out.push((f.src.clone(), f.value.clone(), f.text.clone()));
            }
        }
    };
    for b in &s.blocks {
        match b {
            Block::Paragraph(p) | Block::Note(p) => inlines(p),
            Block::List { items } => items.iter().for_each(|i| inlines(i)),
            Block::Table(t) => t
                .rows
                .iter()
                .flat_map(|r| &r.cells)
                .for_each(|c| inlines(c)),
            Block::Figure(f) => inlines(&f.description),
            Block::Command { .. } => {}
        }
    }
    for sub in &s.sections {
        figures(sub, out);
    }
}

#[test]
fn figures_carry_the_results_and_their_formulas() {
    let r = results();
    let doc = document(&r, &Provenance::of(&r, "1.2.3"));
    assert_eq!(doc.title, "Small & <plain>");
    let mut figs = Vec::new();
    for s in doc.sections.iter().chain(&doc.annexes) {
        figures(s, &mut figs);
    }
    let find = |src: &str| {
        figs.iter()
            .find(|(s, _, _)| s == src)
            .unwrap_or_else(|| panic!("no figure {src} in {figs:?}"))
    };
    assert_eq!(find("scores.csv[1].score").1, Value::Number(2.5));
    assert_eq!(find("scores.csv[1].score").2, "2.500");
    assert_eq!(
        find("count(coverage.csv,status,dropped)").1,
        Value::Number(1.0)
    );
    assert_eq!(
        find("count(scores.csv,band,coldspot)").1,
        Value::Number(1.0)
    );
    assert_eq!(
        find("manifest:/inputs/0/sha256").1,
        Value::Text("ab".repeat(32))
    );
    // Alpha's share of the index: 3 / (3 + 1).
    let share = find(
        "manifest:/parameters/indicators/0/weight / (manifest:/parameters/indicators/0/weight + manifest:/parameters/indicators/1/weight)",
    );
    assert_eq!(share.1, Value::Number(0.75));
    assert_eq!(share.2, "75.0%");
    // No evaluation in these results, so no evaluation section.
    assert!(doc.sections.iter().all(|s| s.id != "evaluation"));
    assert!(doc.sections.iter().any(|s| s.id == "provenance"));
}

#[test]
fn html_is_one_well_formed_page_that_escapes_what_it_quotes() {
    let r = results();
    let doc = document(&r, &Provenance::of(&r, "1.2.3"));
    let html = oa_report::html::render(&doc);
    let parsed = roxmltree::Document::parse_with_options(
        &html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .expect("well-formed");
    let count = |tag: &str| parsed.descendants().filter(|n| n.has_tag_name(tag)).count();
    assert_eq!(count("h1"), 1);
    assert_eq!(count("script"), 0);
    assert_eq!(count("table"), count("caption"));
    assert!(
        parsed
            .descendants()
            .filter(|n| n.has_tag_name("data"))
            .all(|n| n.has_attribute("data-src") && n.has_attribute("value"))
    );
    assert!(html.contains("Two &amp; &lt;two&gt;"));
    assert!(html.contains("<title>Small &amp; &lt;plain&gt;</title>"));
    // The command quotes paths with spaces.
    assert!(
        html.contains("oa run &#39;studies/small study.toml&#39;")
            || html.contains("oa run 'studies/small study.toml' --data-dir /nowhere"),
        "{}",
        &html[html.find("oa run").unwrap()..][..80]
    );
    // The unranked area is in the annex, without a number.
    assert!(html.contains(">not ranked<") && html.contains(">not scored<"));
}

#[cfg(feature = "pdf")]
#[test]
fn pdf_is_tagged_embeds_its_fonts_and_is_reproducible() {
    let r = results();
    let doc = document(&r, &Provenance::of(&r, "1.2.3"));
    let a = oa_report::pdf::render(&doc).expect("typesets");
    let b = oa_report::pdf::render(&doc).expect("typesets again");
    assert!(a.starts_with(b"%PDF-"));
    assert_eq!(a, b, "the same document gives the same bytes");
    let text = String::from_utf8_lossy(&a);
    assert!(text.contains("/StructTreeRoot"), "not tagged");
    assert!(text.contains("/FontFile"), "fonts not embedded");
    assert!(text.contains("/Lang"), "no language");
}
