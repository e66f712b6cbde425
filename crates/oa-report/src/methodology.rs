//! The methodology: every setting of the study in plain English with its study key beside
//! it, so a reader can find it in `study.toml`. Parameters are quoted from the manifest's
//! `parameters` (the study with its defaults filled in).

use crate::figures::{self as src};
use crate::model::inline::{code, fig, quote, t};
use crate::model::{Block, Column, Fig, Inline, Row, Section, Table};
use crate::words;
use oa_bundle::Results;
use oa_model::study::funding::Formula;
use oa_model::study::uncertainty::WeightNoise;
use oa_model::study::{Aggregation, Normalisation, Study, Weighting};

/// `manifest:/parameters/...`.
fn param(parts: &[&str]) -> String {
    let mut all = vec!["parameters"];
    all.extend_from_slice(parts);
    src::manifest(&all)
}

/// A table of settings: what, in plain English, and the study key.
struct Settings {
    id: String,
    caption: String,
    rows: Vec<Row>,
}

impl Settings {
    fn new(id: &str, caption: &str) -> Settings {
        Settings {
            id: id.into(),
            caption: caption.into(),
            rows: Vec::new(),
        }
    }

    fn add(&mut self, what: &str, words: Vec<Inline>, key: &str) {
        self.rows.push(Row {
            row: None,
            cells: vec![vec![t(what)], words, vec![code(key)]],
        });
    }

    fn block(self) -> Block {
        Block::Table(Table {
            id: self.id,
            caption: self.caption,
            caption_quote: None,
            columns: vec![
                Column::text("Setting"),
                Column::text("In plain English"),
                Column::text("Study key"),
            ],
            rows: self.rows,
            file: None,
            row_header: Some(0),
        })
    }
}

pub fn section(r: &Results) -> Section {
    let study = &r.study;
    let mut s = Section::new("methodology", "Methodology");
    s.para(vec![
        t("This section sets out how the results were made, in the order the work was done. Each setting names its key in the study file ("),
        code("study.toml"),
        t(" in the bundle), where it can be checked or changed."),
    ]);
    s.sections.push(areas(study));
    s.sections.push(indicators(study));
    s.sections.push(method(study));
    if let Some(b) = bands(study) {
        s.sections.push(b);
    }
    if let Some(x) = rollup(study) {
        s.sections.push(x);
    }
    if let Some(x) = spatial(study) {
        s.sections.push(x);
    }
    if let Some(x) = selection(study) {
        s.sections.push(x);
    }
    if let Some(x) = funds(study) {
        s.sections.push(x);
    }
    if let Some(x) = uncertainty(r) {
        s.sections.push(x);
    }
    s
}

fn areas(study: &Study) -> Section {
    let g = &study.geography;
    let mut s = Section::new("methodology-areas", "Areas");
    let mut set = Settings::new("settings-areas", "The areas studied");
    set.add(
        "Area type",
        vec![t(words::area_type(&g.area_type))],
        "geography.area_type",
    );
    set.add(
        "Vintage",
        vec![
            t("codes and boundaries of "),
            fig(Fig::count(g.vintage as usize, param(&["geography", "vintage"])).year()),
        ],
        "geography.vintage",
    );
    let list = |key: &str, values: &[String], lead: &str| {
        let mut words = vec![t(lead)];
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                words.push(t(", "));
            }
            words.push(quote(v, param(&["geography", key, &i.to_string()])));
        }
        words
    };
    if !g.code_prefixes.is_empty() {
        set.add(
            "Codes kept",
            list(
                "code_prefixes",
                &g.code_prefixes,
                "only codes starting with ",
            ),
            "geography.code_prefixes",
        );
    }
    if !g.include.is_empty() {
        set.add(
            "Areas kept",
            list("include", &g.include, "only "),
            "geography.include",
        );
    }
    if !g.exclude.is_empty() {
        set.add(
            "Areas left out",
            list("exclude", &g.exclude, ""),
            "geography.exclude",
        );
    }
    s.blocks.push(set.block());
    s
}

