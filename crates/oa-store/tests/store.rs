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
                expect: None,
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
                expect: Some(grant.clone()),
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
                expect: None,
            }],
            vec![spend_guard()],
            &actor,
        )
        .await;
    assert!(matches!(err, Err(StoreError::Rule { .. })), "{err:?}");

    // An update computed from an old read is refused, and changes nothing: the grant was
    // read at 50,000 and has since become 45,000.
    let mut stale = grant.clone();
    stale.insert("recipient".into(), json!("Someone else"));
    let err = s
        .apply(
            vec![Op::Update {
                kind: Kind::Grant,
                id: id(&grant),
                record: stale,
                expect: Some(grant.clone()),
            }],
            vec![],
            &actor,
        )
        .await;
    assert!(matches!(err, Err(StoreError::Stale { .. })), "{err:?}");
    let now = s.get(Kind::Grant, id(&grant)).await.unwrap().unwrap();
    assert_eq!(now["recipient"], "Council");
    assert_eq!(now["amount_pence"], 45_000);
    // An update of one field leaves the others as they are now (not as some caller read
    // them): two changes of different fields both stand.
    for (field, value) in [
        ("recipient", json!("Council (renamed)")),
        ("purpose", json!("Numeracy")),
    ] {
        s.apply(
            vec![Op::Update {
                kind: Kind::Grant,
                id: id(&grant),
                record: rec(json!({ field: value })),
                expect: None,
            }],
            vec![spend_guard()],
            &actor,
        )
        .await
        .unwrap();
    }
    let now = s.get(Kind::Grant, id(&grant)).await.unwrap().unwrap();
    assert_eq!(
        (&now["recipient"], &now["purpose"], &now["amount_pence"]),
        (
            &json!("Council (renamed)"),
            &json!("Numeracy"),
            &json!(45_000)
        )
    );
    let del = s
        .apply(
            vec![Op::Delete {
                kind: Kind::Board,
                id: 1_000_000,
                expect: None,
            }],
            vec![],
            &actor,
        )
        .await;
    assert!(matches!(del, Err(StoreError::NotFound { .. })), "{del:?}");

    // Linked creates: an area and its allocation in one batch, the allocation taking the
    // area's new id; a failure later in the batch leaves neither.
    let linked = |code: &str, amount: i64| {
        vec![
            Op::Create {
                kind: Kind::Area,
                record: rec(
                    json!({"programme_id": p, "code": code, "name": code, "districts": [], "wave": 2, "published": false}),
                ),
            },
            Op::CreateLinked {
                kind: Kind::Allocation,
                record: rec(
                    json!({"programme_id": p, "fund_id": id(&fund), "period": "2018-19", "amount_pence": amount}),
                ),
                links: vec![("area_id", 0)],
            },
        ]
    };
    let made = s
        .apply(linked("OA20", 1_000), vec![], &actor)
        .await
        .unwrap();
    assert_eq!(made[1]["area_id"], made[0]["id"]);
    let failed = s.apply(linked("OA21", -5), vec![], &actor).await;
    assert!(failed.is_err(), "a negative amount fails the CHECK");
    let areas = s
        .list(
            Kind::Area,
            &Filter {
                equals: vec![("code", json!("OA21"))],
                ..Filter::default()
            },
            PageRequest::ALL,
        )
        .await
        .unwrap();
    assert_eq!(
        areas.total, 0,
        "the batch's first create was rolled back too"
    );
    let undo = s
        .apply(
            vec![
                Op::Delete {
                    kind: Kind::Allocation,
                    id: id(&made[1]),
                    expect: Some(made[1].clone()),
                },
                Op::Delete {
                    kind: Kind::Area,
                    id: id(&made[0]),
                    expect: None,
                },
            ],
            vec![],
            &actor,
        )
        .await;
    assert!(undo.is_ok(), "{undo:?}");

    // Programme scoping: a second, unpublished programme's fund is outside the filter.
    let p2 = id(&create(
        &s,
        Kind::Programme,
        json!({"name": "P2", "starts_on": "2016-10-04", "ends_on": "2022-08-31", "published": false}),
    )
    .await);
    create(
        &s,
        Kind::Fund,
        json!({"programme_id": p2, "name": "Hidden", "total_pence": 1}),
    )
    .await;
    let only_p = Filter {
        programme_in: Some(vec![p]),
        ..Filter::default()
    };
    let funds = s.list(Kind::Fund, &only_p, PageRequest::ALL).await.unwrap();
    assert_eq!(funds.total, 1);
    let programmes = s
        .list(Kind::Programme, &only_p, PageRequest::ALL)
        .await
        .unwrap();
    assert_eq!(programmes.total, 1);
    assert_eq!(id(&programmes.items[0]), p);
    // Publication in one read: programme 1's areas with their flags, programme 2 alone.
    let publication = s.publication().await.unwrap();
    let of = |programme: i64| -> Vec<Option<(i64, bool)>> {
        publication
            .iter()
            .filter(|r| r.programme_id == programme)
            .map(|r| r.area)
            .collect()
    };
    assert_eq!(of(p), vec![Some((id(&a1), true)), Some((id(&a2), false))]);
    assert_eq!(of(p2), vec![None]);
    assert!(
        publication
            .iter()
            .any(|r| r.programme_id == p && r.programme_published)
    );
    assert!(
        publication
            .iter()
            .all(|r| r.programme_id != p2 || !r.programme_published)
    );

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
                programme_in: None,
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
                programme_in: None,
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
                programme_in: None,
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
    // Emails are compared without regard to case.
    let shouting = s
        .create_user(
            NewUser {
                email: " LEAD@Example.org".into(),
                name: "Lead".into(),
                role: "viewer".into(),
                area_id: None,
                password_hash: "h".into(),
            },
            &actor,
        )
        .await;
    assert!(
        matches!(shouting, Err(StoreError::Conflict(_))),
        "{shouting:?}"
    );
    assert_eq!(
        s.user_by_email("Lead@EXAMPLE.org")
            .await
            .unwrap()
            .unwrap()
            .id,
        user.id
    );
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

    // Sessions: a new one ends the earlier ones and any expired token; API tokens stay.
    let signs_in = |hash: &'static str| {
        let s = &s;
        async move { s.user_by_token(hash, 300).await.unwrap().is_some() }
    };
    let token = |hash: &str, kind: &'static str, expires_at: i64| NewToken {
        token_hash: hash.into(),
        user_id: user.id,
        kind,
        label: Some(format!("{kind} {hash}")),
        expires_at: Some(expires_at),
    };
    s.start_session(token("51aaaaaaaaaaaaaaaaaa", "session", 5_000), 100)
        .await
        .unwrap();
    s.create_token(token("b1bbbbbbbbbbbbbbbbbb", "api", 9_000))
        .await
        .unwrap();
    s.create_token(token("c0cccccccccccccccccc", "api", 150))
        .await
        .unwrap();
    s.start_session(token("52dddddddddddddddddd", "session", 5_000), 200)
        .await
        .unwrap();
    assert!(
        !signs_in("51aaaaaaaaaaaaaaaaaa").await,
        "ended by the new session"
    );
    assert!(signs_in("52dddddddddddddddddd").await);
    let listed = s.tokens(Some(user.id), 300).await.unwrap();
    let ids: Vec<&str> = listed.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids.len(), 2, "{listed:?}");
    assert!(
        ids.contains(&"b1bbbbbbbbbbbbbb") && ids.contains(&"52dddddddddddddd"),
        "{ids:?}"
    );
    assert!(
        s.tokens(Some(user.id + 1000), 300)
            .await
            .unwrap()
            .is_empty()
    );
    // Revoking by public id: only the owner's (or anyone's, for an admin).
    assert!(
        !s.revoke_token("b1bbbbbbbbbbbbbb", Some(user.id + 1000))
            .await
            .unwrap()
    );
    assert!(
        s.revoke_token("b1bbbbbbbbbbbbbb", Some(user.id))
            .await
            .unwrap()
    );
    assert!(!signs_in("b1bbbbbbbbbbbbbbbbbb").await);
    assert!(!s.revoke_token("not hex", None).await.unwrap());
    // A password change ends every session and token.
    s.create_token(token("e2eeeeeeeeeeeeeeeeee", "api", 9_000))
        .await
        .unwrap();
    s.set_password(user.id, "$argon2id$new", &actor)
        .await
        .unwrap();
    assert!(s.tokens(Some(user.id), 300).await.unwrap().is_empty());
    // Disabling ends them too and stops token sign-in; enabling lets new ones work.
    s.create_token(token("f3ffffffffffffffffff", "api", 9_000))
        .await
        .unwrap();
    let off = s.set_disabled(user.id, true, &actor).await.unwrap();
    assert!(off.disabled);
    assert!(!signs_in("f3ffffffffffffffffff").await);
    s.create_token(token("a4aaaaaaaaaaaaaaaaaa", "api", 9_000))
        .await
        .unwrap();
    assert!(
        !signs_in("a4aaaaaaaaaaaaaaaaaa").await,
        "a disabled user's token does not sign in"
    );
    let on = s.set_disabled(user.id, false, &actor).await.unwrap();
    assert!(!on.disabled);
    assert!(signs_in("a4aaaaaaaaaaaaaaaaaa").await);
    // Another role and area, audited with both; the user's sessions stay.
    let moved = s
        .set_role(user.id, "board_member", None, &actor)
        .await
        .unwrap();
    assert_eq!((moved.role.as_str(), moved.area_id), ("board_member", None));
    assert!(signs_in("a4aaaaaaaaaaaaaaaaaa").await);
    let audit = s
        .audit(
            &AuditFilter {
                entity: Some("users".into()),
                entity_id: Some(user.id),
                area_in: None,
            },
            PageRequest::ALL,
        )
        .await
        .unwrap();
    let change = &audit.items[0];
    assert_eq!(change.before.as_ref().unwrap()["role"], "area_lead");
    assert_eq!(change.before.as_ref().unwrap()["area_id"], id(&a1));
    assert_eq!(change.after.as_ref().unwrap()["role"], "board_member");
    assert!(change.after.as_ref().unwrap()["area_id"].is_null());
    assert!(matches!(
        s.set_role(user.id + 1000, "viewer", None, &actor).await,
        Err(StoreError::NotFound { .. })
    ));
    // Expired sessions and tokens are deleted.
    s.create_token(token("d5dddddddddddddddddd", "api", 400))
        .await
        .unwrap();
    assert_eq!(s.purge_expired(500).await.unwrap(), 1);
    assert_eq!(s.purge_expired(500).await.unwrap(), 0);
    s.ping().await.unwrap();

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

