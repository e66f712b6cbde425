//! The area registry: which codes exist in which year, and how codes of one vintage map to
//! another through the published changes (mergers, new codes).
//!
//! Built from the ONS topojson (`ltla` layer: each area's first and last valid year) and
//! the change list (`changes.csv`: `oldcd, oldnm, newcd, newnm, type, start`).
//! [`Registry::load_tiers`] reads several layers at once (districts, upper-tier
//! authorities, counties) and the code changes published before the change list starts,
//! so a code from another tier or an older vintage (DfE files still use Gateshead's
//! E08000020) can be recognised and explained.

use crate::boundary::{Layer, LoadOptions, load_boundaries};
use crate::csv_file::CsvHeader;
use crate::error::GeoError;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// An area code and the years it is valid (inclusive; `None` = open-ended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaSpan {
    pub code: String,
    pub name: String,
    pub start: Option<u16>,
    pub end: Option<u16>,
}

impl AreaSpan {
    pub fn valid_in(&self, year: u16) -> bool {
        self.start.is_none_or(|s| s <= year) && self.end.is_none_or(|e| year <= e)
    }

    /// "2019-2022", "until 2018", "2023 onwards", "all years".
    pub fn describe(&self) -> String {
        match (self.start, self.end) {
            (Some(s), Some(e)) => format!("{s}-{e}"),
            (None, Some(e)) => format!("until {e}"),
            (Some(s), None) => format!("{s} onwards"),
            (None, None) => "all years".into(),
        }
    }
}

/// The kind of a published change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// The old area became part of the new one.
    Merger,
    /// Same area, new code.
    NewCode,
    /// A new geography built from the old area (a new combined authority, or a boundary
    /// change with a new code).
    NewGeo,
    /// The old area ended without a successor at this level.
    Termination,
}

/// One row of the change list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub old_code: String,
    pub old_name: String,
    pub new_code: Option<String>,
    pub new_name: Option<String>,
    pub kind: ChangeKind,
    /// First year of the new code.
    pub year: u16,
}

impl Change {
    /// Whether the new code succeeds the old one at the same level. A `new_geo` row also
    /// records membership of a combined authority (E06 -> E47), which is not a succession:
    /// only a `new_geo` within the same kind of code (S12 -> S12) counts.
    pub fn is_succession(&self) -> bool {
        match (self.kind, &self.new_code) {
            (ChangeKind::Merger | ChangeKind::NewCode, Some(_)) => true,
            (ChangeKind::NewGeo, Some(new)) => new.get(..3) == self.old_code.get(..3),
            _ => false,
        }
    }
}

/// Codes with their valid years and the changes between them.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    areas: BTreeMap<String, AreaSpan>,
    changes: Vec<Change>,
    /// The layers each code was read from (with [`Registry::load_tiers`]).
    tiers: BTreeMap<String, Vec<String>>,
}

/// Code changes from before the ONS change list (which starts in 2018) that published
/// files still carry: the 2013 boundary change between Gateshead and Northumberland gave
/// both new codes (ONS Register of Geographic Codes); the DfE's statistics keep the old
/// ones. (old code, name, new code, first year of the new code).
pub const EARLIER_RECODES: &[(&str, &str, &str, u16)] = &[
    ("E06000048", "Northumberland", "E06000057", 2013),
    ("E08000020", "Gateshead", "E08000037", 2013),
];

/// What a layer of the ONS topojson holds, for messages.
fn tier_name(layer: &str) -> &str {
    match layer {
        "ltla" => "lower-tier local authority",
        "utla" => "upper-tier local authority",
        "cty" => "county",
        "mcty" => "metropolitan county",
        "cauth" => "combined authority",
        "rgn" => "region",
        "ctry" => "country",
        other => other,
    }
}

/// How the codes of one vintage map onto another.
#[derive(Debug, Clone, PartialEq)]
pub struct VintageMap {
    pub from: u16,
    pub to: u16,
    /// For each `from` code, the `to` codes it becomes (one for most; several for a split).
    pub targets: BTreeMap<String, Vec<String>>,
}

impl VintageMap {
    /// Each `from` code with the one `to` code it is summed into, for a panel whose
    /// counts are added over mergers (`oa_evaluation::PanelBuilder::map_codes`). Splits
    /// cannot be summed: a code that becomes several is an error naming them.
    pub fn mergers(&self) -> Result<BTreeMap<String, String>, GeoError> {
        let mut out = BTreeMap::new();
        for (code, targets) in &self.targets {
            match targets.as_slice() {
                [one] => {
                    out.insert(code.clone(), one.clone());
                }
                many => {
                    return Err(GeoError::Vintage(format!(
                        "{code} ({}) is split into {} by {}; counts cannot be shared out without weights, so evaluate on the {} boundaries",
                        self.from,
                        join(many.iter().map(String::as_str)),
                        self.to,
                        self.from.min(self.to)
                    )));
                }
            }
        }
        Ok(out)
    }