/// Each indicator's and group's share of the index: its weight over its siblings', down
/// the tree, with the formula that gives it. `None` when weights come from the data.
fn share(study: &Study, parent: Option<&str>, own: Option<(&str, usize)>) -> Option<(f64, String)> {
    let siblings: Vec<(String, f64)> = study
        .indicators
        .iter()
        .enumerate()
        .filter(|(_, i)| i.group.as_deref() == parent)
        .map(|(k, i)| (param(&["indicators", &k.to_string(), "weight"]), i.weight))
        .chain(
            study
                .groups
                .iter()
                .enumerate()
                .filter(|(_, g)| g.parent.as_deref() == parent)
                .map(|(k, g)| (param(&["groups", &k.to_string(), "weight"]), g.weight)),
        )
        .collect();
    let up = match parent {
        None => None,
        Some(p) => {
            let (k, g) = study.groups.iter().enumerate().find(|(_, g)| g.id == p)?;
            Some(share(study, g.parent.as_deref(), Some(("groups", k)))?)
        }
    };
    let (kind, k) = own?;
    let mine = param(&[kind, &k.to_string(), "weight"]);
    let (value, formula) = match study.method.weights {
        Weighting::Pca => return None,
        Weighting::Equal => (
            1.0 / siblings.len() as f64,
            format!("1 / {}", siblings.len()),
        ),
        Weighting::Given => {
            let total: f64 = siblings.iter().map(|(_, w)| w).sum();
            let own = siblings.iter().find(|(f, _)| *f == mine)?.1;
            if total <= 0.0 {
                return None;
            }
            let sum = siblings
                .iter()
                .map(|(f, _)| f.as_str())
                .collect::<Vec<_>>()
                .join(" + ");
            (own / total, format!("{mine} / ({sum})"))
        }
    };
    Some(match up {
        None => (value, formula),
        Some((pv, pf)) => (value * pv, format!("({formula}) * ({pf})")),
    })
}

fn indicators(study: &Study) -> Section {
    let mut s = Section::new("methodology-indicators", "Indicators");
    s.para(vec![
        t("The index combines the indicators below. The weight is as the study gives it ("),
        code("method.weights"),
        t(": "),
        t(words::weighting(study.method.weights)),
        t("); the share is what the indicator counts for in the index once weights are shared out within each group."),
    ]);
    let rows = study
        .indicators
        .iter()
        .enumerate()
        .map(|(i, ind)| {
            let n = i.to_string();
            let source = study.source_of(ind);
            let name = if ind.name.is_empty() {
                ind.id.clone()
            } else {
                ind.name.clone()
            };
            let share = share(study, ind.group.as_deref(), Some(("indicators", i)));
            Row {
                row: None,
                cells: vec![
                    vec![quote(
                        name,
                        param(&[
                            "indicators",
                            &n,
                            if ind.name.is_empty() { "id" } else { "name" },
                        ]),
                    )],
                    vec![code(format!("indicators[{i}]"))],
                    match source {
                        Some(src_) => {
                            let k = study
                                .sources
                                .iter()
                                .position(|x| x.id == src_.id)
                                .unwrap_or(0);
                            vec![quote(
                                &src_.path,
                                param(&["sources", &k.to_string(), "path"]),
                            )]
                        }
                        None => vec![t("none")],
                    },
                    vec![code(ind.column.clone().unwrap_or_else(|| ind.id.clone()))],
                    vec![t(words::direction(ind.direction))],
                    match &ind.group {
                        Some(g) => vec![quote(g, param(&["indicators", &n, "group"]))],
                        None => vec![t("the index itself")],
                    },
                    vec![fig(Fig::exact(
                        ind.weight,
                        param(&["indicators", &n, "weight"]),
                    ))],
                    match share {
                        Some((v, f)) => vec![fig(Fig::percent(v, 1, f))],
                        None => vec![t("from the data")],
                    },
                ],
            }
        })
        .collect();
    s.blocks.push(Block::Table(Table {
        id: "indicators".into(),
        caption: "Indicators, their sources, directions and weights".into(),
        caption_quote: None,
        columns: vec![
            Column::text("Indicator"),
            Column::text("Study key"),
            Column::text("Source file"),
            Column::text("Column"),
            Column::text("Direction"),
            Column::text("Group"),
            Column::number("Weight"),
            Column::number("Share of the index"),
        ],
        rows,
        file: None,
        row_header: Some(0),
    }));
    if !study.groups.is_empty() {
        let rows = study
            .groups
            .iter()
            .enumerate()
            .map(|(i, g)| {
                let n = i.to_string();
                let share = share(study, g.parent.as_deref(), Some(("groups", i)));
                Row {
                    row: None,
                    cells: vec![
                        vec![quote(
                            if g.name.is_empty() { &g.id } else { &g.name },
                            param(&["groups", &n, if g.name.is_empty() { "id" } else { "name" }]),
                        )],
                        vec![code(format!("groups[{i}]"))],
                        match &g.parent {
                            Some(p) => vec![quote(p, param(&["groups", &n, "parent"]))],
                            None => vec![t("the index itself")],
                        },
                        vec![fig(Fig::exact(g.weight, param(&["groups", &n, "weight"])))],
                        match share {
                            Some((v, f)) => vec![fig(Fig::percent(v, 1, f))],
                            None => vec![t("from the data")],
                        },
                    ],
                }
            })
            .collect();
        s.blocks.push(Block::Table(Table {
            id: "groups".into(),
            caption: "Groups of indicators".into(),
            caption_quote: None,
            columns: vec![
                Column::text("Group"),
                Column::text("Study key"),
                Column::text("Part of"),
                Column::number("Weight"),
                Column::number("Share of the index"),
            ],
            rows,
            file: None,
            row_header: Some(0),
        }));
    }
    s
}

