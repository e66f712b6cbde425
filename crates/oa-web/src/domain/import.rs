//! Importing a results bundle's chosen areas (`selection.csv`) and their money
//! (`allocations.csv`) into a programme. Re-importing is safe: areas already present (by
//! code) and allocations already recorded (fund, area, period) are left as they are.
//!
//! A bundle is verified before anything is read from it ([`verify_bundle`]: every file
//! the import reads must be listed in `manifest.json` with the SHA-256 of its bytes), and
//! the import is one transaction: the programme (when new), areas, funds and allocations
//! are written together or not at all. Money is summed with checked arithmetic.

use crate::auth::Principal;
use crate::error::{ApiError, FieldError};
use oa_store::{AnyStore, Filter, Guard, Kind, Op, PageRequest, Record, Store};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The manifest of a results bundle, as written by `oa run`.
pub const MANIFEST: &str = "manifest.json";
/// The files an import reads.
pub const SELECTION: &str = "selection.csv";
pub const ALLOCATIONS: &str = "allocations.csv";

/// The texts an import reads from a bundle, each checked against the manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedBundle {
    pub selection_csv: String,
    pub allocations_csv: Option<String>,
}

/// Reads and verifies a results bundle: `manifest.json` must parse and list
/// `selection.csv` (and `allocations.csv` when the bundle has one) with the SHA-256 and
/// size of the bytes on disk. The error names the file and what to do.
pub fn verify_bundle(dir: &Path) -> Result<VerifiedBundle, String> {
    let read = |name: &str| -> Result<Option<Vec<u8>>, String> {
        let path = dir.join(name);
        match std::fs::read(&path) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    };
    let manifest = read(MANIFEST)?.ok_or_else(|| {
        format!(
            "{} has no {MANIFEST}: import a results bundle written by `oa run` (its manifest records the SHA-256 of every file)",
            dir.display()
        )
    })?;
    let selection = read(SELECTION)?.ok_or_else(|| {
        format!(
            "{} has no {SELECTION}: give a results bundle of a study with a [selection] section (oa run), or run `oa select` on it",
            dir.display()
        )
    })?;
    let allocations = read(ALLOCATIONS)?;
    let manifest = String::from_utf8_lossy(&manifest);
    verify_texts(
        &manifest,
        &[
            (SELECTION, Some(&selection)),
            (ALLOCATIONS, allocations.as_deref()),
        ],
    )
    .map_err(|e| format!("{}: {e}", dir.display()))?;
    let text = |name: &str, bytes: Vec<u8>| {
        String::from_utf8(bytes).map_err(|_| format!("{}/{name} is not UTF-8 text", dir.display()))
    };
    Ok(VerifiedBundle {
        selection_csv: text(SELECTION, selection)?,
        allocations_csv: allocations.map(|b| text(ALLOCATIONS, b)).transpose()?,
    })
}

/// Checks files against a manifest's `outputs` (`oa_bundle::verify_files`): each present
/// file must be listed with its digest and size; a file the manifest lists must be
/// present. `None` means the file is absent.
pub fn verify_texts(manifest_json: &str, files: &[(&str, Option<&[u8]>)]) -> Result<(), String> {
    oa_bundle::verify_files(manifest_json, files)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// One chosen area read from `selection.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectedArea {
    pub code: String,
    pub name: String,
    pub districts: Vec<String>,
    pub wave: i64,
    pub announced_on: Option<String>,
}

/// One line of `allocations.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct AllocationLine {
    pub fund: String,
    pub area_code: String,
    pub period: String,
    pub amount_pence: i64,
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct ImportReport {
    pub areas_created: usize,
    pub areas_present: usize,
    pub funds_created: usize,
    pub allocations_created: usize,
    pub allocations_present: usize,
}