    /// For each `to` code, the `from` codes that make it up.
    pub fn sources(&self) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (s, ts) in &self.targets {
            for t in ts {
                out.entry(t.clone()).or_default().push(s.clone());
            }
        }
        out
    }
}

impl Registry {
    /// Builds a registry from a layer whose features carry `start`/`end` years.
    pub fn from_layer(layer: &Layer, changes: Vec<Change>) -> Registry {
        let areas = layer
            .features
            .iter()
            .map(|f| {
                let span = AreaSpan {
                    code: f.code.clone(),
                    name: f.name.clone().unwrap_or_default(),
                    start: f.start,
                    end: f.end,
                };
                (f.code.clone(), span)
            })
            .collect();
        Registry {
            areas,
            changes,
            tiers: BTreeMap::new(),
        }
    }

    /// Builds a registry from area spans (codes with their valid years).
    pub fn from_spans(spans: impl IntoIterator<Item = AreaSpan>, changes: Vec<Change>) -> Registry {
        let areas = spans.into_iter().map(|a| (a.code.clone(), a)).collect();
        Registry {
            areas,
            changes,
            tiers: BTreeMap::new(),
        }
    }

    /// Loads several layers of the ONS topojson (e.g. `ltla`, `utla`, `cty`) into one
    /// registry, remembering each code's layers, plus [`EARLIER_RECODES`]. For looking
    /// codes up (`oa geo history`); vintage conversion wants one level ([`Registry::load`]).
    pub fn load_tiers(
        topojson: &Path,
        layers: &[&str],
        changes_csv: &Path,
    ) -> Result<Registry, GeoError> {
        let mut registry = Registry::from_spans(Vec::new(), read_changes(changes_csv)?);
        for layer in layers {
            let options = LoadOptions {
                layer: Some(layer.to_string()),
                ..LoadOptions::default()
            };
            for f in load_boundaries(topojson, &options)?.features {
                registry
                    .tiers
                    .entry(f.code.clone())
                    .or_default()
                    .push(layer.to_string());
                registry.areas.entry(f.code.clone()).or_insert(AreaSpan {
                    code: f.code.clone(),
                    name: f.name.clone().unwrap_or_default(),
                    start: f.start,
                    end: f.end,
                });
            }
        }
        for &(old, name, new, year) in EARLIER_RECODES {
            registry.areas.entry(old.to_string()).or_insert(AreaSpan {
                code: old.to_string(),
                name: name.to_string(),
                start: None,
                end: Some(year - 1),
            });
            registry.changes.push(Change {
                old_code: old.to_string(),
                old_name: name.to_string(),
                new_code: Some(new.to_string()),
                new_name: Some(name.to_string()),
                kind: ChangeKind::NewCode,
                year,
            });
        }
        Ok(registry)
    }

    /// The layers a code was read from (empty unless loaded with [`Registry::load_tiers`]).
    pub fn tiers(&self, code: &str) -> &[String] {
        self.tiers.get(code).map_or(&[], Vec::as_slice)
    }

    /// Where a code came from and what became of it, in one line for messages:
    /// `E10000002 Buckinghamshire (county, until 2019; ended 2020, E06000060 Buckinghamshire
    /// from 2020)`. `None` for a code the registry does not know.
    pub fn describe(&self, code: &str) -> Option<String> {
        let area = self.areas.get(code)?;
        let mut parts = Vec::new();
        let tiers: Vec<&str> = self.tiers(code).iter().map(|t| tier_name(t)).collect();
        if !tiers.is_empty() {
            parts.push(tiers.join(" and "));
        }
        parts.push(area.describe());
        let chain = self.successor_chain(code);
        if let Some((year, last)) = chain.last() {
            let name = self.areas.get(last).map_or("", |a| a.name.as_str());
            parts.push(format!("now {last} {name} (since {year})"));
        } else if let Some((year, same)) = self.ended(code) {
            parts.push(match same {
                Some(s) => format!("ended {year}; {} {} from {year}", s.code, s.name),
                None => format!("ended {year}"),
            });
        }
        Some(format!("{code} {} ({})", area.name, parts.join(", ")))
    }

    /// For a code the change list ends without a successor: the year, and a code of the
    /// same name that starts that year, if any (Buckinghamshire county became the
    /// Buckinghamshire unitary authority).
    pub fn ended(&self, code: &str) -> Option<(u16, Option<&AreaSpan>)> {
        let c = self
            .changes
            .iter()
            .find(|c| c.old_code == code && c.kind == ChangeKind::Termination)?;
        let name = self.areas.get(code).map(|a| a.name.as_str())?;
        let same = self
            .areas
            .values()
            .find(|a| a.code != code && a.name == name && a.start == Some(c.year));
        Some((c.year, same))
    }