fn normalisation_words(n: &Normalisation, at: &[&str]) -> Vec<Inline> {
    let mut w = vec![t(words::normalisation(n))];
    match *n {
        Normalisation::MinMax { low, high } | Normalisation::Goalposts { low, high } => {
            let mut low_at = at.to_vec();
            low_at.push("low");
            let mut high_at = at.to_vec();
            high_at.push("high");
            w.extend([
                t(" ("),
                code("low"),
                t(" = "),
                fig(Fig::exact(low, param(&low_at))),
                t(", "),
                code("high"),
                t(" = "),
                fig(Fig::exact(high, param(&high_at))),
                t(")"),
            ]);
        }
        _ => {}
    }
    w
}

fn aggregation_words(a: &Aggregation, at: &[&str]) -> Vec<Inline> {
    let mut w = vec![t(words::aggregation(a))];
    if let Aggregation::GeneralisedMean { p } = *a {
        let mut p_at = at.to_vec();
        p_at.push("p");
        w.extend([
            t(" ("),
            code("p"),
            t(" = "),
            fig(Fig::exact(p, param(&p_at))),
            t(")"),
        ]);
    }
    w
}

fn method(study: &Study) -> Section {
    let m = &study.method;
    let mut s = Section::new("methodology-method", "Method");
    let mut set = Settings::new("settings-method", "How the index is computed");
    set.add(
        "Missing values",
        vec![
            t("an area needs at least "),
            fig(Fig::percent(
                m.missing.min_coverage,
                0,
                param(&["method", "missing", "min_coverage"]),
            )),
            t(" of its indicators present to be ranked"),
        ],
        "method.missing.min_coverage",
    );
    set.add(
        "Imputation",
        vec![t(words::imputation(m.missing.impute))],
        "method.missing.impute",
    );
    set.add(
        "Outliers",
        vec![t(words::outliers(m.outliers))],
        "method.outliers",
    );
    set.add(
        "Normalisation",
        normalisation_words(&m.normalisation, &["method", "normalisation"]),
        "method.normalisation",
    );
    for (i, ind) in study.indicators.iter().enumerate() {
        if let Some(n) = &ind.normalisation {
            let k = i.to_string();
            set.add(
                "Normalisation of one indicator",
                [
                    vec![code(&ind.id), t(": ")],
                    normalisation_words(n, &["indicators", &k, "normalisation"]),
                ]
                .concat(),
                &format!("indicators[{i}].normalisation"),
            );
        }
    }
    set.add(
        "Weights",
        vec![t(words::weighting(m.weights))],
        "method.weights",
    );
    set.add(
        "Aggregation",
        aggregation_words(&m.aggregation, &["method", "aggregation"]),
        "method.aggregation",
    );
    for (i, g) in study.groups.iter().enumerate() {
        if let Some(a) = &g.aggregation {
            let k = i.to_string();
            set.add(
                "Aggregation in one group",
                [
                    vec![code(&g.id), t(": ")],
                    aggregation_words(a, &["groups", &k, "aggregation"]),
                ]
                .concat(),
                &format!("groups[{i}].aggregation"),
            );
        }
    }
    set.add(
        "Scores",
        vec![
            t("in every score, "),
            t(words::direction(study.scoring.score)),
        ],
        "scoring.score",
    );
    set.add(
        "Ranks",
        vec![
            t("the first rank goes to the "),
            t(words::end(study.scoring.rank_1)),
            t(" area; tied areas share the better rank"),
        ],
        "scoring.rank_1",
    );
    s.blocks.push(set.block());
    s
}

