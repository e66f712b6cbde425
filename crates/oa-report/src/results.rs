//! The results: the ranking (top and bottom), coverage, maps, clusters, uncertainty, the
//! selection with its reasons and the allocations to the penny; and the annexes that
//! list every area.

use crate::Options;
use crate::build::{Ranked, SCORES};
use crate::figures::{self as src, decimals_for};
use crate::model::inline::{code, fig, quote, t};
use crate::model::{Block, Column, Fig, Figure, Inline, Row, Section, Table};
use crate::words;
use oa_bundle::{AreaStatus, Results};
use oa_model::study::End;

pub fn section(r: &Results, ranked: &Ranked, options: &Options) -> Section {
    let mut s = Section::new("results", "Results");
    s.sections.push(ranking(ranked, options));
    if let Some(c) = coverage(r) {
        s.sections.push(c);
    }
    if let Some(m) = maps(r, ranked) {
        s.sections.push(m);
    }
    if let Some(c) = clusters(r) {
        s.sections.push(c);
    }
    if let Some(u) = uncertainty(r, ranked, options.top) {
        s.sections.push(u);
    }
    if let Some(x) = selection(r) {
        s.sections.push(x);
    }
    if let Some(f) = funding(r) {
        s.sections.push(f);
    }
    s
}

fn ends(rank_1: End) -> (&'static str, &'static str) {
    match rank_1 {
        End::Worst => ("most in need", "least in need"),
        End::Best => ("best placed", "least well placed"),
    }
}

fn ranking(ranked: &Ranked, options: &Options) -> Section {
    let mut s = Section::new("results-ranking", "Ranking");
    let ranked_rows: Vec<usize> = (0..ranked.len())
        .filter(|&i| ranked.rank[i].is_some())
        .collect();
    let show = options.top.min(ranked_rows.len().div_ceil(2)).max(1);
    let (first, last) = ends(ranked.rank_1);
    let mut p = vec![
        t("The first in the ranking is the area "),
        t(first),
        t(". The tables show the areas at each end of the ranking of "),
        fig(Fig::count(
            ranked.ranked,
            src::manifest(&["headline", "areas"]),
        )),
    ];
    if options.annex {
        p.push(t("; every area is listed in the annex."));
    } else {
        p.extend([
            t("; every area is listed in "),
            code(SCORES),
            t(" in the bundle."),
        ]);
    }
    s.para(p);
    let top: Vec<usize> = ranked_rows.iter().take(show).copied().collect();
    let bottom: Vec<usize> = ranked_rows
        .iter()
        .skip(ranked_rows.len().saturating_sub(show).max(show))
        .copied()
        .collect();
    s.blocks.push(Block::Table(ranked.table(
        "ranking-top",
        &format!("The areas {first}"),
        &top,
    )));
    if !bottom.is_empty() {
        s.blocks.push(Block::Table(ranked.table(
            "ranking-bottom",
            &format!("The areas {last}"),
            &bottom,
        )));
    }
    s
}

fn coverage(r: &Results) -> Option<Section> {
    let c = &r.index.coverage;
    let dropped = c
        .status
        .iter()
        .filter(|s| **s == AreaStatus::Dropped)
        .count();
    let imputed: usize = c.imputed.iter().map(|&x| x as usize).sum();
    let mut s = Section::new("results-coverage", "Data coverage");
    let mut p = vec![
        t("Data were read for "),
        fig(Fig::count(c.area_code.len(), src::rows("coverage.csv"))),
        t(" areas. "),
        fig(Fig::count(
            dropped,
            src::count_of("coverage.csv", "status", "dropped"),
        )),
        t(" were left out for missing too many indicators and "),
        fig(Fig::count(
            imputed,
            src::sum_of("coverage.csv", "imputed", None),
        )),
        t(" missing values were filled in."),
    ];
    if dropped > 0 {
        p.extend([
            t(" Each area's coverage is in "),
            code("coverage.csv"),
            t("."),
        ]);
    }
    s.para(p);
    Some(s)
}

/// An SVG from the bundle as a figure with its caption and text alternative.
fn figure(id: &str, file: &str, caption: &str, svg: &str, description: Vec<Inline>) -> Figure {
    Figure {
        id: id.into(),
        caption: caption.into(),
        description,
        svg: svg.to_string(),
        file: file.into(),
    }
}

