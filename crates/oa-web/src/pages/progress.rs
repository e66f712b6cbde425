//! Progress at a glance, pure: whether a KPI is on track (its latest figure against the
//! straight path from baseline to target, in the KPI's direction) and how much money is
//! profiled to date (allocations of the financial years begun, the current one pro rata).

use crate::domain::rules::parse_period;

/// A KPI's standing, shown as a GOV.UK tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Status {
    OnTrack,
    Behind,
    NoData,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::OnTrack => "On track",
            Status::Behind => "Behind",
            Status::NoData => "No data",
        }
    }

    /// The GOV.UK tag colour.
    pub fn tag(self) -> &'static str {
        match self {
            Status::OnTrack => "govuk-tag--green",
            Status::Behind => "govuk-tag--red",
            Status::NoData => "govuk-tag--grey",
        }
    }
}

/// Where the path from `baseline` to `target` (each a start year and a value) is in year
/// `year`; before the baseline, the baseline; after the target, the target.
pub fn expected(baseline: (i32, f64), target: (i32, f64), year: i32) -> f64 {
    let (y0, v0) = baseline;
    let (y1, v1) = target;
    if y1 <= y0 || year <= y0 {
        return if year >= y1 { v1 } else { v0 };
    }
    if year >= y1 {
        return v1;
    }
    v0 + (v1 - v0) * f64::from(year - y0) / f64::from(y1 - y0)
}

/// A KPI's status from its baseline and target (period, value), its direction and its
/// latest figure after the baseline (period, value). No figure after the baseline, or no
/// baseline or target to measure against, is "No data".
pub fn kpi_status(
    baseline: Option<(&str, f64)>,
    target: Option<(&str, f64)>,
    higher_is_better: bool,
    latest: Option<(&str, f64)>,
) -> Status {
    let year = |p: &str| parse_period(p).map(|x| x.start_year);
    let (Some((bp, bv)), Some((tp, tv)), Some((lp, lv))) = (baseline, target, latest) else {
        return Status::NoData;
    };
    let (Some(by), Some(ty), Some(ly)) = (year(bp), year(tp), year(lp)) else {
        return Status::NoData;
    };
    if ly <= by || !lv.is_finite() {
        return Status::NoData;
    }
    let due = expected((by, bv), (ty, tv), ly);
    let ok = if higher_is_better {
        lv >= due
    } else {
        lv <= due
    };
    if ok { Status::OnTrack } else { Status::Behind }
}

/// The allocations profiled to `today` (year, month): a financial year `2019-20` runs
/// April 2019 to March 2020; years begun count whole once ended, the current one by the
/// months begun. `allocations` are (period, pence).
pub fn profiled_to_date(allocations: &[(String, i64)], today: (i32, u8)) -> i64 {
    let (y, m) = today;
    // Months of the financial year starting in April of `start` begun by `today`.
    let months_begun = |start: i32| -> i64 {
        let elapsed = (y - start) * 12 + i32::from(m) - 4 + 1;
        i64::from(elapsed.clamp(0, 12))
    };
    allocations
        .iter()
        .map(|(period, pence)| match parse_period(period) {
            Some(p) => {
                let months = months_begun(p.start_year);
                // Exact in pence: whole years in full, the current one rounded down.
                if months == 12 {
                    *pence
                } else {
                    (i128::from(*pence) * i128::from(months) / 12) as i64
                }
            }
            None => 0,
        })
        .fold(0i64, i64::saturating_add)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_runs_from_baseline_to_target() {
        assert_eq!(expected((2015, 48.0), (2020, 65.0), 2015), 48.0);
        assert_eq!(expected((2015, 48.0), (2020, 65.0), 2020), 65.0);
        assert!((expected((2015, 48.0), (2020, 65.0), 2016) - 51.4).abs() < 1e-9);
        assert_eq!(expected((2015, 48.0), (2020, 65.0), 2030), 65.0);
        assert_eq!(expected((2015, 48.0), (2015, 65.0), 2016), 65.0);
    }

    #[test]
    fn a_kpi_is_on_track_behind_or_without_data() {
        let b = Some(("2015/16", 48.0));
        let t = Some(("2020/21", 65.0));
        // Blackpool's published 62% in 2016/17 is above the 51.4 due that year.
        assert_eq!(
            kpi_status(b, t, true, Some(("2016/17", 62.0))),
            Status::OnTrack
        );
        assert_eq!(
            kpi_status(b, t, true, Some(("2016/17", 50.0))),
            Status::Behind
        );
        assert_eq!(
            kpi_status(b, t, false, Some(("2016/17", 50.0))),
            Status::OnTrack
        );
        assert_eq!(kpi_status(b, t, true, None), Status::NoData);
        assert_eq!(
            kpi_status(b, t, true, Some(("2015/16", 70.0))),
            Status::NoData
        );
        assert_eq!(
            kpi_status(None, t, true, Some(("2016/17", 62.0))),
            Status::NoData
        );
        assert_eq!(
            kpi_status(b, t, true, Some(("2016/17", f64::NAN))),
            Status::NoData
        );
    }

    #[test]
    fn money_is_profiled_by_the_months_of_each_year_begun() {
        let a = vec![
            ("2017-18".to_string(), 1_200),
            ("2018-19".to_string(), 2_400),
            ("2019-20".to_string(), 3_600),
        ];
        // Before April 2017 nothing is due; in May 2018 all of 2017-18 and 2 months of 2018-19.
        assert_eq!(profiled_to_date(&a, (2017, 3)), 0);
        assert_eq!(profiled_to_date(&a, (2017, 4)), 100);
        assert_eq!(profiled_to_date(&a, (2018, 5)), 1_200 + 400);
        assert_eq!(profiled_to_date(&a, (2026, 12)), 7_200);
        assert_eq!(profiled_to_date(&[("soon".into(), 5)], (2026, 1)), 0);
    }

    proptest::proptest! {
        /// The profile never exceeds the allocations and never falls as time passes.
        #[test]
        fn the_profile_grows_to_the_total(
            amounts in proptest::collection::vec((2010i32..2030, 0i64..1_000_000_000_000), 0..6),
            y in 2005i32..2040, m in 1u8..=12,
        ) {
            let a: Vec<(String, i64)> = amounts
                .iter()
                .map(|(s, p)| (format!("{s}-{:02}", (s + 1) % 100), *p))
                .collect();
            let total: i64 = a.iter().map(|x| x.1).sum();
            let now = profiled_to_date(&a, (y, m));
            let next = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
            proptest::prop_assert!((0..=total).contains(&now));
            proptest::prop_assert!(profiled_to_date(&a, next) >= now);
        }
    }
}
