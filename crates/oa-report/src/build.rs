//! From [`Results`] to a [`Document`]: the summary, methodology, results, evaluation,
//! provenance and annexes, each a function of the results alone.

use crate::evaluation;
use crate::figures::{self as src, decimals_for};
use crate::model::inline::{code, fig, quote, t};
use crate::model::{Block, Column, Document, Fig, Inline, Row, Section, Table};
use crate::words;
use crate::{Options, Provenance};
use oa_bundle::{Manifest, Results};
use oa_model::study::End;

/// The file every headline figure comes from.
pub(crate) const SCORES: &str = "scores.csv";

/// The bundle's headline table as the report reads it: rows in rank order.
pub(crate) struct Ranked<'a> {
    pub codes: &'a [String],
    pub names: &'a [String],
    pub score: &'a [f64],
    pub score_column: String,
    pub rank: Vec<Option<u32>>,
    pub rank_column: String,
    pub band: Option<&'a [String]>,
    pub quantile: Option<&'a [Option<u32>]>,
    /// Decimals the scores are printed with.
    pub dp: usize,
    /// Areas with a rank.
    pub ranked: usize,
    pub rank_1: End,
    pub area_type: String,
    pub vintage: Option<u16>,
}

impl<'a> Ranked<'a> {
    pub fn of(r: &'a Results) -> Ranked<'a> {
        let h = r.headline();
        match &r.rollup {
            Some(roll) => {
                let m = roll
                    .measure(&h.score)
                    .or(roll.measures.first())
                    .expect("a roll-up has its five summaries");
                Ranked {
                    codes: &roll.area_code,
                    names: &roll.area_name,
                    score: &m.value,
                    score_column: m.id.clone(),
                    rank: m.rank.iter().map(|&x| Some(x)).collect(),
                    rank_column: format!("rank_{}", m.id),
                    band: roll.band.as_deref(),
                    quantile: None,
                    dp: decimals_for(m.value.iter().copied()),
                    ranked: roll.len(),
                    rank_1: h.rank_1,
                    area_type: h.area_type,
                    vintage: h.vintage,
                }
            }
            None => {
                let s = &r.index.scores;
                Ranked {
                    codes: &s.area_code,
                    names: &s.area_name,
                    score: &s.score,
                    score_column: "score".into(),
                    rank: s.rank.clone(),
                    rank_column: "rank".into(),
                    band: (!r.study.bands.named.is_empty()).then_some(&s.band[..]),
                    quantile: s.quantile.as_deref(),
                    dp: decimals_for(s.score.iter().copied()),
                    ranked: s.rank.iter().filter(|x| x.is_some()).count(),
                    rank_1: h.rank_1,
                    area_type: h.area_type,
                    vintage: h.vintage,
                }
            }
        }
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn score_fig(&self, i: usize) -> Fig {
        Fig::number(
            self.score[i],
            self.dp,
            src::cell(SCORES, i, &self.score_column),
        )
    }

    pub fn name(&self, i: usize) -> Inline {
        quote(&self.names[i], src::cell(SCORES, i, "area_name"))
    }

    pub fn code(&self, i: usize) -> Inline {
        quote(&self.codes[i], src::cell(SCORES, i, "area_code"))
    }

    /// Number of areas in band `name`.
    pub fn band_count(&self, name: &str) -> Fig {
        let n = self
            .band
            .map_or(0, |b| b.iter().filter(|x| *x == name).count());
        Fig::count(n, src::count_of(SCORES, "band", name))
    }

    /// The table's rows `indices` as a table with the score, rank, band (and quantile).
    pub fn table(&self, id: &str, caption: &str, indices: &[usize]) -> Table {
        let mut columns = vec![
            Column::number_of("Rank", &self.rank_column),
            Column::text_of("Code", "area_code"),
            Column::text_of("Name", "area_name"),
            Column::number_of(
                words::rollup_column_or_score(&self.score_column),
                &self.score_column,
            ),
        ];
        if self.band.is_some() {
            columns.push(Column::text_of("Band", "band"));
        }
        if self.quantile.is_some() {
            columns.push(Column::number_of("Quantile", "quantile"));
        }
        let rows = indices
            .iter()
            .map(|&i| {
                let mut cells = vec![
                    self.rank[i]
                        .map(|k| vec![t(src::group(u64::from(k)))])
                        .unwrap_or_else(|| vec![t("not ranked")]),
                    vec![t(&self.codes[i])],
                    vec![t(&self.names[i])],
                    vec![t(if self.score[i].is_finite() {
                        src::decimal(self.score[i], self.dp)
                    } else {
                        "not scored".into()
                    })],
                ];
                if let Some(b) = self.band {
                    cells.push(vec![t(&b[i])]);
                }
                if let Some(q) = self.quantile {
                    cells.push(vec![t(q[i].map(|x| x.to_string()).unwrap_or_default())]);
                }
                Row {
                    row: Some(i + 1),
                    cells,
                }
            })
            .collect();
        Table {
            id: id.into(),
            caption: caption.into(),
            caption_quote: None,
            columns,
            rows,
            file: Some(SCORES.into()),
            row_header: Some(2),
        }
    }
}

/// Builds the whole document.
pub fn document(r: &Results, provenance: &Provenance, options: &Options) -> Document {
    let ranked = Ranked::of(r);
    let (title, title_src) = match &options.title {
        Some(t) => (t.clone(), src::manifest(&["parameters", "report", "title"])),
        None => (
            r.study.study.title.clone(),
            src::manifest(&["parameters", "study", "title"]),
        ),
    };
    let m = &r.manifest;
    let mut sections = vec![
        summary(r, &ranked),
        crate::methodology::section(r),
        crate::results::section(r, &ranked, options),
    ];
    if let Some(e) = evaluation::section(r) {
        sections.push(e);
    }
    sections.push(provenance_section(r, provenance));
    let mut annexes = Vec::new();
    if options.annex {
        annexes.push(crate::results::annex_ranking(&ranked));
        if let Some(s) = crate::results::annex_selection(r) {
            annexes.push(s);
        }
    }
    Document {
        title,
        title_src,
        subtitle: if r.study.study.description.is_empty() {
            Vec::new()
        } else {
            vec![quote(
                &r.study.study.description,
                src::manifest(&["parameters", "study", "description"]),
            )]
        },
        publisher: options.publisher.clone(),
        facts: vec![
            (
                "Study".into(),
                vec![quote(&m.study.id, src::manifest(&["study", "id"]))],
            ),
            (
                "Run on".into(),
                vec![fig(Fig::text(
                    &m.created_at,
                    src::manifest(&["created_at"]),
                ))],
            ),
            (
                "Made with".into(),
                vec![
                    t("oa "),
                    fig(Fig::text(&m.oa_version, src::manifest(&["oa_version"]))),
                ],
            ),
        ],
        sections,
        annexes,
    }
}

/// What was measured and the headline findings.
fn summary(r: &Results, ranked: &Ranked) -> Section {
    let mut s = Section::new("summary", "Summary");
    let study = &r.study;
    let mut items: Vec<Vec<Inline>> = Vec::new();
    let groups = study.groups.len();
    let mut what = vec![
        t("This report ranks "),
        fig(Fig::count(
            ranked.ranked,
            src::manifest(&["headline", "areas"]),
        )),
        t(format!(" {}", words::area_type(&ranked.area_type))),
    ];
    if let Some(v) = ranked.vintage {
        what.extend([
            t(" (boundaries of "),
            fig(Fig::count(v as usize, src::manifest(&["headline", "vintage"])).year()),
            t(")"),
        ]);
    }
    what.extend([
        t(" on an index of "),
        fig(Fig::count(
            study.indicators.len(),
            src::manifest_len(&["parameters", "indicators"]),
        )),
        t(if study.indicators.len() == 1 {
            " indicator"
        } else {
            " indicators"
        }),
    ]);
    if groups > 0 {
        what.extend([
            t(" in "),
            fig(Fig::count(
                groups,
                src::manifest_len(&["parameters", "groups"]),
            )),
            t(if groups == 1 { " group" } else { " groups" }),
        ]);
    }
    what.push(t("."));
    if r.rollup.is_some() {
        let small = r.index.scores.rank.iter().filter(|x| x.is_some()).count();
        what.extend([
            t(" It scores "),
            fig(Fig::count(small, src::rows("small_area_scores.csv"))),
            t(format!(
                " {} and summarises them over the larger areas",
                words::area_type(&study.geography.area_type)
            )),
            t(format!(
                "; the headline is {}.",
                study
                    .rollup
                    .as_ref()
                    .map(|x| words::rollup_measure(x.headline))
                    .unwrap_or("the average score")
            )),
        ]);
    }
    items.push(what);
    if ranked.ranked > 0 {
        let first = 0;
        let label = match ranked.rank_1 {
            End::Worst => "The area ranked first, the worst, is ",
            End::Best => "The area ranked first, the best, is ",
        };
        let mut top = vec![
            t(label),
            ranked.name(first),
            t(" ("),
            ranked.code(first),
            t(")"),
        ];
        if ranked.score[first].is_finite() {
            top.extend([t(", with a score of "), fig(ranked.score_fig(first))]);
        }
        top.push(t("."));
        items.push(top);
    }
    if let Some(bands) = ranked.band {
        let names = &r.headline().bands;
        for name in names {
            let n = bands.iter().filter(|x| *x == name).count();
            items.push(vec![
                t("The "),
                code(name),
                t(" band holds "),
                fig(ranked.band_count(name)),
                t(" of the "),
                fig(Fig::count(
                    ranked.ranked,
                    src::manifest(&["headline", "areas"]),
                )),
                t(" areas ("),
                fig(Fig::percent(
                    n as f64 / ranked.ranked.max(1) as f64,
                    0,
                    format!(
                        "{} / {}",
                        src::count_of(SCORES, "band", name),
                        src::manifest(&["headline", "areas"])
                    ),
                )),
                t(")."),
            ]);
        }
    }
    if let Some(c) = &r.clusters {
        let cold = c
            .cluster
            .iter()
            .filter(|x| *x == "cold spot cluster")
            .count();
        items.push(vec![
            fig(Fig::count(cold, src::count_of("clusters.csv", "cluster", "cold spot cluster"))),
            t(" areas lie in cold-spot clusters: areas of high need whose neighbours also have high need."),
        ]);
    }
    if let Some(sel) = &r.selection {
        let chosen: Vec<(usize, &oa_bundle::SelectedArea)> = sel
            .areas
            .iter()
            .enumerate()
            .filter(|(_, a)| a.selected)
            .collect();
        let mut line = vec![
            fig(Fig::count(
                chosen.len(),
                src::count_of("selection.csv", "selected", "true"),
            )),
            t(" areas were selected from "),
            fig(Fig::count(sel.areas.len(), src::rows("selection.csv"))),
            t(" candidates: "),
        ];
        for (k, (i, a)) in chosen.iter().enumerate() {
            if k > 0 {
                line.push(t(if k + 1 == chosen.len() { " and " } else { ", " }));
            }
            line.push(quote(
                &a.area_name,
                src::cell("selection.csv", *i, "area_name"),
            ));
        }
        line.push(t("."));
        items.push(line);
    }
    if let Some(f) = &r.funding {
        for (i, fund) in f.funds.iter().enumerate() {
            let mut line = vec![
                quote(&fund.name, src::cell("funds.csv", i, "name")),
                t(": "),
                fig(Fig::money(
                    fund.total,
                    src::cell("funds.csv", i, "total_pence"),
                )),
                t(", of which "),
                fig(Fig::money(
                    fund.allocated,
                    src::cell("funds.csv", i, "allocated_pence"),
                )),
                t(" is allocated to "),
                fig(Fig::count(
                    fund.areas as usize,
                    src::cell("funds.csv", i, "areas"),
                )),
                t(" areas"),
            ];
            if fund.unallocated().pence() != 0 {
                line.extend([
                    t(" and "),
                    fig(Fig::money(
                        fund.unallocated(),
                        src::cell("funds.csv", i, "unallocated_pence"),
                    )),
                    t(" is not"),
                ]);
            }
            line.push(t("."));
            items.push(line);
        }
    }
    if let (Some(u), Some(band)) = (&r.uncertainty, r.headline().bands.first().cloned())
        && let Some(p) = u
            .areas
            .bands
            .iter()
            .find(|(n, _)| *n == band)
            .map(|(_, p)| p)
    {
        let sure = p.iter().filter(|x| **x == 1.0).count();
        let never = p.iter().filter(|x| **x == 0.0).count();
        let column = format!("p_{band}");
        items.push(vec![
            t("Under the uncertainty analysis, "),
            fig(Fig::count(
                sure,
                src::count_of("uncertainty.csv", &column, "1"),
            )),
            t(" areas are in the "),
            code(&band),
            t(" band in every simulation, "),
            fig(Fig::count(
                never,
                src::count_of("uncertainty.csv", &column, "0"),
            )),
            t(" in none, and "),
            fig(Fig::count(
                p.len() - sure - never,
                format!(
                    "rows(uncertainty.csv) - {} - {}",
                    src::count_of("uncertainty.csv", &column, "1"),
                    src::count_of("uncertainty.csv", &column, "0")
                ),
            )),
            t(" only in some."),
        ]);
    }
    if let Some(line) = evaluation::summary(r) {
        items.push(line);
    }
    s.blocks.push(Block::List { items });
    s
}

/// Inputs with their digests, the study's, the version, when it ran and how to repeat it.
fn provenance_section(r: &Results, p: &Provenance) -> Section {
    let m = &r.manifest;
    let mut s = Section::new("provenance", "Provenance");
    s.para(vec![
        t("Everything in this report was computed by "),
        code("oa"),
        t(" from the files below; the SHA-256 digests identify each file exactly. The same command on the same files gives the same results."),
    ]);
    let rows = m
        .inputs
        .iter()
        .enumerate()
        .map(|(i, input)| {
            let n = i.to_string();
            Row {
                row: None,
                cells: vec![
                    vec![quote(&input.path, src::manifest(&["inputs", &n, "path"]))],
                    vec![fig(Fig::count(
                        input.bytes as usize,
                        src::manifest(&["inputs", &n, "bytes"]),
                    ))],
                    vec![fig(Fig::text(
                        &input.sha256,
                        src::manifest(&["inputs", &n, "sha256"]),
                    )
                    .digest())],
                ],
            }
        })
        .collect();
    s.blocks.push(Block::Table(Table {
        id: "inputs".into(),
        caption: "Input files, relative to the data directory".into(),
        caption_quote: None,
        columns: vec![
            Column::text("File"),
            Column::number("Bytes"),
            Column::text("SHA-256"),
        ],
        rows,
        file: None,
        row_header: Some(0),
    }));
    let facts: Vec<Vec<Inline>> = vec![
        vec![
            t("Study file: "),
            quote(&m.study.path, src::manifest(&["study", "path"])),
            t(", SHA-256 "),
            fig(Fig::text(&m.study.sha256, src::manifest(&["study", "sha256"])).digest()),
            t(" (a copy is in the bundle as "),
            code("study.toml"),
            t(")."),
        ],
        vec![
            t("Data directory: "),
            quote(&m.data_dir, src::manifest(&["data_dir"])),
            t("."),
        ],
        vec![
            t("Computed by "),
            code("oa"),
            t(" version "),
            fig(Fig::text(&m.oa_version, src::manifest(&["oa_version"]))),
            t(", bundle layout version "),
            fig(Fig::count(
                m.bundle_version as usize,
                src::manifest(&["bundle_version"]),
            )),
            t(", on "),
            fig(Fig::text(&m.created_at, src::manifest(&["created_at"]))),
            t("; this report was written by "),
            code(format!("oa {}", p.renderer)),
            t("."),
        ],
    ];
    s.blocks.push(Block::List { items: facts });
    s.para(vec![t("To reproduce the results, run:")]);
    s.blocks.push(Block::Command {
        text: p.command.clone(),
    });
    if !m.overrides.is_empty() {
        let items = m
            .overrides
            .iter()
            .map(|(k, v)| {
                vec![
                    code(k),
                    t(" was set to "),
                    fig(Fig::text(v.to_string(), src::manifest(&["overrides", k]))),
                    t(" on the command line, in place of the study's value."),
                ]
            })
            .collect();
        s.blocks.push(Block::List { items });
    }
    if !m.notes.is_empty() {
        let mut notes = Section::new("provenance-notes", "Notes from the run");
        notes.blocks.push(Block::List {
            items: m
                .notes
                .iter()
                .enumerate()
                .map(|(i, n)| vec![quote(n, src::manifest(&["notes", &i.to_string()]))])
                .collect(),
        });
        s.sections.push(notes);
    }
    // The stages before the report: a report cannot time itself or the writing that
    // follows it, and the same bundle must give the same report whenever it is made.
    let analysis = m.timings.iter().take_while(|tm| tm.stage != "report");
    if m.timings.first().is_some_and(|tm| tm.stage != "report") {
        let rows = analysis
            .enumerate()
            .map(|(i, tm)| Row {
                row: None,
                cells: vec![
                    vec![quote(
                        &tm.stage,
                        src::manifest(&["timings", &i.to_string(), "stage"]),
                    )],
                    vec![fig(Fig::number(
                        tm.ms,
                        0,
                        src::manifest(&["timings", &i.to_string(), "ms"]),
                    ))],
                ],
            })
            .collect();
        let mut timings = Section::new("provenance-timings", "How long each stage took");
        timings.blocks.push(Block::Table(Table {
            id: "timings".into(),
            caption: "Stages of the analysis and their time in milliseconds".into(),
            caption_quote: None,
            columns: vec![Column::text("Stage"), Column::number("Milliseconds")],
            rows,
            file: None,
            row_header: Some(0),
        }));
        s.sections.push(timings);
    }
    s
}

/// The command that computes the bundle again, from its manifest.
pub fn command(m: &Manifest) -> String {
    let shell = |s: &str| {
        if s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+=:,@".contains(c))
        {
            s.to_string()
        } else {
            format!("'{}'", s.replace('\'', r"'\''"))
        }
    };
    let mut c = format!(
        "oa run {} --data-dir {}",
        shell(&m.study.path),
        shell(&m.data_dir)
    );
    let other: Vec<&str> = m
        .formats
        .iter()
        .map(String::as_str)
        .filter(|f| *f != "csv")
        .collect();
    if !other.is_empty() {
        c.push_str(&format!(" --format csv,{}", other.join(",")));
    }
    c
}
