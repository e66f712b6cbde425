//! The report as an A4 PDF, typeset by typst's compiler in process.
//!
//! The document goes to typst as data, never as generated markup: [`data`] turns the
//! [`Document`] into JSON (`/report.json`) and the SVG images into files (`/image-N.svg`)
//! of an in-memory world, and the fixed template `report.typ` lays them out: a title page,
//! a contents page, numbered sections, tables whose header repeats on every page, figures
//! with their text alternatives, "page N of M" in the footer. Fonts are typst's bundled
//! ones (Libertinus Serif, DejaVu Sans Mono), so the output is the same on every machine
//! and embedded (subset) in the file; nothing is read from disk or the network (the world
//! has no packages). The PDF is tagged (typst tags headings, tables, figures and their
//! alternatives).

use crate::ReportError;
use crate::model::{Block, Document, Inline, Section, Table, plain};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::OnceLock;
use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World};
use typst_layout::PagedDocument;

/// The template: reads `/report.json` and lays it out. Holds no figures.
const TEMPLATE: &str = include_str!("report.typ");

/// Renders the document as PDF bytes.
pub fn render(doc: &Document) -> Result<Vec<u8>, ReportError> {
    let (json, images) = data(doc);
    let world = ReportWorld::new(json, images);
    let compiled = typst::compile::<PagedDocument>(&world);
    let document = compiled
        .output
        .map_err(|errors| ReportError::Pdf(diagnostics(&errors)))?;
    let options = typst_pdf::PdfOptions {
        ident: typst::foundations::Smart::Custom(doc.title.clone()),
        creator: typst::foundations::Smart::Custom(Some("oa".to_string())),
        ..Default::default()
    };
    let pdf = typst_pdf::pdf(&document, &options)
        .map_err(|errors| ReportError::Pdf(diagnostics(&errors)))?;
    // Typst keeps memoised layouts for incremental compiles; a report is compiled once.
    typst::comemo::evict(0);
    Ok(pdf)
}

fn diagnostics(errors: &[SourceDiagnostic]) -> String {
    errors
        .iter()
        .map(|e| e.message.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The document as the template's JSON, and its SVG images by file name.
pub fn data(doc: &Document) -> (String, Vec<(String, String)>) {
    let mut images = Vec::new();
    let sections: Vec<Value> = doc
        .sections
        .iter()
        .map(|s| section(s, &mut images))
        .collect();
    let annexes: Vec<Value> = doc
        .annexes
        .iter()
        .map(|s| section(s, &mut images))
        .collect();
    let value = json!({
        "title": doc.title,
        "subtitle": inlines(&doc.subtitle),
        "publisher": doc.publisher,
        "facts": doc.facts.iter().map(|(k, v)| json!([k, inlines(v)])).collect::<Vec<_>>(),
        "sections": sections,
        "annexes": annexes,
    });
    (value.to_string(), images)
}

fn section(s: &Section, images: &mut Vec<(String, String)>) -> Value {
    json!({
        "id": s.id,
        "title": s.title,
        "blocks": s.blocks.iter().map(|b| block(b, images)).collect::<Vec<_>>(),
        "sections": s.sections.iter().map(|x| section(x, images)).collect::<Vec<_>>(),
    })
}

fn block(b: &Block, images: &mut Vec<(String, String)>) -> Value {
    match b {
        Block::Paragraph(p) => json!({"kind": "par", "body": inlines(p)}),
        Block::List { items } => {
            json!({"kind": "list", "items": items.iter().map(|i| inlines(i)).collect::<Vec<_>>()})
        }
        Block::Table(t) => table(t),
        Block::Figure(f) => {
            let name = format!("/image-{}.svg", images.len());
            images.push((name.clone(), f.svg.clone()));
            json!({
                "kind": "figure",
                "path": name,
                "caption": f.caption,
                "description": inlines(&f.description),
                "alt": format!("{}. {}", f.caption, plain(&f.description)),
            })
        }
        Block::Command { text } => json!({"kind": "command", "text": text}),
        Block::Note(p) => json!({"kind": "note", "body": inlines(p)}),
    }
}

/// Rows above which a table is set as a fixed-width listing: typst lays out a table at
/// about 0.2 ms a cell, so the 32,844-area annex (131,376 cells) took 28 s as a table and
/// takes a second as a listing.
pub const LISTING_ROWS: usize = 2_000;

/// A table: columns with relative widths from their longest cells (so typst need not
/// measure every cell of a long table), cells as strings when they are plain text; a
/// long one as a listing.
fn table(t: &Table) -> Value {
    if t.rows.len() > LISTING_ROWS {
        return listing(t);
    }
    let widths: Vec<f64> = (0..t.columns.len())
        .map(|k| {
            let longest = t
                .rows
                .iter()
                .take(2000)
                .filter_map(|r| r.cells.get(k))
                .map(|c| plain(c).chars().count())
                .max()
                .unwrap_or(0)
                .max(t.columns[k].title.chars().count().min(14));
            (longest as f64).clamp(3.0, 48.0)
        })
        .collect();
    let cells: Vec<Value> = t
        .rows
        .iter()
        .flat_map(|r| r.cells.iter())
        .map(|c| match c.as_slice() {
            [Inline::Text { text }] => Value::String(text.clone()),
            other => inlines(other),
        })
        .collect();
    json!({
        "kind": "table",
        "caption": match &t.caption_quote {
            Some((text, _)) => format!("{}{text}", t.caption),
            None => t.caption.clone(),
        },
        "columns": t.columns.iter().map(|c| c.title.clone()).collect::<Vec<_>>(),
        "numeric": t.columns.iter().map(|c| c.numeric).collect::<Vec<_>>(),
        "widths": widths,
        "cells": cells,
        "long": t.rows.len() > 40,
    })
}

/// A long table as monospaced lines: each column padded to its widest cell (numbers to the
/// right), under a header line and a rule that the template repeats on every page. The
/// HTML report keeps the table itself.
fn listing(t: &Table) -> Value {
    let text: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| r.cells.iter().map(|c| plain(c)).collect())
        .collect();
    let widths: Vec<usize> = (0..t.columns.len())
        .map(|k| {
            text.iter()
                .filter_map(|r| r.get(k))
                .map(|c| c.chars().count())
                .chain([t.columns[k].title.chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for (k, c) in cells.enumerate() {
            let w = widths.get(k).copied().unwrap_or(0);
            let pad = w.saturating_sub(c.chars().count());
            if k > 0 {
                out.push_str("  ");
            }
            if t.columns.get(k).is_some_and(|c| c.numeric) {
                out.extend(std::iter::repeat_n(' ', pad));
                out.push_str(c);
            } else {
                out.push_str(c);
                out.extend(std::iter::repeat_n(' ', pad));
            }
        }
        out.truncate(out.trim_end().len());
        out
    };
    let rule = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
    json!({
        "kind": "listing",
        "caption": match &t.caption_quote {
            Some((text, _)) => format!("{}{text}", t.caption),
            None => t.caption.clone(),
        },
        "header": [line(&mut t.columns.iter().map(|c| c.title.as_str())), "-".repeat(rule)],
        "lines": text.iter().map(|r| line(&mut r.iter().map(String::as_str))).collect::<Vec<_>>(),
    })
}

fn inlines(items: &[Inline]) -> Value {
    Value::Array(
        items
            .iter()
            .map(|i| match i {
                Inline::Text { text } | Inline::Quote { text, .. } => Value::String(text.clone()),
                Inline::Strong { text } => json!({"kind": "strong", "text": text}),
                Inline::Code { text } => json!({"kind": "code", "text": text}),
                Inline::Fig(f) if f.mono => json!({"kind": "code", "text": f.text}),
                Inline::Fig(f) => Value::String(f.text.clone()),
            })
            .collect(),
    )
}

/// typst's bundled fonts, parsed once.
fn fonts() -> &'static (LazyHash<FontBook>, Vec<Font>) {
    static FONTS: OnceLock<(LazyHash<FontBook>, Vec<Font>)> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fonts: Vec<Font> = typst_assets::fonts()
            .flat_map(|data| Font::iter(Bytes::new(data)))
            .collect();
        (LazyHash::new(FontBook::from_fonts(&fonts)), fonts)
    })
}

fn library() -> &'static LazyHash<Library> {
    static LIBRARY: OnceLock<LazyHash<Library>> = OnceLock::new();
    LIBRARY.get_or_init(|| LazyHash::new(Library::default()))
}

