//! Field-level rules: types, required fields, money, dates, periods and the fixed
//! vocabularies (member roles, priority themes, ...). Pure functions over JSON values.

use crate::error::FieldError;
use oa_store::{ColType, Column, Kind, Record, Table};
use serde_json::Value;

/// The largest amount of money accepted (£10 trillion in pence): sums of many amounts
/// then stay far inside 64-bit integers.
pub const MAX_PENCE: i64 = 1_000_000_000_000_000;

/// The longest comment text, in characters: a board member's note, not a document.
pub const MAX_COMMENT_CHARS: usize = 2000;

/// The longest free text (descriptions, notes, reasons, sources), in characters.
pub const MAX_LONG_TEXT_CHARS: usize = 2000;

/// The longest short text (names, titles, codes, labels), in characters.
pub const MAX_SHORT_TEXT_CHARS: usize = 200;

/// The most districts an area may list.
pub const MAX_DISTRICTS: usize = 100;

/// The largest magnitude of a KPI figure or a commitment's target: far beyond any count
/// or rate a programme reports, and small enough that charts and sums stay exact.
pub const MAX_MAGNITUDE: f64 = 1e12;

/// The largest count (beneficiaries, schools reached, participants).
pub const MAX_COUNT: i64 = 1_000_000_000;

/// The longest text allowed in `column` of `kind`.
pub fn max_chars(kind: Kind, column: &str) -> usize {
    match (kind, column) {
        (Kind::Comment, "body") => MAX_COMMENT_CHARS,
        (_, "description" | "note" | "reason" | "source" | "purpose" | "body") => {
            MAX_LONG_TEXT_CHARS
        }
        _ => MAX_SHORT_TEXT_CHARS,
    }
}

/// Whether a KPI's unit is a percentage (its values then lie in 0-100 unless the KPI sets
/// its own `min_value`/`max_value`).
pub fn is_percentage(unit: &str) -> bool {
    let u = unit.trim().to_ascii_lowercase();
    matches!(
        u.as_str(),
        "%" | "percent" | "per cent" | "percentage" | "% of pupils" | "percentage points"
    ) || u.starts_with('%')
}

/// The range a KPI's figures must lie in: its own `min_value`/`max_value` when set, else
/// 0 to 100 for a percentage, else ±[`MAX_MAGNITUDE`].
pub fn kpi_range(kpi: &Record) -> (f64, f64) {
    let unit = kpi.get("unit").and_then(Value::as_str).unwrap_or("");
    let (lo, hi) = if is_percentage(unit) {
        (0.0, 100.0)
    } else {
        (-MAX_MAGNITUDE, MAX_MAGNITUDE)
    };
    let min = kpi.get("min_value").and_then(Value::as_f64).unwrap_or(lo);
    let max = kpi.get("max_value").and_then(Value::as_f64).unwrap_or(hi);
    (min, max)
}

/// `field`'s value, if it is outside `range`, as an error naming the range and where it
/// comes from.
pub fn check_in_range(
    field: &str,
    value: Option<f64>,
    (lo, hi): (f64, f64),
    kpi_unit: &str,
    errors: &mut Vec<FieldError>,
) {
    let Some(v) = value else { return };
    if !(lo..=hi).contains(&v) {
        let why = if is_percentage(kpi_unit) && (lo, hi) == (0.0, 100.0) {
            " (the KPI is a percentage; set its min_value and max_value if it can go beyond)"
                .to_string()
        } else {
            " (the KPI's min_value and max_value)".to_string()
        };
        errors.push(FieldError::new(
            field,
            format!("{v} is outside {lo} to {hi}{why}: check the figure and its unit"),
        ));
    }
}

/// Partnership board member roles.
pub const MEMBER_ROLES: [&str; 8] = [
    "chair",
    "school_leader",
    "employer",
    "council",
    "early_years",
    "further_higher_education",
    "young_people",
    "national_partner",
];

/// Delivery plan priority themes.
pub const THEMES: [&str; 7] = [
    "early_years",
    "teaching_and_leadership",
    "literacy_and_numeracy",
    "access_to_university",
    "technical_pathways",
    "careers_and_employer_links",
    "wellbeing",
];

/// The programme's national partners.
pub const NATIONAL_PARTNERS: [&str; 5] = [
    "Careers and Enterprise Company",
    "CBI",
    "Federation of Small Businesses",
    "National Citizen Service",
    "Education Endowment Foundation",
];

