//! Numbers as governments write them: `29,199`, ` 12.5 `, `12.5%`, `29199.00`, and the
//! markers that stand for suppressed or missing values (`c`, `x`, `z`, `..`, `:`, `NA`,
//! `-`, empty, and the bracketed `[c]`, `[x]`, `[z]`, `[low]` of newer GSS tables).
//!
//! The parser works on a borrowed `&str` and never allocates: thousands separators are
//! removed into a small stack buffer only when present.

/// Markers read as missing in every source (compared after trimming surrounding spaces).
/// The empty string is the first marker.
pub const STANDARD_MISSING_MARKERS: &[&str] = &[
    "", "c", "x", "z", "..", ":", "NA", "-", "[c]", "[x]", "[z]", "[low]", "[u]", "[w]",
];

/// The value of a cell: a finite number, or missing (the index says which marker: first
/// the [`STANDARD_MISSING_MARKERS`], then the source's own markers in order).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CellValue {
    Number(f64),
    Missing(usize),
}

/// Why a cell is not a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberError {
    /// Text that is not a number and not a missing marker.
    NotANumber,
    /// `NaN`, `inf`, or a number too large for `f64`.
    NotFinite,
    /// A comma in a number of a file whose decimal mark is unknown (semicolon-separated
    /// files are often written with decimal commas): `1,5` could be 1.5 or 15.
    AmbiguousComma,
}

/// How numbers written as text mark their decimals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecimalMark {
    /// `1,234.5`: a point, commas grouping thousands.
    #[default]
    Point,
    /// `1.234,5` or `1 234,5`: a comma, points or spaces grouping thousands.
    Comma,
    /// Not declared in a file where a comma could be either (semicolon-separated): a
    /// number with a comma is refused as ambiguous; one without reads as with `Point`.
    Unknown,
}

/// The name of a missing marker for reports: `(empty)` for the empty string.
pub fn marker_name(index: usize, extra: &[String]) -> String {
    let name = STANDARD_MISSING_MARKERS
        .get(index)
        .copied()
        .or_else(|| {
            extra
                .get(index - STANDARD_MISSING_MARKERS.len())
                .map(String::as_str)
        })
        .unwrap_or("?");
    if name.is_empty() {
        "(empty)".to_string()
    } else {
        name.to_string()
    }
}