/// The chosen areas of a `selection.csv` (read by `oa_bundle`, which names the line and
/// column of anything that is not what `oa` writes).
pub fn parse_selection(text: &str) -> Result<Vec<SelectedArea>, FieldError> {
    const FILE: &str = "selection.csv";
    let selection = oa_bundle::parse::selection(FILE, text.as_bytes())
        .map_err(|e| FieldError::new(FILE, e.to_string()))?;
    let mut out = Vec::new();
    for (i, a) in selection.areas.iter().enumerate() {
        if !a.selected {
            continue;
        }
        let line = i + 2;
        if a.area_id.is_empty() {
            return Err(FieldError::new(
                FILE,
                format!("line {line}, column area_id: empty"),
            ));
        }
        if a.districts.iter().all(String::is_empty) {
            return Err(FieldError::new(
                FILE,
                format!(
                    "line {line}, column districts: no district codes (separate several with `;`)"
                ),
            ));
        }
        let digits: String = a
            .wave
            .as_deref()
            .unwrap_or("")
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        out.push(SelectedArea {
            code: a.area_id.clone(),
            name: a.area_name.clone(),
            districts: a.districts.clone(),
            wave: digits.parse().unwrap_or(1),
            // `2016-10` (a month) becomes the first of that month.
            announced_on: a
                .announced
                .as_deref()
                .map(|s| {
                    if s.len() == 7 {
                        format!("{s}-01")
                    } else {
                        s.to_string()
                    }
                })
                .filter(|s| super::rules::is_date(s)),
        });
    }
    Ok(out)
}

/// The lines of an `allocations.csv` (read by `oa_bundle`), each checked as the service
/// stores money: whole pence from 0 to [`super::rules::MAX_PENCE`], in a financial year.
pub fn parse_allocations(text: &str) -> Result<Vec<AllocationLine>, FieldError> {
    const FILE: &str = "allocations.csv";
    let lines = oa_bundle::parse::allocations(FILE, text.as_bytes())
        .map_err(|e| FieldError::new(FILE, e.to_string()))?;
    let mut out = Vec::with_capacity(lines.len());
    for (i, a) in lines.iter().enumerate() {
        let line = i + 2;
        let pence = a.amount.pence();
        if !(0..=super::rules::MAX_PENCE).contains(&pence) {
            return Err(FieldError::new(
                FILE,
                format!(
                    "line {line}, column amount_pence: {pence} is not a whole number of pence from 0 to {} (£10 trillion)",
                    super::rules::MAX_PENCE
                ),
            ));
        }
        if a.period == "all" {
            // `oa run` writes `all` for a fund declared without periods: a lump sum the
            // service cannot place in a financial year.
            return Err(FieldError::new(
                FILE,
                format!(
                    "line {line}, column period: fund `{}` has no periods (`all`); declare them in the study's [[funds]] (e.g. periods = [{{ id = \"2024-25\" }}]), run `oa allocate` again, then import",
                    a.fund
                ),
            ));
        }
        if super::rules::parse_period(&a.period).is_none() {
            return Err(FieldError::new(
                FILE,
                format!(
                    "line {line}, column period: `{}` is not a year such as 2020-21 or 2020/21",
                    a.period
                ),
            ));
        }
        out.push(AllocationLine {
            fund: a.fund.clone(),
            area_code: a.area_id.clone(),
            period: a.period.clone(),
            amount_pence: pence,
        });
    }
    Ok(out)
}

async fn in_programme(
    store: &AnyStore,
    kind: Kind,
    programme_id: Option<i64>,
) -> Result<Vec<Record>, ApiError> {
    let Some(programme_id) = programme_id else {
        return Ok(Vec::new());
    };
    let filter = Filter {
        equals: vec![("programme_id", Value::from(programme_id))],
        ..Default::default()
    };
    Ok(store.list(kind, &filter, PageRequest::ALL).await?.items)
}

/// Where an import goes: an existing programme, or a new one (created in the same
/// transaction).
#[derive(Debug, Clone)]
pub enum ImportTarget {
    Existing(i64),
    New(Record),
}

