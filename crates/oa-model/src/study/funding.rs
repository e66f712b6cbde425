//! The `[[funds]]` section (owned by the funding work): funds and allocation formulas.
//!
//! A fund has a total (the headline), optional funders whose parts must add up to it,
//! periods with a yearly profile, and a formula that shares it among areas: equal shares,
//! proportional to a measure, a fixed amount per area, published fixed amounts, or none
//! (money that is not allocated by formula, such as priority access to a national fund).
//! Amounts are written as pounds (`72000000`) or strings such as `"£72m"`, `"£200k"`,
//! `"£1,970,000"`, and held as exact [`Pence`].

use crate::Pence;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::{BTreeMap, BTreeSet};

/// A fund and how it is allocated.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fund {
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// The fund's total (the published headline).
    pub total: Money,
    /// Who pays: their parts must add up to the total.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub funders: Vec<Funder>,
    /// Periods (e.g. financial years) with a profile; default one period `all`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub periods: Vec<Period>,
    pub formula: Formula,
    /// No area gets less (proportional formulas).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<Money>,
    /// No area gets more (proportional formulas).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Money>,
    /// The areas funded (area ids); default: the areas the selection chose.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<String>,
    /// The fund as first announced for fewer areas, re-scaled "proportionately".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rescaled_from: Option<Rescale>,
    /// Each area must find this much per pound it receives (match funding), e.g. 0.5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_ratio: Option<f64>,
    /// A note shown in `allocations.md` (sources, caveats).
    #[serde(default)]
    pub note: String,
}

/// One payer's part of a fund.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Funder {
    pub name: String,
    pub amount: Money,
}

/// A period of a fund and its weight in the profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
    pub id: String,
    /// Relative weight of the period (default 1: an even profile).
    #[serde(default = "one")]
    pub weight: f64,
}

fn one() -> f64 {
    1.0
}

/// The fund as first announced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rescale {
    pub total: Money,
    pub areas: usize,
}

/// How a fund is shared among areas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Formula {
    /// Equal shares.
    Equal,
    /// In proportion to a selection measure (e.g. `population`) or `need`.
    Proportional { measure: String },
    /// The same amount for every area (e.g. £200k per research school).
    PerArea { amount: Money },
    /// Published amounts per area id.
    Fixed { amounts: BTreeMap<String, Money> },
    /// Not allocated by formula (say why in `note`).
    None,
}

impl Formula {
    pub fn name(&self) -> &'static str {
        match self {
            Formula::Equal => "equal",
            Formula::Proportional { .. } => "proportional",
            Formula::PerArea { .. } => "per_area",
            Formula::Fixed { .. } => "fixed",
            Formula::None => "none",
        }
    }
}

impl Fund {
    /// Checks what serde cannot; returns (key, message) on error.
    pub fn validate(&self, study: &super::Study) -> Result<(), (String, String)> {
        let err = |k: &str, m: String| Err((k.to_string(), m));
        if !super::is_identifier(&self.id) {
            return err("id", "use letters, digits and underscores".into());
        }
        if self.total.0 <= Pence::ZERO {
            return err(
                "total",
                format!("a fund's total must be above zero (got {})", self.total.0),
            );
        }
        if !self.funders.is_empty() {
            for (i, f) in self.funders.iter().enumerate() {
                if f.amount.0 <= Pence::ZERO {
                    return err(
                        &format!("funders[{i}].amount"),
                        format!("{}'s part must be above zero", f.name),
                    );
                }
            }
            let parts: Pence = self.funders.iter().map(|f| f.amount.0).sum();
            if parts != self.total.0 {
                return err(
                    "funders",
                    format!(
                        "the funders' parts add up to {parts}, not the total {}; fix a part or the total",
                        self.total.0
                    ),
                );
            }
        }
        let mut period_ids = BTreeSet::new();
        for (i, p) in self.periods.iter().enumerate() {
            if !period_ids.insert(p.id.as_str()) {
                return err(
                    &format!("periods[{i}].id"),
                    format!("period `{}` is declared twice", p.id),
                );
            }
            if !p.weight.is_finite() || p.weight < 0.0 {
                return err(
                    &format!("periods[{i}].weight"),
                    format!("weight {} must be a finite number >= 0", p.weight),
                );
            }
        }
        if !self.periods.is_empty() && self.periods.iter().all(|p| p.weight == 0.0) {
            return err(
                "periods",
                "at least one period needs a weight above 0".into(),
            );
        }
        for (k, m) in [("floor", &self.floor), ("cap", &self.cap)] {
            if let Some(m) = m
                && m.0 < Pence::ZERO
            {
                return err(k, format!("{k} must not be negative"));
            }
        }
        if let (Some(f), Some(c)) = (&self.floor, &self.cap)
            && f.0 > c.0
        {
            return err("floor", format!("floor {} is above cap {}", f.0, c.0));
        }
        match &self.formula {
            Formula::PerArea { amount } if amount.0 <= Pence::ZERO => {
                return err(
                    "formula.amount",
                    "the amount per area must be above zero".into(),
                );
            }
            Formula::Fixed { amounts } => {
                for (a, m) in amounts {
                    if m.0 < Pence::ZERO {
                        return err(
                            &format!("formula.amounts.{a}"),
                            "an amount must not be negative".into(),
                        );
                    }
                }
                let sum: Pence = amounts.values().map(|m| m.0).sum();
                if sum > self.total.0 {
                    return err(
                        "formula.amounts",
                        format!(
                            "the fixed amounts add up to {sum}, more than the fund's total {}",
                            self.total.0
                        ),
                    );
                }
            }
            Formula::Proportional { measure } => {
                let known = measure == "need"
                    || study
                        .selection
                        .as_ref()
                        .is_some_and(|s| s.measures.iter().any(|m| &m.id == measure));
                if !known {
                    return err(
                        "formula.measure",
                        format!(
                            "unknown measure `{measure}`; use `need` or a [[selection.measures]] id"
                        ),
                    );
                }
            }
            _ => {}
        }
        if let Some(r) = &self.match_ratio
            && (!r.is_finite() || *r < 0.0)
        {
            return err("match_ratio", format!("{r} must be a finite number >= 0"));
        }
        if let Some(r) = &self.rescaled_from
            && (r.areas == 0 || r.total.0 <= Pence::ZERO)
        {
            return err(
                "rescaled_from",
                "give the first total (above zero) and its number of areas (at least 1)".into(),
            );
        }
        if self.areas.is_empty() && study.selection.is_none() {
            return err(
                "areas",
                "list the funded areas, or declare a [selection] to fund the areas it chooses"
                    .into(),
            );
        }
        Ok(())
    }
}

