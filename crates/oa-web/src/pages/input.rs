//! What people type into the dashboard's forms, read the way they write it: `65%`,
//! `£12,500`, `2019/2020`, `20/11/2017`, `March 2019`; and dates shown the GOV.UK way
//! (`4 October 2016`). Pure functions, property-tested: none panics on any input.

use crate::domain::rules::{self, PeriodKind};

/// A number as typed: spaces, thousands commas, a leading `£` and a trailing `%` are
/// allowed (`65%`, `£12,500`, ` 1,234.5 `). `None` when it is not a finite number.
pub fn number(s: &str) -> Option<f64> {
    let t = s.trim();
    let t = t.strip_suffix('%').unwrap_or(t).trim_end();
    let t = t.strip_prefix('£').unwrap_or(t).trim_start();
    let t: String = t.chars().filter(|c| *c != ',' && *c != ' ').collect();
    if t.is_empty()
        || !t
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'+'))
    {
        return None;
    }
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// The year `s` names, written the KPI's way (`2019/20` academic, `2019-20` financial):
/// `2019/20`, `2019/2020`, `2019 to 2020` and `2019-20` are all read. `Err` says what to
/// type instead.
pub fn period(s: &str, kind: PeriodKind) -> Result<String, String> {
    let example = kind.example();
    let t = s.trim().to_ascii_lowercase();
    let t = t.replace(" to ", "/").replace(' ', "");
    let (sep, normal) = match kind {
        PeriodKind::Academic => ('/', '-'),
        PeriodKind::Financial => ('-', '/'),
    };
    let parts = t
        .split_once(sep)
        .or_else(|| t.split_once(normal))
        .filter(|(a, b)| a.len() == 4 && (b.len() == 2 || b.len() == 4));
    let what = match kind {
        PeriodKind::Academic => "an academic year",
        PeriodKind::Financial => "a financial year",
    };
    let Some((a, b)) = parts else {
        return Err(format!("Enter the year as {what}, like {example}"));
    };
    let (Ok(start), Ok(end)) = (a.parse::<i32>(), b.parse::<i32>()) else {
        return Err(format!("Enter the year as {what}, like {example}"));
    };
    let end_two = end % 100;
    if (start + 1) % 100 != end_two || (b.len() == 4 && end != start + 1) {
        return Err(format!(
            "Enter two years in a row, like {example}: the second year comes straight after the first"
        ));
    }
    let written = format!("{start}{sep}{end_two:02}");
    match rules::parse_period(&written) {
        Some(_) => Ok(written),
        None => Err(format!("Enter the year as {what}, like {example}")),
    }
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// A month's number from its name or its first three letters.
fn month_number(name: &str) -> Option<u8> {
    let n = name.trim().trim_end_matches('.').to_ascii_lowercase();
    if n.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| m.starts_with(&n) && (n.len() == 3 || *m == n))
        .map(|i| i as u8 + 1)
}

