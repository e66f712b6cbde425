//! Bundle files as `oa run` writes them (through `oa-bundle`), for import tests.

/// One row of `selection.csv`: (id, name, districts, selected, wave, announced).
pub type SelectionRow<'a> = (&'a str, &'a str, &'a [&'a str], bool, &'a str, &'a str);

/// `selection.csv` with these rows.
pub fn selection_csv(rows: &[SelectionRow]) -> String {
    let areas = rows
        .iter()
        .map(
            |(id, name, districts, selected, wave, announced)| oa_bundle::SelectedArea {
                area_id: id.to_string(),
                area_name: name.to_string(),
                districts: districts.iter().map(|d| d.to_string()).collect(),
                selected: *selected,
                wave: Some(wave.to_string()).filter(|w| !w.is_empty()),
                on_long_list: true,
                rank: 1,
                need: 1.0,
                reason: if *selected { "chosen" } else { "not chosen" }.into(),
                announced: Some(announced.to_string()).filter(|a| !a.is_empty()),
                region: String::new(),
                tags: Vec::new(),
                population: None,
                measure_ranks: Vec::new(),
                measure_values: Vec::new(),
            },
        )
        .collect();
    let s = oa_bundle::Selection {
        measures: Vec::new(),
        areas,
        markdown: String::new(),
    };
    oa_bundle::csv_text(&s.to_table())
}

/// `allocations.csv`: (fund, area id, period, pence).
pub fn allocations_csv(rows: &[(&str, &str, &str, i64)]) -> String {
    let allocations = rows
        .iter()
        .map(|(fund, area, period, pence)| oa_bundle::Allocation {
            fund: fund.to_string(),
            area_id: area.to_string(),
            area_name: area.to_string(),
            period: period.to_string(),
            amount: oa_model::Pence(*pence),
            formula: "fixed".into(),
            share: 0.5,
            basis: "published amount".into(),
            bound: String::new(),
            match_amount: None,
        })
        .collect();
    let f = oa_bundle::Funding {
        funds: Vec::new(),
        allocations,
        markdown: String::new(),
    };
    oa_bundle::csv_text(&f.allocations_table())
}