/// Rows for named bands declared at `key` (`bands.named` or `rollup.bands`).
fn named_bands(set: &mut Settings, bands: &[oa_model::study::NamedBand], key: &[&str]) {
    for (i, band) in bands.iter().enumerate() {
        let n = i.to_string();
        let mut at = key.to_vec();
        at.push(&n);
        let mut words = vec![
            code(&band.name),
            t(": the areas at the "),
            t(words::end(band.end)),
            t(" end, "),
        ];
        match (band.share, band.count) {
            (Some(share), _) => {
                let mut share_at = at.clone();
                share_at.push("share");
                words.extend([
                    fig(Fig::percent(share, 0, param(&share_at))),
                    t(" of them, rounded up"),
                ]);
            }
            (None, Some(count)) => {
                let mut count_at = at.clone();
                count_at.push("count");
                words.extend([fig(Fig::count(count, param(&count_at))), t(" of them")]);
            }
            (None, None) => {}
        }
        set.add("Named band", words, &format!("{}[{i}]", key.join(".")));
    }
}

fn bands(study: &Study) -> Option<Section> {
    let b = &study.bands;
    if b.quantiles.is_none() && b.named.is_empty() {
        return None;
    }
    let mut s = Section::new("methodology-bands", "Bands");
    let mut set = Settings::new("settings-bands", "How areas are banded");
    if let Some(q) = b.quantiles {
        set.add(
            "Quantiles",
            vec![
                fig(Fig::count(q as usize, param(&["bands", "quantiles"]))),
                t(" bands of equal size, numbered from the end that ranks first"),
            ],
            "bands.quantiles",
        );
    }
    named_bands(&mut set, &b.named, &["bands", "named"]);
    s.blocks.push(set.block());
    Some(s)
}

fn rollup(study: &Study) -> Option<Section> {
    let r = study.rollup.as_ref()?;
    let mut s = Section::new("methodology-rollup", "From small areas to larger areas");
    let mut set = Settings::new("settings-rollup", "How small areas are summarised");
    set.add(
        "Larger areas",
        vec![t(words::area_type(&r.to))],
        "rollup.to",
    );
    if let Some(v) = r.vintage {
        set.add(
            "Their vintage",
            vec![fig(
                Fig::count(v as usize, param(&["rollup", "vintage"])).year()
            )],
            "rollup.vintage",
        );
    }
    set.add(
        "Headline",
        vec![
            t("each larger area is ranked on "),
            t(words::rollup_measure(r.headline)),
        ],
        "rollup.headline",
    );
    set.add(
        "Population weights",
        vec![
            t("column "),
            quote(
                &r.population.column,
                param(&["rollup", "population", "column"]),
            ),
        ],
        "rollup.population",
    );
    named_bands(&mut set, &r.bands, &["rollup", "bands"]);
    s.blocks.push(set.block());
    Some(s)
}

