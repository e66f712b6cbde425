//! Importing a results bundle's chosen areas (`selection.csv`) and their money
//! (`allocations.csv`) into a programme. Re-importing is safe: areas already present (by
//! code) and allocations already recorded (fund, area, period) are left as they are.

use super::create;
use crate::auth::Principal;
use crate::error::{ApiError, FieldError};
use oa_store::{AnyStore, Filter, Kind, PageRequest, Record, Store};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

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

/// A reader over an exported CSV file's rows (cells trimmed), and its header.
fn read_header<'a>(
    file: &str,
    text: &'a str,
) -> Result<(csv::Reader<&'a [u8]>, csv::StringRecord), FieldError> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| FieldError::new(file, format!("cannot read the header: {e}")))?
        .clone();
    Ok((reader, headers))
}

fn header_index(file: &str, headers: &csv::StringRecord, name: &str) -> Result<usize, FieldError> {
    headers.iter().position(|h| h.trim() == name).ok_or_else(|| {
        FieldError::new(
            file,
            format!(
                "has no `{name}` column (columns: {}): export the file with `oa run` or `oa select`",
                headers.iter().collect::<Vec<_>>().join(", ")
            ),
        )
    })
}

/// Reads the chosen areas (rows whose `selected` is true) from `selection.csv` text.
pub fn parse_selection(text: &str) -> Result<Vec<SelectedArea>, FieldError> {
    const FILE: &str = "selection.csv";
    let (mut reader, headers) = read_header(FILE, text)?;
    let id = header_index(FILE, &headers, "area_id")?;
    let name = header_index(FILE, &headers, "area_name")?;
    let districts = header_index(FILE, &headers, "districts")?;
    let selected = header_index(FILE, &headers, "selected")?;
    let wave = headers.iter().position(|h| h == "wave");
    let announced = headers.iter().position(|h| h == "announced");
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| FieldError::new(FILE, format!("line {line}: {e}")))?;
        let get = |c: usize| row.get(c).unwrap_or("").trim();
        let chosen = match get(selected).to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => true,
            "false" | "0" | "no" | "" => false,
            other => {
                return Err(FieldError::new(
                    FILE,
                    format!("line {line}, column selected: `{other}` is not true or false"),
                ));
            }
        };
        if !chosen {
            continue;
        }
        let code = get(id).to_string();
        if code.is_empty() {
            return Err(FieldError::new(
                FILE,
                format!("line {line}, column area_id: empty"),
            ));
        }
        let ds: Vec<String> = get(districts)
            .split([';', '|', ' '])
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if ds.is_empty() {
            return Err(FieldError::new(
                FILE,
                format!(
                    "line {line}, column districts: no district codes (separate several with `;`)"
                ),
            ));
        }
        let wave_text = wave.map(get).unwrap_or("");
        let digits: String = wave_text.chars().filter(char::is_ascii_digit).collect();
        let wave_no = if digits.is_empty() {
            1
        } else {
            digits.parse().unwrap_or(1)
        };
        let announced_on = announced
            .map(get)
            .filter(|s| !s.is_empty())
            .map(|s| {
                if s.len() == 7 {
                    format!("{s}-01")
                } else {
                    s.to_string()
                }
            })
            .filter(|s| super::rules::is_date(s));
        out.push(SelectedArea {
            code,
            name: get(name).to_string(),
            districts: ds,
            wave: wave_no,
            announced_on,
        });
    }
    Ok(out)
}

/// Reads `allocations.csv` text (`fund, area_id, area_name, period, amount_pence`).
pub fn parse_allocations(text: &str) -> Result<Vec<AllocationLine>, FieldError> {
    const FILE: &str = "allocations.csv";
    let (mut reader, headers) = read_header(FILE, text)?;
    let fund = header_index(FILE, &headers, "fund")?;
    let area = header_index(FILE, &headers, "area_id")?;
    let period = header_index(FILE, &headers, "period")?;
    let amount = header_index(FILE, &headers, "amount_pence")?;
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.map_err(|e| FieldError::new(FILE, format!("line {line}: {e}")))?;
        let get = |c: usize| row.get(c).unwrap_or("").trim();
        let pence: i64 = get(amount).parse().map_err(|_| {
            FieldError::new(
                FILE,
                format!(
                    "line {line}, column amount_pence: `{}` is not a whole number of pence",
                    get(amount)
                ),
            )
        })?;
        if pence < 0 {
            return Err(FieldError::new(
                FILE,
                format!("line {line}, column amount_pence: {pence} is negative"),
            ));
        }
        if get(period) == "all" {
            // `oa run` writes `all` for a fund declared without periods: a lump sum the
            // service cannot place in a financial year.
            return Err(FieldError::new(
                FILE,
                format!(
                    "line {line}, column period: fund `{}` has no periods (`all`); declare them in the study's [[funds]] (e.g. periods = [{{ id = \"2024-25\" }}]), run `oa allocate` again, then import",
                    get(fund)
                ),
            ));
        }
        if super::rules::parse_period(get(period)).is_none() {
            return Err(FieldError::new(
                FILE,
                format!(
                    "line {line}, column period: `{}` is not a year such as 2020-21 or 2020/21",
                    get(period)
                ),
            ));
        }
        out.push(AllocationLine {
            fund: get(fund).to_string(),
            area_code: get(area).to_string(),
            period: get(period).to_string(),
            amount_pence: pence,
        });
    }
    Ok(out)
}