fn maps(r: &Results, ranked: &Ranked) -> Option<Section> {
    let maps = r.maps.as_ref()?;
    if maps.maps.is_empty() {
        return None;
    }
    let mut s = Section::new("results-maps", "Maps");
    let h = r.headline();
    for m in &maps.maps {
        let file = format!("{}.svg", m.stem);
        let (caption, description) = match m.stem.as_str() {
            "map_score" => {
                let mut d = vec![
                    t("Each of the "),
                    fig(Fig::count(
                        ranked.ranked,
                        src::manifest(&["headline", "areas"]),
                    )),
                    t(" areas is shaded by its "),
                    code(&h.score),
                    t("; darker shades are higher scores."),
                ];
                if ranked.ranked > 0 {
                    d.extend([
                        t(" First in the ranking is "),
                        ranked.name(0),
                        t(", with "),
                        fig(ranked.score_fig(0)),
                        t("."),
                    ]);
                }
                ("Map of the headline score".to_string(), d)
            }
            "map_band" => {
                let mut d = vec![t("Each area is coloured by its band.")];
                for b in &h.bands {
                    d.extend([
                        t(" "),
                        code(b),
                        t(": "),
                        fig(ranked.band_count(b)),
                        t(" areas."),
                    ]);
                }
                ("Map of the bands".to_string(), d)
            }
            _ => {
                let mut d = vec![t("Each area is coloured by its cluster type.")];
                if let Some(c) = &r.clusters {
                    let cold = c
                        .cluster
                        .iter()
                        .filter(|x| *x == "cold spot cluster")
                        .count();
                    d.extend([
                        t(" "),
                        fig(Fig::count(
                            cold,
                            src::count_of("clusters.csv", "cluster", "cold spot cluster"),
                        )),
                        t(" areas are in cold-spot clusters."),
                    ]);
                }
                ("Map of clusters of need".to_string(), d)
            }
        };
        s.blocks.push(Block::Figure(figure(
            &m.stem,
            &file,
            &caption,
            &m.svg,
            description,
        )));
    }
    Some(s)
}

fn clusters(r: &Results) -> Option<Section> {
    let c = r.clusters.as_ref()?;
    let mut s = Section::new("results-clusters", "Clusters of need");
    s.para(vec![
        t("An area is in a cold-spot cluster when it and its neighbours together have unusually high need (Getis-Ord Gi*), tested against random rearrangements of the map. An outlier differs from its neighbours."),
    ]);
    let mut labels: Vec<&str> = Vec::new();
    for l in &c.cluster {
        if !labels.contains(&l.as_str()) {
            labels.push(l);
        }
    }
    labels.sort();
    let rows = labels
        .iter()
        .map(|l| Row {
            row: None,
            cells: vec![
                vec![quote(
                    *l,
                    src::cell(
                        "clusters.csv",
                        c.cluster.iter().position(|x| x.as_str() == *l).unwrap_or(0),
                        "cluster",
                    ),
                )],
                vec![fig(Fig::count(
                    c.cluster.iter().filter(|x| x.as_str() == *l).count(),
                    src::count_of("clusters.csv", "cluster", l),
                ))],
            ],
        })
        .collect();
    s.blocks.push(Block::Table(Table {
        id: "clusters-count".into(),
        caption: "Areas by cluster type".into(),
        caption_quote: None,
        columns: vec![Column::text("Cluster type"), Column::number("Areas")],
        rows,
        file: None,
        row_header: Some(0),
    }));
    let cold: Vec<usize> = (0..c.len())
        .filter(|&i| c.cluster[i] == "cold spot cluster")
        .collect();
    if !cold.is_empty() {
        let dp = decimals_for(c.score.iter().copied());
        let zdp = decimals_for(c.gi_star_z.iter().copied());
        let rows = cold
            .iter()
            .map(|&i| Row {
                row: Some(i + 1),
                cells: vec![
                    vec![t(&c.area_code[i])],
                    vec![t(&c.area_name[i])],
                    vec![t(src::decimal(c.score[i], dp))],
                    vec![t(src::group(u64::from(c.neighbours[i])))],
                    vec![t(src::decimal(c.gi_star_z[i], zdp))],
                    vec![t(src::decimal(c.gi_p[i], 3))],
                ],
            })
            .collect();
        s.blocks.push(Block::Table(Table {
            id: "clusters-cold".into(),
            caption: "Areas in cold-spot clusters".into(),
            caption_quote: None,
            columns: vec![
                Column::text_of("Code", "area_code"),
                Column::text_of("Name", "area_name"),
                Column::number_of("Score", "score"),
                Column::number_of("Neighbours", "neighbours"),
                Column::number_of("Gi* z-score", "gi_star_z"),
                Column::number_of("p-value", "gi_p"),
            ],
            rows,
            file: Some("clusters.csv".into()),
            row_header: Some(1),
        }));
    }
    Some(s)
}