fn spatial(study: &Study) -> Option<Section> {
    let sp = study.spatial.as_ref()?;
    let mut s = Section::new("methodology-spatial", "Clusters");
    let mut set = Settings::new("settings-spatial", "How clusters of need are found");
    set.add(
        "Neighbours",
        vec![t(match sp.contiguity {
            oa_model::study::rollup::ContiguityKind::Queen => {
                "areas are neighbours when their boundaries touch, even at a corner"
            }
            oa_model::study::rollup::ContiguityKind::Rook => {
                "areas are neighbours when they share a stretch of boundary"
            }
        })],
        "spatial.contiguity",
    );
    set.add(
        "Statistics",
        vec![t("local Moran's I and Getis-Ord Gi* of the headline score, each tested by random permutations")],
        "spatial.column",
    );
    set.add(
        "Permutations",
        vec![fig(Fig::count(
            sp.permutations,
            param(&["spatial", "permutations"]),
        ))],
        "spatial.permutations",
    );
    set.add(
        "Random seed",
        vec![fig(Fig::text(
            sp.seed.to_string(),
            param(&["spatial", "seed"]),
        ))],
        "spatial.seed",
    );
    set.add(
        "Significance level",
        vec![fig(Fig::exact(sp.alpha, param(&["spatial", "alpha"])))],
        "spatial.alpha",
    );
    s.blocks.push(set.block());
    Some(s)
}

fn selection(study: &Study) -> Option<Section> {
    let sel = study.selection.as_ref()?;
    let mut s = Section::new("methodology-selection", "Selection rules");
    let mut set = Settings::new("settings-selection", "How areas are chosen");
    set.add(
        "Areas to choose",
        vec![fig(Fig::count(sel.count, param(&["selection", "count"])))],
        "selection.count",
    );
    let need_name = sel
        .measures
        .iter()
        .find(|m| m.id == sel.need)
        .map(|m| m.name.clone())
        .filter(|n| !n.is_empty());
    set.add(
        "Measure of need",
        match need_name {
            Some(n) => vec![t("the measure "), code(&sel.need), t(" ("), t(n), t(")")],
            None => vec![t("the measure "), code(&sel.need)],
        },
        "selection.need",
    );
    set.add(
        "Objective",
        vec![t(match sel.objective {
            oa_model::study::selection::Objective::TotalNeed => {
                "choose the areas with the greatest total need, within the constraints"
            }
            oa_model::study::selection::Objective::BestRank => {
                "choose the areas with the best (smallest) sum of need ranks, within the constraints"
            }
        })],
        "selection.objective",
    );
    set.add(
        "Areas of several districts",
        vec![t(match sel.area_need {
            oa_model::study::selection::AreaNeed::Worst => {
                "take the need of their neediest district"
            }
            oa_model::study::selection::AreaNeed::PopulationWeighted => {
                "take the population-weighted mean of their districts"
            }
            oa_model::study::selection::AreaNeed::Mean => "take the mean of their districts",
        })],
        "selection.area_need",
    );
    if let Some(rule) = &sel.long_list {
        set.add(
            "Long list",
            vec![
                t("the rule "),
                quote(rule, param(&["selection", "long_list"])),
                t(if sel.restrict_to_long_list {
                    "; only long-listed areas can be chosen"
                } else {
                    "; reported for each area, but areas off the list can be chosen"
                }),
            ],
            "selection.long_list",
        );
    }
    for (i, m) in sel.measures.iter().enumerate() {
        let n = i.to_string();
        set.add(
            "Measure",
            vec![
                code(&m.id),
                t(": "),
                quote(&m.name, param(&["selection", "measures", &n, "name"])),
                t(", column "),
                quote(
                    &m.value_column,
                    param(&["selection", "measures", &n, "value_column"]),
                ),
                t(" of "),
                quote(&m.path, param(&["selection", "measures", &n, "path"])),
                t(match m.better {
                    oa_model::study::selection::Better::Higher => "; a higher value is better",
                    oa_model::study::selection::Better::Lower => "; a lower value is better",
                }),
            ],
            &format!("selection.measures[{i}]"),
        );
    }
    for (i, q) in sel.quotas.iter().enumerate() {
        let n = i.to_string();
        let mut words = Vec::new();
        if let Some(min) = q.min {
            words.extend([
                t("at least "),
                fig(Fig::count(min, param(&["selection", "quotas", &n, "min"]))),
            ]);
        }
        if let Some(max) = q.max {
            if q.min.is_some() {
                words.push(t(" and "));
            }
            words.extend([
                t("at most "),
                fig(Fig::count(max, param(&["selection", "quotas", &n, "max"]))),
            ]);
        }
        match (&q.by, &q.value) {
            (oa_model::study::selection::QuotaBy::Region, None) => {
                words.push(t(" areas in any one region"))
            }
            (oa_model::study::selection::QuotaBy::Region, Some(v)) => words.extend([
                t(" areas in "),
                quote(v, param(&["selection", "quotas", &n, "value"])),
            ]),
            (oa_model::study::selection::QuotaBy::Tag, Some(v)) => words.extend([
                t(" areas tagged "),
                quote(v, param(&["selection", "quotas", &n, "value"])),
            ]),
            (oa_model::study::selection::QuotaBy::Tag, None) => {
                words.push(t(" areas with each tag"))
            }
        }
        set.add("Quota", words, &format!("selection.quotas[{i}]"));
    }
    if !sel.must_include.is_empty() {
        set.add(
            "Always chosen",
            vec![
                fig(Fig::count(
                    sel.must_include.len(),
                    src::manifest_len(&["parameters", "selection", "must_include"]),
                )),
                t(" areas named by the study"),
            ],
            "selection.must_include",
        );
    }
    if !sel.must_exclude.is_empty() {
        set.add(
            "Never chosen",
            vec![
                fig(Fig::count(
                    sel.must_exclude.len(),
                    src::manifest_len(&["parameters", "selection", "must_exclude"]),
                )),
                t(" areas named by the study"),
            ],
            "selection.must_exclude",
        );
    }
    for (i, w) in sel.waves.iter().enumerate() {
        let n = i.to_string();
        set.add(
            "Wave",
            vec![
                t("wave "),
                quote(&w.id, param(&["selection", "waves", &n, "id"])),
                t(", announced "),
                quote(
                    &w.announced,
                    param(&["selection", "waves", &n, "announced"]),
                ),
                t(", names "),
                fig(Fig::count(
                    w.areas.len(),
                    src::manifest_len(&["parameters", "selection", "waves", &n, "areas"]),
                )),
                t(" areas"),
            ],
            &format!("selection.waves[{i}]"),
        );
    }
    s.blocks.push(set.block());
    Some(s)
}

