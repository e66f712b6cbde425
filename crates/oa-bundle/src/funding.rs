//! The funding section: `funds.csv` (one row per fund), `allocations.csv` (one row per
//! fund, area and period, exact pence) and `allocations.md`.

use crate::csv_table::{CsvTable, split_list};
use crate::error::BundleError;
use oa_io::Table;
use oa_model::Pence;

/// Every fund and every allocation line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Funding {
    pub funds: Vec<Fund>,
    pub allocations: Vec<Allocation>,
    /// `allocations.md`.
    pub markdown: String,
}

/// One row of `funds.csv`. The columns `total`, `allocated` and `unallocated` repeat the
/// pence as pounds for people (`£72,000,000.00`).
#[derive(Debug, Clone, PartialEq)]
pub struct Fund {
    pub fund: String,
    pub total: Pence,
    pub allocated: Pence,
    pub name: String,
    /// `equal`, `proportional`, `per_area`, `fixed` or `none`.
    pub formula: String,
    /// Number of areas funded.
    pub areas: u32,
    pub periods: Vec<String>,
    /// Who pays how much (`name: pence; ...` in the file).
    pub funders: Vec<(String, Pence)>,
    /// Sentences about re-scaling and differences (`|`-separated in the file).
    pub notes: Vec<String>,
}

impl Fund {
    /// The headline not allocated (negative when more was allocated).
    pub fn unallocated(&self) -> Pence {
        self.total - self.allocated
    }
}

/// One row of `allocations.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Allocation {
    pub fund: String,
    pub area_id: String,
    pub area_name: String,
    pub period: String,
    pub amount: Pence,
    pub formula: String,
    /// The area's share of the fund before rounding.
    pub share: f64,
    /// What the amount rests on, in words.
    pub basis: String,
    /// `floor`, `cap` or empty.
    pub bound: String,
    /// Money the area must find under match funding.
    pub match_amount: Option<Pence>,
}

const FUND_COLUMNS: [&str; 13] = [
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
];

const ALLOCATION_COLUMNS: [&str; 11] = [
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
];

/// The separator of notes in `funds.csv`.
const NOTE_SEPARATOR: &str = " | ";

impl Funding {
    pub const FUNDS: &'static str = "funds";
    pub const ALLOCATIONS: &'static str = "allocations";