fn uncertainty(r: &Results, ranked: &Ranked, top: usize) -> Option<Section> {
    let u = r.uncertainty.as_ref()?;
    let a = &u.areas;
    let mut s = Section::new("results-uncertainty", "Uncertainty");
    s.para(vec![
        t("Each area's rank interval holds nine in ten of its simulated ranks (from "),
        code("p05_rank"),
        t(" to "),
        code("p95_rank"),
        t("); a narrow interval means the rank hardly depends on the choices varied. The probability of a band is the share of simulations that put the area in it."),
    ]);
    s.blocks.push(Block::Figure(figure(
        "uncertainty-chart",
        "uncertainty.svg",
        "Rank intervals of every area",
        &u.chart,
        vec![
            t("One vertical line per area, in order of its rank in the study, from the lower to the upper end of its rank interval; "),
            fig(Fig::count(a.area_code.len(), src::rows("uncertainty.csv"))),
            t(" areas."),
        ],
    )));
    // The areas of the first band (the cold spots) with their intervals and probability.
    let band = r.headline().bands.first().cloned();
    let probs = band
        .as_ref()
        .and_then(|b| a.bands.iter().find(|(n, _)| n == b))
        .map(|(n, p)| (n.clone(), p));
    let position = |code: &str| a.area_code.iter().position(|c| c == code);
    let mut rows_of: Vec<usize> = match (&band, ranked.band) {
        (Some(b), Some(bands)) => (0..ranked.len()).filter(|&i| bands[i] == *b).collect(),
        _ => Vec::new(),
    };
    let whole_band = rows_of.len() <= 2 * top && !rows_of.is_empty();
    if !whole_band {
        rows_of = (0..ranked.len())
            .filter(|&i| ranked.rank[i].is_some())
            .take(top)
            .collect();
    }
    let mut rows = Vec::new();
    for i in rows_of {
        let Some(j) = position(&ranked.codes[i]) else {
            continue;
        };
        let mut cells = vec![
            vec![ranked.name(i)],
            vec![fig(Fig::count(
                a.nominal_rank[j] as usize,
                src::cell("uncertainty.csv", j, "nominal_rank"),
            ))],
            vec![fig(Fig::count(
                a.median_rank[j] as usize,
                src::cell("uncertainty.csv", j, "median_rank"),
            ))],
            vec![
                fig(Fig::count(
                    a.p05_rank[j] as usize,
                    src::cell("uncertainty.csv", j, "p05_rank"),
                )),
                t(" to "),
                fig(Fig::count(
                    a.p95_rank[j] as usize,
                    src::cell("uncertainty.csv", j, "p95_rank"),
                )),
            ],
        ];
        if let Some((name, p)) = &probs {
            cells.push(vec![fig(Fig::percent(
                p[j],
                1,
                src::cell("uncertainty.csv", j, &format!("p_{name}")),
            ))]);
        }
        rows.push(Row { row: None, cells });
    }
    let mut columns = vec![
        Column::text("Area"),
        Column::number("Rank"),
        Column::number("Median simulated rank"),
        Column::number("Rank interval"),
    ];
    if let Some((name, _)) = &probs {
        columns.push(Column::number(&format!("Probability of {name}")));
    }
    let caption = match &probs {
        Some((name, _)) if whole_band => {
            format!("Areas in the {name} band: how sure is their place?")
        }
        _ => "The areas ranked first: how sure is their place? (every area is in uncertainty.csv)"
            .to_string(),
    };
    s.blocks.push(Block::Table(Table {
        id: "uncertainty-band".into(),
        caption,
        caption_quote: None,
        columns,
        rows,
        file: None,
        row_header: Some(0),
    }));
    if let Some(st) = &u.stability {
        s.para(vec![
            t("The selection was repeated in each simulation: "),
            fig(Fig::count(
                st.feasible as usize,
                "selection_stability.csv[1].feasible".into(),
            )),
            t(" of "),
            fig(Fig::count(
                st.samples as usize,
                "selection_stability.csv[1].samples".into(),
            )),
            t(" runs found a feasible choice, and "),
            fig(Fig::percent(
                st.share_equal_nominal,
                1,
                "selection_stability.csv[1].share_equal_nominal".into(),
            )),
            t(" of them chose exactly the areas the study chose."),
        ]);
    }
    if let Some(sens) = &u.sensitivity {
        let rows = sens
            .iter()
            .enumerate()
            .map(|(i, x)| Row {
                row: Some(i + 1),
                cells: vec![
                    vec![t(&x.input)],
                    vec![t(src::decimal(x.first_order, 3))],
                    vec![t(src::decimal(x.total, 3))],
                ],
            })
            .collect();
        s.blocks.push(Block::Table(Table {
            id: "sensitivity".into(),
            caption: "How much of the variation in ranks each choice explains (Sobol indices)"
                .into(),
            caption_quote: None,
            columns: vec![
                Column::text_of("Choice", "input"),
                Column::number_of("Alone (first order)", "first_order"),
                Column::number_of("With interactions (total)", "total"),
            ],
            rows,
            file: Some("sensitivity.csv".into()),
            row_header: Some(0),
        }));
        if let Some(chart) = &u.sensitivity_chart {
            s.blocks.push(Block::Figure(figure(
                "sensitivity-chart",
                "sensitivity.svg",
                "Sensitivity of the ranks to each choice",
                chart,
                vec![
                    t("Bars of the first-order and total Sobol index of each of "),
                    fig(Fig::count(sens.len(), src::rows("sensitivity.csv"))),
                    t(" choices, with their intervals."),
                ],
            )));
        }
    }
    Some(s)
}

