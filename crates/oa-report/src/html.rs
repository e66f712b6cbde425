//! The report as one self-contained HTML file: styles inline, SVG inline, no script and
//! nothing fetched. Accessible by construction: a skip link, one `h1`, nested sections
//! with headings, a contents list, tables with captions, column and row headers, figures
//! with captions that the SVG names as its text alternative, and a print stylesheet (A4,
//! each top-level section on a new page, table headers repeated).
//!
//! Figures keep their provenance: `<data value="…" data-src="…">` for every number and
//! `<span data-src="…">` for text quoted from the bundle; a table listing a bundle file's
//! rows says which (`<table data-src="scores.csv">`, `<tr data-row="3">`,
//! `<th data-col="score">`). The markup is also well-formed XML, so any XML parser reads
//! it.

use crate::model::{Block, Document, Figure, Inline, Section, Table};
use std::fmt::Write as _;

/// The stylesheet: GOV.UK-like plain type, then print rules. Holds no `<`, `>` or `&`.
const STYLE: &str = r#"
:root { color-scheme: light; }
body { margin: 0; background: #ffffff; color: #0b0c0c; font-family: "Helvetica Neue", Helvetica, Arial, sans-serif; font-size: 19px; line-height: 1.47; }
.skip { position: absolute; left: -999em; }
.skip:focus { left: 1em; top: 1em; background: #ffdd00; color: #0b0c0c; padding: 0.5em; }
header.masthead { background: #0b0c0c; color: #ffffff; padding: 1.5em 0 1.2em; border-bottom: 10px solid #1d70b8; }
.wrap { max-width: 1100px; margin: 0 auto; padding: 0 1.2em; }
header.masthead h1 { font-size: 2.2em; line-height: 1.1; margin: 0.2em 0 0.4em; }
header.masthead p { margin: 0.3em 0; max-width: 46em; }
.publisher { font-weight: bold; text-transform: uppercase; letter-spacing: 0.04em; font-size: 0.85em; }
dl.facts { display: flex; flex-wrap: wrap; gap: 0.3em 2em; margin: 1em 0 0; font-size: 0.9em; }
dl.facts div { display: flex; gap: 0.4em; }
dl.facts dt { font-weight: bold; }
dl.facts dd { margin: 0; }
nav.contents { border-left: 5px solid #1d70b8; padding: 0.2em 1em; margin: 2em 0; }
nav.contents h2 { font-size: 1.2em; margin: 0.4em 0; }
nav.contents ol { margin: 0; padding-left: 1.3em; }
a { color: #1d70b8; text-decoration: underline; text-underline-offset: 0.15em; }
a:focus { outline: 3px solid transparent; background: #ffdd00; color: #0b0c0c; box-shadow: 0 4px #0b0c0c; text-decoration: none; }
main { padding-bottom: 3em; }
h2 { font-size: 1.8em; line-height: 1.15; margin: 2em 0 0.6em; padding-top: 0.6em; border-top: 2px solid #b1b4b6; }
h3 { font-size: 1.35em; margin: 1.6em 0 0.5em; }
h4 { font-size: 1.1em; margin: 1.3em 0 0.4em; }
p, li { max-width: 46em; }
code, .mono { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.84em; overflow-wrap: anywhere; }
code { background: #f3f2f1; padding: 0 0.2em; }
pre { background: #f3f2f1; border-left: 5px solid #505a5f; padding: 0.8em 1em; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
pre code { background: none; padding: 0; }
.note { border-left: 10px solid #b1b4b6; padding: 0.4em 1em; margin: 1em 0; }
.table-wrap { overflow-x: auto; margin: 1em 0 1.6em; }
.table-wrap:focus { outline: 3px solid #ffdd00; }
table { border-collapse: collapse; font-size: 0.84em; min-width: 50%; }
caption { text-align: left; font-weight: bold; font-size: 1.1em; padding-bottom: 0.5em; }
th, td { text-align: left; vertical-align: top; padding: 0.45em 1.2em 0.45em 0; border-bottom: 1px solid #b1b4b6; }
thead th { border-bottom: 2px solid #0b0c0c; }
tbody th { font-weight: normal; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 1.5em 0 2em; }
figure .image svg { max-width: 100%; height: auto; display: block; border: 1px solid #b1b4b6; }
figcaption { margin-top: 0.6em; max-width: 46em; }
figcaption strong { display: block; }
data { font-variant-numeric: tabular-nums; }
@media print {
  @page { size: A4; margin: 18mm 15mm; }
  body { font-size: 10.5pt; }
  .skip, nav.contents { display: none; }
  header.masthead { background: none; color: #0b0c0c; border-bottom: 4px solid #0b0c0c; }
  a { color: #0b0c0c; }
  main section.top { break-before: page; }
  h2, h3, h4, caption { break-after: avoid; }
  tr, figure { break-inside: avoid; }
  thead { display: table-header-group; }
  .table-wrap { overflow: visible; }
  pre { white-space: pre-wrap; }
}
"#;

/// The document as an HTML page.
pub fn render(doc: &Document) -> String {
    let mut out = String::with_capacity(estimate(doc));
    out.push_str("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
    let _ = writeln!(out, "<title>{}</title>", esc(&doc.title));
    out.push_str("<meta name=\"generator\" content=\"oa\"/>\n<style>");
    out.push_str(STYLE);
    out.push_str("</style>\n</head>\n<body>\n");
    out.push_str("<a class=\"skip\" href=\"#main\">Skip to the report</a>\n");
    out.push_str("<header class=\"masthead\"><div class=\"wrap\">\n");
    if let Some(p) = &doc.publisher {
        let _ = writeln!(out, "<p class=\"publisher\">{}</p>", esc(p));
    }
    let _ = writeln!(
        out,
        "<h1><span data-src=\"{}\">{}</span></h1>",
        esc(&doc.title_src),
        esc(&doc.title)
    );
    if !doc.subtitle.is_empty() {
        out.push_str("<p>");
        inlines(&mut out, &doc.subtitle);
        out.push_str("</p>\n");
    }
    out.push_str("<dl class=\"facts\">");
    for (term, value) in &doc.facts {
        let _ = write!(out, "<div><dt>{}</dt><dd>", esc(term));
        inlines(&mut out, value);
        out.push_str("</dd></div>");
    }
    out.push_str("</dl>\n</div></header>\n<div class=\"wrap\">\n");
    out.push_str("<nav class=\"contents\" aria-labelledby=\"contents-heading\"><h2 id=\"contents-heading\">Contents</h2><ol>");
    for s in doc.sections.iter().chain(&doc.annexes) {
        let _ = write!(out, "<li><a href=\"#{}\">", esc(&s.id));
        title(&mut out, s);
        out.push_str("</a></li>");
    }
    out.push_str("</ol></nav>\n<main id=\"main\">\n");
    for s in doc.sections.iter().chain(&doc.annexes) {
        section(&mut out, s, 2);
    }
    out.push_str("</main>\n</div>\n</body>\n</html>\n");
    out
}

/// A capacity guess, so a 30,000-row annex is written without reallocating much.
fn estimate(doc: &Document) -> usize {
    fn rows(s: &Section) -> usize {
        s.blocks
            .iter()
            .map(|b| match b {
                Block::Table(t) => t.rows.len() * t.columns.len(),
                Block::Figure(f) => f.svg.len() / 64,
                _ => 1,
            })
            .sum::<usize>()
            + s.sections.iter().map(rows).sum::<usize>()
    }
    64 * 1024
        + 64 * doc
            .sections
            .iter()
            .chain(&doc.annexes)
            .map(rows)
            .sum::<usize>()
}

fn section(out: &mut String, s: &Section, level: usize) {
    let h = level.min(6);
    let class = if level == 2 { " class=\"top\"" } else { "" };
    let _ = write!(
        out,
        "<section{class} aria-labelledby=\"{id}\"><h{h} id=\"{id}\">",
        id = esc(&s.id)
    );
    title(out, s);
    let _ = writeln!(out, "</h{h}>");
    for b in &s.blocks {
        block(out, b);
    }
    for sub in &s.sections {
        section(out, sub, level + 1);
    }
    out.push_str("</section>\n");
}

/// A section's title, marked as a quote when it is text from the bundle.
fn title(out: &mut String, s: &Section) {
    match &s.title_src {
        Some(src) => {
            let _ = write!(
                out,
                "<span data-src=\"{}\">{}</span>",
                esc(src),
                esc(&s.title)
            );
        }
        None => out.push_str(&esc(&s.title)),
    }
}

fn block(out: &mut String, b: &Block) {
    match b {
        Block::Paragraph(p) => {
            out.push_str("<p>");
            inlines(out, p);
            out.push_str("</p>\n");
        }
        Block::List { items } => {
            out.push_str("<ul>");
            for item in items {
                out.push_str("<li>");
                inlines(out, item);
                out.push_str("</li>");
            }
            out.push_str("</ul>\n");
        }
        Block::Table(t) => table(out, t),
        Block::Figure(f) => figure(out, f),
        Block::Command { text } => {
            let _ = writeln!(out, "<pre><code>{}</code></pre>", esc(text));
        }
        Block::Note(p) => {
            out.push_str("<div class=\"note\"><p>");
            inlines(out, p);
            out.push_str("</p></div>\n");
        }
    }
}

fn table(out: &mut String, t: &Table) {
    let caption_id = format!("{}-caption", t.id);
    let _ = write!(
        out,
        "<div class=\"table-wrap\" role=\"region\" aria-labelledby=\"{cid}\" tabindex=\"0\"><table id=\"{}\"",
        esc(&t.id),
        cid = esc(&caption_id)
    );
    if let Some(f) = &t.file {
        let _ = write!(out, " data-src=\"{}\"", esc(f));
    }
    let _ = write!(
        out,
        "><caption id=\"{}\">{}",
        esc(&caption_id),
        esc(&t.caption)
    );
    if let Some((text, src)) = &t.caption_quote {
        let _ = write!(out, "<span data-src=\"{}\">{}</span>", esc(src), esc(text));
    }
    out.push_str("</caption>\n<thead><tr>");
    for c in &t.columns {
        out.push_str("<th scope=\"col\"");
        if c.numeric {
            out.push_str(" class=\"num\"");
        }
        if let Some(src) = &c.src {
            let _ = write!(out, " data-col=\"{}\"", esc(src));
        }
        let _ = write!(out, ">{}</th>", esc(&c.title));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &t.rows {
        match row.row {
            Some(n) => {
                let _ = write!(out, "<tr data-row=\"{n}\">");
            }
            None => out.push_str("<tr>"),
        }
        for (k, cell) in row.cells.iter().enumerate() {
            let numeric = t.columns.get(k).is_some_and(|c| c.numeric);
            let tag = if t.row_header == Some(k) { "th" } else { "td" };
            out.push('<');
            out.push_str(tag);
            if tag == "th" {
                out.push_str(" scope=\"row\"");
            }
            if numeric {
                out.push_str(" class=\"num\"");
            }
            out.push('>');
            inlines(out, cell);
            out.push_str("</");
            out.push_str(tag);
            out.push('>');
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
}

fn figure(out: &mut String, f: &Figure) {
    let caption_id = format!("{}-caption", f.id);
    let _ = write!(
        out,
        "<figure id=\"{}\" data-src=\"{}\"><div class=\"image\">",
        esc(&f.id),
        esc(&f.file)
    );
    out.push_str(&svg_with_name(&f.svg, &caption_id));
    let _ = write!(
        out,
        "</div><figcaption id=\"{}\"><strong>{}</strong> ",
        esc(&caption_id),
        esc(&f.caption)
    );
    inlines(out, &f.description);
    out.push_str("</figcaption></figure>\n");
}

/// The SVG without any XML prolog, named by the caption (`role="img"`), its own
/// `<title>` tooltips left as they are. A name the SVG gives itself (`role`,
/// `aria-label`, as the evaluation's charts do) gives way to the caption's, since an
/// attribute may appear only once.
fn svg_with_name(svg: &str, caption_id: &str) -> String {
    let start = svg.find("<svg").unwrap_or(0);
    let body = &svg[start..];
    let attributes = format!(
        " role=\"img\" aria-labelledby=\"{}\" focusable=\"false\"",
        esc(caption_id)
    );
    match body.strip_prefix("<svg") {
        Some(rest) => {
            let end = rest.find('>').unwrap_or(rest.len());
            let (tag, after) = rest.split_at(end);
            let tag = ["role", "aria-label", "aria-labelledby", "focusable"]
                .iter()
                .fold(tag.to_string(), |tag, name| without_attribute(&tag, name));
            format!("<svg{attributes}{tag}{after}")
        }
        None => format!("<p>{}</p>", esc("The image could not be included.")),
    }
}

/// `tag` (the attributes of an opening tag) without ` name="..."`.
fn without_attribute(tag: &str, name: &str) -> String {
    let key = format!(" {name}=\"");
    match tag.find(&key) {
        Some(at) => {
            let value = at + key.len();
            match tag[value..].find('"') {
                Some(close) => format!("{}{}", &tag[..at], &tag[value + close + 1..]),
                None => tag.to_string(),
            }
        }
        None => tag.to_string(),
    }
}

fn inlines(out: &mut String, items: &[Inline]) {
    for i in items {
        match i {
            Inline::Text { text } => out.push_str(&esc(text)),
            Inline::Strong { text } => {
                let _ = write!(out, "<strong>{}</strong>", esc(text));
            }
            Inline::Code { text } => {
                let _ = write!(out, "<code>{}</code>", esc(text));
            }
            Inline::Quote { text, src } => {
                let _ = write!(out, "<span data-src=\"{}\">{}</span>", esc(src), esc(text));
            }
            Inline::Fig(f) => {
                let class = if f.mono { " class=\"mono\"" } else { "" };
                let _ = write!(
                    out,
                    "<data{class} value=\"{}\" data-src=\"{}\">{}</data>",
                    esc(&f.value.attribute()),
                    esc(&f.src),
                    esc(&f.text)
                );
            }
        }
    }
}

/// Escapes text for element content and double-quoted attributes.
fn esc(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.contains(['&', '<', '>', '"']) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_svg_is_named() {
        assert_eq!(esc("a < b & \"c\""), "a &lt; b &amp; &quot;c&quot;");
        let svg = svg_with_name(
            "<?xml version=\"1.0\"?>\n<svg width=\"1\"></svg>",
            "m-caption",
        );
        assert!(
            svg.starts_with("<svg role=\"img\" aria-labelledby=\"m-caption\""),
            "{svg}"
        );
        assert!(!svg.contains("<?xml"));
        // A name of the SVG's own gives way to the caption's: each attribute once.
        let svg = svg_with_name(
            "<svg width=\"1\" role=\"img\" aria-label=\"a chart\"><text>x</text></svg>",
            "m-caption",
        );
        assert_eq!(svg.matches("role=").count(), 1, "{svg}");
        assert!(!svg.contains("aria-label=\"a chart\""), "{svg}");
        assert!(svg.ends_with("width=\"1\"><text>x</text></svg>"), "{svg}");
    }

    #[test]
    fn the_stylesheet_is_safe_inside_xml() {
        assert!(!STYLE.contains(['<', '>', '&']));
    }
}