/// Trims the spaces published files put around values (including no-break spaces).
pub fn trim_cell(text: &str) -> &str {
    let b = text.as_bytes();
    let plain = |c: &u8| c.is_ascii_graphic();
    // Fast path: most cells start and end with a visible ASCII character.
    if b.first().is_none_or(plain) && b.last().is_none_or(plain) {
        return text;
    }
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

/// Reads one cell: a missing marker (standard or `extra`) or a finite number.
pub fn parse_cell(text: &str, extra: &[String]) -> Result<CellValue, NumberError> {
    parse_cell_as(text, extra, DecimalMark::Point)
}

/// As [`parse_cell`], with numbers read by `mark`.
#[inline]
pub fn parse_cell_as(
    text: &str,
    extra: &[String],
    mark: DecimalMark,
) -> Result<CellValue, NumberError> {
    // Most cells of a published table are plain numbers: read them before any trimming
    // or marker search. No standard marker is one; a source with markers of its own
    // (which could be) skips the shortcut.
    if extra.is_empty()
        && let Some(v) = plain_number(text.as_bytes(), mark)
    {
        return Ok(CellValue::Number(v));
    }
    parse_cell_in_full(text, extra, mark)
}

/// The reading of any cell: trimmed, then the markers, then a number as published. Kept
/// out of line so that the plain-number path above stays small where it is inlined.
#[inline(never)]
fn parse_cell_in_full(
    text: &str,
    extra: &[String],
    mark: DecimalMark,
) -> Result<CellValue, NumberError> {
    let t = trim_cell(text);
    if let Some(i) = extra.iter().position(|m| trim_cell(m) == t) {
        return Ok(CellValue::Missing(STANDARD_MISSING_MARKERS.len() + i));
    }
    // No standard marker starts with a digit: most cells skip the marker search.
    if !t.as_bytes().first().is_some_and(u8::is_ascii_digit)
        && let Some(i) = STANDARD_MISSING_MARKERS.iter().position(|m| *m == t)
    {
        return Ok(CellValue::Missing(i));
    }
    parse_number_as(t, mark).map(CellValue::Number)
}

/// As [`parse_number`], with the decimal mark given.
pub fn parse_number_as(text: &str, mark: DecimalMark) -> Result<f64, NumberError> {
    match mark {
        DecimalMark::Point => parse_number(text),
        DecimalMark::Unknown => {
            let t = trim_cell(text);
            if t.contains(',')
                && (parse_number(t).is_ok() || parse_number_as(t, DecimalMark::Comma).is_ok())
            {
                Err(NumberError::AmbiguousComma)
            } else {
                parse_number(t)
            }
        }
        DecimalMark::Comma => {
            let t = trim_cell(text);
            // `1.234,5` / `1 234,5` -> `1,234.5`, then the point parser's checks apply
            // (groups of three, one decimal mark).
            if t.matches(',').count() > 1 {
                return Err(NumberError::NotANumber);
            }
            let mut swapped = String::with_capacity(t.len());
            for c in t.chars() {
                match c {
                    ',' => swapped.push('.'),
                    '.' | ' ' | '\u{a0}' | '\u{202f}' => swapped.push(','),
                    other => swapped.push(other),
                }
            }
            parse_number(&swapped)
        }
    }
}

/// Parses a finite number written as published: optional sign, thousands separators in
/// groups of three (`1,234,567.5`), a trailing `%` (kept in percentage points: `12.5%` is
/// 12.5), a leading `£`, `$` or `€`, surrounding spaces, exponents (`1e-3`).
pub fn parse_number(text: &str) -> Result<f64, NumberError> {
    let t = trim_cell(text);
    if t.is_empty() {
        return Err(NumberError::NotANumber);
    }
    if let Some(v) = plain_number(t.as_bytes(), DecimalMark::Point) {
        return Ok(v);
    }
    if let Ok(v) = t.parse::<f64>() {
        return finite(v, t);
    }
    let mut s = t;
    if let Some(rest) = s.strip_suffix('%') {
        s = trim_cell(rest);
    }
    let (negative, unsigned) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let unsigned = unsigned
        .strip_prefix('£')
        .or_else(|| unsigned.strip_prefix('$'))
        .or_else(|| unsigned.strip_prefix('€'))
        .unwrap_or(unsigned);
    let mut buf = [0u8; 96];
    let mut len = 0;
    if negative {
        buf[0] = b'-';
        len = 1;
    }
    let bytes = unsigned.as_bytes();
    let int_end = bytes
        .iter()
        .position(|b| matches!(b, b'.' | b'e' | b'E'))
        .unwrap_or(bytes.len());
    let (int_part, rest) = bytes.split_at(int_end);
    if int_part.contains(&b',') && !valid_grouping(int_part) {
        return Err(NumberError::NotANumber);
    }
    for &b in int_part.iter().filter(|&&b| b != b',').chain(rest) {
        if len == buf.len() {
            return Err(NumberError::NotANumber);
        }
        buf[len] = b;
        len += 1;
    }
    let cleaned = std::str::from_utf8(&buf[..len]).map_err(|_| NumberError::NotANumber)?;
    // Only digits may remain in the integer part: refuse `in,f` and the like.
    let digits_only = cleaned
        .trim_start_matches('-')
        .bytes()
        .take_while(|b| !matches!(b, b'.' | b'e' | b'E'))
        .all(|b| b.is_ascii_digit());
    if !digits_only {
        return Err(NumberError::NotANumber);
    }
    match cleaned.parse::<f64>() {
        Ok(v) => finite(v, cleaned),
        Err(_) => Err(NumberError::NotANumber),
    }
}

/// `-?[0-9]+(\.[0-9]+)?` with at most 15 digits (counts, ranks and scores, the commonest
/// cells of a published table), read without the general float parser: the digits as an
/// integer are below 2^53 and 10^decimals at most 10^15, both exact in an `f64`, so the
/// one division rounds correctly and gives the float parser's value to the last bit.
/// With a decimal comma a point groups thousands, so only whole numbers are read here.
#[inline]
fn plain_number(text: &[u8], mark: DecimalMark) -> Option<f64> {
    const POWERS: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let (negative, body) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    // 15 digits and a point at most.
    if body.is_empty() || body.len() > 16 {
        return None;
    }
    let mut value = 0u64;
    let mut point = None;
    for (i, &b) in body.iter().enumerate() {
        match b {
            b'0'..=b'9' => value = value * 10 + u64::from(b - b'0'),
            b'.' if point.is_none()
                && i > 0
                && i + 1 < body.len()
                && mark != DecimalMark::Comma =>
            {
                point = Some(i);
            }
            _ => return None,
        }
    }
    let decimals = point.map_or(0, |p| body.len() - p - 1);
    if body.len() - usize::from(point.is_some()) > 15 {
        return None;
    }
    let v = if decimals == 0 {
        value as f64
    } else {
        value as f64 / POWERS[decimals]
    };
    Some(if negative { -v } else { v })
}

fn finite(v: f64, text: &str) -> Result<f64, NumberError> {
    if v.is_finite() {
        Ok(v)
    } else if text.bytes().any(|b| b.is_ascii_digit()) || is_non_finite_word(text) {
        Err(NumberError::NotFinite)
    } else {
        Err(NumberError::NotANumber)
    }
}

fn is_non_finite_word(text: &str) -> bool {
    let t = text.trim_start_matches(['+', '-']).to_ascii_lowercase();
    matches!(t.as_str(), "nan" | "inf" | "infinity")
}

/// `1,234,567`: a first group of 1 to 3 digits, then groups of exactly 3.
fn valid_grouping(int_part: &[u8]) -> bool {
    let mut groups = int_part.split(|&b| b == b',');
    let first = groups.next().unwrap_or(&[]);
    if first.is_empty() || first.len() > 3 || !first.iter().all(u8::is_ascii_digit) {
        return false;
    }
    groups.all(|g| g.len() == 3 && g.iter().all(u8::is_ascii_digit))
}

/// Writes `value` with thousands separators the way published tables do (`1,234,567.5`);
/// used by tests and by anyone producing such files.
pub fn format_with_thousands(value: f64) -> String {
    let plain = format!("{value}");
    let (sign, unsigned) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain.as_str()),
    };
    let (int_part, frac) = match unsigned.find('.') {
        Some(i) => unsigned.split_at(i),
        None => (unsigned, ""),
    };
    let mut grouped = String::with_capacity(int_part.len() + int_part.len() / 3 + 1);
    for (i, c) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}{frac}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A cell's reading with numbers as bits, so that `-0` and `0` differ.
    fn bits(r: Result<CellValue, NumberError>) -> Result<Option<u64>, NumberError> {
        r.map(|c| match c {
            CellValue::Number(v) => Some(v.to_bits()),
            CellValue::Missing(_) => None,
        })
    }

    #[test]
    fn a_source_marker_that_looks_like_a_number_is_a_marker() {
        let extra = vec!["-999".to_string(), "0".to_string()];
        assert_eq!(
            parse_cell_as("-999", &extra, DecimalMark::Point),
            Ok(CellValue::Missing(STANDARD_MISSING_MARKERS.len()))
        );
        assert_eq!(
            parse_cell_as("0", &extra, DecimalMark::Point),
            Ok(CellValue::Missing(STANDARD_MISSING_MARKERS.len() + 1))
        );
        assert_eq!(
            parse_cell_as("-998", &extra, DecimalMark::Point),
            Ok(CellValue::Number(-998.0))
        );
    }

    #[test]
    fn plain_numbers_at_the_edges_of_the_shortcut() {
        // With a decimal comma a point groups thousands: `1.5` is not a number.
        assert_eq!(
            parse_cell_as("1.5", &[], DecimalMark::Comma),
            Err(NumberError::NotANumber)
        );
        assert_eq!(
            bits(parse_cell_as("-0", &[], DecimalMark::Point)),
            Ok(Some((-0.0f64).to_bits()))
        );
        // A point needs digits on both sides to take the shortcut; the full reading
        // still reads `1.` and `.5`, and refuses a point alone.
        for (text, value) in [("1.", 1.0), (".5", 0.5), ("007", 7.0)] {
            assert_eq!(
                parse_cell_as(text, &[], DecimalMark::Point),
                Ok(CellValue::Number(value))
            );
        }
        assert_eq!(plain_number(b"1.", DecimalMark::Point), None);
        assert_eq!(plain_number(b".5", DecimalMark::Point), None);
        assert_eq!(
            parse_cell_as(".", &[], DecimalMark::Point),
            Err(NumberError::NotANumber)
        );
        // 15 digits take the shortcut, 16 do not (the float parser reads them).
        assert_eq!(
            plain_number(b"123456789.012345", DecimalMark::Point),
            Some(123456789.012345)
        );
        assert_eq!(plain_number(b"1234567890123456", DecimalMark::Point), None);
    }

    #[test]
    fn published_spellings_parse() {
        assert_eq!(parse_number("29,199"), Ok(29199.0));
        assert_eq!(parse_number("1,234,567.25"), Ok(1234567.25));
        assert_eq!(parse_number("29199.00"), Ok(29199.0));
        assert_eq!(parse_number("  42 "), Ok(42.0));
        assert_eq!(parse_number("\u{a0}7\u{a0}"), Ok(7.0));
        assert_eq!(parse_number("12.5%"), Ok(12.5));
        assert_eq!(parse_number("-1,000"), Ok(-1000.0));
        assert_eq!(parse_number("£1,250"), Ok(1250.0));
        assert_eq!(parse_number("1e-3"), Ok(0.001));
        assert_eq!(parse_number(".5"), Ok(0.5));
    }

    #[test]
    fn bad_numbers_are_refused() {
        for bad in [
            "1,23", "12,3456", ",123", "1,,234", "abc", "1.2.3", "in,f", "12a", "%",
        ] {
            assert_eq!(parse_number(bad), Err(NumberError::NotANumber), "{bad}");
        }
        for nonfinite in ["NaN", "inf", "-inf", "Infinity", "1e400", "-1e999"] {
            assert_eq!(
                parse_number(nonfinite),
                Err(NumberError::NotFinite),
                "{nonfinite}"
            );
        }
    }

    #[test]
    fn markers_are_missing_and_say_which() {
        for m in ["c", "x", "z", "..", ":", "NA", "-", "", "  ", "[c]", " x "] {
            assert!(
                matches!(parse_cell(m, &[]), Ok(CellValue::Missing(_))),
                "{m:?}"
            );
        }
        let extra = vec!["n/a".to_string(), "*".to_string()];
        assert_eq!(
            parse_cell("*", &extra),
            Ok(CellValue::Missing(STANDARD_MISSING_MARKERS.len() + 1))
        );
        assert_eq!(marker_name(0, &extra), "(empty)");
        assert_eq!(marker_name(6, &extra), "NA");
        assert_eq!(marker_name(STANDARD_MISSING_MARKERS.len(), &extra), "n/a");
        assert_eq!(parse_cell("n/a", &[]), Err(NumberError::NotANumber));
        assert_eq!(parse_cell("3", &extra), Ok(CellValue::Number(3.0)));
    }

    #[test]
    fn thousands_formatting_matches_published_style() {
        assert_eq!(format_with_thousands(29199.0), "29,199");
        assert_eq!(format_with_thousands(-1234567.5), "-1,234,567.5");
        assert_eq!(format_with_thousands(999.0), "999");
        assert_eq!(format_with_thousands(0.25), "0.25");
    }

    #[test]
    fn decimal_commas_and_ambiguous_commas() {
        assert_eq!(parse_number_as("12,5", DecimalMark::Comma), Ok(12.5));
        assert_eq!(parse_number_as("1.234,5", DecimalMark::Comma), Ok(1234.5));
        assert_eq!(
            parse_number_as("1 234 567,25", DecimalMark::Comma),
            Ok(1234567.25)
        );
        assert_eq!(parse_number_as("-0,5%", DecimalMark::Comma), Ok(-0.5));
        assert_eq!(parse_number_as("7", DecimalMark::Comma), Ok(7.0));
        for bad in ["1,2,3", "1.23,4", "12.5.6", "a,b"] {
            assert_eq!(
                parse_number_as(bad, DecimalMark::Comma),
                Err(NumberError::NotANumber),
                "{bad}"
            );
        }
        assert_eq!(
            parse_number_as("1,234", DecimalMark::Unknown),
            Err(NumberError::AmbiguousComma)
        );
        assert_eq!(parse_number_as("89.8", DecimalMark::Unknown), Ok(89.8));
        assert_eq!(
            parse_cell_as("12,5", &[], DecimalMark::Comma),
            Ok(CellValue::Number(12.5))
        );
        assert_eq!(
            parse_cell_as("x", &[], DecimalMark::Comma),
            Ok(CellValue::Missing(2))
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// A number written with a decimal comma and point-grouped thousands reads back
        /// exactly.
        #[test]
        fn decimal_comma_numbers_round_trip(v in -1.0e12f64..1.0e12) {
            let text = format_with_thousands(v)
                .replace(',', "_")
                .replace('.', ",")
                .replace('_', ".");
            prop_assert_eq!(parse_number_as(&text, DecimalMark::Comma), Ok(v));
        }

        #[test]
        fn decimal_comma_parser_never_panics(s in "[-+ ,.0-9eE%£\u{a0}]{0,30}") {
            if let Ok(v) = parse_number_as(&s, DecimalMark::Comma) {
                prop_assert!(v.is_finite());
            }
            let _ = parse_number_as(&s, DecimalMark::Unknown);
        }

        #[test]
        fn thousands_separated_numbers_round_trip(v in -1.0e15f64..1.0e15) {
            let text = format_with_thousands(v);
            prop_assert_eq!(parse_number(&text), Ok(v));
        }

        #[test]
        fn integers_round_trip_with_padding_and_percent(v in any::<i32>(), pad in 0usize..3) {
            let text = format!("{}{}%{}", " ".repeat(pad), format_with_thousands(f64::from(v)), " ".repeat(pad));
            prop_assert_eq!(parse_number(&text), Ok(f64::from(v)));
        }

        #[test]
        fn plain_shortest_formatting_round_trips(v in any::<f64>().prop_filter("finite", |v| v.is_finite())) {
            prop_assert_eq!(parse_number(&format!("{v}")), Ok(v));
            prop_assert_eq!(parse_number(&format!("{v:e}")), Ok(v));
        }

        #[test]
        fn never_panics_and_only_returns_finite(s in "\\PC{0,40}") {
            if let Ok(v) = parse_number(&s) {
                prop_assert!(v.is_finite());
            }
            let _ = parse_cell(&s, &[]);
        }

        /// Plain numbers, with leading zeros and up to 17 digits on each side of the
        /// point (past the shortcut's 15 in all), read exactly as the standard library's
        /// float parser reads them.
        #[test]
        fn plain_numbers_read_as_the_float_parser_does(
            s in "-?[0-9]{1,17}(\\.[0-9]{1,17})?",
        ) {
            let expected: f64 = s.parse().expect("a number");
            for mark in [DecimalMark::Point, DecimalMark::Unknown] {
                let got = parse_cell_as(&s, &[], mark);
                prop_assert_eq!(bits(got), Ok(Some(expected.to_bits())), "{:?}", mark);
            }
        }

        /// Whatever the shortcut accepts, the float parser reads to the same bits, and
        /// with a decimal comma it accepts no point. (With the other marks the full
        /// reading below takes the same shortcut, so this is the test of what it accepts.)
        #[test]
        fn the_plain_number_shortcut_accepts_only_what_the_float_parser_reads_alike(
            s in prop_oneof!["[-+ ,.0-9eE%x]{0,20}", "[-.0-9]{0,8}"],
        ) {
            for mark in [DecimalMark::Point, DecimalMark::Comma, DecimalMark::Unknown] {
                if let Some(v) = plain_number(s.as_bytes(), mark) {
                    let parsed: Result<f64, _> = s.parse();
                    prop_assert_eq!(parsed.map(f64::to_bits), Ok(v.to_bits()), "{:?}", mark);
                    prop_assert!(mark != DecimalMark::Comma || !s.contains('.'));
                }
            }
        }

        /// The shortcut for plain numbers in `parse_cell_as` never changes what a cell
        /// reads as, with any decimal mark.
        #[test]
        fn the_plain_number_shortcut_agrees_with_the_full_reading(
            s in prop_oneof!["[-+ ,.0-9eE%x]{0,20}", "[-.0-9]{0,8}"],
        ) {
            for mark in [DecimalMark::Point, DecimalMark::Comma, DecimalMark::Unknown] {
                prop_assert_eq!(
                    bits(parse_cell_as(&s, &[], mark)),
                    bits(parse_cell_in_full(&s, &[], mark)),
                    "{:?}", mark
                );
            }
        }

        /// Digit strings, with leading zeros and up to 20 digits (past the shortcut's
        /// 15), read exactly as the standard library's float parser reads them.
        #[test]
        fn whole_numbers_read_as_the_float_parser_does(s in "[0-9]{1,20}") {
            let expected: f64 = s.parse().expect("digits");
            prop_assert_eq!(parse_number(&s).map(f64::to_bits), Ok(expected.to_bits()));
        }

        #[test]
        fn never_panics_on_number_like_strings(s in "[-+ ,.0-9eE%£]{0,30}") {
            if let Ok(v) = parse_number(&s) {
                prop_assert!(v.is_finite());
            }
        }
    }
}
