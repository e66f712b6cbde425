//! Property: whatever sequence of grants and spend returns is attempted, the accepted ones
//! are exactly those a simple model accepts, and committed <= allocated, spent <= committed
//! hold afterwards (through the domain and a real SQLite store).

use oa_store::{AnyStore, Kind};
use oa_web::auth::Principal;
use oa_web::domain;
use oa_web::error::ApiError;
use proptest::prelude::*;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
enum Attempt {
    Grant(i64),
    /// (which grant, by index modulo the grants made so far; amount)
    Spend(usize, i64),
}

fn attempt() -> impl Strategy<Value = Attempt> {
    prop_oneof![
        (0i64..700).prop_map(Attempt::Grant),
        (0usize..8, 0i64..500).prop_map(|(g, a)| Attempt::Spend(g, a)),
    ]
}

async fn run(attempts: Vec<Attempt>) {
    let dir = tempfile::tempdir().unwrap();
    let store = AnyStore::open(dir.path().join("oa.db").to_str().unwrap())
        .await
        .unwrap();
    let sys = Principal::system("property");
    let id = |v: &oa_store::Record| v["id"].as_i64().unwrap();
    let c = |kind, v: Value| {
        let (store, sys) = (store.clone(), sys.clone());
        async move { domain::create(&store, &sys, kind, v).await }
    };
    let p = id(&c(
        Kind::Programme,
        json!({"name": "P", "starts_on": "2017-01-01", "ends_on": "2022-01-01"}),
    )
    .await
    .unwrap());
    let a = id(&c(Kind::Area, json!({"programme_id": p, "code": "A", "name": "A", "districts": [{"code": "E1", "name": "D"}], "wave": 1})).await.unwrap());
    let f = id(&c(
        Kind::Fund,
        json!({"programme_id": p, "name": "F", "total_pence": 1_000}),
    )
    .await
    .unwrap());
    let alloc = id(&c(
        Kind::Allocation,
        json!({"fund_id": f, "area_id": a, "period": "2017-18", "amount_pence": 1_000}),
    )
    .await
    .unwrap());

    // The model: grant amounts and their spend.
    let mut grants: Vec<(i64, i64, i64)> = Vec::new(); // (id, amount, spent)
    for (i, step) in attempts.into_iter().enumerate() {
        match step {
            Attempt::Grant(amount) => {
                let committed: i64 = grants.iter().map(|g| g.1).sum();
                let ok = committed + amount <= 1_000;
                let r = c(Kind::Grant, json!({"allocation_id": alloc, "recipient": "R", "purpose": "P", "amount_pence": amount, "awarded_on": "2017-11-01"})).await;
                assert_eq!(
                    r.is_ok(),
                    ok,
                    "grant of {amount} with {committed} committed: {:?}",
                    r.as_ref().err().map(ApiError::detail)
                );
                if let Ok(g) = r {
                    grants.push((id(&g), amount, 0));
                }
            }
            Attempt::Spend(which, amount) => {
                if grants.is_empty() {
                    continue;
                }
                let g = which % grants.len();
                let ok = grants[g].2 + amount <= grants[g].1;
                let month = format!("{}-{:02}", 2018 + i / 12, i % 12 + 1);
                let r = c(
                    Kind::SpendReturn,
                    json!({"grant_id": grants[g].0, "month": month, "amount_pence": amount}),
                )
                .await;
                assert_eq!(r.is_ok(), ok, "spend of {amount} on {:?}", grants[g]);
                if r.is_ok() {
                    grants[g].2 += amount;
                }
            }
        }
    }
    let lines = domain::summary::money(&store, None, None).await.unwrap();
    assert_eq!(lines.len(), 1);
    let l = &lines[0];
    assert_eq!(l.committed_pence, grants.iter().map(|g| g.1).sum::<i64>());
    assert_eq!(l.spent_pence, grants.iter().map(|g| g.2).sum::<i64>());
    assert!(l.spent_pence <= l.committed_pence && l.committed_pence <= l.allocated_pence);
    assert_eq!(l.uncommitted_pence + l.committed_pence, l.allocated_pence);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]
    #[test]
    fn money_always_reconciles(attempts in proptest::collection::vec(attempt(), 1..24)) {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(run(attempts));
    }
}
