//! Figures: how numbers from the bundle are printed, and the formulas that say where each
//! comes from.
//!
//! A formula (`src`) is evaluated on the bundle's files alone, so a reader (or a test) can
//! recompute every figure of a report without `oa`:
//!
//! | formula | value |
//! |---|---|
//! | `FILE[ROW].COLUMN` | the cell of a CSV table (`ROW` 1 = the first data row) |
//! | `rows(FILE)` | the number of data rows |
//! | `count(FILE,COLUMN,VALUE)` | rows whose `COLUMN` is `VALUE` (as text) |
//! | `sum(FILE,COLUMN)`, `sum(FILE,COLUMN,FILTER,VALUE)` | the sum of a numeric column (over rows whose `FILTER` is `VALUE`) |
//! | `manifest:/POINTER` | a value of `manifest.json` by JSON pointer (`/parameters/...` is the study with its defaults) |
//! | `len(manifest:/POINTER)` | the length of an array of the manifest |
//! | `A + B`, `A - B`, `A * B`, `A / B`, `( )`, numbers | arithmetic |
//!
//! Arguments hold no commas or parentheses (file, column and band names are identifiers).

use crate::model::{Fig, Value};
use oa_model::Pence;

/// `FILE[ROW].COLUMN` for the 0-based `index` of the file's data rows.
pub fn cell(file: &str, index: usize, column: &str) -> String {
    format!("{file}[{}].{column}", index + 1)
}

/// `rows(FILE)`.
pub fn rows(file: &str) -> String {
    format!("rows({file})")
}

/// `count(FILE,COLUMN,VALUE)`.
pub fn count_of(file: &str, column: &str, value: &str) -> String {
    format!("count({file},{column},{value})")
}

/// `sum(FILE,COLUMN)` or, with a filter, `sum(FILE,COLUMN,FILTER,VALUE)`.
pub fn sum_of(file: &str, column: &str, filter: Option<(&str, &str)>) -> String {
    match filter {
        Some((f, v)) => format!("sum({file},{column},{f},{v})"),
        None => format!("sum({file},{column})"),
    }
}

/// `manifest:/POINTER`, the pointer built from parts (escaped as JSON pointer wants).
pub fn manifest(parts: &[&str]) -> String {
    let mut s = String::from("manifest:");
    for p in parts {
        s.push('/');
        s.push_str(&p.replace('~', "~0").replace('/', "~1"));
    }
    s
}

/// `len(manifest:/POINTER)`.
pub fn manifest_len(parts: &[&str]) -> String {
    format!("len({})", manifest(parts))
}

/// Whole numbers with thousands separators: `32,844`.
pub fn group(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `x` to `dp` decimals with thousands separators and a true minus sign: `−1,234.5`.
pub fn decimal(x: f64, dp: usize) -> String {
    let text = format!("{:.*}", dp, x.abs());
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    let whole = whole
        .parse::<u64>()
        .map(group)
        .unwrap_or_else(|_| whole.to_string());
    let negative = x < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0');
    let sign = if negative { "\u{2212}" } else { "" };
    if frac.is_empty() {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{frac}")
    }
}

/// Decimals that show about four significant figures of the largest magnitude in
/// `values` (at least none, at most six).
pub fn decimals_for(values: impl IntoIterator<Item = f64>) -> usize {
    let largest = values
        .into_iter()
        .filter(|x| x.is_finite())
        .fold(0.0f64, |m, x| m.max(x.abs()));
    if largest == 0.0 {
        return 0;
    }
    let magnitude = largest.log10().floor() as i64;
    (3 - magnitude).clamp(0, 6) as usize
}

impl Fig {
    /// A count or rank.
    pub fn count(n: usize, src: String) -> Fig {
        Fig {
            text: group(n as u64),
            value: Value::Number(n as f64),
            src,
            mono: false,
        }
    }

    /// A measured number to `dp` decimals.
    pub fn number(x: f64, dp: usize, src: String) -> Fig {
        Fig {
            text: decimal(x, dp),
            value: Value::Number(x),
            src,
            mono: false,
        }
    }

    /// A parameter as the study gives it, in its shortest exact form (`0.225`).
    pub fn exact(x: f64, src: String) -> Fig {
        let text = if x.fract() == 0.0 && x.abs() < 1e15 {
            decimal(x, 0)
        } else {
            format!("{x}").replace('-', "\u{2212}")
        };
        Fig {
            text,
            value: Value::Number(x),
            src,
            mono: false,
        }
    }

    /// A share shown as a percentage to `dp` decimals (`0.2` is `20%`).
    pub fn percent(share: f64, dp: usize, src: String) -> Fig {
        Fig {
            text: format!("{}%", decimal(share * 100.0, dp)),
            value: Value::Number(share),
            src,
            mono: false,
        }
    }

    /// Money to the penny; the value is in pence.
    pub fn money(amount: Pence, src: String) -> Fig {
        Fig {
            text: amount.to_string().replace('-', "\u{2212}"),
            value: Value::Number(amount.pence() as f64),
            src,
            mono: false,
        }
    }

    /// Text that holds figures (a digest, a date, an amount as the study wrote it).
    pub fn text(text: impl Into<String>, src: String) -> Fig {
        let text = text.into();
        Fig {
            value: Value::Text(text.clone()),
            text,
            src,
            mono: false,
        }
    }
}

impl Fig {
    /// A year, printed without a thousands separator.
    pub fn year(mut self) -> Fig {
        if let Value::Number(x) = self.value {
            self.text = format!("{x}");
        }
        self
    }

    /// Set in a fixed-width font (a digest).
    pub fn digest(mut self) -> Fig {
        self.mono = true;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_as_a_statistical_release_prints_them() {
        assert_eq!(group(32_844), "32,844");
        assert_eq!(group(0), "0");
        assert_eq!(decimal(1234.5678, 2), "1,234.57");
        assert_eq!(decimal(-0.0004, 2), "0.00");
        assert_eq!(decimal(-3.25, 1), "\u{2212}3.2");
        assert_eq!(Fig::percent(0.2, 0, String::new()).text, "20%");
        assert_eq!(Fig::exact(0.225, String::new()).text, "0.225");
        assert_eq!(Fig::exact(1000.0, String::new()).text, "1,000");
        assert_eq!(
            Fig::money(Pence(197_000_000), String::new()).text,
            "£1,970,000.00"
        );
    }

    #[test]
    fn decimals_follow_the_magnitude() {
        assert_eq!(decimals_for([45.04, 3.1]), 2);
        assert_eq!(decimals_for([1.7317, 0.2]), 3);
        assert_eq!(decimals_for([32_844.0]), 0);
        assert_eq!(decimals_for([0.000_012]), 6);
        assert_eq!(decimals_for([f64::NAN]), 0);
    }

    #[test]
    fn pointers_are_escaped() {
        assert_eq!(
            manifest(&["inputs", "0", "sha256"]),
            "manifest:/inputs/0/sha256"
        );
        assert_eq!(manifest(&["a/b"]), "manifest:/a~1b");
    }
}
