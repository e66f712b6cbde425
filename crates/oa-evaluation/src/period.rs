//! Periods as governments publish them, on one ordered scale.
//!
//! The same school year is written `201516` (DfE's statistics service), `2015/16`,
//! `2015-16` or `2015/2016`; a calendar year is `2016`; a day is an ISO date `2016-03-31`.
//! [`Period::parse`] reads all of them; equal periods compare equal whatever the spelling,
//! and [`Period`]'s `Display` writes one form back (`2015/16`, `2016`, `2016-03-31`).
//!
//! Periods are ordered by the day they start, then the day they end, so a school year
//! (September to August) sorts before the calendar year it ends in. A panel must use one
//! kind of period (see [`crate::panel`]): `2016` next to `2015/16` is ambiguous (the DfE's
//! local authority tool writes `2016` for the school year 2015/16), so it is refused rather
//! than guessed.

use std::cmp::Ordering;
use std::fmt;

/// What a period spans.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeriodKind {
    /// A calendar year, `2016`.
    Year,
    /// A year that starts in one calendar year and ends in the next: a school year
    /// (September to August) or a financial year, `2015/16`.
    SpanYear,
    /// A day, `2016-03-31`.
    Date,
}

impl PeriodKind {
    /// Words for messages: "calendar years", "school or financial years", "dates".
    pub fn describe(self) -> &'static str {
        match self {
            PeriodKind::Year => "calendar years such as `2016`",
            PeriodKind::SpanYear => "school or financial years such as `2015/16`",
            PeriodKind::Date => "dates such as `2016-03-31`",
        }
    }
}

/// One period: a calendar year, a school (or financial) year, or a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    kind: PeriodKind,
    /// The (first) calendar year.
    year: i32,
    /// Month and day for a date; 0 otherwise.
    month: u8,
    day: u8,
}

/// Why a period does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not a period: {reason}; write a year (`2016`), a school or financial year (`2015/16`, `2015-16`, `201516`) or a date (`2016-03-31`)"
)]
pub struct PeriodError {
    pub text: String,
    pub reason: &'static str,
}

/// Years outside this range are refused: they are typing mistakes, not data.
const FIRST_YEAR: i32 = 1000;
const LAST_YEAR: i32 = 9998;

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

fn digits(s: &str) -> Option<i32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

impl Period {
    /// The calendar year `year`.
    pub fn year(year: i32) -> Period {
        Period {
            kind: PeriodKind::Year,
            year,
            month: 0,
            day: 0,
        }
    }

    /// The school (or financial) year starting in `first_year`: `span_year(2015)` is 2015/16.
    pub fn span_year(first_year: i32) -> Period {
        Period {
            kind: PeriodKind::SpanYear,
            year: first_year,
            month: 0,
            day: 0,
        }
    }

    /// A day; `None` when it does not exist.
    pub fn date(year: i32, month: u8, day: u8) -> Option<Period> {
        (day >= 1 && day <= days_in_month(year, month)).then_some(Period {
            kind: PeriodKind::Date,
            year,
            month,
            day,
        })
    }

    pub fn kind(&self) -> PeriodKind {
        self.kind
    }

    /// The (first) calendar year of the period.
    pub fn first_year(&self) -> i32 {
        self.year
    }

    /// The first day, as `yyyymmdd`: a school year starts on 1 September.
    fn start(&self) -> i64 {
        let y = self.year as i64 * 10_000;
        match self.kind {
            PeriodKind::Year => y + 101,
            PeriodKind::SpanYear => y + 901,
            PeriodKind::Date => y + self.month as i64 * 100 + self.day as i64,
        }
    }

    /// The last day, as `yyyymmdd`.
    fn end(&self) -> i64 {
        let y = self.year as i64 * 10_000;
        match self.kind {
            PeriodKind::Year => y + 1231,
            PeriodKind::SpanYear => y + 10_000 + 831,
            PeriodKind::Date => self.start(),
        }
    }