/// The selection table's rows `indices` with the reason for each.
fn selection_table(r: &Results, id: &str, caption: &str, indices: &[usize]) -> Table {
    let sel = r.selection.as_ref().expect("called with a selection");
    let ndp = decimals_for(sel.areas.iter().map(|a| a.need));
    let rows = indices
        .iter()
        .map(|&i| {
            let a = &sel.areas[i];
            Row {
                row: Some(i + 1),
                cells: vec![
                    vec![t(&a.area_id)],
                    vec![t(&a.area_name)],
                    vec![t(&a.region)],
                    vec![t(a.wave.clone().unwrap_or_default())],
                    vec![t(src::group(u64::from(a.rank)))],
                    vec![t(src::decimal(a.need, ndp))],
                    vec![t(&a.reason)],
                ],
            }
        })
        .collect();
    Table {
        id: id.into(),
        caption: caption.into(),
        caption_quote: None,
        columns: vec![
            Column::text_of("Area", "area_id"),
            Column::text_of("Name", "area_name"),
            Column::text_of("Region", "region"),
            Column::text_of("Wave", "wave"),
            Column::number_of("Need rank", "rank"),
            Column::number_of("Need", "need"),
            Column::text_of("Why", "reason"),
        ],
        rows,
        file: Some("selection.csv".into()),
        row_header: Some(1),
    }
}

fn selection(r: &Results) -> Option<Section> {
    let sel = r.selection.as_ref()?;
    let mut s = Section::new("results-selection", "Selection");
    let chosen: Vec<usize> = (0..sel.areas.len())
        .filter(|&i| sel.areas[i].selected)
        .collect();
    let long: Vec<usize> = (0..sel.areas.len())
        .filter(|&i| !sel.areas[i].selected && sel.areas[i].on_long_list)
        .collect();
    s.para(vec![
        fig(Fig::count(chosen.len(), src::count_of("selection.csv", "selected", "true"))),
        t(" of "),
        fig(Fig::count(sel.areas.len(), src::rows("selection.csv"))),
        t(" candidate areas were chosen; "),
        fig(Fig::count(
            sel.areas.iter().filter(|a| a.on_long_list).count(),
            src::count_of("selection.csv", "on_long_list", "true"),
        )),
        t(" were on the long list. The first need rank is the greatest need. Every candidate and the reason for its outcome is in the annex."),
    ]);
    s.blocks.push(Block::Table(selection_table(
        r,
        "selection-chosen",
        "The areas chosen and why",
        &chosen,
    )));
    if !long.is_empty() {
        s.blocks.push(Block::Table(selection_table(
            r,
            "selection-long-list",
            "Long-listed areas not chosen, and why",
            &long,
        )));
    }
    Some(s)
}

