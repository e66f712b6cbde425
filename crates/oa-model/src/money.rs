//! Money as exact integer pence: sums reconcile to the penny, never through floats.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};

/// An amount of money in pence (GBP minor units). Negative values are representable so
/// that differences (allocated minus headline) can be shown; validation rejects negative
/// totals where they make no sense.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Pence(pub i64);

impl Pence {
    pub const ZERO: Pence = Pence(0);

    /// Whole pounds to pence.
    pub const fn from_pounds(pounds: i64) -> Pence {
        Pence(pounds * 100)
    }

    pub const fn pence(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Pence) -> Option<Pence> {
        self.0.checked_add(other.0).map(Pence)
    }
}

impl Add for Pence {
    type Output = Pence;
    fn add(self, rhs: Pence) -> Pence {
        Pence(self.0 + rhs.0)
    }
}

impl AddAssign for Pence {
    fn add_assign(&mut self, rhs: Pence) {
        self.0 += rhs.0;
    }
}

impl Sub for Pence {
    type Output = Pence;
    fn sub(self, rhs: Pence) -> Pence {
        Pence(self.0 - rhs.0)
    }
}

impl Sum for Pence {
    fn sum<I: Iterator<Item = Pence>>(iter: I) -> Pence {
        Pence(iter.map(|p| p.0).sum())
    }
}

/// `£1,234,567.89` (with a leading minus sign when negative).
impl fmt::Display for Pence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let pounds = (abs / 100).to_string();
        let mut grouped = String::with_capacity(pounds.len() + pounds.len() / 3);
        for (i, ch) in pounds.chars().enumerate() {
            if i > 0 && (pounds.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        write!(f, "{sign}£{grouped}.{:02}", abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_with_grouping_and_pence() {
        assert_eq!(Pence(1_759_000_000).to_string(), "£17,590,000.00");
        assert_eq!(Pence(5).to_string(), "£0.05");
        assert_eq!(Pence(-41_000_000).to_string(), "-£410,000.00");
        assert_eq!(Pence::from_pounds(999).to_string(), "£999.00");
    }

    #[test]
    fn sums_exactly() {
        let parts = [Pence(1), Pence(2), Pence(3)];
        assert_eq!(parts.iter().copied().sum::<Pence>(), Pence(6));
    }
}
