//! The funding stage of `oa run` (and the work behind `oa allocate`): allocate each of the
//! study's funds over the areas the selection chose (read back from `selection.csv`) or
//! the areas a fund lists, and write `funds.csv`, `allocations.csv` and `allocations.md`.

use super::RunContext;
use super::selection::SELECTION_CSV;
use crate::exit;
use oa_model::Study;
use oa_model::study::funding::Formula;
use oa_targeting::allocate::{self, FundOutcome, FundedArea};
use std::collections::BTreeMap;
use std::path::Path;

pub const FUNDS_CSV: &str = "funds.csv";
pub const ALLOCATIONS_CSV: &str = "allocations.csv";
pub const ALLOCATIONS_MD: &str = "allocations.md";

/// Runs the funding stage; returns the files written, relative to `ctx.out`.
pub fn run(ctx: &RunContext) -> anyhow::Result<Vec<String>> {
    let files = compute_files(ctx.study, ctx.out)?;
    let mut written = Vec::new();
    for (name, bytes) in files {
        let path = ctx.out.join(&name);
        std::fs::write(&path, bytes)
            .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))?;
        written.push(name);
    }
    Ok(written)
}

/// An area as `selection.csv` gives it: name, chosen or not, and its columns.
struct SelectedArea {
    name: String,
    selected: bool,
    columns: BTreeMap<String, String>,
}

fn read_selection(bundle: &Path) -> anyhow::Result<Option<BTreeMap<String, SelectedArea>>> {
    let path = bundle.join(SELECTION_CSV);
    if !path.exists() {
        return Ok(None);
    }
    let shown = path.display().to_string();
    let mut reader =
        csv::Reader::from_path(&path).map_err(|e| exit::user(format!("{shown}: {e}")))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| exit::user(format!("{shown}: {e}")))?
        .iter()
        .map(String::from)
        .collect();
    let mut out = BTreeMap::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| exit::user(format!("{shown}: {e}")))?;
        let columns: BTreeMap<String, String> = headers
            .iter()
            .cloned()
            .zip(rec.iter().map(String::from))
            .collect();
        let id = columns.get("area_id").cloned().unwrap_or_default();
        out.insert(
            id,
            SelectedArea {
                name: columns.get("area_name").cloned().unwrap_or_default(),
                selected: columns.get("selected").map(String::as_str) == Some("true"),
                columns,
            },
        );
    }
    Ok(Some(out))
}

/// Allocates every fund; the files (name, bytes).
pub fn compute_files(study: &Study, bundle: &Path) -> anyhow::Result<Vec<(String, Vec<u8>)>> {
    let outcomes = compute(study, bundle)?;
    Ok(vec![
        (FUNDS_CSV.to_string(), funds_csv(&outcomes)?),
        (ALLOCATIONS_CSV.to_string(), allocations_csv(&outcomes)?),
        (
            ALLOCATIONS_MD.to_string(),
            oa_targeting::report::allocations_markdown(&outcomes).into_bytes(),
        ),
    ])
}

/// Allocates every fund of the study.
pub fn compute(study: &Study, bundle: &Path) -> anyhow::Result<Vec<FundOutcome>> {
    if study.funds.is_empty() {
        return Err(exit::user(
            "the study declares no [[funds]]; add one to allocate money",
        ));
    }
    let selection = read_selection(bundle)?;
    let mut outcomes = Vec::new();
    for fund in &study.funds {
        let ids: Vec<String> = if !fund.areas.is_empty() {
            fund.areas.clone()
        } else {
            let sel = selection.as_ref().ok_or_else(|| {
                exit::user(format!(
                    "fund `{}` funds the selected areas, but the bundle has no {SELECTION_CSV}; run `oa select` first or list `areas` in the fund",
                    fund.id
                ))
            })?;
            sel.iter()
                .filter(|(_, a)| a.selected)
                .map(|(id, _)| id.clone())
                .collect()
        };
        let column = match &fund.formula {
            Formula::Proportional { measure } if measure == "need" => Some("need".to_string()),
            Formula::Proportional { measure } => Some(format!("value_{measure}")),
            _ => None,
        };
        let mut areas = Vec::with_capacity(ids.len());
        for id in ids {
            let row = selection.as_ref().and_then(|s| s.get(&id));
            if selection.is_some() && row.is_none() && !fund.areas.is_empty() {
                return Err(exit::user(format!(
                    "fund `{}`: area `{id}` is not an area of the selection; check `areas`",
                    fund.id
                )));
            }
            let measure = match (&column, row) {
                (Some(c), Some(r)) => r.columns.get(c).and_then(|v| v.parse::<f64>().ok()),
                _ => None,
            };
            areas.push(FundedArea {
                name: row.map(|r| r.name.clone()).unwrap_or_else(|| id.clone()),
                id,
                measure,
            });
        }
        outcomes.push(allocate::allocate(fund, areas).map_err(exit::user)?);
    }
    Ok(outcomes)
}

fn funds_csv(funds: &[FundOutcome]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "fund",
        "total_pence",
        "allocated_pence",
        "unallocated_pence",
        "name",
        "formula",
        "areas",
        "periods",
        "funders",
        "total",
        "allocated",
        "unallocated",
        "notes",
    ])?;
    for f in funds {
        let funders: Vec<String> = f
            .funders
            .iter()
            .map(|(n, a)| format!("{n}: {}", a.pence()))
            .collect();
        w.write_record([
            f.id.clone(),
            f.total.pence().to_string(),
            f.allocated.pence().to_string(),
            f.unallocated().pence().to_string(),
            f.name.clone(),
            f.formula.to_string(),
            f.areas.len().to_string(),
            f.periods.join(";"),
            funders.join("; "),
            f.total.to_string(),
            f.allocated.to_string(),
            f.unallocated().to_string(),
            f.notes.join(" | "),
        ])?;
    }
    Ok(w.into_inner()?)
}

fn allocations_csv(funds: &[FundOutcome]) -> anyhow::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "fund",
        "area_id",
        "area_name",
        "period",
        "amount_pence",
        "formula",
        "share",
        "basis",
        "bound",
        "match_pence",
        "amount",
    ])?;
    for f in funds {
        for l in &f.lines {
            let a = &f.areas[l.area];
            w.write_record([
                f.id.clone(),
                a.id.clone(),
                a.name.clone(),
                f.periods[l.period].clone(),
                l.amount.pence().to_string(),
                f.formula.to_string(),
                format!("{:.6}", a.share),
                f.basis_of(a),
                a.bound.to_string(),
                l.match_amount
                    .map(|m| m.pence().to_string())
                    .unwrap_or_default(),
                l.amount.to_string(),
            ])?;
        }
    }
    Ok(w.into_inner()?)
}