fn funding(r: &Results) -> Option<Section> {
    let f = r.funding.as_ref()?;
    let mut s = Section::new("results-funding", "Allocations");
    s.para(vec![
        t("Amounts are exact to the penny. Each fund's shares are rounded by the largest-remainder method, so its lines add up to what it allocates."),
    ]);
    let rows = f
        .funds
        .iter()
        .enumerate()
        .map(|(i, fund)| Row {
            row: Some(i + 1),
            cells: vec![
                vec![t(&fund.name)],
                vec![t(fund.total.to_string())],
                vec![t(fund.allocated.to_string())],
                vec![t(fund.unallocated().to_string())],
                vec![t(src::group(u64::from(fund.areas)))],
            ],
        })
        .collect();
    s.blocks.push(Block::Table(Table {
        id: "funds".into(),
        caption: "Funds: total, allocated to areas and not allocated".into(),
        caption_quote: None,
        columns: vec![
            Column::text_of("Fund", "name"),
            Column::number_of("Total", "total_pence"),
            Column::number_of("Allocated", "allocated_pence"),
            Column::number_of("Not allocated", "unallocated_pence"),
            Column::number_of("Areas", "areas"),
        ],
        rows,
        file: Some("funds.csv".into()),
        row_header: Some(0),
    }));
    for (k, fund) in f.funds.iter().enumerate() {
        let lines: Vec<usize> = (0..f.allocations.len())
            .filter(|&i| f.allocations[i].fund == fund.fund)
            .collect();
        let mut sub = Section::new(&format!("results-fund-{}", fund.fund), &fund.name);
        sub.title_src = Some(src::cell("funds.csv", k, "name"));
        let mut p = vec![
            quote(&fund.name, src::cell("funds.csv", k, "name")),
            t(": "),
            fig(Fig::money(
                fund.total,
                src::cell("funds.csv", k, "total_pence"),
            )),
            t(" in total; "),
            fig(Fig::money(
                fund.allocated,
                src::cell("funds.csv", k, "allocated_pence"),
            )),
            t(" allocated in "),
            fig(Fig::count(
                lines.len(),
                src::count_of("allocations.csv", "fund", &fund.fund),
            )),
            t(" payments."),
        ];
        if fund.unallocated().pence() != 0 {
            p.extend([
                t(" "),
                fig(Fig::money(
                    fund.unallocated(),
                    src::cell("funds.csv", k, "unallocated_pence"),
                )),
                t(" is not allocated to areas."),
            ]);
        }
        sub.para(p);
        if !fund.notes.is_empty() {
            sub.blocks.push(Block::List {
                items: fund
                    .notes
                    .iter()
                    .map(|n| vec![quote(n, src::cell("funds.csv", k, "notes"))])
                    .collect(),
            });
        }
        if !lines.is_empty() {
            let rows = lines
                .iter()
                .map(|&i| {
                    let a = &f.allocations[i];
                    Row {
                        row: Some(i + 1),
                        cells: vec![
                            vec![t(&a.area_id)],
                            vec![t(&a.area_name)],
                            vec![t(&a.period)],
                            vec![t(a.amount.to_string())],
                            vec![t(&a.basis)],
                        ],
                    }
                })
                .collect();
            sub.blocks.push(Block::Table(Table {
                id: format!("allocations-{}", fund.fund),
                caption: "Payments from ".into(),
                caption_quote: Some((fund.name.clone(), src::cell("funds.csv", k, "name"))),
                columns: vec![
                    Column::text_of("Area", "area_id"),
                    Column::text_of("Name", "area_name"),
                    Column::text_of("Period", "period"),
                    Column::number_of("Amount", "amount_pence"),
                    Column::text_of("Basis", "basis"),
                ],
                rows,
                file: Some("allocations.csv".into()),
                row_header: Some(1),
            }));
        }
        s.sections.push(sub);
    }
    Some(s)
}

/// Annex: every area of the headline table.
pub fn annex_ranking(ranked: &Ranked) -> Section {
    let mut s = Section::new("annex-ranking", "Annex: every area");
    s.para(vec![
        t("Every area of "),
        code(SCORES),
        t(" in rank order: "),
        fig(Fig::count(ranked.len(), src::rows(SCORES))),
        t(" rows."),
    ]);
    let all: Vec<usize> = (0..ranked.len()).collect();
    s.blocks.push(Block::Table(ranked.table(
        "annex-ranking-table",
        &format!(
            "Every area, by rank ({})",
            words::rollup_column_or_score(&ranked.score_column).to_lowercase()
        ),
        &all,
    )));
    s
}

/// Annex: every candidate of the selection with its reason.
pub fn annex_selection(r: &Results) -> Option<Section> {
    let sel = r.selection.as_ref()?;
    let mut s = Section::new("annex-selection", "Annex: every candidate area and why");
    let all: Vec<usize> = (0..sel.areas.len()).collect();
    s.blocks.push(Block::Table(selection_table(
        r,
        "annex-selection-table",
        "Every candidate area, whether it was chosen, and why",
        &all,
    )));
    Some(s)
}
