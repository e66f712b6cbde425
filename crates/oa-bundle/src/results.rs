//! [`Results`]: everything a study run produced, in memory, section by section. The
//! pipeline returns it, [`crate::write`] writes it and [`crate::read`] reads it back; the
//! list of files each section owns is here, once.

use crate::audit::Audit;
use crate::clusters::Clusters;
use crate::evaluation::Evaluation;
use crate::funding::Funding;
use crate::index::Index;
use crate::manifest::{Headline, Manifest, Section};
use crate::maps::Maps;
use crate::method::PcaLoading;
use crate::report::Report;
use crate::rollup::Rollup;
use crate::selection::Selection;
use crate::uncertainty::Uncertainty;
use oa_io::Table;
use oa_model::Study;
use oa_model::study::rollup::RollupMeasure;
use oa_model::study::{Direction, End};

/// The results of one study: each optional section is present when the study declared it.
#[derive(Debug, Clone, PartialEq)]
pub struct Results {
    pub manifest: Manifest,
    pub study: Study,
    /// The study file's bytes, copied into the bundle as `study.toml`.
    pub study_toml: Vec<u8>,
    pub index: Index,
    pub rollup: Option<Rollup>,
    pub clusters: Option<Clusters>,
    pub selection: Option<Selection>,
    pub funding: Option<Funding>,
    pub uncertainty: Option<Uncertainty>,
    pub maps: Option<Maps>,
    /// The statistical audit of the index (`[audit]`, or `oa audit`).
    pub audit: Option<Audit>,
    /// Did the chosen areas improve? (`[evaluation]`, or `oa evaluate`).
    pub evaluation: Option<Evaluation>,
    pub report: Option<Report>,
}

/// One file of a bundle.
#[derive(Debug, Clone)]
pub enum File<'a> {
    /// A table: `<stem>.csv`, and `<stem>.parquet` / `.xlsx` in the bundle's formats.
    Table {
        stem: &'static str,
        table: Table<'a>,
    },
    /// Any other file, as bytes.
    Bytes {
        name: std::borrow::Cow<'a, str>,
        bytes: &'a [u8],
    },
}

impl File<'_> {
    /// The CSV or other file's name.
    pub fn name(&self) -> String {
        match self {
            File::Table { stem, .. } => format!("{stem}.csv"),
            File::Bytes { name, .. } => name.to_string(),
        }
    }
}

/// File names of the index section's scores: `scores.csv`, or `small_area_scores.csv`
/// when a roll-up writes the larger areas as `scores.csv`.
pub const SCORES: &str = "scores";
pub const SMALL_AREA_SCORES: &str = "small_area_scores";

impl Results {
    /// The sections present, in pipeline order.
    pub fn sections(&self) -> Vec<Section> {
        Section::ALL
            .into_iter()
            .filter(|s| match s {
                Section::Index => true,
                Section::Rollup => self.rollup.is_some(),
                Section::Clusters => self.clusters.is_some(),
                Section::Selection => self.selection.is_some(),
                Section::Funding => self.funding.is_some(),
                Section::Uncertainty => self.uncertainty.is_some(),
                Section::Maps => self.maps.is_some(),
                Section::Audit => self.audit.is_some(),
                Section::Evaluation => self.evaluation.is_some(),
                Section::Report => self.report.is_some(),
            })
            .collect()
    }

