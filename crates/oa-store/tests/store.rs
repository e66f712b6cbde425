//! The same store story against SQLite (always) and PostgreSQL (`OA_TEST_DATABASE_URL`,
//! which `scripts/test` and `.ci/run` set; the PostgreSQL tests fail without it).

use oa_store::postgres::PgStore;
use oa_store::sqlite::SqliteStore;
use oa_store::{
    Actor, AuditFilter, Filter, Guard, Kind, NewToken, NewUser, Op, PageRequest, Record, Store,
    StoreError,
};
use serde_json::{Value, json};

fn rec(v: Value) -> Record {
    v.as_object().expect("an object").clone()
}

fn id(r: &Record) -> i64 {
    r["id"].as_i64().expect("an id")
}

async fn create<S: Store>(s: &S, kind: Kind, v: Value) -> Record {
    s.apply(
        vec![Op::Create {
            kind,
            record: rec(v),
        }],
        vec![],
        &Actor::system("test"),
    )
    .await
    .expect("create")
    .remove(0)
}

async fn story<S: Store>(s: S) {
    let actor = Actor::system("test");
    let prog = create(
        &s,
        Kind::Programme,
        json!({"name": "P", "starts_on": "2016-10-04", "ends_on": "2022-08-31", "published": true}),
    )
    .await;
    let p = id(&prog);
    let a1 = create(&s, Kind::Area, json!({"programme_id": p, "code": "OA01", "name": "West Somerset", "districts": [{"code": "E07000191", "name": "West Somerset"}], "wave": 1, "published": true})).await;
    let a2 = create(&s, Kind::Area, json!({"programme_id": p, "code": "OA02", "name": "Norwich", "districts": [], "wave": 1, "published": false})).await;
    assert_eq!(a1["districts"][0]["code"], "E07000191");
    assert_eq!(a1["published"], true);

    // Money: a fund, an allocation, a grant and spend returns under guards.
    let fund = create(
        &s,
        Kind::Fund,
        json!({"programme_id": p, "name": "Core", "total_pence": 100_000}),
    )
    .await;
    let alloc = create(&s, Kind::Allocation, json!({"programme_id": p, "fund_id": id(&fund), "area_id": id(&a1), "period": "2017-18", "amount_pence": 60_000})).await;
    let grant = create(&s, Kind::Grant, json!({"programme_id": p, "area_id": id(&a1), "allocation_id": id(&alloc), "recipient": "Council", "purpose": "Literacy", "amount_pence": 50_000, "awarded_on": "2017-11-01"})).await;
    let spend_guard = || Guard {
        child: Kind::SpendReturn,
        parent: Kind::Grant,
        parent_id: id(&grant),
        cap_column: "amount_pence",
        field: "amount_pence",
        message: "spend above the grant".into(),
    };
    let spend = |month: &str, amount: i64| Op::Create {
        kind: Kind::SpendReturn,
        record: rec(
            json!({"area_id": id(&a1), "grant_id": id(&grant), "month": month, "amount_pence": amount}),
        ),
    };
    s.apply(vec![spend("2017-11", 30_000)], vec![spend_guard()], &actor)
        .await
        .expect("within the grant");
    let err = s
        .apply(vec![spend("2017-12", 20_001)], vec![spend_guard()], &actor)
        .await
        .expect_err("above the grant");
    match err {
        StoreError::Rule { field, message } => {
            assert_eq!(field, "amount_pence");
            assert!(message.contains("£500.01"), "{message}");
            assert!(message.contains("£0.01 over"), "{message}");
        }
        other => panic!("expected a rule error, got {other:?}"),
    }
    // The refused batch left nothing behind.
    let returns = s
        .list(Kind::SpendReturn, &Filter::default(), PageRequest::ALL)
        .await
        .unwrap();
    assert_eq!(returns.total, 1);

    // Duplicate month for the same grant: a conflict, not a database error.
    let dup = s.apply(vec![spend("2017-11", 1)], vec![], &actor).await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))), "{dup:?}");

    // Deleting a grant that has spend: a conflict naming what to do.
    let del = s
        .apply(
            vec![Op::Delete {
                kind: Kind::Grant,
                id: id(&grant),
            }],
            vec![],
            &actor,
        )
        .await;
    assert!(matches!(del, Err(StoreError::Conflict(_))), "{del:?}");

    // Update replaces columns and is audited with before and after.
    let mut changed = grant.clone();
    changed.insert("amount_pence".into(), json!(45_000));
    let after = s
        .apply(
            vec![Op::Update {
                kind: Kind::Grant,
                id: id(&grant),
                record: changed,
            }],
            vec![spend_guard()],
            &Actor {
                user_id: Some(7),
                label: "lead@example.org".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(after[0]["amount_pence"], 45_000);
    let audit = s
        .audit(
            &AuditFilter {
                entity: Some("grants".into()),
                entity_id: Some(id(&grant)),
                area_in: None,
            },
            PageRequest {
                page: 1,
                per_page: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(audit.total, 2, "create and update");
    let last = &audit.items[0];
    assert_eq!(last.action, "update");
    assert_eq!(last.actor, "lead@example.org");
    assert_eq!(last.user_id, Some(7));
    assert_eq!(last.before.as_ref().unwrap()["amount_pence"], 50_000);
    assert_eq!(last.after.as_ref().unwrap()["amount_pence"], 45_000);

    // Lowering the grant below its spend is refused.
    let mut lower = after[0].clone();
    lower.insert("amount_pence".into(), json!(29_999));
    let err = s
        .apply(
            vec![Op::Update {
                kind: Kind::Grant,
                id: id(&grant),
                record: lower,
            }],
            vec![spend_guard()],
            &actor,
        )
        .await;
    assert!(matches!(err, Err(StoreError::Rule { .. })), "{err:?}");

    // Lists: pagination with totals, area scoping.
    for i in 0..5 {
        create(&s, Kind::Board, json!({"programme_id": p, "area_id": if i % 2 == 0 { id(&a1) } else { id(&a2) }, "name": format!("Board {i}")})).await;
    }
    let page2 = s
        .list(
            Kind::Board,
            &Filter::default(),
            PageRequest {
                page: 2,
                per_page: 2,
            },
        )
        .await
        .unwrap();
    assert_eq!(page2.total, 5);
    assert_eq!(page2.items.len(), 2);
    assert_eq!(page2.items[0]["name"], "Board 2");
    let only_a2 = s
        .list(
            Kind::Board,
            &Filter {
                equals: vec![],
                area_in: Some(vec![id(&a2)]),
            },
            PageRequest::ALL,
        )
        .await
        .unwrap();
    assert_eq!(only_a2.total, 2);
    let by_name = s
        .list(
            Kind::Board,
            &Filter {
                equals: vec![("name", json!("Board 4"))],
                area_in: None,
            },
            PageRequest::ALL,
        )
        .await
        .unwrap();
    assert_eq!(by_name.total, 1);
    let none = s
        .list(
            Kind::Board,
            &Filter {
                equals: vec![],
                area_in: Some(vec![]),
            },
            PageRequest::ALL,
        )
        .await
        .unwrap();
    assert_eq!(none.total, 0);

    // A wrongly typed value is refused before it reaches the database.
    let bad = s
        .apply(
            vec![Op::Create {
                kind: Kind::Fund,
                record: rec(json!({"programme_id": p, "name": "X", "total_pence": "lots"})),
            }],
            vec![],
            &actor,
        )
        .await;
    assert!(matches!(bad, Err(StoreError::Invalid(_))), "{bad:?}");

    // Users and tokens.
    let user = s
        .create_user(
            NewUser {
                email: "lead@example.org".into(),
                name: "Lead".into(),
                role: "area_lead".into(),
                area_id: Some(id(&a1)),
                password_hash: "$argon2id$x".into(),
            },
            &actor,
        )
        .await
        .unwrap();
    let again = s
        .create_user(
            NewUser {
                email: "lead@example.org".into(),
                name: "Lead".into(),
                role: "viewer".into(),
                area_id: None,
                password_hash: "h".into(),
            },
            &actor,
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    s.create_token(NewToken {
        token_hash: "abc".into(),
        user_id: user.id,
        kind: "session",
        label: None,
        expires_at: Some(2_000),
    })
    .await
    .unwrap();
    assert_eq!(
        s.user_by_token("abc", 1_999).await.unwrap().unwrap().email,
        "lead@example.org"
    );
    assert!(
        s.user_by_token("abc", 2_001).await.unwrap().is_none(),
        "expired"
    );
    s.delete_token("abc").await.unwrap();
    assert!(
        s.user_by_token("abc", 0).await.unwrap().is_none(),
        "deleted"
    );
    assert_eq!(
        s.user_by_email("lead@example.org")
            .await
            .unwrap()
            .unwrap()
            .area_id,
        Some(id(&a1))
    );

    assert_eq!(s.integrity_check().await.unwrap(), vec!["ok".to_string()]);
    s.close().await;
}

#[tokio::test]
async fn sqlite_story() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("oa.db")).await.unwrap();
    story(store).await;
    // Reopening migrates nothing twice and keeps the data.
    let store = SqliteStore::open(&dir.path().join("oa.db")).await.unwrap();
    assert_eq!(
        store
            .list(Kind::Area, &Filter::default(), PageRequest::ALL)
            .await
            .unwrap()
            .total,
        2
    );
}

/// A database file in a folder that does not exist is named with the fix, not SQLite's
/// "unable to open database file".
#[tokio::test]
async fn sqlite_in_a_missing_folder_names_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("no-such-folder/oa.db");
    let Err(err) = oa_store::AnyStore::open(file.to_str().unwrap()).await else {
        panic!("a database in a missing folder was opened");
    };
    let err = err.to_string();
    assert!(
        err.contains("no-such-folder does not exist; create it or choose another --database"),
        "{err}"
    );
    assert!(!dir.path().join("no-such-folder").exists());
}

/// The PostgreSQL URL; a missing variable fails the test, it never skips it.
fn pg_url() -> String {
    std::env::var("OA_TEST_DATABASE_URL").expect(
        "OA_TEST_DATABASE_URL is not set: run scripts/test (which starts PostgreSQL on 127.0.0.1 and sets it), \
         or export OA_TEST_DATABASE_URL=postgres://USER:PASSWORD@127.0.0.1:5432/DB",
    )
}

fn unique_schema(tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("t_{tag}_{}_{nanos}", std::process::id())
}

#[tokio::test]
async fn postgres_story() {
    let store = PgStore::open_in_schema(&pg_url(), &unique_schema("story"))
        .await
        .expect("connect to OA_TEST_DATABASE_URL");
    story(store).await;
}

#[tokio::test]
async fn postgres_guard_holds_under_concurrent_writers() {
    let s = PgStore::open_in_schema(&pg_url(), &unique_schema("race"))
        .await
        .unwrap();
    guard_race(s).await;
}

#[tokio::test]
async fn sqlite_guard_holds_under_concurrent_writers() {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(&dir.path().join("oa.db")).await.unwrap();
    guard_race(s).await;
}

/// Twenty concurrent spend returns of £10 against a £100 grant: exactly ten land.
async fn guard_race<S: Store + Clone + 'static>(s: S) {
    let p = id(&create(
        &s,
        Kind::Programme,
        json!({"name": "P", "starts_on": "2016-10-04", "ends_on": "2022-08-31", "published": true}),
    )
    .await);
    let a = id(&create(&s, Kind::Area, json!({"programme_id": p, "code": "A", "name": "A", "districts": [], "wave": 1, "published": true})).await);
    let f = id(&create(
        &s,
        Kind::Fund,
        json!({"programme_id": p, "name": "F", "total_pence": 10_000}),
    )
    .await);
    let al = id(&create(&s, Kind::Allocation, json!({"programme_id": p, "fund_id": f, "area_id": a, "period": "2017-18", "amount_pence": 10_000})).await);
    let g = id(&create(&s, Kind::Grant, json!({"programme_id": p, "area_id": a, "allocation_id": al, "recipient": "R", "purpose": "P", "amount_pence": 10_000, "awarded_on": "2017-11-01"})).await);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            s.apply(
                vec![Op::Create {
                    kind: Kind::SpendReturn,
                    record: rec(json!({"area_id": a, "grant_id": g, "month": format!("{}-{:02}", 2018 + i / 12, i % 12 + 1), "amount_pence": 1_000})),
                }],
                vec![Guard { child: Kind::SpendReturn, parent: Kind::Grant, parent_id: g, cap_column: "amount_pence", field: "amount_pence", message: "over".into() }],
                &Actor::system("race"),
            )
            .await
            .is_ok()
        }));
    }
    let mut ok = 0;
    for t in tasks {
        ok += usize::from(t.await.unwrap());
    }
    assert_eq!(ok, 10);
    let spent: i64 = s
        .list(Kind::SpendReturn, &Filter::default(), PageRequest::ALL)
        .await
        .unwrap()
        .items
        .iter()
        .map(|r| r["amount_pence"].as_i64().unwrap())
        .sum();
    assert_eq!(spent, 10_000);
}