pub const ACTIVITY_KINDS: [&str; 4] = ["training", "resources", "event", "school_support"];
pub const DIRECTIONS: [&str; 2] = ["higher_is_better", "lower_is_better"];
pub const PERIOD_KINDS: [&str; 2] = ["academic", "financial"];
pub const PARTNER_SCOPES: [&str; 2] = ["national", "local"];

/// The fixed vocabulary of a column, if it has one.
pub fn vocabulary(kind: Kind, column: &str) -> Option<&'static [&'static str]> {
    Some(match (kind, column) {
        (Kind::Member, "role") => &MEMBER_ROLES,
        (Kind::Priority, "theme") => &THEMES,
        (Kind::Partner, "scope") => &PARTNER_SCOPES,
        (Kind::Kpi, "period_kind") => &PERIOD_KINDS,
        (Kind::Kpi, "direction") => &DIRECTIONS,
        (Kind::ResearchActivity, "kind") => &ACTIVITY_KINDS,
        _ => return None,
    })
}

/// Academic (`2019/20`) or financial (`2019-20`) year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    Academic,
    Financial,
}

impl PeriodKind {
    pub fn parse(s: &str) -> Option<PeriodKind> {
        match s {
            "academic" => Some(PeriodKind::Academic),
            "financial" => Some(PeriodKind::Financial),
            _ => None,
        }
    }

    pub fn example(self) -> &'static str {
        match self {
            PeriodKind::Academic => "2019/20",
            PeriodKind::Financial => "2019-20",
        }
    }
}

/// A year period: its kind and the calendar year it starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub kind: PeriodKind,
    pub start_year: i32,
}

/// Parses `2019/20` (academic) or `2019-20` (financial); the second part must be the
/// year after the first.
pub fn parse_period(s: &str) -> Option<Period> {
    let (kind, sep) = if s.contains('/') {
        (PeriodKind::Academic, '/')
    } else {
        (PeriodKind::Financial, '-')
    };
    let (a, b) = s.split_once(sep)?;
    if a.len() != 4 || b.len() != 2 || !a.bytes().chain(b.bytes()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let start: i32 = a.parse().ok()?;
    let end: i32 = b.parse().ok()?;
    ((start + 1) % 100 == end).then_some(Period {
        kind,
        start_year: start,
    })
}

/// `YYYY-MM-DD`, a real date.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let (Ok(y), Ok(m), Ok(d)) = (
        s[0..4].parse::<i32>(),
        s[5..7].parse::<u8>(),
        s[8..10].parse::<u8>(),
    ) else {
        return false;
    };
    time::Month::try_from(m)
        .ok()
        .and_then(|m| time::Date::from_calendar_date(y, m, d).ok())
        .is_some()
}

/// `YYYY-MM`.
pub fn is_month(s: &str) -> bool {
    s.len() == 7 && is_date(&format!("{s}-01"))
}

/// Columns the client may not set: the server assigns them.
pub fn server_managed(kind: Kind, column: &str) -> bool {
    matches!(
        (kind, column),
        (Kind::Plan, "version")
            | (Kind::PlanVersion, _)
            | (Kind::Comment, "author_id" | "created_at")
            | (Kind::KpiValue, "draft")
    )
}

/// Columns inherited from the parent record (the client may repeat them, but they must
/// match).
pub fn inherited(table: &Table, column: &str) -> bool {
    let Some((parent_col, _)) = table.parent else {
        return false;
    };
    if column == parent_col {
        return false;
    }
    match column {
        "programme_id" => true,
        // An allocation's area is chosen, not inherited from its fund; a partner's and a
        // commitment's area is optional.
        "area_id" => !matches!(
            table.kind,
            Kind::Allocation | Kind::Partner | Kind::Commitment
        ),
        _ => false,
    }
}

