//! The demonstration programme holds the published facts it claims to hold.

use oa_store::{AnyStore, Filter, Kind, PageRequest, Store};
use oa_web::{AppState, demo};
use serde_json::{Value, json};

async fn all(
    store: &AnyStore,
    kind: Kind,
    equals: Vec<(&'static str, Value)>,
) -> Vec<oa_store::Record> {
    store
        .list(
            kind,
            &Filter {
                equals,
                ..Default::default()
            },
            PageRequest::ALL,
        )
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn demo_programme_matches_the_published_figures() {
    let dir = tempfile::tempdir().unwrap();
    let store = AnyStore::open(dir.path().join("oa.db").to_str().unwrap())
        .await
        .unwrap();
    let state = AppState::new(store.clone());
    let creds = demo::load(&state).await.unwrap();
    assert!(creds.loaded);
    assert!(creds.admin_password.len() >= 10);

    let areas = all(&store, Kind::Area, vec![]).await;
    assert_eq!(areas.len(), 12);
    let wave2: Vec<&str> = areas
        .iter()
        .filter(|a| a["wave"] == 2)
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        wave2,
        [
            "Bradford",
            "Doncaster",
            "Fenland and East Cambridgeshire",
            "Hastings",
            "Ipswich",
            "Stoke-on-Trent"
        ]
    );
    let fenland = areas.iter().find(|a| a["code"] == "OA09").unwrap();
    assert_eq!(
        fenland["districts"],
        json!([{"code": "E07000010", "name": "Fenland"}, {"code": "E07000009", "name": "East Cambridgeshire"}])
    );

    // Funds: £72m core; year-4 allocations as published, summing to £17.59m.
    let funds = all(&store, Kind::Fund, vec![]).await;
    let core = funds
        .iter()
        .find(|f| f["name"].as_str().unwrap().contains("core"))
        .unwrap();
    assert_eq!(core["total_pence"], 7_200_000_000i64);
    let year4 = funds
        .iter()
        .find(|f| f["name"].as_str().unwrap().contains("year 4"))
        .unwrap();
    let y4 = all(
        &store,
        Kind::Allocation,
        vec![("fund_id", year4["id"].clone())],
    )
    .await;
    assert_eq!(
        y4.iter()
            .map(|a| a["amount_pence"].as_i64().unwrap())
            .sum::<i64>(),
        1_759_000_000
    );
    let blackpool = areas.iter().find(|a| a["name"] == "Blackpool").unwrap();
    let bp = y4.iter().find(|a| a["area_id"] == blackpool["id"]).unwrap();
    assert_eq!(bp["amount_pence"], 197_000_000);

    // Published baselines; other KPIs are labelled demo values.
    let kpis = all(
        &store,
        Kind::Kpi,
        vec![("area_id", blackpool["id"].clone())],
    )
    .await;
    let ks2 = kpis
        .iter()
        .find(|k| k["name"].as_str().unwrap().starts_with("KS2"))
        .unwrap();
    assert_eq!(
        (
            ks2["baseline_period"].as_str(),
            ks2["baseline_value"].as_f64()
        ),
        (Some("2015/16"), Some(48.0))
    );
    assert!(
        all(&store, Kind::Kpi, vec![])
            .await
            .iter()
            .all(|k| k["source"].is_string())
    );

    // Money reconciles: spend within grants within allocations within funds.
    let lines = oa_web::domain::summary::money(&store, None, None)
        .await
        .unwrap();
    assert!(
        lines
            .iter()
            .all(|l| l.spent_pence <= l.committed_pence && l.committed_pence <= l.allocated_pence)
    );
    let west_somerset = areas.iter().find(|a| a["name"] == "West Somerset").unwrap();
    let spent: i64 = lines
        .iter()
        .filter(|l| l.area_id == west_somerset["id"].as_i64().unwrap())
        .map(|l| l.spent_pence)
        .sum();
    assert_eq!(spent, 134_000_000, "£1.34m to September 2018 as reported");

    // Every area has a board with a chair, a plan with priorities and a research school.
    for a in &areas {
        let id = a["id"].clone();
        assert!(
            all(
                &store,
                Kind::Member,
                vec![("area_id", id.clone()), ("role", json!("chair"))]
            )
            .await
            .len()
                == 1
        );
        assert!(
            !all(&store, Kind::Priority, vec![("area_id", id.clone())])
                .await
                .is_empty()
        );
        assert_eq!(
            all(&store, Kind::ResearchSchool, vec![("area_id", id)])
                .await
                .len(),
            1
        );
    }

    // A second start finds the programme and only resets the demo passwords.
    let again = demo::load(&state).await.unwrap();
    assert!(!again.loaded);
    assert_eq!(all(&store, Kind::Area, vec![]).await.len(), 12);
    let lead = store
        .user_by_email(&again.lead_email)
        .await
        .unwrap()
        .unwrap();
    assert!(oa_web::auth::verify_password(
        &again.lead_password,
        &lead.password_hash
    ));
    assert_eq!(lead.area_id, blackpool["id"].as_i64());
}
