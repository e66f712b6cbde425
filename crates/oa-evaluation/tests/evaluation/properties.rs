//! Invariants of the estimators on generated panels.

use oa_evaluation::cs::{CsOptions, callaway_santanna};
use oa_evaluation::ri::{DidStatistic, permutation_test, stratified};
use oa_evaluation::sc::{ScOptions, synthetic_control};
use oa_evaluation::sdid::{SdidKind, SdidOptions, Variance, synthdid};
use oa_evaluation::{
    Balance, Observation, Panel, PanelBuilder, PartlyTreated, Period, Treatment, Value,
};
use proptest::prelude::*;

/// A generated panel: `units` x `periods` values, the first `treated` units treated from
/// period `start`.
#[derive(Debug, Clone)]
struct Case {
    names: Vec<String>,
    values: Vec<f64>,
    periods: usize,
    treated: usize,
    start: usize,
}

fn case() -> impl Strategy<Value = Case> {
    (6usize..10, 4usize..7, 1usize..3).prop_flat_map(|(units, periods, treated)| {
        (
            proptest::collection::vec(-50.0f64..50.0, units * periods),
            2..periods,
        )
            .prop_map(move |(values, start)| Case {
                names: (0..units).map(|u| format!("U{u:02}")).collect(),
                values,
                periods,
                treated,
                start,
            })
    })
}

fn rows(c: &Case) -> Vec<Observation> {
    let mut out = Vec::new();
    for (u, name) in c.names.iter().enumerate() {
        for t in 0..c.periods {
            let p = Period::year(2000 + t as i32);
            out.push(Observation {
                code: name.clone(),
                period: p,
                period_text: p.to_string(),
                value: Value::Number(c.values[u * c.periods + t]),
                origin: format!("row {u}/{t}"),
            });
        }
    }
    out
}

fn build(c: &Case, rows: Vec<Observation>) -> (Panel, Treatment) {
    let mut b = PanelBuilder::new("y");
    b.extend(rows);
    let panel = b.build(Balance::Strict).unwrap();
    let first: Vec<(String, Period)> = c.names[..c.treated]
        .iter()
        .map(|n| (n.clone(), Period::year(2000 + c.start as i32)))
        .collect();
    let t = Treatment::from_first_treated(&panel, &first, 0, PartlyTreated::Error).unwrap();
    (panel, t)
}