/// A record's id, or the batch op that creates it.
#[derive(Debug, Clone, Copy)]
enum Ref {
    Id(i64),
    Op(usize),
}

/// Sets `column` from `r`: a value, or a link to an earlier op of the batch.
fn set_ref(rec: &mut Record, links: &mut Vec<(&'static str, usize)>, column: &'static str, r: Ref) {
    match r {
        Ref::Id(id) => {
            rec.insert(column.into(), Value::from(id));
        }
        Ref::Op(i) => links.push((column, i)),
    }
}

fn invalid(file: &str, message: String) -> ApiError {
    ApiError::Invalid(vec![FieldError::new(file, message)])
}

/// Imports chosen areas and allocations into a programme (admin only), in one
/// transaction. Returns the programme's id and what was done.
pub async fn import_bundle(
    store: &AnyStore,
    p: &Principal,
    target: ImportTarget,
    selection_csv: &str,
    allocations_csv: Option<&str>,
) -> Result<(i64, ImportReport), ApiError> {
    super::access::check_write(p, Kind::Area, None)?;
    let areas = parse_selection(selection_csv).map_err(|e| ApiError::Invalid(vec![e]))?;
    let lines = allocations_csv
        .map(parse_allocations)
        .transpose()
        .map_err(|e| ApiError::Invalid(vec![e]))?
        .unwrap_or_default();
    let mut ops: Vec<Op> = Vec::new();
    let existing_programme = match &target {
        ImportTarget::Existing(id) => {
            if store.get(Kind::Programme, *id).await?.is_none() {
                return Err(ApiError::NotFound(format!(
                    "there is no programme {id}: create it first, or import into a new one"
                )));
            }
            Some(*id)
        }
        ImportTarget::New(record) => {
            let errors = super::rules::check_input(Kind::Programme, record, None);
            if !errors.is_empty() {
                return Err(ApiError::Invalid(errors));
            }
            ops.push(Op::Create {
                kind: Kind::Programme,
                record: record.clone(),
            });
            None
        }
    };
    let programme = existing_programme.map_or(Ref::Op(0), Ref::Id);
    let mut report = ImportReport::default();

    // Areas: those already in the programme are kept; the rest are created.
    let mut by_code: BTreeMap<String, Ref> = in_programme(store, Kind::Area, existing_programme)
        .await?
        .iter()
        .map(|a| {
            (
                a["code"].as_str().unwrap_or("").to_string(),
                Ref::Id(a["id"].as_i64().unwrap_or(0)),
            )
        })
        .collect();
    let mut seen = BTreeSet::new();
    for a in &areas {
        if !seen.insert(a.code.as_str()) {
            return Err(invalid(
                SELECTION,
                format!("area {} is chosen twice: keep one row per area", a.code),
            ));
        }
        if by_code.contains_key(&a.code) {
            report.areas_present += 1;
            continue;
        }
        let districts: Vec<Value> = a
            .districts
            .iter()
            .map(|d| json!({"code": d, "name": d}))
            .collect();
        let mut rec = json!({
            "code": a.code, "name": a.name, "districts": districts, "wave": a.wave,
            "published": false,
        })
        .as_object()
        .cloned()
        .unwrap_or_default();
        if let Some(on) = &a.announced_on {
            rec.insert("announced_on".into(), Value::from(on.clone()));
        }
        let errors = super::rules::check_input(Kind::Area, &rec, None);
        if let Some(e) = errors.first() {
            return Err(invalid(
                SELECTION,
                format!("area {}: {}: {}", a.code, e.field, e.message),
            ));
        }
        let mut links = Vec::new();
        set_ref(&mut rec, &mut links, "programme_id", programme);
        ops.push(Op::CreateLinked {
            kind: Kind::Area,
            record: rec,
            links,
        });
        by_code.insert(a.code.clone(), Ref::Op(ops.len() - 1));
        report.areas_created += 1;
    }

    // Funds: one per name, its total the checked sum of its lines.
    let mut totals: BTreeMap<&str, i64> = BTreeMap::new();
    for (i, l) in lines.iter().enumerate() {
        let total = totals.entry(l.fund.as_str()).or_default();
        *total = total
            .checked_add(l.amount_pence)
            .filter(|t| *t <= super::rules::MAX_PENCE)
            .ok_or_else(|| {
                invalid(
                    ALLOCATIONS,
                    format!(
                        "line {}: fund `{}` would total more than £10 trillion: check the amounts (they are in pence)",
                        i + 2,
                        l.fund
                    ),
                )
            })?;
    }
    let mut funds: BTreeMap<String, Ref> = in_programme(store, Kind::Fund, existing_programme)
        .await?
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap_or("").to_string(),
                Ref::Id(f["id"].as_i64().unwrap_or(0)),
            )
        })
        .collect();
    for (name, total) in &totals {
        if funds.contains_key(*name) {
            continue;
        }
        let mut rec =
            json!({"name": name, "total_pence": total, "source": "imported from allocations.csv"})
                .as_object()
                .cloned()
                .unwrap_or_default();
        if let Some(e) = super::rules::check_input(Kind::Fund, &rec, None).first() {
            return Err(invalid(
                ALLOCATIONS,
                format!("fund `{name}`: {}: {}", e.field, e.message),
            ));
        }
        let mut links = Vec::new();
        set_ref(&mut rec, &mut links, "programme_id", programme);
        ops.push(Op::CreateLinked {
            kind: Kind::Fund,
            record: rec,
            links,
        });
        funds.insert((*name).to_string(), Ref::Op(ops.len() - 1));
        report.funds_created += 1;
    }

    // Allocations: each (fund, area, period) once; allocations into funds that already
    // exist stay within the fund's total (checked in the transaction).
    let existing: Vec<Record> = in_programme(store, Kind::Allocation, existing_programme).await?;
    let mut keys = BTreeMap::new();
    let mut guarded = BTreeSet::new();
    for (i, l) in lines.iter().enumerate() {
        let line = i + 2;
        if let Some(first) = keys.insert(
            (l.fund.as_str(), l.area_code.as_str(), l.period.as_str()),
            line,
        ) {
            return Err(invalid(
                ALLOCATIONS,
                format!(
                    "line {line} repeats line {first} (fund `{}`, area {}, period {}): keep one line per fund, area and period",
                    l.fund, l.area_code, l.period
                ),
            ));
        }
        let Some(area) = by_code.get(&l.area_code).copied() else {
            return Err(invalid(
                ALLOCATIONS,
                format!(
                    "line {line}: area_id `{}` is not a chosen area of selection.csv or of the programme",
                    l.area_code
                ),
            ));
        };
        let fund = funds[&l.fund];
        if let (Ref::Id(fund_id), Ref::Id(area_id)) = (fund, area) {
            let present = existing.iter().any(|e| {
                e["fund_id"].as_i64() == Some(fund_id)
                    && e["area_id"].as_i64() == Some(area_id)
                    && e["period"].as_str() == Some(l.period.as_str())
            });
            if present {
                report.allocations_present += 1;
                continue;
            }
        }
        if let Ref::Id(fund_id) = fund {
            guarded.insert(fund_id);
        }
        let mut rec = json!({"period": l.period, "amount_pence": l.amount_pence})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let mut links = Vec::new();
        set_ref(&mut rec, &mut links, "programme_id", programme);
        set_ref(&mut rec, &mut links, "fund_id", fund);
        set_ref(&mut rec, &mut links, "area_id", area);
        ops.push(Op::CreateLinked {
            kind: Kind::Allocation,
            record: rec,
            links,
        });
        report.allocations_created += 1;
    }
    let guards = guarded
        .into_iter()
        .map(|fund_id| Guard {
            child: Kind::Allocation,
            parent: Kind::Fund,
            parent_id: fund_id,
            cap_column: "total_pence",
            field: ALLOCATIONS,
            message: format!(
                "allocations from fund {fund_id} would exceed the fund's total: lower them in the bundle or raise the fund's total_pence first"
            ),
        })
        .collect();
    if ops.is_empty() {
        return Ok((existing_programme.unwrap_or(0), report));
    }
    let done = store.apply(ops, guards, &p.actor()).await?;
    let programme_id = existing_programme
        .or_else(|| done.first().and_then(|r| r["id"].as_i64()))
        .unwrap_or(0);
    Ok((programme_id, report))
}

