//! The document model: what a report says, before it is HTML or PDF. Both renderers walk
//! the same [`Document`], so the two formats cannot disagree.
//!
//! Every number in a document is a [`Fig`]: its text as printed, its value, and `src`, a
//! formula over the bundle's own files that gives the value (`scores.csv[3].score`,
//! `count(scores.csv,band,coldspot)`, `manifest:/inputs/0/sha256`; see [`crate::figures`]).
//! The HTML writes it as `<data value=".." data-src="..">`, so a test can evaluate every
//! formula on the bundle and compare. Text copied from the bundle (area names, reasons,
//! notes) is a [`Inline::Quote`] with its `src` too. Tables that list a file's rows say
//! which file and which row each line is ([`Table::file`], [`Row::row`]) and which column
//! each cell comes from ([`Column::src`]).

use serde::Serialize;

/// A whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Document {
    /// The report's title (the study's, or `[report] title`).
    pub title: String,
    /// Where the title is in the bundle.
    pub title_src: String,
    /// One sentence under the title (the study's description), from the bundle.
    pub subtitle: Vec<Inline>,
    /// Who publishes it (`[report] publisher`), when given.
    pub publisher: Option<String>,
    /// Short facts under the title: the study, when it ran, the `oa` version.
    pub facts: Vec<(String, Vec<Inline>)>,
    /// The body, in reading order.
    pub sections: Vec<Section>,
    /// Annexes (the full tables), after the body.
    pub annexes: Vec<Section>,
}

/// A titled part of the document; nested sections are one heading level down.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// A stable anchor (`summary`, `results-ranking`, ...).
    pub id: String,
    pub title: String,
    /// Set when the title is text from the bundle (a fund's name): where it is.
    pub title_src: Option<String>,
    pub blocks: Vec<Block>,
    pub sections: Vec<Section>,
}

impl Section {
    pub fn new(id: &str, title: &str) -> Section {
        Section {
            id: id.to_string(),
            title: title.to_string(),
            title_src: None,
            blocks: Vec::new(),
            sections: Vec::new(),
        }
    }

    /// Adds a paragraph.
    pub fn para(&mut self, inlines: Vec<Inline>) -> &mut Self {
        self.blocks.push(Block::Paragraph(inlines));
        self
    }
}

/// A block of content.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", content = "body", rename_all = "snake_case")]
pub enum Block {
    Paragraph(Vec<Inline>),
    /// A bulleted list.
    List {
        items: Vec<Vec<Inline>>,
    },
    Table(Table),
    Figure(Figure),
    /// A command or other literal text, shown as typed.
    Command {
        text: String,
    },
    /// A note set apart from the text (a caveat, a stand-in).
    Note(Vec<Inline>),
}

/// A piece of running text.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Inline {
    /// Words written by the report itself (never a number).
    Text { text: String },
    /// Words in bold.
    Strong { text: String },
    /// A study key (`method.normalisation`), a file or column name, a code.
    Code { text: String },
    /// Text copied from the bundle, with where it is.
    Quote { text: String, src: String },
    /// A number (or a digest) from the bundle.
    Fig(Fig),
}

/// A figure from the bundle: how it is printed, its value and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fig {
    /// As printed: `32,844`, `20%`, `£1,970,000.00`, `45.039`.
    pub text: String,
    /// The value the text shows (before rounding for print).
    pub value: Value,
    /// The formula over the bundle's files that gives `value` (see [`crate::figures`]).
    pub src: String,
    /// Set in a fixed-width font (digests).
    pub mono: bool,
}

/// A figure's value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Number(f64),
    /// Text such as a SHA-256 digest, a date or an amount as the study wrote it.
    Text(String),
}

impl Value {
    /// The machine-readable form written in HTML's `<data value>`.
    pub fn attribute(&self) -> String {
        match self {
            Value::Number(x) => format!("{x}"),
            Value::Text(s) => s.clone(),
        }
    }
}

/// A table with a caption; columns say how their cells align and where they come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    /// A stable anchor.
    pub id: String,
    pub caption: String,
    /// Text from the bundle that ends the caption (a fund's name), and where it is.
    pub caption_quote: Option<(String, String)>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    /// The bundle file whose rows this table lists (`scores.csv`), when it lists one.
    pub file: Option<String>,
    /// The column whose cells head each row (`<th scope="row">`), usually the name.
    pub row_header: Option<usize>,
}

/// A column of a [`Table`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    pub title: String,
    /// Numbers: right-aligned with tabular figures.
    pub numeric: bool,
    /// The column of [`Table::file`] that every cell of this column shows, when it is one.
    pub src: Option<String>,
}

impl Column {
    /// A text column that comes from no single file column.
    pub fn text(title: &str) -> Column {
        Column {
            title: title.to_string(),
            numeric: false,
            src: None,
        }
    }

    /// A text column showing `src` of the table's file.
    pub fn text_of(title: &str, src: &str) -> Column {
        Column {
            title: title.to_string(),
            numeric: false,
            src: Some(src.to_string()),
        }
    }

    /// A numeric column showing `src` of the table's file.
    pub fn number_of(title: &str, src: &str) -> Column {
        Column {
            title: title.to_string(),
            numeric: true,
            src: Some(src.to_string()),
        }
    }

    /// A numeric column whose cells carry their own [`Fig`]s.
    pub fn number(title: &str) -> Column {
        Column {
            title: title.to_string(),
            numeric: true,
            src: None,
        }
    }
}

/// A row of a [`Table`]: its row in [`Table::file`] (1 = the first data row) and cells.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub row: Option<usize>,
    pub cells: Vec<Vec<Inline>>,
}

/// An image with a caption and a text alternative.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figure {
    pub id: String,
    pub caption: String,
    /// What the image shows, in words and figures from the bundle; the text alternative.
    pub description: Vec<Inline>,
    /// The SVG, as the bundle holds it.
    pub svg: String,
    /// The bundle file it is (`map_score.svg`).
    pub file: String,
}

/// Plain text of inlines (text alternatives, PDF metadata).
pub fn plain(inlines: &[Inline]) -> String {
    inlines
        .iter()
        .map(|i| match i {
            Inline::Text { text } | Inline::Strong { text } | Inline::Code { text } => {
                text.as_str()
            }
            Inline::Quote { text, .. } => text.as_str(),
            Inline::Fig(f) => f.text.as_str(),
        })
        .collect()
}

/// Builders for inlines, so section code reads as prose.
pub mod inline {
    use super::{Fig, Inline};

    pub fn t(text: impl Into<String>) -> Inline {
        Inline::Text { text: text.into() }
    }

    pub fn b(text: impl Into<String>) -> Inline {
        Inline::Strong { text: text.into() }
    }

    pub fn code(text: impl Into<String>) -> Inline {
        Inline::Code { text: text.into() }
    }

    pub fn quote(text: impl Into<String>, src: impl Into<String>) -> Inline {
        Inline::Quote {
            text: text.into(),
            src: src.into(),
        }
    }

    pub fn fig(f: Fig) -> Inline {
        Inline::Fig(f)
    }
}