async fn in_programme(
    store: &AnyStore,
    kind: Kind,
    programme_id: i64,
) -> Result<oa_store::Page<Record>, ApiError> {
    let filter = Filter {
        equals: vec![("programme_id", Value::from(programme_id))],
        area_in: None,
    };
    Ok(store.list(kind, &filter, PageRequest::ALL).await?)
}

/// Imports chosen areas and allocations into programme `programme_id` (admin only).
pub async fn import_bundle(
    store: &AnyStore,
    p: &Principal,
    programme_id: i64,
    selection_csv: &str,
    allocations_csv: Option<&str>,
) -> Result<ImportReport, ApiError> {
    super::access::check_write(p, Kind::Area, None)?;
    let areas = parse_selection(selection_csv).map_err(|e| ApiError::Invalid(vec![e]))?;
    let lines = allocations_csv
        .map(parse_allocations)
        .transpose()
        .map_err(|e| ApiError::Invalid(vec![e]))?
        .unwrap_or_default();
    let mut report = ImportReport::default();
    let mut by_code: BTreeMap<String, i64> = in_programme(store, Kind::Area, programme_id)
        .await?
        .items
        .iter()
        .map(|a| {
            (
                a["code"].as_str().unwrap_or("").to_string(),
                a["id"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    for a in &areas {
        if by_code.contains_key(&a.code) {
            report.areas_present += 1;
            continue;
        }
        let districts: Vec<Value> = a
            .districts
            .iter()
            .map(|d| json!({"code": d, "name": d}))
            .collect();
        let mut input = json!({
            "programme_id": programme_id, "code": a.code, "name": a.name,
            "districts": districts, "wave": a.wave, "published": false,
        });
        if let Some(on) = &a.announced_on {
            input["announced_on"] = Value::from(on.clone());
        }
        let created = create(store, p, Kind::Area, input).await?;
        by_code.insert(a.code.clone(), created["id"].as_i64().unwrap_or(0));
        report.areas_created += 1;
    }
    let mut funds: BTreeMap<String, Record> = in_programme(store, Kind::Fund, programme_id)
        .await?
        .items
        .into_iter()
        .map(|f| (f["name"].as_str().unwrap_or("").to_string(), f))
        .collect();
    let existing: Vec<Record> = in_programme(store, Kind::Allocation, programme_id)
        .await?
        .items;
    for (fund_name, total) in lines.iter().fold(BTreeMap::<&str, i64>::new(), |mut m, l| {
        *m.entry(l.fund.as_str()).or_default() += l.amount_pence;
        m
    }) {
        if !funds.contains_key(fund_name) {
            let f = create(
                store,
                p,
                Kind::Fund,
                json!({"programme_id": programme_id, "name": fund_name, "total_pence": total, "source": "imported from allocations.csv"}),
            )
            .await?;
            funds.insert(fund_name.to_string(), f);
            report.funds_created += 1;
        }
    }
    for (i, l) in lines.iter().enumerate() {
        let Some(area_id) = by_code.get(&l.area_code) else {
            return Err(ApiError::field(
                "allocations.csv",
                format!(
                    "line {}: area_id `{}` is not a chosen area of selection.csv or of the programme",
                    i + 2,
                    l.area_code
                ),
            ));
        };
        let fund_id = funds[&l.fund]["id"].as_i64().unwrap_or(0);
        let present = existing.iter().any(|e| {
            e["fund_id"].as_i64() == Some(fund_id)
                && e["area_id"].as_i64() == Some(*area_id)
                && e["period"].as_str() == Some(l.period.as_str())
        });
        if present {
            report.allocations_present += 1;
            continue;
        }
        create(
            store,
            p,
            Kind::Allocation,
            json!({"fund_id": fund_id, "area_id": area_id, "period": l.period, "amount_pence": l.amount_pence}),
        )
        .await?;
        report.allocations_created += 1;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_chosen_areas_only() {
        let text = "area_id,area_name,districts,selected,wave,announced,reason\n\
                    OA09,Fenland and East Cambridgeshire,E07000010;E07000009,true,2,2017-01,x\n\
                    X1,Elsewhere,E07000001,false,,,y\n";
        let areas = parse_selection(text).unwrap();
        assert_eq!(areas.len(), 1);
        assert_eq!(areas[0].districts, vec!["E07000010", "E07000009"]);
        assert_eq!(areas[0].wave, 2);
        assert_eq!(areas[0].announced_on.as_deref(), Some("2017-01-01"));
    }

    #[test]
    fn bad_lines_are_named() {
        let e = parse_selection("area_id,area_name,districts,selected\nA,B,C,maybe\n").unwrap_err();
        assert!(e.message.contains("line 2"), "{}", e.message);
        let e =
            parse_allocations("fund,area_id,area_name,period,amount_pence\ncore,A,B,2020-21,-5\n")
                .unwrap_err();
        assert!(e.message.contains("negative"), "{}", e.message);
        let e = parse_allocations(
            "fund,area_id,area_name,period,amount_pence\nprogramme,X1,A,all,100\n",
        )
        .unwrap_err();
        assert!(
            e.message.contains(
                "line 2, column period: fund `programme` has no periods (`all`); declare them"
            ),
            "{}",
            e.message
        );
        let e = parse_allocations("fund,area_id,period\n").unwrap_err();
        assert!(e.message.contains("amount_pence"), "{}", e.message);
    }
}