fn funds(study: &Study) -> Option<Section> {
    if study.funds.is_empty() {
        return None;
    }
    let mut s = Section::new("methodology-funds", "Fund formulas");
    let mut set = Settings::new("settings-funds", "How each fund is shared out");
    for (i, f) in study.funds.iter().enumerate() {
        let n = i.to_string();
        let at = |k: &str| param(&["funds", &n, k]);
        let mut words = vec![
            quote(&f.name, at("name")),
            t(": "),
            fig(Fig::text(f.total.0.to_string(), at("total"))),
            t(", "),
        ];
        match &f.formula {
            Formula::Equal => words.push(t("in equal shares")),
            Formula::Proportional { measure } => words.extend([
                t("in proportion to "),
                quote(measure, param(&["funds", &n, "formula", "measure"])),
            ]),
            Formula::PerArea { amount } => words.extend([
                fig(Fig::text(
                    amount.0.to_string(),
                    param(&["funds", &n, "formula", "amount"]),
                )),
                t(" for each area"),
            ]),
            Formula::Fixed { .. } => words.push(t("in the amounts the study lists for each area")),
            Formula::None => words.push(t("not shared out by a formula")),
        }
        if let Some(floor) = &f.floor {
            words.extend([
                t("; at least "),
                fig(Fig::text(floor.0.to_string(), at("floor"))),
            ]);
        }
        if let Some(cap) = &f.cap {
            words.extend([
                t("; at most "),
                fig(Fig::text(cap.0.to_string(), at("cap"))),
            ]);
        }
        if let Some(ratio) = f.match_ratio {
            words.extend([
                t("; matched at "),
                fig(Fig::exact(ratio, at("match_ratio"))),
                t(" per pound"),
            ]);
        }
        for (k, funder) in f.funders.iter().enumerate() {
            let kk = k.to_string();
            words.extend([
                t(if k == 0 { "; paid by " } else { ", " }),
                quote(&funder.name, param(&["funds", &n, "funders", &kk, "name"])),
                t(" "),
                fig(Fig::text(
                    funder.amount.0.to_string(),
                    param(&["funds", &n, "funders", &kk, "amount"]),
                )),
            ]);
        }
        if !f.note.is_empty() {
            words.extend([t(". "), quote(&f.note, at("note"))]);
        }
        set.add("Fund", words, &format!("funds[{i}]"));
    }
    s.blocks.push(set.block());
    Some(s)
}

