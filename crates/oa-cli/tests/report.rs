//! Reports of the shipped studies, end to end: `oa run` writes `report.html` and
//! `report.pdf` into the bundle (and its manifest), and
//!
//! - every figure of the HTML equals the bundle's: each `<data>` and quoted text carries a
//!   formula over the bundle's files (`scores.csv[3].score`, `count(...)`,
//!   `manifest:/...`), evaluated here from the files alone (CSV and JSON, not `oa`), and
//!   each table listing a file's rows is compared cell by cell; no digit appears in the
//!   report's own words (outside figures, quotes, code and SVG);
//! - the PDF is A4, tagged, with embedded fonts, and its pages rendered by `pdftoppm` are
//!   not blank (PNG copies in `e2e/artifacts/`);
//! - the HTML passes axe-core in Debian's Chromium (`e2e/report.mjs`), with nothing
//!   fetched;
//! - `oa report BUNDLE` writes the same files from the bundle alone.
//!
//! Missing tools (pdftoppm, node, chromium) fail the test with what to install.

use oa_testkit::shared_data;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn oa(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_oa"))
        .args(args)
        .output()
        .expect("running oa")
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn artifacts() -> PathBuf {
    let dir = repo().join("e2e/artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs a shipped study (with `replace` applied to its text) into `dir/out`.
fn run_study(dir: &Path, name: &str, replace: &[(&str, &str)]) -> PathBuf {
    let mut text =
        std::fs::read_to_string(repo().join("studies").join(format!("{name}.toml"))).unwrap();
    for (from, to) in replace {
        assert!(text.contains(from), "{name}: `{from}` not in the study");
        text = text.replace(from, to);
    }
    let study = dir.join(format!("{name}.toml"));
    std::fs::write(&study, text).unwrap();
    let out = dir.join("out");
    let data = shared_data("");
    let r = oa(&[
        "run",
        study.to_str().unwrap(),
        "--data-dir",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]);
    assert!(
        r.status.success(),
        "oa run {name}: {}",
        String::from_utf8_lossy(&r.stderr)
    );
    out
}

// ---------------------------------------------------------------------------------------
// The bundle's files, read without oa.

#[derive(Debug, Clone, PartialEq)]
enum V {
    Num(f64),
    Text(String),
}

impl V {
    fn num(&self) -> f64 {
        match self {
            V::Num(x) => *x,
            V::Text(t) => panic!("`{t}` is not a number"),
        }
    }

    fn text(&self) -> String {
        match self {
            V::Num(x) => format!("{x}"),
            V::Text(t) => t.clone(),
        }
    }
}

struct Csv {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn column(&self, name: &str) -> usize {
        self.headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name} in {:?}", self.headers))
    }
}

struct Bundle {
    dir: PathBuf,
    csv: std::cell::RefCell<HashMap<String, std::rc::Rc<Csv>>>,
    manifest: serde_json::Value,
}

impl Bundle {
    fn open(dir: &Path) -> Bundle {
        let manifest =
            serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap())
                .unwrap();
        Bundle {
            dir: dir.to_path_buf(),
            csv: Default::default(),
            manifest,
        }
    }

    fn csv(&self, file: &str) -> std::rc::Rc<Csv> {
        if let Some(c) = self.csv.borrow().get(file) {
            return c.clone();
        }
        let mut reader =
            csv::Reader::from_path(self.dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let headers = reader.headers().unwrap().iter().map(String::from).collect();
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(String::from).collect())
            .collect();
        let c = std::rc::Rc::new(Csv { headers, rows });
        self.csv.borrow_mut().insert(file.to_string(), c.clone());
        c
    }

    fn pointer(&self, pointer: &str) -> &serde_json::Value {
        self.manifest
            .pointer(pointer)
            .unwrap_or_else(|| panic!("manifest.json has nothing at {pointer}"))
    }

    /// Evaluates a figure's formula (see oa_report::figures).
    fn eval(&self, src: &str) -> V {
        let tokens = tokens(src);
        let mut at = 0;
        let v = self.expr(&tokens, &mut at);
        assert_eq!(at, tokens.len(), "unparsed rest of `{src}`");
        v
    }

    fn expr(&self, t: &[String], at: &mut usize) -> V {
        let mut v = self.term(t, at);
        while *at < t.len() && (t[*at] == "+" || t[*at] == "-") {
            let op = t[*at].clone();
            *at += 1;
            let w = self.term(t, at).num();
            v = V::Num(if op == "+" { v.num() + w } else { v.num() - w });
        }
        v
    }

    fn term(&self, t: &[String], at: &mut usize) -> V {
        let mut v = self.factor(t, at);
        while *at < t.len() && (t[*at] == "*" || t[*at] == "/") {
            let op = t[*at].clone();
            *at += 1;
            let w = self.factor(t, at).num();
            v = V::Num(if op == "*" { v.num() * w } else { v.num() / w });
        }
        v
    }

    fn factor(&self, t: &[String], at: &mut usize) -> V {
        let tok = t[*at].clone();
        *at += 1;
        if tok == "(" {
            let v = self.expr(t, at);
            assert_eq!(t[*at], ")");
            *at += 1;
            return v;
        }
        if let Ok(x) = tok.parse::<f64>() {
            return V::Num(x);
        }
        if let Some((name, args)) = tok.split_once('(') {
            let args: Vec<&str> = args.strip_suffix(')').unwrap().split(',').collect();
            return self.function(name, &args);
        }
        if let Some(p) = tok.strip_prefix("manifest:") {
            return json_value(self.pointer(p));
        }
        // FILE[ROW].COLUMN
        let (file, rest) = tok
            .split_once('[')
            .unwrap_or_else(|| panic!("bad ref `{tok}`"));
        let (row, column) = rest.split_once("].").unwrap();
        let c = self.csv(file);
        let row: usize = row.parse().unwrap();
        cell_value(&c.rows[row - 1][c.column(column)])
    }

    fn function(&self, name: &str, args: &[&str]) -> V {
        match (name, args) {
            ("rows", [file]) => V::Num(self.csv(file).rows.len() as f64),
            ("count", [file, column, value]) => {
                let c = self.csv(file);
                let k = c.column(column);
                V::Num(c.rows.iter().filter(|r| same(&r[k], value)).count() as f64)
            }
            ("sum", [file, column, rest @ ..]) => {
                let c = self.csv(file);
                let k = c.column(column);
                let filter = match rest {
                    [f, v] => Some((c.column(f), *v)),
                    _ => None,
                };
                V::Num(
                    c.rows
                        .iter()
                        .filter(|r| filter.is_none_or(|(f, v)| same(&r[f], v)))
                        .map(|r| r[k].parse::<f64>().unwrap_or(0.0))
                        .sum(),
                )
            }
            ("len", [pointer]) => V::Num(
                self.pointer(pointer.strip_prefix("manifest:").unwrap())
                    .as_array()
                    .unwrap()
                    .len() as f64,
            ),
            _ => panic!("unknown function {name}({})", args.join(",")),
        }
    }
}

fn same(cell: &str, value: &str) -> bool {
    cell == value || matches!((cell.parse::<f64>(), value.parse::<f64>()), (Ok(a), Ok(b)) if a == b)
}

fn cell_value(cell: &str) -> V {
    cell.parse::<f64>()
        .map(V::Num)
        .unwrap_or_else(|_| V::Text(cell.to_string()))
}

fn json_value(v: &serde_json::Value) -> V {
    match v {
        serde_json::Value::Number(n) => V::Num(n.as_f64().unwrap()),
        serde_json::Value::String(s) => V::Text(s.clone()),
        other => V::Text(other.to_string()),
    }
}

/// Splits a formula: parentheses, operators between spaces, function calls and
/// references whole.
fn tokens(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let chars: Vec<char> = src.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == ' ' {
            i += 1;
        } else if c == '(' || c == ')' || ("+-*/".contains(c) && chars.get(i + 1) == Some(&' ')) {
            out.push(c.to_string());
            i += 1;
        } else {
            let start = i;
            while i < chars.len() && chars[i] != ' ' && chars[i] != ')' && chars[i] != '(' {
                i += 1;
            }
            if i < chars.len() && chars[i] == '(' {
                // A function call: up to its closing parenthesis.
                while chars[i] != ')' {
                    i += 1;
                }
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Printed numbers.

/// A printed number: its value and the rounding it may carry.
fn printed(text: &str) -> Option<(f64, f64, bool)> {
    let t = text.trim().replace('\u{2212}', "-").replace(',', "");
    let money = t.contains('£');
    let t = t.replace('£', "");
    let percent = t.ends_with('%');
    let t = t.trim_end_matches('%');
    let x: f64 = t.parse().ok()?;
    let decimals = t.split_once('.').map_or(0, |(_, f)| f.len()) as i32;
    let mut half = 0.5 * 10f64.powi(-decimals);
    let mut value = x;
    if percent {
        value /= 100.0;
        half /= 100.0;
    }
    if money {
        value = (x * 100.0).round();
        half = 0.0;
    }
    Some((value, half, money))
}

/// `text` prints `value` (rounded as printed).
fn prints(text: &str, value: f64) -> bool {
    match printed(text) {
        Some((x, half, _)) => (x - value).abs() <= half + 1e-9 * value.abs().max(1.0),
        None => false,
    }
}

// ---------------------------------------------------------------------------------------
// The HTML against the bundle.

#[derive(Default, Debug)]
struct Checked {
    figures: usize,
    quotes: usize,
    cells: usize,
}

fn text_of(n: roxmltree::Node) -> String {
    n.descendants()
        .filter(|d| d.is_text())
        .map(|d| d.text().unwrap_or(""))
        .collect()
}

/// Checks every figure, quote and listed table of the report against the bundle.
fn check_html(html: &str, bundle: &Bundle) -> Checked {
    let doc = roxmltree::Document::parse_with_options(
        html,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        },
    )
    .expect("the report is well-formed markup");
    let mut checked = Checked::default();
    for n in doc.descendants().filter(|n| n.is_element()) {
        let name = n.tag_name().name();
        let src = n.attribute("data-src");
        match (name, src) {
            ("data", Some(src)) => {
                let shown = text_of(n);
                let value = n.attribute("value").expect("a <data> has a value");
                let expected = bundle.eval(src);
                match &expected {
                    V::Num(x) => {
                        let v: f64 = value.parse().unwrap_or_else(|_| {
                            panic!("<data value=\"{value}\"> of `{src}` is not a number")
                        });
                        assert!(
                            (v - x).abs() <= 1e-9 * x.abs().max(1.0),
                            "`{src}` is {x} in the bundle, {v} in the report"
                        );
                        assert!(
                            prints(&shown, v) || shown == value,
                            "`{src}` = {v} is printed `{shown}`"
                        );
                    }
                    V::Text(t) => {
                        assert_eq!(value, t, "`{src}`");
                        assert_eq!(shown, *t, "`{src}` printed");
                    }
                }
                checked.figures += 1;
            }
            ("span", Some(src)) => {
                let shown = text_of(n);
                let expected = bundle.eval(src).text();
                assert!(
                    expected.contains(&shown),
                    "quoted `{shown}` is not in `{src}` = `{expected}`"
                );
                checked.quotes += 1;
            }
            ("table", Some(file)) => checked.cells += check_table(n, file, bundle),
            _ => {}
        }
    }
    // The page's title is the heading's text (itself a quote, checked above).
    let title = doc.descendants().find(|n| n.has_tag_name("title")).unwrap();
    let h1 = doc.descendants().find(|n| n.has_tag_name("h1")).unwrap();
    assert_eq!(text_of(title), text_of(h1));
    // No number in the report's own words.
    for t in doc.descendants().filter(|n| n.is_text()) {
        let text = t.text().unwrap_or("");
        // The name of the digest is words, not a figure.
        if !text
            .replace("SHA-256", "")
            .chars()
            .any(|c| c.is_ascii_digit())
        {
            continue;
        }
        let allowed = t.ancestors().any(|a| {
            let name = a.tag_name().name();
            matches!(name, "data" | "code" | "svg" | "style")
                || (name == "title" && a.parent().is_some_and(|p| p.has_tag_name("head")))
                || (name == "span" && a.has_attribute("data-src"))
                || ((name == "td" || name == "th") && listed_cell(a))
        });
        assert!(
            allowed,
            "a number typed into the report, not from the bundle: `{text}` in <{}>",
            t.parent().map_or("", |p| p.tag_name().name())
        );
    }
    checked
}

/// Whether a cell is in a column of a table listing a bundle file (checked there).
fn listed_cell(cell: roxmltree::Node) -> bool {
    let Some(row) = cell.parent() else {
        return false;
    };
    let Some(table) = row.ancestors().find(|a| a.has_tag_name("table")) else {
        return false;
    };
    if !table.has_attribute("data-src") || !row.has_attribute("data-row") {
        return false;
    }
    let k = row
        .children()
        .filter(|c| c.is_element())
        .position(|c| c == cell)
        .unwrap();
    header_columns(table).get(k).is_some_and(|c| c.is_some())
}

fn header_columns(table: roxmltree::Node) -> Vec<Option<String>> {
    table
        .descendants()
        .find(|d| d.has_tag_name("thead"))
        .expect("a table has a header")
        .descendants()
        .filter(|d| d.has_tag_name("th"))
        .map(|th| th.attribute("data-col").map(String::from))
        .collect()
}

/// Compares every cell of a table listing `file` with the file; returns cells compared.
fn check_table(table: roxmltree::Node, file: &str, bundle: &Bundle) -> usize {
    let columns = header_columns(table);
    let csv = bundle.csv(file);
    let mut n = 0;
    for row in table.descendants().filter(|d| d.has_tag_name("tr")) {
        let Some(r) = row.attribute("data-row") else {
            continue;
        };
        let r: usize = r.parse().unwrap();
        let line = &csv.rows[r - 1];
        for (k, cell) in row.children().filter(|c| c.is_element()).enumerate() {
            let Some(Some(column)) = columns.get(k) else {
                continue;
            };
            let shown = text_of(cell);
            let raw = &line[csv.column(column)];
            let context = format!("{file} row {r} column {column}");
            match raw.parse::<f64>() {
                Ok(x) if x.is_finite() => assert!(
                    prints(&shown, x) || shown == *raw,
                    "{context}: the bundle has {raw}, the report shows `{shown}`"
                ),
                _ if raw.is_empty() || raw == "NaN" => assert!(
                    !shown.chars().any(|c| c.is_ascii_digit()),
                    "{context}: empty in the bundle, `{shown}` in the report"
                ),
                _ => assert_eq!(shown, *raw, "{context}"),
            }
            n += 1;
        }
    }
    n
}

// ---------------------------------------------------------------------------------------
// The PDF.

fn have(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .output()
        .is_ok_and(|o| o.status.success() || !o.stderr.is_empty())
}

/// Checks the PDF (A4, tagged, fonts embedded) and renders its first pages to PNG in the
/// artefacts; each must have ink on it.
fn check_pdf(pdf: &Path, name: &str) -> usize {
    assert!(
        have("pdftoppm", "-v") && have("pdfinfo", "-v"),
        "pdftoppm is missing: install Debian's poppler-utils (scripts/lib/setup.sh does)"
    );
    let info = Command::new("pdfinfo").arg(pdf).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout).to_string();
    let field = |name: &str| {
        info.lines()
            .find_map(|l| l.strip_prefix(name))
            .map_or("", str::trim)
            .to_string()
    };
    assert_eq!(field("Tagged:"), "yes", "{info}");
    assert!(field("Page size:").ends_with("(A4)"), "not A4: {info}");
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(pages >= 4, "{pages} pages");
    let fonts = Command::new("pdffonts").arg(pdf).output().unwrap();
    let fonts = String::from_utf8_lossy(&fonts.stdout).to_string();
    let listed: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!listed.is_empty(), "{fonts}");
    for line in &listed {
        // name, type, encoding, emb, sub, uni, object, ID: `emb` is the fourth from the end.
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            cols[cols.len() - 5],
            "yes",
            "a font is not embedded: {line}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let last = pages.min(6);
    let status = Command::new("pdftoppm")
        .args(["-gray", "-r", "30", "-f", "1", "-l", &last.to_string()])
        .arg(pdf)
        .arg(dir.path().join("p"))
        .status()
        .unwrap();
    assert!(status.success());
    let mut rendered = 0;
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let ink = ink(&bytes);
        // At 30 dpi a page with a heading and a few lines is about 0.06% dark; a blank one 0.
        assert!(ink > 0.0002, "a blank page: {ink} of its pixels are dark");
        rendered += 1;
    }
    assert_eq!(rendered, last);
    let status = Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-f", "1", "-l", "4"])
        .arg(pdf)
        .arg(artifacts().join(format!("report-{name}-page")))
        .status()
        .unwrap();
    assert!(status.success());
    pages
}

/// Share of dark pixels in a binary PGM (`P5`).
fn ink(pgm: &[u8]) -> f64 {
    // Header: P5, width, height, maxval, each separated by whitespace.
    let mut fields = Vec::new();
    let mut i = 0;
    while fields.len() < 4 {
        while pgm[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !pgm[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(String::from_utf8_lossy(&pgm[start..i]).to_string());
    }
    assert_eq!(fields[0], "P5");
    let pixels = &pgm[i + 1..];
    pixels.iter().filter(|&&p| p < 128).count() as f64 / pixels.len() as f64
}

// ---------------------------------------------------------------------------------------
// axe-core in Chromium.

fn axe(html: &Path, name: &str) {
    let e2e = repo().join("e2e");
    assert!(
        have("node", "--version"),
        "node is missing: install Node.js (the report's accessibility test needs it)"
    );
    if !e2e.join("node_modules/playwright-core").is_dir()
        || !e2e.join("node_modules/axe-core").is_dir()
    {
        let status = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&e2e)
            .status()
            .expect("npm ci (install npm)");
        assert!(status.success(), "npm ci --prefix e2e failed");
    }
    let out = Command::new("node")
        .arg(e2e.join("report.mjs"))
        .arg(html)
        .arg(name)
        .output()
        .expect("node e2e/report.mjs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "axe on {name}:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("0 serious or critical"), "{stdout}");
    assert!(artifacts().join(format!("report-{name}.png")).is_file());
}

// ---------------------------------------------------------------------------------------

/// The report's files are in the bundle and its manifest, with their digests.
fn in_manifest(bundle: &Bundle, file: &str) {
    let outputs = bundle.pointer("/outputs").as_array().unwrap();
    let entry = outputs
        .iter()
        .find(|o| o["path"] == file)
        .unwrap_or_else(|| panic!("{file} not in the manifest's outputs"));
    let bytes = std::fs::read(bundle.dir.join(file)).unwrap();
    assert_eq!(entry["bytes"].as_u64().unwrap(), bytes.len() as u64);
    assert!(
        bundle
            .pointer("/sections")
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "report")
    );
}

#[test]
fn opportunity_areas_report_matches_its_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    let out = run_study(tmp.path(), "opportunity-areas-2016", &[]);
    let bundle = Bundle::open(&out);
    in_manifest(&bundle, "report.html");
    in_manifest(&bundle, "report.pdf");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let checked = check_html(&html, &bundle);
    // Every LSOA in the annex (4 checked columns each), every candidate with its reason.
    assert!(checked.cells >= 32_844 * 4, "{checked:?}");
    assert!(checked.figures > 50, "{checked:?}");
    // The money to the penny, and the gap of the year 4 extension shown.
    assert!(html.contains(">£17,590,000.00<") && html.contains(">£410,000.00<"));
    for id in 1..=12 {
        assert!(html.contains(&format!(">OA{id:02}<")), "OA{id:02} missing");
    }
    // Provenance: every input's digest and the command.
    for input in bundle.pointer("/inputs").as_array().unwrap() {
        assert!(html.contains(input["sha256"].as_str().unwrap()));
    }
    assert!(html.contains("oa run "), "no command to reproduce");
    // Self-contained: nothing to fetch, no script.
    assert!(!html.contains("<script") && !html.contains("src=\"http") && !html.contains("<link"));
    check_pdf(&out.join("report.pdf"), "opportunity-areas-2016");
    axe(&out.join("report.html"), "opportunity-areas-2016");
}

