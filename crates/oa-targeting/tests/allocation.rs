//! Allocations are exact: every fund's lines add up to what it allocates, never more than
//! the fund, and floors and caps hold.

use oa_model::Pence;
use oa_model::study::funding::{Formula, Fund, Funder, Money, Period, Rescale};
use oa_targeting::allocate::{FundedArea, allocate, bounded_shares, largest_remainder};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn fund(total: i64, formula: Formula) -> Fund {
    Fund {
        id: "f".into(),
        name: "Fund".into(),
        total: Money(Pence(total)),
        funders: vec![],
        periods: vec![],
        formula,
        floor: None,
        cap: None,
        areas: vec![],
        rescaled_from: None,
        match_ratio: None,
        note: String::new(),
    }
}

fn areas(measures: &[Option<f64>]) -> Vec<FundedArea> {
    measures
        .iter()
        .enumerate()
        .map(|(i, m)| FundedArea {
            id: format!("A{i:03}"),
            name: format!("Area {i}"),
            measure: *m,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn largest_remainder_sums_exactly(total in 0i64..10_000_000_000, weights in prop::collection::vec(0.0f64..1e6, 1..40)) {
        let parts = largest_remainder(total, &weights);
        prop_assert_eq!(parts.iter().sum::<i64>(), total);
        let wsum: f64 = weights.iter().sum();
        for (p, w) in parts.iter().zip(&weights) {
            prop_assert!(*p >= 0);
            if wsum > 0.0 {
                let quota = total as f64 * w / wsum;
                prop_assert!((*p as f64 - quota).abs() <= 1.0 + quota * 1e-9, "part {} quota {}", p, quota);
            }
        }
    }

    #[test]
    fn bounded_shares_respect_floor_cap_and_total(
        weights in prop::collection::vec(0.0f64..1000.0, 1..30),
        floor in 0i64..1_000_000,
        extra in 0i64..10_000_000,
        slack in 0i64..50_000_000,
    ) {
        let n = weights.len() as i64;
        let cap = floor + extra;
        // A total the bounds can meet: between n*floor and n*cap.
        let total = n * floor + slack.min(n * extra);
        let (parts, _) = bounded_shares(total, &weights, Some(floor), Some(cap)).unwrap();
        prop_assert_eq!(parts.iter().sum::<i64>(), total);
        for p in &parts {
            prop_assert!(*p >= floor && *p <= cap, "{} outside [{}, {}]", p, floor, cap);
        }
    }

    #[test]
    fn funds_never_exceed_and_always_sum(
        total in 1i64..10_000_000_000,
        measures in prop::collection::vec(1u32..100_000, 1..25),
        years in 1usize..5,
        kind in 0u8..2,
    ) {
        let formula = if kind == 0 { Formula::Equal } else { Formula::Proportional { measure: "population".into() } };
        let mut f = fund(total, formula);
        f.periods = (0..years).map(|y| Period { id: format!("y{y}"), weight: (y + 1) as f64 }).collect();
        let a = areas(&measures.iter().map(|&m| Some(m as f64)).collect::<Vec<_>>());
        let out = allocate(&f, a).unwrap();
        let sum: Pence = out.lines.iter().map(|l| l.amount).sum();
        prop_assert_eq!(sum, Pence(total));
        prop_assert_eq!(out.allocated, Pence(total));
        prop_assert_eq!(out.lines.len(), measures.len() * years);
    }
}

#[test]
fn research_schools_show_what_is_left() {
    let mut f = fund(
        350_000_000,
        Formula::PerArea {
            amount: Money(Pence::from_pounds(200_000)),
        },
    );
    f.funders = vec![
        Funder {
            name: "DfE".into(),
            amount: Money(Pence::from_pounds(1_500_000)),
        },
        Funder {
            name: "EEF".into(),
            amount: Money(Pence::from_pounds(2_000_000)),
        },
    ];
    f.periods = ["2017-18", "2018-19", "2019-20"]
        .iter()
        .map(|p| Period {
            id: p.to_string(),
            weight: 1.0,
        })
        .collect();
    let out = allocate(&f, areas(&[None; 12])).unwrap();
    assert_eq!(out.allocated, Pence::from_pounds(2_400_000));
    assert_eq!(out.unallocated(), Pence::from_pounds(1_100_000));
    // £200,000 over three years: 66,666.67 + 66,666.67 + 66,666.66 (largest remainder).
    let a0: Vec<Pence> = out
        .lines
        .iter()
        .filter(|l| out.areas[l.area].id == "A000")
        .map(|l| l.amount)
        .collect();
    assert_eq!(
        a0,
        vec![Pence(6_666_667), Pence(6_666_667), Pence(6_666_666)]
    );
    f.funders[1].amount = Money(Pence::from_pounds(1_900_000));
    let e = allocate(&f, areas(&[None; 12])).unwrap_err().to_string();
    assert!(
        e.contains("add up to £3,400,000.00, not the total £3,500,000.00"),
        "{e}"
    );
}

#[test]
fn rescaling_sixty_for_ten_to_seventy_two_for_twelve() {
    let mut f = fund(7_200_000_000, Formula::Equal);
    f.rescaled_from = Some(Rescale {
        total: Money(Pence::from_pounds(60_000_000)),
        areas: 10,
    });
    let out = allocate(&f, areas(&[None; 12])).unwrap();
    assert!(
        out.lines
            .iter()
            .all(|l| l.amount == Pence::from_pounds(6_000_000))
    );
    assert!(
        out.notes[0].contains("gives £72,000,000.00, the total declared"),
        "{:?}",
        out.notes
    );
    f.total = Money(Pence::from_pounds(70_000_000));
    let out = allocate(&f, areas(&[None; 12])).unwrap();
    assert!(
        out.notes[0].contains("difference -£2,000,000.00"),
        "{:?}",
        out.notes
    );
}

#[test]
fn published_amounts_show_the_gap_to_the_headline() {
    let amounts: BTreeMap<String, Money> = [("A000", 980_000), ("A001", 1_460_000)]
        .iter()
        .map(|(k, v)| (k.to_string(), Money(Pence::from_pounds(*v))))
        .collect();
    let f = fund(
        250_000_000,
        Formula::Fixed {
            amounts: amounts.clone(),
        },
    );
    let out = allocate(&f, areas(&[None, None])).unwrap();
    assert_eq!(out.allocated, Pence::from_pounds(2_440_000));
    assert_eq!(out.unallocated(), Pence::from_pounds(60_000));
    let e = allocate(&f, areas(&[None, None, None]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("no published amount for area A002"), "{e}");
}

#[test]
fn missing_measure_and_impossible_bounds_are_errors() {
    let f = fund(
        1_000,
        Formula::Proportional {
            measure: "pupils".into(),
        },
    );
    let e = allocate(&f, areas(&[Some(1.0), None]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("`pupils` has no value for area A001"), "{e}");
    let mut f = fund(1_000, Formula::Equal);
    f.floor = Some(Money(Pence(600)));
    let e = allocate(&f, areas(&[None, None])).unwrap_err().to_string();
    assert!(e.contains("floor"), "{e}");
    let mut f = fund(1_000, Formula::Equal);
    f.cap = Some(Money(Pence(400)));
    let e = allocate(&f, areas(&[None, None])).unwrap_err().to_string();
    assert!(e.contains("cap"), "{e}");
    let e = allocate(&fund(0, Formula::Equal), areas(&[None]))
        .unwrap_err()
        .to_string();
    assert!(e.contains("above zero"), "{e}");
}

#[test]
fn caps_move_money_to_the_others() {
    // Weights 8:1:1 of £100 with a cap of £50: the first is capped, the rest share £50.
    let (parts, which) = bounded_shares(10_000, &[8.0, 1.0, 1.0], None, Some(5_000)).unwrap();
    assert_eq!(parts, vec![5_000, 2_500, 2_500]);
    assert_eq!(which, vec!["cap", "", ""]);
    // A floor of £20 lifts the small ones; the big one takes the rest.
    let (parts, which) = bounded_shares(10_000, &[8.0, 1.0, 1.0], Some(2_000), None).unwrap();
    assert_eq!(parts, vec![6_000, 2_000, 2_000]);
    assert_eq!(which, vec!["", "floor", "floor"]);
}

#[test]
fn profiles_and_match_funding() {
    // £100 over two areas, profiled 1:3 over two years, matched at 50p per pound.
    let mut f = fund(10_000, Formula::Equal);
    f.periods = vec![
        Period {
            id: "y1".into(),
            weight: 1.0,
        },
        Period {
            id: "y2".into(),
            weight: 3.0,
        },
    ];
    f.match_ratio = Some(0.5);
    let out = allocate(&f, areas(&[None, None])).unwrap();
    let got: Vec<(usize, usize, i64, Option<i64>)> = out
        .lines
        .iter()
        .map(|l| {
            (
                l.area,
                l.period,
                l.amount.pence(),
                l.match_amount.map(Pence::pence),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (0, 0, 1_250, Some(625)),
            (0, 1, 3_750, Some(1_875)),
            (1, 0, 1_250, Some(625)),
            (1, 1, 3_750, Some(1_875)),
        ]
    );
    // Thirds of a penny: the odd penny goes to the smaller id, and the sum holds.
    let out = allocate(&fund(100, Formula::Equal), areas(&[None, None, None])).unwrap();
    let amounts: Vec<i64> = out.areas.iter().map(|a| a.amount.pence()).collect();
    assert_eq!(amounts, vec![34, 33, 33]);
}