/// Checks one value against its column: type, then the rules its name implies.
pub fn check_value(kind: Kind, c: &Column, v: &Value, errors: &mut Vec<FieldError>) {
    let name = c.name;
    let mut err = |m: String| errors.push(FieldError::new(name, m));
    if v.is_null() {
        if !c.nullable {
            err("must not be null".into());
        }
        return;
    }
    match c.ty {
        ColType::Int => {
            let Some(n) = v.as_i64() else {
                err(format!("must be a whole number, got {v}"));
                return;
            };
            if name.ends_with("_pence") && n < 0 {
                err(format!(
                    "must not be negative (got {n}): give the amount in pence as a whole number of 0 or more"
                ));
            }
            if name.ends_with("_pence") && n > MAX_PENCE {
                err(format!(
                    "{n} pence is more than £10 trillion: give the amount in pence, not a larger unit"
                ));
            }
            if matches!(name, "beneficiaries" | "schools_reached" | "participants")
                && !(0..=MAX_COUNT).contains(&n)
            {
                err(format!("must be a count from 0 to {MAX_COUNT}, got {n}"));
            }
            if name == "wave" && !(1..=9).contains(&n) {
                err(format!("must be a wave number from 1 to 9, got {n}"));
            }
        }
        ColType::Real => match v.as_f64() {
            Some(x) if x.is_finite() && x.abs() <= MAX_MAGNITUDE => {}
            Some(x) => err(format!(
                "{x} is too large: give a number between -{MAX_MAGNITUDE:e} and {MAX_MAGNITUDE:e}"
            )),
            None => err(format!("must be a number, got {v}")),
        },
        ColType::Bool => {
            if !v.is_boolean() {
                err(format!("must be true or false, got {v}"));
            }
        }
        ColType::Text => {
            let Some(s) = v.as_str() else {
                err(format!("must be a string, got {v}"));
                return;
            };
            if !c.nullable && s.trim().is_empty() {
                err("must not be empty".into());
                return;
            }
            let limit = max_chars(kind, name);
            let chars = s.chars().count();
            if chars > limit {
                err(format!(
                    "is {chars} characters long: shorten it to {limit} characters or fewer"
                ));
                return;
            }
            if (name.ends_with("_on") || name.starts_with("term_")) && !is_date(s) {
                err(format!(
                    "`{s}` is not a date: use YYYY-MM-DD, e.g. 2017-10-01"
                ));
            }
            if name == "month" && !is_month(s) {
                err(format!("`{s}` is not a month: use YYYY-MM, e.g. 2018-09"));
            }
            if (name == "period" || name.ends_with("_period")) && parse_period(s).is_none() {
                err(format!(
                    "`{s}` is not a year period: use an academic year such as 2019/20 or a financial year such as 2019-20"
                ));
            }
            if let Some(words) = vocabulary(kind, name)
                && !words.contains(&s)
            {
                err(format!("`{s}` is not one of: {}", words.join(", ")));
            }
        }
        ColType::Json => {
            if kind == Kind::Area && name == "districts" {
                check_districts(v, &mut err);
            }
        }
    }
}

fn check_districts(v: &Value, err: &mut impl FnMut(String)) {
    let Some(list) = v.as_array() else {
        err("must be a list of {\"code\", \"name\"} objects".into());
        return;
    };
    if list.is_empty() {
        err("must name at least one district, e.g. [{\"code\": \"E06000009\", \"name\": \"Blackpool\"}]".into());
    }
    if list.len() > MAX_DISTRICTS {
        err(format!(
            "lists {} districts: an area has at most {MAX_DISTRICTS}",
            list.len()
        ));
        return;
    }
    let short = |s: &str| s.chars().count() <= MAX_SHORT_TEXT_CHARS;
    for (i, d) in list.iter().enumerate() {
        let ok = d
            .get("code")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty() && short(s))
            && d.get("name").and_then(Value::as_str).is_some_and(short)
            && d.as_object().is_some_and(|o| o.len() == 2);
        if !ok {
            err(format!(
                "district {i} must be an object with exactly a string `code` and a string `name` (each at most {MAX_SHORT_TEXT_CHARS} characters)"
            ));
        }
    }
}

/// Checks an input object for a create (`existing == None`) or an update: unknown and
/// server-managed fields, then each given value. Returns the field errors.
pub fn check_input(kind: Kind, input: &Record, existing: Option<&Record>) -> Vec<FieldError> {
    let t = kind.table();
    let mut errors = Vec::new();
    for (key, v) in input {
        let Some(c) = t.column(key) else {
            let allowed: Vec<&str> = t
                .columns
                .iter()
                .map(|c| c.name)
                .filter(|n| !server_managed(kind, n))
                .collect();
            errors.push(FieldError::new(
                key.clone(),
                format!(
                    "unknown field for {} {}: remove it (fields: {})",
                    if t.singular.starts_with(['a', 'e', 'i', 'o', 'u']) {
                        "an"
                    } else {
                        "a"
                    },
                    t.singular,
                    allowed.join(", ")
                ),
            ));
            continue;
        };
        if server_managed(kind, key) {
            errors.push(FieldError::new(
                key.clone(),
                "is set by the server: remove it from the request",
            ));
            continue;
        }
        if let Some(old) = existing {
            let moving = t.parent.is_some_and(|(p, _)| p == key)
                || key == "area_id"
                || key == "programme_id";
            if moving && old.get(key) != Some(v) {
                errors.push(FieldError::new(
                    key.clone(),
                    format!(
                        "a {} cannot be moved to another parent: delete it and create it again there",
                        t.singular
                    ),
                ));
                continue;
            }
        }
        check_value(kind, c, v, &mut errors);
    }
    errors
}