#[cfg(test)]
mod tests {
    use super::*;
    use oa_bundle::{Allocation, Funding, SelectedArea as Row, Selection};
    use oa_model::Pence;

    fn row(id: &str, districts: &[&str], selected: bool, wave: &str, announced: &str) -> Row {
        Row {
            area_id: id.into(),
            area_name: format!("Area {id}"),
            districts: districts.iter().map(|d| d.to_string()).collect(),
            selected,
            wave: Some(wave.to_string()).filter(|w| !w.is_empty()),
            on_long_list: true,
            rank: 1,
            need: 1.0,
            reason: "why".into(),
            announced: Some(announced.to_string()).filter(|a| !a.is_empty()),
            region: String::new(),
            tags: Vec::new(),
            population: None,
            measure_ranks: Vec::new(),
            measure_values: Vec::new(),
        }
    }

    fn selection(rows: Vec<Row>) -> String {
        oa_bundle::csv_text(
            &Selection {
                measures: Vec::new(),
                areas: rows,
                markdown: String::new(),
            }
            .to_table(),
        )
    }

    fn allocations(fund: &str, period: &str, pence: i64) -> String {
        let line = Allocation {
            fund: fund.into(),
            area_id: "A".into(),
            area_name: "B".into(),
            period: period.into(),
            amount: Pence(pence),
            formula: "fixed".into(),
            share: 1.0,
            basis: "published amount".into(),
            bound: String::new(),
            match_amount: None,
        };
        oa_bundle::csv_text(
            &Funding {
                funds: Vec::new(),
                allocations: vec![line],
                markdown: String::new(),
            }
            .allocations_table(),
        )
    }