    /// The files of one section (none when the section is absent).
    pub fn files(&self, section: Section) -> Vec<File<'_>> {
        let table = |stem, table| File::Table { stem, table };
        let bytes = |name: &'static str, bytes| File::Bytes {
            name: name.into(),
            bytes,
        };
        match section {
            Section::Index => {
                let scores = if self.rollup.is_some() {
                    SMALL_AREA_SCORES
                } else {
                    SCORES
                };
                let mut files = vec![
                    table(scores, self.index.scores.to_table()),
                    table(
                        "indicators",
                        self.index.indicators.to_table(&self.index.scores),
                    ),
                    table("coverage", self.index.coverage.to_table()),
                    bytes("study.toml", &self.study_toml[..]),
                ];
                if let Some(o) = &self.index.outliers {
                    files.push(table("outliers", o.indicators_table()));
                    files.push(table("outlier_points", o.points_table()));
                }
                if let Some(rows) = &self.index.pca {
                    files.push(table("pca", PcaLoading::to_table(rows)));
                }
                files
            }
            Section::Rollup => self
                .rollup
                .iter()
                .map(|r| table(SCORES, r.to_table()))
                .collect(),
            Section::Clusters => self
                .clusters
                .iter()
                .flat_map(|c| {
                    std::iter::once(table("clusters", c.to_table())).chain(
                        c.global
                            .iter()
                            .map(|g| table("spatial_global", g.to_table())),
                    )
                })
                .collect(),
            Section::Selection => self
                .selection
                .iter()
                .flat_map(|s| {
                    [
                        table("selection", s.to_table()),
                        bytes("selection.md", s.markdown.as_bytes()),
                    ]
                })
                .collect(),
            Section::Funding => self
                .funding
                .iter()
                .flat_map(|f| {
                    [
                        table("funds", f.funds_table()),
                        table("allocations", f.allocations_table()),
                        bytes("allocations.md", f.markdown.as_bytes()),
                    ]
                })
                .collect(),
            Section::Uncertainty => self
                .uncertainty
                .iter()
                .flat_map(Uncertainty::files)
                .collect(),
            Section::Maps => {
                let Some(maps) = &self.maps else {
                    return Vec::new();
                };
                let mut files = Vec::new();
                for m in &maps.maps {
                    let (svg, png) = map_names(&m.stem);
                    files.push(bytes(svg, m.svg.as_bytes()));
                    if let Some(p) = &m.png {
                        files.push(bytes(png, &p[..]));
                    }
                }
                files
            }
            Section::Audit => self.audit.iter().flat_map(Audit::files).collect(),
            Section::Evaluation => self.evaluation.iter().flat_map(Evaluation::files).collect(),
            Section::Report => self.report.iter().flat_map(Report::files).collect(),
        }
    }

    /// Every table of the bundle by file name (`scores.csv`, ...), for readers that ask
    /// for a column by name (`oa map --table`).
    pub fn tables(&self) -> Vec<(String, Table<'_>)> {
        self.sections()
            .into_iter()
            .flat_map(|s| self.files(s))
            .filter_map(|f| match f {
                File::Table { stem, table } => Some((format!("{stem}.csv"), table)),
                File::Bytes { .. } => None,
            })
            .collect()
    }

    /// The bundle's main result: which table and columns hold the headline score, rank
    /// and band.
    pub fn headline(&self) -> Headline {
        headline(&self.study, self.rollup.as_ref(), &self.index)
    }
}

/// The SVG and PNG names of a map stem (only the known stems have static names).
pub(crate) fn map_names(stem: &str) -> (&'static str, &'static str) {
    match stem {
        "map_band" => ("map_band.svg", "map_band.png"),
        "map_clusters" => ("map_clusters.svg", "map_clusters.png"),
        _ => ("map_score.svg", "map_score.png"),
    }
}

/// The headline of a study's bundle (see [`Headline`]).
pub(crate) fn headline(study: &Study, rollup: Option<&Rollup>, index: &Index) -> Headline {
    let named: Vec<String> = study.bands.named.iter().map(|b| b.name.clone()).collect();
    match (&study.rollup, rollup) {
        (Some(r), Some(table)) => Headline {
            table: format!("{SCORES}.csv"),
            area_type: r.to.clone(),
            vintage: r.vintage,
            areas: table.len(),
            score: r.headline.column().to_string(),
            // The average score runs as the small-area score does; the other summaries
            // grow with deprivation. Rank 1 is always the most deprived.
            score_direction: match r.headline {
                RollupMeasure::AverageScore => study.scoring.score,
                _ => Direction::HigherIsWorse,
            },
            rank: format!("rank_{}", r.headline.column()),
            rank_1: End::Worst,
            band: table.band.as_ref().map(|_| "band".to_string()),
            bands: r.bands.iter().map(|b| b.name.clone()).collect(),
        },
        _ => Headline {
            table: format!("{SCORES}.csv"),
            area_type: study.geography.area_type.clone(),
            vintage: Some(study.geography.vintage),
            areas: index.scores.rank.iter().filter(|r| r.is_some()).count(),
            score: "score".into(),
            score_direction: study.scoring.score,
            rank: "rank".into(),
            rank_1: study.scoring.rank_1,
            band: (!named.is_empty()).then(|| "band".to_string()),
            bands: named,
        },
    }
}