/// The in-memory world of one report: the template, its data and its images.
struct ReportWorld {
    main: FileId,
    source: Source,
    files: HashMap<FileId, Bytes>,
}

fn file_id(path: &str) -> FileId {
    RootedPath::new(
        VirtualRoot::Project,
        VirtualPath::new(path).expect("the report's own paths are valid"),
    )
    .intern()
}

impl ReportWorld {
    fn new(json: String, images: Vec<(String, String)>) -> ReportWorld {
        let main = file_id("/report.typ");
        let mut files = HashMap::new();
        files.insert(file_id("/report.json"), Bytes::from_string(json));
        for (name, svg) in images {
            files.insert(file_id(&name), Bytes::from_string(svg));
        }
        ReportWorld {
            main,
            source: Source::new(main, TEMPLATE.to_string()),
            files,
        }
    }
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        library()
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &fonts().0
    }

    fn main(&self) -> FileId {
        self.main
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main {
            Ok(self.source.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main {
            return Ok(Bytes::from_string(self.source.text().to_string()));
        }
        self.files.get(&id).cloned().ok_or(FileError::AccessDenied)
    }

    fn font(&self, index: usize) -> Option<Font> {
        fonts().1.get(index).cloned()
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Column, Row};

    fn long_table(rows: usize) -> Table {
        let column = |title: &str, numeric| Column {
            title: title.into(),
            numeric,
            src: None,
        };
        let text = |s: String| vec![Inline::Text { text: s }];
        Table {
            id: "annex".into(),
            caption: "Every area".into(),
            caption_quote: None,
            columns: vec![column("Rank", true), column("Name", false)],
            rows: (1..=rows)
                .map(|i| Row {
                    row: Some(i),
                    cells: vec![
                        text(i.to_string()),
                        text(format!("Area {}", "x".repeat(i % 7))),
                    ],
                })
                .collect(),
            file: None,
            row_header: Some(1),
        }
    }

    #[test]
    fn a_long_table_is_a_listing_with_aligned_columns() {
        assert_eq!(table(&long_table(LISTING_ROWS))["kind"], "table");
        let v = table(&long_table(LISTING_ROWS + 1));
        assert_eq!(v["kind"], "listing");
        assert_eq!(v["header"][0], "Rank  Name");
        assert_eq!(v["header"][1], "-".repeat(4 + 2 + 11));
        let lines: Vec<&str> = v["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap())
            .collect();
        assert_eq!(lines.len(), LISTING_ROWS + 1);
        // Numbers to the right of their column, names from the same column onwards.
        assert_eq!(lines[0], "   1  Area x");
        assert_eq!(lines[6], "   7  Area");
        assert_eq!(lines[2000], "2001  Area xxxxxx");
        assert!(lines.iter().all(|l| l.find("Area") == Some(6)));
    }
}