    /// Reads a period as published. Surrounding spaces are ignored; a spreadsheet number
    /// such as `201516.0` reads as `201516`.
    pub fn parse(text: &str) -> Result<Period, PeriodError> {
        let t = text.trim();
        let err = |reason: &'static str| PeriodError {
            text: text.to_string(),
            reason,
        };
        if t.is_empty() {
            return Err(err("the cell is empty"));
        }
        let t = t.strip_suffix(".0").unwrap_or(t);
        let in_range = |y: i32| (FIRST_YEAR..=LAST_YEAR).contains(&y);
        // `2016`, `201516`
        if let Some(n) = digits(t) {
            return match t.len() {
                4 if in_range(n) => Ok(Period::year(n)),
                6 => {
                    let (first, second) = (n / 100, n % 100);
                    if !in_range(first) {
                        Err(err("the year is out of range"))
                    } else if (first + 1) % 100 != second {
                        Err(err("the second year must follow the first (`201516`)"))
                    } else {
                        Ok(Period::span_year(first))
                    }
                }
                8 => {
                    let (y, m, d) = (n / 10_000, (n / 100 % 100) as u8, (n % 100) as u8);
                    if !in_range(y) {
                        Err(err("the year is out of range"))
                    } else {
                        Period::date(y, m, d).ok_or_else(|| err("there is no such day"))
                    }
                }
                4 => Err(err("the year is out of range")),
                _ => Err(err("a number of 4, 6 or 8 digits was expected")),
            };
        }
        // `2015/16`, `2015-16`, `2015/2016`, `2015-2016`, `2016-03-31`
        let sep = if t.contains('/') { '/' } else { '-' };
        let parts: Vec<&str> = t.split(sep).collect();
        match parts.as_slice() {
            [a, b] if a.len() == 4 && (b.len() == 2 || b.len() == 4) => {
                let (Some(first), Some(second)) = (digits(a), digits(b)) else {
                    return Err(err("expected digits on both sides"));
                };
                if !in_range(first) {
                    return Err(err("the year is out of range"));
                }
                let follows = if b.len() == 2 {
                    (first + 1) % 100 == second
                } else {
                    first + 1 == second
                };
                if follows {
                    Ok(Period::span_year(first))
                } else {
                    Err(err("the second year must follow the first (`2015/16`)"))
                }
            }
            [y, m, d] if sep == '-' && y.len() == 4 && m.len() == 2 && d.len() == 2 => {
                let (Some(y), Some(m), Some(d)) = (digits(y), digits(m), digits(d)) else {
                    return Err(err("a date is `yyyy-mm-dd`"));
                };
                if !in_range(y) {
                    return Err(err("the year is out of range"));
                }
                Period::date(y, m as u8, d as u8).ok_or_else(|| err("there is no such day"))
            }
            _ => Err(err("the form is not recognised")),
        }
    }

    /// The compact code the DfE's statistics service uses (`201516`), or the year or ISO date.
    pub fn code(&self) -> String {
        match self.kind {
            PeriodKind::Year => format!("{}", self.year),
            PeriodKind::SpanYear => {
                format!("{}{:02}", self.year, (self.year + 1).rem_euclid(100))
            }
            PeriodKind::Date => format!("{}{:02}{:02}", self.year, self.month, self.day),
        }
    }
}

impl Ord for Period {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.start(), self.end(), self.kind).cmp(&(other.start(), other.end(), other.kind))
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Period {
    /// `2015/16`, `2016`, `2016-03-31`: the form shown to people.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PeriodKind::Year => write!(f, "{}", self.year),
            PeriodKind::SpanYear => {
                write!(f, "{}/{:02}", self.year, (self.year + 1).rem_euclid(100))
            }
            PeriodKind::Date => write!(f, "{}-{:02}-{:02}", self.year, self.month, self.day),
        }
    }
}