fn quick(kind: SdidKind) -> SdidOptions {
    let mut o = SdidOptions::new(kind);
    o.variance = Variance::None;
    o
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    /// Unit weights (SC, SDID) and time weights (SDID) are >= 0 and sum to 1.
    #[test]
    fn weights_are_on_the_simplex(c in case()) {
        let (panel, t) = build(&c, rows(&c));
        let never = t.never_treated();
        let s = synthdid(&panel, &t, &never, "never", &quick(SdidKind::Sdid)).unwrap();
        for w in [&s.cohorts[0].omega, &s.cohorts[0].lambda] {
            prop_assert!(w.iter().all(|&x| x >= 0.0));
            prop_assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
        let o = ScOptions { placebos: false, ..ScOptions::default() };
        let sc = synthetic_control(&panel, &t, &never, "never", &o).unwrap();
        for f in &sc.treated {
            prop_assert!(f.weights.iter().all(|&x| x >= 0.0));
            prop_assert!((f.weights.iter().sum::<f64>() - 1.0).abs() < 1e-9);
        }
    }

    /// The order of the rows does not matter (the panel sorts units and periods), and
    /// renaming units (which reorders them) changes nothing beyond rounding.
    #[test]
    fn invariant_to_row_order_and_unit_names(c in case(), seed in any::<u64>()) {
        let (panel, t) = build(&c, rows(&c));
        let mut shuffled = rows(&c);
        let mut rng = oa_evaluation::stats::generator(seed, 0, 0);
        oa_evaluation::stats::shuffle(&mut shuffled, &mut rng);
        let (panel2, t2) = build(&c, shuffled);
        // Names that sort in reverse order.
        let mut renamed = c.clone();
        renamed.names = (0..c.names.len()).map(|u| format!("Z{:02}", 99 - u)).collect();
        let (panel3, t3) = build(&renamed, rows(&renamed));
        for kind in [SdidKind::Sdid, SdidKind::Did, SdidKind::Sc] {
            let a = synthdid(&panel, &t, &t.never_treated(), "n", &quick(kind)).unwrap();
            let b = synthdid(&panel2, &t2, &t2.never_treated(), "n", &quick(kind)).unwrap();
            let r = synthdid(&panel3, &t3, &t3.never_treated(), "n", &quick(kind)).unwrap();
            prop_assert_eq!(a.estimate.to_bits(), b.estimate.to_bits());
            prop_assert!((a.estimate - r.estimate).abs() < 1e-6 * (1.0 + a.estimate.abs()),
                "{:?}: {} vs {}", kind, a.estimate, r.estimate);
        }
        let o = CsOptions { bootstrap: None, ..CsOptions::default() };
        let a = callaway_santanna(&panel, &t, &t.never_treated(), "n", &o).unwrap();
        let r = callaway_santanna(&panel3, &t3, &t3.never_treated(), "n", &o).unwrap();
        prop_assert!((a.simple.estimate - r.simple.estimate).abs() < 1e-9);
        prop_assert!((a.simple.se_analytic - r.simple.se_analytic).abs() < 1e-9);
    }

    /// With outcomes `a_i + b_t` and a constant added to the treated units from their
    /// first treated period, every method returns that constant (synthetic control when
    /// the treated units lie within the donors' range, so an exact fit exists).
    #[test]
    fn a_constant_effect_is_recovered(
        c in case(),
        a in proptest::collection::vec(-20.0f64..20.0, 10),
        b in proptest::collection::vec(-20.0f64..20.0, 7),
        effect in -10.0f64..10.0,
    ) {
        let units = c.names.len();
        let mut a = a[..units].to_vec();
        // Donors span the treated units' levels.
        let (lo, hi) = (-25.0, 25.0);
        a[units - 1] = lo;
        a[units - 2] = hi;
        let mut d = c.clone();
        for (u, au) in a.iter().enumerate() {
            for (t, bt) in b.iter().enumerate().take(c.periods) {
                let treated = u < c.treated && t >= c.start;
                d.values[u * c.periods + t] = au + bt + if treated { effect } else { 0.0 };
            }
        }
        let (panel, t) = build(&d, rows(&d));
        let never = t.never_treated();
        let tol = 1e-6 * (1.0 + effect.abs());
        for kind in [SdidKind::Sdid, SdidKind::Did] {
            let r = synthdid(&panel, &t, &never, "n", &quick(kind)).unwrap();
            prop_assert!((r.estimate - effect).abs() < tol, "{:?}: {} vs {}", kind, r.estimate, effect);
        }
        let o = CsOptions { bootstrap: None, ..CsOptions::default() };
        let cs = callaway_santanna(&panel, &t, &never, "n", &o).unwrap();
        prop_assert!((cs.simple.estimate - effect).abs() < tol);
        for cell in &cs.cells {
            let want = if cell.post { effect } else { 0.0 };
            prop_assert!((cell.value.estimate - want).abs() < tol);
        }
        let so = ScOptions { placebos: false, ..ScOptions::default() };
        let sc = synthetic_control(&panel, &t, &never, "n", &so).unwrap();
        prop_assert!((sc.att - effect).abs() < 1e-6 * (1.0 + effect.abs()) + 1e-6, "{} vs {}", sc.att, effect);
    }
}

/// Placebo and bootstrap draws have their own seeded generators: one seed gives the same
/// p-values and standard errors on one thread and on two.
#[test]
fn placebo_p_values_do_not_depend_on_the_thread_count() {
    let c = Case {
        names: (0..14).map(|u| format!("U{u:02}")).collect(),
        values: (0..14 * 6)
            .map(|k| ((k * 7919) % 101) as f64 / 3.0 + (k % 6) as f64)
            .collect(),
        periods: 6,
        treated: 2,
        start: 4,
    };
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let (panel, t) = build(&c, rows(&c));
            let never = t.never_treated();
            let mut o = SdidOptions::new(SdidKind::Sdid);
            o.replications = 60;
            o.seed = 7;
            let sdid = synthdid(&panel, &t, &never, "n", &o).unwrap();
            let so = ScOptions {
                seed: 7,
                average_draws: 500,
                ..ScOptions::default()
            };
            let sc = synthetic_control(&panel, &t, &never, "n", &so).unwrap();
            let co = CsOptions {
                bootstrap: Some(300),
                seed: 7,
                ..CsOptions::default()
            };
            let cs = callaway_santanna(&panel, &t, &never, "n", &co).unwrap();
            let universe: Vec<usize> = (0..panel.n_units()).collect();
            let strata = vec![0; universe.len()];
            let values = |u: usize, s: usize| panel.value(u, s);
            let stat =
                DidStatistic::new(&values, panel.n_units(), &universe, &[0, 1, 2, 3], &[4, 5]);
            let treated = t.treated_units();
            let assignments = stratified(&universe, &strata, &treated, 10, 400, 7).unwrap();
            let ri = permutation_test(&treated, |s| stat.value(s), assignments).unwrap();
            let mut bits: Vec<u64> = vec![
                sdid.se.to_bits(),
                sc.att_p_value.to_bits(),
                cs.critical_value.to_bits(),
                ri.p_value.to_bits(),
            ];
            bits.extend(sc.treated.iter().map(|f| f.p_value.to_bits()));
            bits.extend(cs.cells.iter().map(|c| c.value.se.to_bits()));
            bits
        })
    };
    let one = run(1);
    assert_eq!(one, run(2));
    assert_eq!(one, run(2));
}