fn uncertainty(r: &Results) -> Option<Section> {
    let u = r.study.uncertainty.as_ref()?;
    let mut s = Section::new("methodology-uncertainty", "Uncertainty analysis");
    s.para(vec![
        t("The index is computed many times with the choices below drawn at random, to see how much each area's rank depends on choices the study could have made otherwise."),
    ]);
    let mut set = Settings::new(
        "settings-uncertainty",
        "What the uncertainty analysis varies",
    );
    let overridden = r.manifest.overrides.get("uncertainty.samples");
    set.add(
        "Simulations",
        match overridden.and_then(|v| v.as_f64()) {
            Some(n) => vec![
                fig(Fig::count(
                    n as usize,
                    src::manifest(&["overrides", "uncertainty.samples"]),
                )),
                t(", set on the command line"),
            ],
            None => vec![fig(Fig::count(
                u.samples.max(0) as usize,
                param(&["uncertainty", "samples"]),
            ))],
        },
        "uncertainty.samples",
    );
    set.add(
        "Random seed",
        vec![fig(Fig::text(
            u.seed.to_string(),
            param(&["uncertainty", "seed"]),
        ))],
        "uncertainty.seed",
    );
    if let Some(w) = &u.weights {
        set.add(
            "Weights",
            match *w {
                WeightNoise::Uniform { spread } => vec![
                    t("each weight varies up or down by as much as "),
                    fig(Fig::percent(spread, 0, param(&["uncertainty", "weights", "spread"]))),
                    t(", uniformly"),
                ],
                WeightNoise::Dirichlet { concentration } => vec![
                    t("each group's weights are drawn from a Dirichlet distribution around the study's, with concentration "),
                    fig(Fig::exact(
                        concentration,
                        param(&["uncertainty", "weights", "concentration"]),
                    )),
                ],
            },
            "uncertainty.weights",
        );
    }
    let choices = |names: Vec<String>| {
        let mut w = vec![t("one of ")];
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                w.push(t(if i + 1 == names.len() { " or " } else { ", " }));
            }
            w.push(code(n));
        }
        w.push(t(", equally likely"));
        w
    };
    if !u.normalisations.is_empty() {
        set.add(
            "Normalisations",
            choices(
                u.normalisations
                    .iter()
                    .map(|n| n.name().to_string())
                    .collect(),
            ),
            "uncertainty.normalisations",
        );
    }
    if !u.aggregations.is_empty() {
        set.add(
            "Aggregations",
            choices(
                u.aggregations
                    .iter()
                    .map(|n| n.name().to_string())
                    .collect(),
            ),
            "uncertainty.aggregations",
        );
    }
    if !u.imputations.is_empty() {
        set.add(
            "Imputations",
            choices(
                u.imputations
                    .iter()
                    .map(|i| words::imputation(*i).to_string())
                    .collect(),
            ),
            "uncertainty.imputations",
        );
    }
    if u.leave_one_out {
        set.add(
            "Leaving indicators out",
            vec![t(
                "each simulation keeps every indicator or drops one, each case equally likely",
            )],
            "uncertainty.leave_one_out",
        );
    }
    if let Some(d) = &u.data_noise {
        set.add(
            "Measurement error",
            vec![
                t("values move by their standard errors times "),
                fig(Fig::exact(
                    d.scale,
                    param(&["uncertainty", "data_noise", "scale"]),
                )),
            ],
            "uncertainty.data_noise",
        );
    }
    if u.sobol.is_some() {
        set.add(
            "Sensitivity",
            vec![t(
                "Sobol indices: how much of the variation in ranks each choice explains",
            )],
            "uncertainty.sobol",
        );
    }
    s.blocks.push(set.block());
    Some(s)
}