/// A tmpfs of `size` mounted on a fresh folder for the life of the value (the tests run
/// as root, locally and in CI); unmounted on drop.
struct SmallDisk {
    dir: tempfile::TempDir,
}

impl SmallDisk {
    fn mount(size: &str) -> SmallDisk {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .expect("running mount");
        assert!(
            out.status.success(),
            "cannot mount a {size} tmpfs for the disk-full test (it needs root, as in CI): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        SmallDisk { dir }
    }

    fn path(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount")
            .arg(self.dir.path())
            .status();
    }
}

/// A full disk (an 8 MiB tmpfs) under concurrent writes, then space again. Every
/// acknowledged write must be stored (also after reopening), no id handed out twice, every
/// refusal `Unavailable`, and writes must succeed again once there is room. Before the
/// writer reset its transaction state after a failure, this lost about half the
/// acknowledged writes and handed their ids out again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_full_disk_loses_no_acknowledged_write() {
    let disk = SmallDisk::mount("8m");
    let path = disk.path().join("oa.db");
    let ballast = disk.path().join("ballast");
    std::fs::write(&ballast, vec![0u8; 2 << 20]).unwrap();
    let s = SqliteStore::open(&path).await.unwrap();
    let p = id(&create(
        &s,
        Kind::Programme,
        json!({"name": "P", "starts_on": "2016-10-04", "ends_on": "2022-08-31", "published": true}),
    )
    .await);
    let a = id(&create(&s, Kind::Area, json!({"programme_id": p, "code": "A", "name": "A", "districts": [], "wave": 1, "published": true})).await);
    let round = |s: SqliteStore, round: usize| async move {
        let mut tasks = Vec::new();
        for n in 0..32 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                let body = format!("round {round} comment {n} {}", "x".repeat(1_900));
                let r = s
                    .apply(
                        vec![Op::Create {
                            kind: Kind::Comment,
                            record: rec(json!({"area_id": a, "author_id": 1, "body": body, "created_at": "2026-01-01T00:00:00Z"})),
                        }],
                        vec![],
                        &Actor::system("full"),
                    )
                    .await;
                (body, r)
            }));
        }
        let (mut acked, mut refused) = (Vec::new(), 0);
        for t in tasks {
            match t.await.unwrap() {
                (body, Ok(mut out)) => acked.push((id(&out.remove(0)), body)),
                (_, Err(StoreError::Unavailable(_))) => refused += 1,
                (body, Err(other)) => {
                    panic!("{}: expected Unavailable, got {other:?}", &body[..20])
                }
            }
        }
        (acked, refused)
    };
    let mut acked: Vec<(i64, String)> = Vec::new();
    let mut refused = 0;
    let mut rounds = 0;
    while refused < 64 {
        rounds += 1;
        assert!(rounds < 200, "the disk never filled up");
        let (ok, no) = round(s.clone(), rounds).await;
        acked.extend(ok);
        refused += no;
    }
    // Room again: writes are stored again.
    std::fs::remove_file(&ballast).unwrap();
    let (ok, _) = round(s.clone(), 1_000).await;
    assert!(
        !ok.is_empty(),
        "no write succeeded once there was room again"
    );
    acked.extend(ok);

    let check = |store: SqliteStore, acked: Vec<(i64, String)>| async move {
        let mut seen = std::collections::HashSet::new();
        for (i, body) in &acked {
            assert!(seen.insert(*i), "id {i} was handed out twice");
            let got = store
                .get(Kind::Comment, *i)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("acknowledged comment {i} is missing"));
            assert_eq!(got["body"].as_str(), Some(body.as_str()), "comment {i}");
        }
    };
    check(s.clone(), acked.clone()).await;
    s.close().await;
    let s = SqliteStore::open(&path).await.unwrap();
    check(s.clone(), acked.clone()).await;
    let total = s
        .list(Kind::Comment, &Filter::default(), PageRequest::ALL)
        .await
        .unwrap()
        .total;
    assert_eq!(
        total as usize,
        acked.len(),
        "nothing unacknowledged was stored either"
    );
    assert_eq!(s.integrity_check().await.unwrap(), vec!["ok".to_string()]);
    s.close().await;
}