/// Treated units outside the donors' range carry their pre-period misfit into the
/// post-period; the placebo test of the average effect compares post- with pre-period
/// fit, so a misfit is not an effect, while a real effect on well-fitted units is.
#[test]
fn the_average_placebo_test_does_not_mistake_misfit_for_an_effect() {
    let (donors, treated, periods, start) = (40usize, 6usize, 8usize, 5usize);
    let noise = |k: usize| (((k * 7919 + 13) % 101) as f64 / 101.0 - 0.5) * 2.0;
    let panel_with = |level_of_treated: &dyn Fn(usize) -> f64, effect: f64| {
        let units = treated + donors;
        let mut values = Vec::with_capacity(units * periods);
        for u in 0..units {
            let level = if u < treated {
                level_of_treated(u)
            } else {
                (u - treated) as f64 * 2.0
            };
            for t in 0..periods {
                let lift = if u < treated && t >= start {
                    effect
                } else {
                    0.0
                };
                values.push(level + 0.5 * t as f64 + noise(u * periods + t) + lift);
            }
        }
        let c = Case {
            names: (0..units).map(|u| format!("U{u:02}")).collect(),
            values,
            periods,
            treated,
            start,
        };
        build(&c, rows(&c))
    };
    let p_value = |panel: &Panel, t: &Treatment| {
        let never = t.never_treated();
        let o = ScOptions {
            seed: 3,
            average_draws: 2000,
            ..ScOptions::default()
        };
        synthetic_control(panel, t, &never, "n", &o).unwrap()
    };
    // Above every donor (levels 0-78): no effect, only misfit.
    let (panel, t) = panel_with(&|u| 100.0 + u as f64, 0.0);
    let r = p_value(&panel, &t);
    assert!(r.att.abs() > 10.0, "the misfit is large: {}", r.att);
    assert!(
        r.att_p_value > 0.2,
        "misfit taken for an effect: p = {}",
        r.att_p_value
    );
    // Inside the donors' range, a lift of 4 after treatment.
    let (panel, t) = panel_with(&|u| 11.0 + 10.0 * u as f64, 4.0);
    let r = p_value(&panel, &t);
    assert!((r.att - 4.0).abs() < 1.0, "{}", r.att);
    assert!(
        r.att_p_value < 0.01,
        "a real effect missed: p = {}",
        r.att_p_value
    );
}