impl std::str::FromStr for Period {
    type Err = PeriodError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Period::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_published_spelling_of_a_school_year_is_one_period() {
        let want = Period::span_year(2015);
        for s in [
            "201516",
            "2015/16",
            "2015-16",
            "2015/2016",
            "2015-2016",
            " 2015/16 ",
            "201516.0",
        ] {
            assert_eq!(Period::parse(s).unwrap(), want, "{s}");
        }
        assert_eq!(want.to_string(), "2015/16");
        assert_eq!(want.code(), "201516");
        assert_eq!(Period::parse("1999/00").unwrap().to_string(), "1999/00");
        assert_eq!(Period::parse("199900").unwrap(), Period::span_year(1999));
    }

    #[test]
    fn years_and_dates() {
        assert_eq!(Period::parse("2016").unwrap(), Period::year(2016));
        assert_eq!(
            Period::parse("2016-03-31").unwrap(),
            Period::date(2016, 3, 31).unwrap()
        );
        assert_eq!(Period::parse("20160331").unwrap().to_string(), "2016-03-31");
        assert_eq!(
            Period::parse("2016-02-29").unwrap().to_string(),
            "2016-02-29"
        );
    }

    #[test]
    fn bad_periods_say_why() {
        for (s, why) in [
            ("", "empty"),
            ("2015/17", "must follow"),
            ("201517", "must follow"),
            ("2015-02-30", "no such day"),
            ("2017-02-29", "no such day"),
            ("16", "4, 6 or 8 digits"),
            ("FY2016", "not recognised"),
            ("2015/1x", "digits"),
            ("0999", "out of range"),
        ] {
            let e = Period::parse(s).unwrap_err();
            assert!(e.to_string().contains(why), "{s}: {e}");
            assert!(e.to_string().contains("2015/16"), "{e}");
        }
    }

    #[test]
    fn a_school_year_sorts_before_the_calendar_year_it_ends_in() {
        let sy = Period::span_year(2015);
        assert!(sy < Period::year(2016));
        assert!(Period::year(2015) < sy);
        assert!(Period::date(2015, 8, 31).unwrap() < sy);
        assert!(sy < Period::date(2015, 9, 2).unwrap());
    }

    fn any_period() -> impl Strategy<Value = Period> {
        prop_oneof![
            (1900i32..2100).prop_map(Period::year),
            (1900i32..2100).prop_map(Period::span_year),
            (1900i32..2100, 1u8..=12, 1u8..=28)
                .prop_map(|(y, m, d)| Period::date(y, m, d).unwrap()),
        ]
    }

    proptest! {
        /// What is shown reads back as the same period, and so does the compact code.
        #[test]
        fn display_and_code_round_trip(p in any_period()) {
            prop_assert_eq!(Period::parse(&p.to_string()).unwrap(), p);
            prop_assert_eq!(Period::parse(&p.code()).unwrap(), p);
        }

        /// All spellings of a school year agree, and order follows the first year.
        #[test]
        fn spellings_agree_and_order_follows_years(y in 1900i32..2100, z in 1900i32..2100) {
            let forms = [
                format!("{y}{:02}", (y + 1) % 100),
                format!("{y}/{:02}", (y + 1) % 100),
                format!("{y}-{:02}", (y + 1) % 100),
                format!("{y}/{}", y + 1),
            ];
            for f in &forms {
                prop_assert_eq!(Period::parse(f).unwrap(), Period::span_year(y));
            }
            prop_assert_eq!(Period::span_year(y).cmp(&Period::span_year(z)), y.cmp(&z));
            prop_assert_eq!(Period::year(y).cmp(&Period::year(z)), y.cmp(&z));
        }

        /// Parsing never panics, whatever the text.
        #[test]
        fn parse_never_panics(s in "\\PC{0,12}") {
            let _ = Period::parse(&s);
        }

        /// The order is total and consistent with equality.
        #[test]
        fn order_is_consistent(a in any_period(), b in any_period()) {
            prop_assert_eq!(a.cmp(&b) == Ordering::Equal, a == b);
            prop_assert_eq!(a.cmp(&b), b.cmp(&a).reverse());
        }
    }
}