/// A date as typed, as `YYYY-MM-DD`: `2017-11-20`, `20/11/2017`, `20-11-2017`, `20 11 2017`,
/// `20 November 2017`, `20 Nov 2017`. `None` when it is not a real date.
pub fn date(s: &str) -> Option<String> {
    let t = s.trim();
    if rules::is_date(t) {
        return Some(t.to_string());
    }
    let parts: Vec<&str> = t
        .split(|c: char| c == '/' || c == '-' || c == '.' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    let [d, m, y] = parts.as_slice() else {
        return None;
    };
    let day: u8 = d.parse().ok()?;
    let month: u8 = m.parse().ok().or_else(|| month_number(m))?;
    if y.len() != 4 {
        return None;
    }
    let year: i32 = y.parse().ok()?;
    let iso = format!("{year:04}-{month:02}-{day:02}");
    rules::is_date(&iso).then_some(iso)
}

/// A date from the GOV.UK date input's three boxes (day, month, year): `Ok(None)` when
/// all are empty, else the date as `YYYY-MM-DD` or what is wrong, in words that start with
/// `what` ("Date published must include a year"). A month may be a name ("Nov").
pub fn date_parts(
    day: &str,
    month: &str,
    year: &str,
    what: &str,
) -> Result<Option<String>, String> {
    let (d, m, y) = (day.trim(), month.trim(), year.trim());
    if d.is_empty() && m.is_empty() && y.is_empty() {
        return Ok(None);
    }
    let missing: Vec<&str> = [("day", d), ("month", m), ("year", y)]
        .iter()
        .filter(|(_, v)| v.is_empty())
        .map(|(n, _)| *n)
        .collect();
    match missing.as_slice() {
        [] => {}
        [one] => return Err(format!("{what} must include a {one}")),
        [a, b] => return Err(format!("{what} must include a {a} and {b}")),
        _ => return Err(format!("Enter the {}", what.to_lowercase())),
    }
    if y.len() != 4 {
        return Err(format!(
            "{what} must include a year with 4 numbers, like 2017"
        ));
    }
    date(&format!("{d} {m} {y}"))
        .map(Some)
        .ok_or_else(|| format!("{what} must be a real date"))
}

/// A month as typed, as `YYYY-MM`: `2019-03`, `03/2019`, `3/2019`, `March 2019`, `Mar 2019`.
pub fn month(s: &str) -> Option<String> {
    let t = s.trim();
    if rules::is_month(t) {
        return Some(t.to_string());
    }
    let parts: Vec<&str> = t
        .split(|c: char| c == '/' || c == '-' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    let [m, y] = parts.as_slice() else {
        return None;
    };
    let month: u8 = m.parse().ok().or_else(|| month_number(m))?;
    if y.len() != 4 {
        return None;
    }
    let year: i32 = y.parse().ok()?;
    let iso = format!("{year:04}-{month:02}");
    rules::is_month(&iso).then_some(iso)
}

/// `2016-10-04` (or an RFC 3339 time) as `4 October 2016`; other text as it is.
pub fn long_date(iso: &str) -> String {
    let day = iso.get(..10).unwrap_or(iso);
    if !rules::is_date(day) {
        return iso.to_string();
    }
    let (y, m, d) = (&day[0..4], &day[5..7], &day[8..10]);
    let month = m.parse::<usize>().ok().and_then(|m| MONTHS.get(m - 1));
    match (month, d.parse::<u8>()) {
        (Some(name), Ok(d)) => {
            let mut name = name.to_string();
            name[..1].make_ascii_uppercase();
            format!("{d} {name} {y}")
        }
        _ => iso.to_string(),
    }
}

/// `2018-09` as `September 2018`; other text as it is.
pub fn long_month(iso: &str) -> String {
    if !rules::is_month(iso) {
        return iso.to_string();
    }
    let month = iso[5..7]
        .parse::<usize>()
        .ok()
        .and_then(|m| MONTHS.get(m - 1));
    match month {
        Some(name) => {
            let mut name = name.to_string();
            name[..1].make_ascii_uppercase();
            format!("{name} {}", &iso[..4])
        }
        None => iso.to_string(),
    }
}

/// A message with its first letter in capitals (sentence case).
pub fn sentence(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_people_write_them() {
        assert_eq!(number("65%"), Some(65.0));
        assert_eq!(number(" 65 % "), Some(65.0));
        assert_eq!(number("£12,500"), Some(12500.0));
        assert_eq!(number("1,234.5"), Some(1234.5));
        assert_eq!(number("-5"), Some(-5.0));
        for bad in ["", "lots", "1e400", "NaN", "inf", "12..5", "%", "£"] {
            assert_eq!(number(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn periods_in_the_ways_they_are_written() {
        let a = PeriodKind::Academic;
        assert_eq!(period("2019/20", a).unwrap(), "2019/20");
        assert_eq!(period("2019/2020", a).unwrap(), "2019/20");
        assert_eq!(period("2019 to 2020", a).unwrap(), "2019/20");
        assert_eq!(period("2019-20", a).unwrap(), "2019/20");
        assert_eq!(period("1999/2000", a).unwrap(), "1999/00");
        assert_eq!(
            period("2019-2020", PeriodKind::Financial).unwrap(),
            "2019-20"
        );
        assert!(
            period("2019/21", a)
                .unwrap_err()
                .contains("two years in a row")
        );
        assert!(period("2019/2021", a).is_err());
        assert!(period("19/20", a).unwrap_err().contains("like 2019/20"));
        assert!(period("", a).is_err());
    }

    #[test]
    fn dates_and_months_as_typed() {
        assert_eq!(date("20/11/2017").as_deref(), Some("2017-11-20"));
        assert_eq!(date("2017-11-20").as_deref(), Some("2017-11-20"));
        assert_eq!(date("20 November 2017").as_deref(), Some("2017-11-20"));
        assert_eq!(date("20 nov 2017").as_deref(), Some("2017-11-20"));
        assert_eq!(date("4.10.2016").as_deref(), Some("2016-10-04"));
        assert_eq!(date("31/02/2017"), None);
        assert_eq!(date("20/11/17"), None);
        assert_eq!(date("20 Novem 2017"), None);
        assert_eq!(month("2019-03").as_deref(), Some("2019-03"));
        assert_eq!(month("3/2019").as_deref(), Some("2019-03"));
        assert_eq!(month("March 2019").as_deref(), Some("2019-03"));
        assert_eq!(month("13/2019"), None);
    }

    #[test]
    fn the_date_input_reads_three_boxes() {
        let w = "Date published";
        assert_eq!(
            date_parts("20", "11", "2017", w),
            Ok(Some("2017-11-20".into()))
        );
        assert_eq!(
            date_parts(" 4", "Oct", "2016", w),
            Ok(Some("2016-10-04".into()))
        );
        assert_eq!(date_parts("", "", "", w), Ok(None));
        assert_eq!(
            date_parts("20", "11", "", w),
            Err("Date published must include a year".into())
        );
        assert_eq!(
            date_parts("", "", "2017", w),
            Err("Date published must include a day and month".into())
        );
        assert_eq!(
            date_parts("31", "2", "2017", w),
            Err("Date published must be a real date".into())
        );
        assert!(
            date_parts("1", "1", "17", w)
                .unwrap_err()
                .contains("4 numbers")
        );
    }

    #[test]
    fn dates_read_the_gov_uk_way() {
        assert_eq!(long_date("2016-10-04"), "4 October 2016");
        assert_eq!(long_date("2026-11-27T05:30:12Z"), "27 November 2026");
        assert_eq!(long_date("soon"), "soon");
        assert_eq!(long_month("2018-09"), "September 2018");
        assert_eq!(sentence("enter the year"), "Enter the year");
    }

    proptest::proptest! {
        /// No input makes a reader panic, and what they accept is what the store's rules
        /// accept.
        #[test]
        fn readers_never_panic_and_agree_with_the_rules(s in "\\PC{0,24}|[0-9/ .%£,a-z-]{0,14}") {
            let _ = number(&s);
            if let Ok(p) = period(&s, PeriodKind::Academic) {
                proptest::prop_assert!(rules::parse_period(&p).is_some());
            }
            if let Some(d) = date(&s) {
                proptest::prop_assert!(rules::is_date(&d));
            }
            if let Some(m) = month(&s) {
                proptest::prop_assert!(rules::is_month(&m));
            }
            let _ = long_date(&s);
            let _ = long_month(&s);
            let _ = sentence(&s);
        }

        /// A number written with grouping, a pound sign or a percent sign reads back.
        #[test]
        fn written_numbers_read_back(v in 0u32..10_000_000, pct in proptest::bool::ANY) {
            let grouped = crate::pages::pounds(i64::from(v) * 100);
            proptest::prop_assert_eq!(number(&grouped), Some(f64::from(v)));
            let s = if pct { format!("{v}%") } else { format!("{v}") };
            proptest::prop_assert_eq!(number(&s), Some(f64::from(v)));
        }
    }
}