/// An amount of money written in a study: pounds as an integer, or a string such as
/// `"£72m"`, `"£1.5m"`, `"£200k"`, `"£1,970,000"`, `"£0.21m"` (exact to the penny).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Money(pub Pence);

impl Money {
    /// Parses `£72m`, `1.5m`, `£200k`, `£1,970,000.50`; returns a message on error.
    pub fn parse(text: &str) -> Result<Money, String> {
        let bad = || {
            format!(
                "`{text}` is not an amount: write pounds such as \"£72m\", \"£200k\" or \"£1,970,000\""
            )
        };
        let mut s: String = text
            .trim()
            .trim_start_matches('£')
            .chars()
            .filter(|c| *c != ',' && *c != '_')
            .collect();
        let negative = s.starts_with('-');
        if negative {
            s.remove(0);
        }
        let multiplier: i128 = match s.chars().last() {
            Some('m') | Some('M') => 1_000_000,
            Some('k') | Some('K') => 1_000,
            Some('b') | Some('B') => 1_000_000_000,
            _ => 1,
        };
        if multiplier != 1 {
            s.pop();
        }
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, f),
            None => (s.as_str(), ""),
        };
        if whole.is_empty() && frac.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
            || frac.len() > 12
        {
            return Err(bad());
        }
        // pence = (whole + frac) * multiplier * 100, exactly.
        let scale = 10i128.pow(frac.len() as u32);
        let whole_v: i128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let frac_v: i128 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| bad())?
        };
        let numer = (whole_v * scale + frac_v) * multiplier * 100;
        if numer % scale != 0 {
            return Err(format!("`{text}` is not a whole number of pence"));
        }
        let pence = numer / scale;
        let pence = i64::try_from(pence).map_err(|_| bad())?;
        Ok(Money(Pence(if negative { -pence } else { pence })))
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Text(String),
        }
        match Raw::deserialize(d).map_err(|_| {
            serde::de::Error::custom(
                "an amount is pounds as a whole number or a string such as \"£72m\"",
            )
        })? {
            Raw::Int(p) => p
                .checked_mul(100)
                .map(|p| Money(Pence(p)))
                .ok_or_else(|| serde::de::Error::custom("amount too large")),
            Raw::Text(t) => Money::parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_money_exactly() {
        assert_eq!(
            Money::parse("£72m").unwrap().0,
            Pence::from_pounds(72_000_000)
        );
        assert_eq!(
            Money::parse("£1.5m").unwrap().0,
            Pence::from_pounds(1_500_000)
        );
        assert_eq!(
            Money::parse("£0.21m").unwrap().0,
            Pence::from_pounds(210_000)
        );
        assert_eq!(
            Money::parse("£200k").unwrap().0,
            Pence::from_pounds(200_000)
        );
        assert_eq!(
            Money::parse("£1,970,000").unwrap().0,
            Pence::from_pounds(1_970_000)
        );
        assert_eq!(Money::parse("12.34").unwrap().0, Pence(1234));
        assert!(Money::parse("£1.234").is_err());
        assert!(Money::parse("lots").is_err());
        assert!(Money::parse("£").is_err());
    }

    #[test]
    fn money_round_trips_through_display() {
        for p in [0, 5, 123_456_789, 7_200_000_000] {
            let m = Money(Pence(p));
            let back = Money::parse(&m.0.to_string()).unwrap();
            assert_eq!(back, m);
        }
    }
}