    pub fn funds_table(&self) -> Table<'_> {
        let f = &self.funds;
        let text = |g: fn(&Fund) -> String| f.iter().map(g).collect::<Vec<_>>();
        let pence = |g: fn(&Fund) -> Pence| f.iter().map(|x| g(x).pence()).collect::<Vec<_>>();
        let mut t = Table::new();
        t.push_text("fund", text(|x| x.fund.clone()))
            .push_int("total_pence", pence(|x| x.total))
            .push_int("allocated_pence", pence(|x| x.allocated))
            .push_int("unallocated_pence", pence(Fund::unallocated))
            .push_text("name", text(|x| x.name.clone()))
            .push_text("formula", text(|x| x.formula.clone()))
            .push_int("areas", f.iter().map(|x| i64::from(x.areas)).collect())
            .push_text("periods", text(|x| x.periods.join(";")))
            .push_text(
                "funders",
                text(|x| {
                    x.funders
                        .iter()
                        .map(|(n, a)| format!("{n}: {}", a.pence()))
                        .collect::<Vec<_>>()
                        .join("; ")
                }),
            )
            .push_text("total", text(|x| x.total.to_string()))
            .push_text("allocated", text(|x| x.allocated.to_string()))
            .push_text("unallocated", text(|x| x.unallocated().to_string()))
            .push_text("notes", text(|x| x.notes.join(NOTE_SEPARATOR)));
        t
    }

    pub fn allocations_table(&self) -> Table<'_> {
        let a = &self.allocations;
        let text = |g: fn(&Allocation) -> String| a.iter().map(g).collect::<Vec<_>>();
        let mut t = Table::new();
        t.push_text("fund", text(|x| x.fund.clone()))
            .push_text("area_id", text(|x| x.area_id.clone()))
            .push_text("area_name", text(|x| x.area_name.clone()))
            .push_text("period", text(|x| x.period.clone()))
            .push_int("amount_pence", a.iter().map(|x| x.amount.pence()).collect())
            .push_text("formula", text(|x| x.formula.clone()))
            .push_float("share", a.iter().map(|x| x.share).collect())
            .push_text("basis", text(|x| x.basis.clone()))
            .push_text("bound", text(|x| x.bound.clone()))
            .push_opt_int(
                "match_pence",
                a.iter().map(|x| x.match_amount.map(Pence::pence)).collect(),
            )
            .push_text("amount", text(|x| x.amount.to_string()));
        t
    }

    pub(crate) fn from_csv(
        funds: &CsvTable,
        allocations: &CsvTable,
        markdown: String,
    ) -> Result<Funding, BundleError> {
        funds.only(|h| FUND_COLUMNS.contains(&h))?;
        let id = funds.text("fund")?;
        let total = funds.integers("total_pence")?;
        let allocated = funds.integers("allocated_pence")?;
        let unallocated = funds.integers("unallocated_pence")?;
        let name = funds.text("name")?;
        let formula = funds.text("formula")?;
        let areas = funds.counts("areas")?;
        let periods = funds.text("periods")?;
        let funders = funds.text("funders")?;
        let notes = funds.text("notes")?;
        let mut out = Vec::with_capacity(funds.len());
        for i in 0..funds.len() {
            if total[i].checked_sub(allocated[i]) != Some(unallocated[i]) {
                return Err(funds.inconsistent(format!(
                    "line {}: fund `{}`: {} allocated of {} does not leave {} unallocated",
                    i + 2,
                    id[i],
                    allocated[i],
                    total[i],
                    unallocated[i]
                )));
            }
            out.push(Fund {
                fund: id[i].clone(),
                total: Pence(total[i]),
                allocated: Pence(allocated[i]),
                name: name[i].clone(),
                formula: formula[i].clone(),
                areas: areas[i],
                periods: split_list(&periods[i]),
                funders: parse_funders(funds, i, &funders[i])?,
                notes: if notes[i].is_empty() {
                    Vec::new()
                } else {
                    notes[i].split(NOTE_SEPARATOR).map(str::to_string).collect()
                },
            });
        }
        Ok(Funding {
            funds: out,
            allocations: Funding::allocations_from_csv(allocations)?,
            markdown,
        })
    }

    pub(crate) fn allocations_from_csv(a: &CsvTable) -> Result<Vec<Allocation>, BundleError> {
        a.only(|h| ALLOCATION_COLUMNS.contains(&h))?;
        let fund = a.text("fund")?;
        let area_id = a.text("area_id")?;
        let area_name = a.text("area_name")?;
        let period = a.text("period")?;
        let amount = a.integers("amount_pence")?;
        let aformula = a.text("formula")?;
        let share = a.required_floats("share")?;
        let basis = a.text("basis")?;
        let bound = a.text("bound")?;
        let matched = a.opt_integers("match_pence")?;
        Ok((0..a.len())
            .map(|i| Allocation {
                fund: fund[i].clone(),
                area_id: area_id[i].clone(),
                area_name: area_name[i].clone(),
                period: period[i].clone(),
                amount: Pence(amount[i]),
                formula: aformula[i].clone(),
                share: share[i],
                basis: basis[i].clone(),
                bound: bound[i].clone(),
                match_amount: matched[i].map(Pence),
            })
            .collect())
    }
}

/// `DfE: 150000000; EEF: 200000000` to its parts.
fn parse_funders(
    t: &CsvTable,
    row: usize,
    text: &str,
) -> Result<Vec<(String, Pence)>, BundleError> {
    if text.is_empty() {
        return Ok(Vec::new());
    }
    text.split("; ")
        .map(|part| {
            part.rsplit_once(": ")
                .and_then(|(n, p)| p.parse::<i64>().ok().map(|p| (n.to_string(), Pence(p))))
                .ok_or_else(|| BundleError::BadCell {
                    path: t.path.clone(),
                    line: row + 2,
                    column: "funders".into(),
                    text: part.chars().take(60).collect(),
                    expected: "`name: pence`",
                })
        })
        .collect()
}