    /// Loads the ONS topojson (layer `layer`, e.g. `ltla`) and its change list.
    pub fn load(topojson: &Path, layer: &str, changes_csv: &Path) -> Result<Registry, GeoError> {
        let options = LoadOptions {
            layer: Some(layer.to_string()),
            ..LoadOptions::default()
        };
        let layer = load_boundaries(topojson, &options)?;
        Ok(Registry::from_layer(&layer, read_changes(changes_csv)?))
    }

    pub fn area(&self, code: &str) -> Option<&AreaSpan> {
        self.areas.get(code)
    }

    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    pub fn exists(&self, code: &str, year: u16) -> bool {
        self.areas.get(code).is_some_and(|a| a.valid_in(year))
    }

    /// The codes valid in `year`, sorted.
    pub fn codes_in(&self, year: u16) -> Vec<&str> {
        self.areas
            .values()
            .filter(|a| a.valid_in(year))
            .map(|a| a.code.as_str())
            .collect()
    }

    /// The successions out of `code` (changes where it is the old code), earliest first.
    /// The registry's valid years are authoritative: a change applies only when the old
    /// code ends before the change year and the new code is known (the ONS topojson keeps
    /// some Scottish codes that the change list replaces).
    fn successions(&self, code: &str) -> Vec<&Change> {
        let mut v: Vec<&Change> = self
            .changes
            .iter()
            .filter(|c| c.old_code == code && c.is_succession())
            .filter(|c| {
                !self.exists(code, c.year)
                    && c.new_code
                        .as_ref()
                        .is_some_and(|n| self.areas.contains_key(n))
            })
            .collect();
        v.sort_by_key(|c| c.year);
        v
    }

    /// The chain of codes `code` becomes, with the year each takes effect; follows the
    /// first successor at each step (a split has several: see [`Registry::map_vintage`]).
    pub fn successor_chain(&self, code: &str) -> Vec<(u16, String)> {
        let mut chain = Vec::new();
        let mut current = code.to_string();
        let mut year = 0u16;
        while let Some(c) = self
            .successions(&current)
            .into_iter()
            .find(|c| c.year > year)
        {
            let next = c.new_code.clone().expect("successions have a new code");
            year = c.year;
            chain.push((year, next.clone()));
            current = next;
        }
        chain
    }

    /// The codes valid in `to` that `code` (valid in `from`, `from < to`) becomes.
    fn forward(&self, code: &str, from: u16, to: u16) -> Vec<String> {
        let mut frontier = vec![(code.to_string(), from)];
        let mut out = BTreeSet::new();
        while let Some((c, since)) = frontier.pop() {
            let next: Vec<&Change> = self
                .successions(&c)
                .into_iter()
                .filter(|ch| ch.year > since && ch.year <= to)
                .collect();
            if next.is_empty() {
                out.insert(c);
                continue;
            }
            let first_year = next[0].year;
            for ch in next.into_iter().filter(|ch| ch.year == first_year) {
                frontier.push((ch.new_code.clone().expect("succession"), ch.year));
            }
        }
        out.into_iter().collect()
    }

    /// Maps every code valid in `from` onto the codes valid in `to`. Backwards in time,
    /// a merger becomes a split of the merged area.
    pub fn map_vintage(&self, from: u16, to: u16) -> Result<VintageMap, GeoError> {
        let (early, late) = (from.min(to), from.max(to));
        let mut forward: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for code in self.codes_in(early) {
            let targets = self.forward(code, early, late);
            let stray: Vec<&String> = targets.iter().filter(|t| !self.exists(t, late)).collect();
            if !stray.is_empty() {
                return Err(GeoError::Vintage(format!(
                    "{code} ({early}) has no successor valid in {late} (the change list leads to {})",
                    join(stray.iter().map(|s| s.as_str()))
                )));
            }
            forward.insert(code.to_string(), targets);
        }
        let targets = if from <= to {
            forward
        } else {
            VintageMap {
                from: early,
                to: late,
                targets: forward,
            }
            .sources()
        };
        Ok(VintageMap { from, to, targets })
    }

    /// Every code valid in any year from `from` to `to` with the `to` code it is summed
    /// into, for a panel whose years use several vintages (DfE files carry each year's
    /// codes). Splits are errors (see [`VintageMap::mergers`]).
    pub fn mergers_onto(&self, from: u16, to: u16) -> Result<BTreeMap<String, String>, GeoError> {
        let mut out = BTreeMap::new();
        for year in from.min(to)..=to {
            for (code, target) in self.map_vintage(year, to)?.mergers()? {
                out.entry(code).or_insert(target);
            }
        }
        Ok(out)
    }

