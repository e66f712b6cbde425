//! Every cell comes back exactly as written.

use crate::support::results;
use proptest::prelude::*;

fn cell() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(0.0),
        Just(-0.0),
        any::<f64>().prop_filter("finite", |v| v.is_finite()),
        (-1e6f64..1e6),
        (-1e-300f64..1e-300),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[A-Za-z0-9 ,\"'\\n]{0,12}",
        "\\PC{0,8}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn scores_and_indicators_round_trip_exactly(
        rows in proptest::collection::vec((text(), cell(), cell(), proptest::option::of(1u32..5000)), 1..30)
    ) {
        let mut r = results();
        let s = &mut r.index.scores;
        s.area_code = (0..rows.len()).map(|i| format!("E{i}")).collect();
        s.area_name = rows.iter().map(|x| x.0.clone()).collect();
        s.score = rows.iter().map(|x| x.1).collect();
        s.rank = rows.iter().map(|x| x.3).collect();
        s.band = vec![String::new(); rows.len()];
        s.groups[0].score = rows.iter().map(|x| x.2).collect();
        s.groups[0].rank = rows.iter().map(|x| x.3).collect();
        r.index.indicators.columns[0].1 = rows.iter().map(|x| x.2).collect();
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out");
        oa_bundle::write(&mut r, &out).unwrap();
        let back = oa_bundle::read(&out).unwrap();
        // Debug prints every float exactly and NaN as NaN; -0.0 comes back as 0.0 only
        // if it was written as 0, which shortest form does not do.
        prop_assert_eq!(format!("{:?}", back.index), format!("{:?}", r.index));
    }
}