/// Fields that are required but missing (after inheritance and server fields are set).
pub fn missing_required(kind: Kind, record: &Record) -> Vec<FieldError> {
    kind.table()
        .columns
        .iter()
        .filter(|c| !c.nullable && record.get(c.name).is_none_or(Value::is_null))
        .map(|c| FieldError::new(c.name, "is required"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn unknown_fields_are_named_with_the_right_article() {
        let mut input = Record::new();
        input.insert("naem".into(), serde_json::json!("x"));
        let e = check_input(Kind::Area, &input, None);
        assert!(
            e[0].message.starts_with("unknown field for an area:"),
            "{:?}",
            e[0].message
        );
        let e = check_input(Kind::Kpi, &input, None);
        assert!(
            e[0].message.starts_with("unknown field for a KPI"),
            "{:?}",
            e[0].message
        );
    }

    #[test]
    fn periods() {
        assert_eq!(
            parse_period("2019/20"),
            Some(Period {
                kind: PeriodKind::Academic,
                start_year: 2019
            })
        );
        assert_eq!(
            parse_period("1999-00"),
            Some(Period {
                kind: PeriodKind::Financial,
                start_year: 1999
            })
        );
        for bad in ["2019/21", "2019", "19/20", "2019/2020", "abcd/ef", "2019-2"] {
            assert_eq!(parse_period(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_and_months() {
        assert!(is_date("2016-02-29"));
        assert!(!is_date("2017-02-29"));
        assert!(!is_date("2017-2-01"));
        assert!(is_month("2018-09"));
        assert!(!is_month("2018-13"));
    }

    #[test]
    fn comments_are_limited_in_characters_not_bytes() {
        let check = |body: String| {
            let input = serde_json::json!({ "area_id": 1, "body": body });
            check_input(Kind::Comment, input.as_object().unwrap(), None)
        };
        // 2000 two-byte characters are fine; one more is named with the limit.
        assert!(check("é".repeat(MAX_COMMENT_CHARS)).is_empty());
        let errors = check("é".repeat(MAX_COMMENT_CHARS + 1));
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].field, "body");
        assert!(errors[0].message.contains("2001 characters"), "{errors:?}");
        let errors = check("  ".into());
        assert_eq!(errors[0].message, "must not be empty");
    }

    #[test]
    fn unknown_fields_and_negative_money_are_named() {
        let input = serde_json::json!({"amount_pence": -5, "colour": "red"});
        let errors = check_input(Kind::SpendReturn, input.as_object().unwrap(), None);
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"colour"), "{errors:?}");
        assert!(fields.contains(&"amount_pence"), "{errors:?}");
        let money = errors.iter().find(|e| e.field == "amount_pence").unwrap();
        assert!(money.message.contains("must not be negative"));
        let huge = serde_json::json!({"amount_pence": i64::MAX});
        let errors = check_input(Kind::Grant, huge.as_object().unwrap(), None);
        assert!(errors[0].message.contains("£10 trillion"), "{errors:?}");
    }

    proptest! {
        #[test]
        fn academic_periods_round_trip(y in 1990i32..2100) {
            let s = format!("{y}/{:02}", (y + 1) % 100);
            prop_assert_eq!(parse_period(&s).map(|p| p.start_year), Some(y));
            let f = format!("{y}-{:02}", (y + 1) % 100);
            prop_assert_eq!(parse_period(&f).map(|p| p.kind), Some(PeriodKind::Financial));
        }

        #[test]
        fn arbitrary_text_never_panics(s in ".{0,12}") {
            let _ = parse_period(&s);
            let _ = is_date(&s);
            let _ = is_month(&s);
        }
    }
}