    #[test]
    fn reads_chosen_areas_only() {
        let text = selection(vec![
            row("OA09", &["E07000010", "E07000009"], true, "2", "2017-01"),
            row("X1", &["E07000001"], false, "", ""),
        ]);
        let areas = parse_selection(&text).unwrap();
        assert_eq!(areas.len(), 1);
        assert_eq!(areas[0].districts, vec!["E07000010", "E07000009"]);
        assert_eq!(areas[0].wave, 2);
        assert_eq!(areas[0].announced_on.as_deref(), Some("2017-01-01"));
    }

    #[test]
    fn bad_lines_are_named() {
        let text = selection(vec![row("A", &["C"], true, "", "")]).replace(",true,", ",maybe,");
        let e = parse_selection(&text).unwrap_err();
        assert!(
            e.message.contains("line 2") && e.message.contains("selected"),
            "{}",
            e.message
        );
        let e = parse_allocations(&allocations("core", "2020-21", -5)).unwrap_err();
        assert!(
            e.message.contains("line 2, column amount_pence"),
            "{}",
            e.message
        );
        let e = parse_allocations(&allocations("programme", "all", 100)).unwrap_err();
        assert!(
            e.message.contains(
                "line 2, column period: fund `programme` has no periods (`all`); declare them"
            ),
            "{}",
            e.message
        );
        let e = parse_allocations("fund,area_id,period\n").unwrap_err();
        assert!(e.message.contains("no column `area_name`"), "{}", e.message);
    }
}