    /// Checks that `codes` (from `file`) are all codes of `year`. Codes of another year are
    /// listed with the years they belong to; codes that never existed together are reported
    /// as mixed vintages.
    pub fn check_codes<'a>(
        &self,
        codes: impl IntoIterator<Item = &'a str>,
        year: u16,
        file: &str,
    ) -> Result<(), GeoError> {
        let codes: Vec<&str> = codes.into_iter().collect();
        let unknown: Vec<&str> = codes
            .iter()
            .copied()
            .filter(|c| !self.areas.contains_key(*c))
            .collect();
        let spans: Vec<&AreaSpan> = codes.iter().filter_map(|c| self.areas.get(*c)).collect();
        let wrong: Vec<&AreaSpan> = spans
            .iter()
            .copied()
            .filter(|a| !a.valid_in(year))
            .collect();
        if wrong.is_empty() && unknown.is_empty() {
            return Ok(());
        }
        let latest_start = spans.iter().filter_map(|a| a.start).max();
        let earliest_end = spans.iter().filter_map(|a| a.end).min();
        if let (Some(s), Some(e)) = (latest_start, earliest_end)
            && s > e
        {
            let a = spans.iter().find(|a| a.end == Some(e)).expect("has end");
            let b = spans
                .iter()
                .find(|a| a.start == Some(s))
                .expect("has start");
            return Err(GeoError::Vintage(format!(
                "{file}: mixes two vintages: {} ({}) and {} ({}) never existed together; split the file by vintage and convert each part with `oa geo convert`",
                a.code,
                a.describe(),
                b.code,
                b.describe()
            )));
        }
        let mut message = format!("{file}: ");
        if !wrong.is_empty() {
            let shown: Vec<String> = wrong
                .iter()
                .take(8)
                .map(|a| format!("{} ({})", a.code, a.describe()))
                .collect();
            let years = match (latest_start, earliest_end) {
                (Some(s), Some(e)) => format!("{s}-{e}"),
                (Some(s), None) => format!("{s} onwards"),
                (None, Some(e)) => format!("until {e}"),
                (None, None) => "any year".into(),
            };
            message += &format!(
                "{} of {} codes are not valid in {year}: {}{}; all the file's codes are valid {years}: use that vintage (`geography.vintage` in a study, `--from` in `oa geo convert`) or convert with `oa geo convert`",
                wrong.len(),
                codes.len(),
                shown.join(", "),
                if wrong.len() > 8 { ", ..." } else { "" }
            );
        }
        if !unknown.is_empty() {
            if !wrong.is_empty() {
                message += "; ";
            }
            message += &format!(
                "{} codes are not in the registry in any year: {}",
                unknown.len(),
                join(unknown.iter().take(8).copied())
            );
        }
        Err(GeoError::Vintage(message))
    }
}

fn join<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items.collect::<Vec<_>>().join(", ")
}

/// Reads the ONS change list (`oldcd, oldnm, newcd, newnm, type, start`; UTF-8 with BOM).
pub fn read_changes(path: &Path) -> Result<Vec<Change>, GeoError> {
    let (csv, mut reader) = CsvHeader::open(path)?;
    let [old, oldnm, new, newnm, kind, start] =
        ["oldcd", "oldnm", "newcd", "newnm", "type", "start"].map(|name| csv.column(name));
    let (old, oldnm, new, newnm, kind, start) = (old?, oldnm?, new?, newnm?, kind?, start?);
    let mut changes = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let r = record.map_err(|e| csv.error(line, e.to_string()))?;
        let get = |k: usize| r.get(k).unwrap_or("").trim().to_string();
        let opt = |k: usize| Some(get(k)).filter(|s| !s.is_empty());
        let kind = match get(kind).as_str() {
            "merger" => ChangeKind::Merger,
            "new_code" => ChangeKind::NewCode,
            "new_geo" => ChangeKind::NewGeo,
            "termination" => ChangeKind::Termination,
            other => {
                return Err(csv.error(
                    line,
                    format!(
                        "unknown change type `{other}` (expected merger, new_code, new_geo or termination)"
                    ),
                ));
            }
        };
        let year = get(start)
            .parse::<u16>()
            .map_err(|_| csv.error(line, format!("`start` is `{}`, not a year", get(start))))?;
        changes.push(Change {
            old_code: get(old),
            old_name: get(oldnm),
            new_code: opt(new),
            new_name: opt(newnm),
            kind,
            year,
        });
    }
    Ok(changes)
}