#[test]
fn evaluation_report_matches_its_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    // Fewer placebo and randomisation draws than shipped, for the test's time.
    let out = run_study(
        tmp.path(),
        "opportunity-areas-evaluation",
        &[
            ("placebos = 200", "placebos = 20"),
            ("draws = 10000", "draws = 500"),
        ],
    );
    let bundle = Bundle::open(&out);
    in_manifest(&bundle, "report.html");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let checked = check_html(&html, &bundle);
    // Two outcomes x three comparisons x five methods, nine cells each (seven checked).
    assert!(checked.cells >= 2 * 3 * 5 * 7, "{checked:?}");
    assert!(html.contains("id=\"evaluation\""), "no evaluation section");
    assert!(
        html.contains("data-src=\"evaluation.csv["),
        "no estimate from the bundle"
    );
    // The event-study charts, each with its caption.
    assert!(html.contains("evaluation_event_gld_never_treated.svg"));
}

#[test]
fn district_report_matches_its_bundle() {
    let tmp = tempfile::tempdir().unwrap();
    // Fewer Monte Carlo samples than shipped, for the test's time; the report is the same.
    let out = run_study(
        tmp.path(),
        "imd2019-lad",
        &[("samples = 1000", "samples = 40")],
    );
    let bundle = Bundle::open(&out);
    in_manifest(&bundle, "report.html");
    in_manifest(&bundle, "report.pdf");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let checked = check_html(&html, &bundle);
    assert!(checked.cells >= 317 * 5, "{checked:?}");
    assert!(checked.figures > 50, "{checked:?}");
    // Blackpool is rank 1 of the headline, with its published average score.
    assert!(
        html.contains("data-src=\"scores.csv[1].average_score\">45.04<"),
        "no Blackpool"
    );
    // Maps and the uncertainty chart inline, each named by its caption.
    assert_eq!(
        html.matches("<svg role=\"img\" aria-labelledby=").count(),
        4
    );
    check_pdf(&out.join("report.pdf"), "imd2019-lad");
    axe(&out.join("report.html"), "imd2019-lad");

    // `oa report` writes the same document from the bundle alone.
    let again = tmp.path().join("again.html");
    let r = oa(&[
        "report",
        out.to_str().unwrap(),
        "--format",
        "html",
        "--out",
        again.to_str().unwrap(),
    ]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(std::fs::read_to_string(&again).unwrap(), html);
}

#[test]
fn oa_report_writes_into_a_bundle_and_refuses_unknown_formats() {
    let tmp = tempfile::tempdir().unwrap();
    // The demo's bundle has no [report]: `oa report` adds one and the manifest records it.
    let demo = tmp.path().join("demo");
    let r = oa(&["demo", "--out", demo.to_str().unwrap()]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let bundle_dir = demo.join("results");
    assert!(!bundle_dir.join("report.html").exists());
    let r = oa(&["report", bundle_dir.to_str().unwrap(), "--format", "html"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let bundle = Bundle::open(&bundle_dir);
    in_manifest(&bundle, "report.html");
    let html = std::fs::read_to_string(bundle_dir.join("report.html")).unwrap();
    let checked = check_html(&html, &bundle);
    assert!(checked.figures > 50, "{checked:?}");

    let r = oa(&["report", bundle_dir.to_str().unwrap(), "--format", "docx"]);
    assert_eq!(r.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(
        stderr.contains("docx") && stderr.contains("html or pdf"),
        "{stderr}"
    );

    let r = oa(&["report", tmp.path().join("nothing").to_str().unwrap()]);
    assert_eq!(
        r.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
}

#[test]
fn formulas_evaluate_as_documented() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("t.csv"), "a,b,band\nx,2,c\ny,3.5,c\nz,,d\n").unwrap();
    std::fs::write(
        tmp.path().join("manifest.json"),
        r#"{"inputs":[{"sha256":"ab"}],"parameters":{"w":[0.2,0.3]}}"#,
    )
    .unwrap();
    let b = Bundle::open(tmp.path());
    assert_eq!(b.eval("t.csv[2].b"), V::Num(3.5));
    assert_eq!(b.eval("rows(t.csv)"), V::Num(3.0));
    assert_eq!(b.eval("count(t.csv,band,c)"), V::Num(2.0));
    assert_eq!(b.eval("sum(t.csv,b)"), V::Num(5.5));
    assert_eq!(b.eval("sum(t.csv,b,a,x)"), V::Num(2.0));
    assert_eq!(b.eval("manifest:/inputs/0/sha256"), V::Text("ab".into()));
    assert_eq!(b.eval("len(manifest:/parameters/w)"), V::Num(2.0));
    let share =
        b.eval("manifest:/parameters/w/0 / (manifest:/parameters/w/0 + manifest:/parameters/w/1)");
    assert!((share.num() - 0.4).abs() < 1e-12);
    assert_eq!(b.eval("rows(t.csv) - count(t.csv,band,c) - 1"), V::Num(0.0));
    assert!(prints("20%", 0.2) && prints("£1,970,000.00", 197_000_000.0));
    assert!(prints("\u{2212}1.25", -1.249) && !prints("1.25", 1.26));
}
