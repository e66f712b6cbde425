//! The demonstration programme behind `oa serve --demo`: the 12 opportunity areas of the
//! 2016 programme with their districts and waves, partnership boards, national partners,
//! delivery plans with priorities and KPIs, research schools, funds with allocations,
//! grants and spend returns, and two users whose credentials are printed.
//!
//! Facts come from the public record of the programme (see the project's PROGRAMME.md:
//! areas, districts, waves, announcement and plan dates, the £72m core fund, the year-4
//! allocations per area, priorities of eight plans, three published KPI baselines,
//! research schools at about £200k each, cumulative spend of two areas to September 2018).
//! Everything else is a demonstration value and says so: people are "(demo)", KPIs
//! without a published figure have `demo_values = true`, and funds say which split is
//! assumed.

use crate::AppState;
use crate::api::add_user;
use crate::auth::{self, Principal};
use crate::domain::{self, create};
use crate::error::ApiError;
use oa_store::{Filter, Kind, PageRequest, Record, Store};
use serde_json::{Value, json};

/// The demo users' sign-in details (printed by `oa serve --demo`).
#[derive(Debug, Clone)]
pub struct DemoCredentials {
    pub admin_email: String,
    pub admin_password: String,
    pub lead_email: String,
    pub lead_password: String,
    pub board_email: String,
    pub board_password: String,
    /// The area the lead leads (Blackpool).
    pub lead_area: String,
    /// Whether the programme was loaded now (false: it was already there).
    pub loaded: bool,
}

pub const PROGRAMME_NAME: &str = "Opportunity areas (2016 programme)";
pub const ADMIN_EMAIL: &str = "admin@example.org";
pub const LEAD_EMAIL: &str = "lead.blackpool@example.org";
/// A board member of Blackpool's partnership board (may read the area and comment on it).
pub const BOARD_EMAIL: &str = "board.blackpool@example.org";

/// (district code, district name).
type District = (&'static str, &'static str);

/// (code, name, wave, districts, year-4 allocation in pounds).
const AREAS: [(&str, &str, i64, &[District], i64); 12] = [
    (
        "OA01",
        "West Somerset",
        1,
        &[("E07000191", "West Somerset")],
        980_000,
    ),
    ("OA02", "Norwich", 1, &[("E07000148", "Norwich")], 1_460_000),
    (
        "OA03",
        "Blackpool",
        1,
        &[("E06000009", "Blackpool")],
        1_970_000,
    ),
    (
        "OA04",
        "North Yorkshire Coast",
        1,
        &[("E07000168", "Scarborough")],
        1_200_000,
    ),
    ("OA05", "Derby", 1, &[("E06000015", "Derby")], 1_430_000),
    ("OA06", "Oldham", 1, &[("E08000004", "Oldham")], 1_580_000),
    (
        "OA07",
        "Bradford",
        2,
        &[("E08000032", "Bradford")],
        1_730_000,
    ),
    (
        "OA08",
        "Doncaster",
        2,
        &[("E08000017", "Doncaster")],
        1_440_000,
    ),
    (
        "OA09",
        "Fenland and East Cambridgeshire",
        2,
        &[
            ("E07000010", "Fenland"),
            ("E07000009", "East Cambridgeshire"),
        ],
        1_430_000,
    ),
    (
        "OA10",
        "Hastings",
        2,
        &[("E07000062", "Hastings")],
        1_250_000,
    ),
    ("OA11", "Ipswich", 2, &[("E07000202", "Ipswich")], 1_450_000),
    (
        "OA12",
        "Stoke-on-Trent",
        2,
        &[("E06000021", "Stoke-on-Trent")],
        1_670_000,
    ),
];

/// Published plan priorities (theme, title); areas not listed get demo priorities.
fn priorities(name: &str) -> Vec<(&'static str, String)> {
    let p = |t: &'static str, s: &str| (t, s.to_string());
    match name {
        "Blackpool" => vec![
            p(
                "teaching_and_leadership",
                "Raise attainment and progress in schools",
            ),
            p(
                "wellbeing",
                "Support vulnerable children and families (attendance, exclusions)",
            ),
            p(
                "careers_and_employer_links",
                "Improve transitions into work",
            ),
        ],
        "Derby" => vec![
            p("early_years", "Early years: good level of development"),
            p(
                "teaching_and_leadership",
                "School improvement at KS2 and KS4",
            ),
            p("careers_and_employer_links", "Broadening horizons"),
        ],
        "Norwich" => vec![
            p("early_years", "Early speech and language"),
            p(
                "teaching_and_leadership",
                "Attainment through evidence-based CPD and leadership",
            ),
            p("wellbeing", "Pupils at risk of exclusion"),
            p("careers_and_employer_links", "Transitions"),
        ],
        "Ipswich" => vec![
            p("early_years", "Children ready to learn"),
            p("teaching_and_leadership", "The teaching profession"),
            p(
                "literacy_and_numeracy",
                "Disadvantaged pupils' English and maths",
            ),
            p("careers_and_employer_links", "Careers"),
        ],
        "Bradford" => vec![
            p("teaching_and_leadership", "Leadership and teaching quality"),
            p("literacy_and_numeracy", "Primary literacy"),
            p("careers_and_employer_links", "Access to rewarding careers"),
            p(
                "wellbeing",
                "Evidence on barriers to learning (e.g. health)",
            ),
        ],
        "Doncaster" => vec![
            p("literacy_and_numeracy", "Early literacy and numeracy"),
            p("teaching_and_leadership", "Teaching and leadership"),
            p("careers_and_employer_links", "No career out of bounds"),
            p("wellbeing", "The most vulnerable"),
        ],
        "Hastings" => vec![
            p("literacy_and_numeracy", "Literacy"),
            p("literacy_and_numeracy", "Maths"),
            p("wellbeing", "Mental health and resilience"),
            p("careers_and_employer_links", "Broadening horizons"),
        ],
        "Stoke-on-Trent" => vec![
            p("early_years", "Early years outcomes"),
            p("literacy_and_numeracy", "English, maths and science"),
            p("wellbeing", "Engagement"),
            p("technical_pathways", "Choices at 16"),
        ],
        _ => vec![
            p("early_years", "Early years (demo priority)"),
            p(
                "teaching_and_leadership",
                "Teaching and leadership (demo priority)",
            ),
            p(
                "access_to_university",
                "Access to university (demo priority)",
            ),
        ],
    }
}

struct KpiSeed {
    name: &'static str,
    unit: &'static str,
    baseline: (&'static str, f64),
    target: (&'static str, f64),
    /// (period, actual, national)
    values: Vec<(&'static str, Option<f64>, Option<f64>)>,
    source: &'static str,
    demo: bool,
    breaks: Vec<(&'static str, &'static str)>,
    /// The plan priority it measures, by theme (first choice first).
    themes: &'static [&'static str],
}

fn kpis(name: &str) -> Vec<KpiSeed> {
    let covid = vec![
        ("2019/20", "no statutory assessments in 2020 (COVID-19)"),
        ("2020/21", "no statutory assessments in 2021 (COVID-19)"),
    ];
    let mut out = Vec::new();
    match name {
        "West Somerset" => out.push(KpiSeed {
            name: "FSM pupils reaching a good level of development (EYFSP)",
            unit: "%",
            baseline: ("2015/16", 35.0),
            target: ("2020/21", 55.0),
            values: vec![],
            source: "baseline published (35% in 2016, lowest in England); target is a demo value",
            demo: true,
            breaks: vec![("2021/22", "early years foundation stage profile reformed")],
            themes: &["early_years"],
        }),
        "Blackpool" => out.push(KpiSeed {
            name: "KS2 reading, writing and maths at the expected standard",
            unit: "%",
            baseline: ("2015/16", 48.0),
            target: ("2020/21", 65.0),
            values: vec![("2016/17", Some(62.0), Some(62.0))],
            source: "48% in 2016 and 62% in 2017 (national 62%) as published; target is a demo value",
            demo: true,
            breaks: covid.clone(),
            themes: &["literacy_and_numeracy", "teaching_and_leadership"],
        }),
        "Hastings" => out.push(KpiSeed {
            name: "KS2 maths at the expected standard",
            unit: "%",
            baseline: ("2015/16", 59.0),
            target: ("2020/21", 70.0),
            values: vec![("2016/17", None, None)],
            source: "59% in 2016, 10 points below national, as published; target is a demo value",
            demo: true,
            breaks: covid.clone(),
            themes: &["literacy_and_numeracy", "teaching_and_leadership"],
        }),
        _ => {}
    }
    out.push(KpiSeed {
        name: "Meaningful employer encounters per pupil aged 11-18",
        unit: "encounters per pupil",
        baseline: ("2016/17", 1.0),
        target: ("2020/21", 4.0),
        values: vec![("2017/18", Some(1.8), None), ("2018/19", Some(2.7), None)],
        source: "target from the Careers and Enterprise Company commitment (4 per pupil); baseline and actuals are demo values",
        demo: true,
        breaks: vec![],
            themes: &["careers_and_employer_links"],
    });
    out
}

/// Whole pounds as pence.
fn pounds(p: i64) -> i64 {
    oa_model::Pence::from_pounds(p).pence()
}

fn id(r: &Record) -> i64 {
    r.get("id").and_then(Value::as_i64).unwrap_or(0)
}

fn password(env: &str) -> String {
    std::env::var(env)
        .ok()
        .filter(|p| p.chars().count() >= 10)
        .unwrap_or_else(|| auth::new_secret()[..20].to_string())
}

/// Loads the programme (once; a second start finds it) and (re)sets the demo users'
/// passwords. Passwords are random unless `OA_DEMO_ADMIN_PASSWORD`,
/// `OA_DEMO_LEAD_PASSWORD` and `OA_DEMO_BOARD_PASSWORD` are set (10 characters or more).
pub async fn load(state: &AppState) -> Result<DemoCredentials, ApiError> {
    let store = &state.store;
    let sys = Principal::system("demo");
    let existing = store
        .list(
            Kind::Programme,
            &Filter {
                equals: vec![("name", json!(PROGRAMME_NAME))],
                ..Default::default()
            },
            PageRequest::ALL,
        )
        .await?;
    let loaded = existing.items.is_empty();
    let blackpool_id = if loaded {
        load_programme(state, &sys).await?
    } else {
        let p = id(&existing.items[0]);
        let areas = store
            .list(
                Kind::Area,
                &Filter {
                    equals: vec![("programme_id", json!(p)), ("code", json!("OA03"))],
                    ..Default::default()
                },
                PageRequest::ALL,
            )
            .await?;
        areas.items.first().map(id).unwrap_or(0)
    };
    let admin_password = password("OA_DEMO_ADMIN_PASSWORD");
    let lead_password = password("OA_DEMO_LEAD_PASSWORD");
    let board_password = password("OA_DEMO_BOARD_PASSWORD");
    for (email, name, role, area, pw) in [
        (
            ADMIN_EMAIL,
            "Demo national admin",
            "admin",
            None,
            &admin_password,
        ),
        (
            LEAD_EMAIL,
            "Demo area lead (Blackpool)",
            "area_lead",
            Some(blackpool_id),
            &lead_password,
        ),
        (
            BOARD_EMAIL,
            "Demo board member (Blackpool)",
            "board_member",
            Some(blackpool_id),
            &board_password,
        ),
    ] {
        match store.user_by_email(email).await? {
            Some(u) => {
                let pw = pw.clone();
                let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw))
                    .await
                    .map_err(|e| ApiError::Internal(e.to_string()))??;
                store.set_password(u.id, &hash, &sys.actor()).await?;
            }
            None => {
                add_user(state, &sys, json!({"email": email, "name": name, "role": role, "area_id": area, "password": pw})).await?;
            }
        }
    }
    Ok(DemoCredentials {
        admin_email: ADMIN_EMAIL.into(),
        admin_password,
        lead_email: LEAD_EMAIL.into(),
        lead_password,
        board_email: BOARD_EMAIL.into(),
        board_password,
        lead_area: "Blackpool (OA03)".into(),
        loaded,
    })
}

/// Creates the whole programme; returns Blackpool's area id.
async fn load_programme(state: &AppState, sys: &Principal) -> Result<i64, ApiError> {
    let s = &state.store;
    let prog = create(s, sys, Kind::Programme, json!({
        "name": PROGRAMME_NAME,
        "description": "England's opportunity areas: 12 places chosen in 2016-17 for social mobility investment in education. Demonstration data: see each record's labels.",
        "starts_on": "2016-10-04", "ends_on": "2022-08-31", "published": true,
    })).await?;
    let pid = id(&prog);

    let mut national = Vec::new();
    for (name, sector) in [
        ("Careers and Enterprise Company", "careers"),
        ("CBI", "employers"),
        ("Federation of Small Businesses", "employers"),
        ("National Citizen Service", "young people"),
        ("Education Endowment Foundation", "evidence"),
    ] {
        national.push(
            create(
                s,
                sys,
                Kind::Partner,
                json!({"programme_id": pid, "name": name, "scope": "national", "sector": sector}),
            )
            .await?,
        );
    }
    let cec = id(&national[0]);
    create(s, sys, Kind::Commitment, json!({
        "partner_id": cec,
        "description": "Every pupil aged 11-18 has at least four meaningful encounters with employers",
        "measure": "employer encounters per pupil aged 11-18", "target": 4.0, "unit": "encounters per pupil",
    })).await?;
    create(
        s,
        sys,
        Kind::Commitment,
        json!({
            "partner_id": id(&national[4]),
            "description": "Co-fund a research school in each area (£2m of the £3.5m)",
            "measure": "research schools", "target": 12.0, "unit": "schools",
        }),
    )
    .await?;

    let core = create(s, sys, Kind::Fund, json!({
        "programme_id": pid, "name": "Opportunity areas core, years 1-3 (2017-20)",
        "total_pence": pounds(72_000_000), "first_period": "2017-18", "last_period": "2019-20",
        "source": "£72m as published; the equal split of £6m per area over three years is a demo assumption",
    })).await?;
    let year4 = create(
        s,
        sys,
        Kind::Fund,
        json!({
            "programme_id": pid, "name": "Opportunity areas year 4 (2020/21)",
            "total_pence": pounds(18_000_000), "first_period": "2020-21", "last_period": "2020-21",
            "source": "£18m headline; per-area allocations as published (sum £17.59m)",
        }),
    )
    .await?;
    let research = create(
        s,
        sys,
        Kind::Fund,
        json!({
            "programme_id": pid, "name": "Research schools",
            "total_pence": pounds(3_500_000), "first_period": "2017-18", "last_period": "2019-20",
            "source": "£3.5m (£1.5m DfE, £2m EEF) as published; about £200k per school",
        }),
    )
    .await?;

    let mut blackpool = 0;
    for (code, name, wave, districts, year4_pounds) in AREAS {
        let (announced, plan_due) = if wave == 1 {
            ("2016-10-04", "2017-10-01")
        } else {
            ("2017-01-18", "2018-01-01")
        };
        let ds: Vec<Value> = districts
            .iter()
            .map(|(c, n)| json!({"code": c, "name": n}))
            .collect();
        let area = create(
            s,
            sys,
            Kind::Area,
            json!({
                "programme_id": pid, "code": code, "name": name, "districts": ds, "wave": wave,
                "announced_on": announced, "plan_due_on": plan_due, "starts_on": announced,
                "ends_on": "2022-08-31", "published": true,
            }),
        )
        .await?;
        let aid = id(&area);
        if code == "OA03" {
            blackpool = aid;
        }

        let board = create(s, sys, Kind::Board, json!({"area_id": aid, "name": format!("{name} Opportunity Area Partnership Board"), "established_on": announced})).await?;
        for (role, who, org) in [
            ("chair", "Independent chair (demo)", "independent"),
            (
                "school_leader",
                "Headteacher (demo)",
                "a local secondary school",
            ),
            (
                "employer",
                "Employer representative (demo)",
                "a local employer",
            ),
            (
                "council",
                "Director of children's services (demo)",
                "the local authority",
            ),
            ("early_years", "Early years lead (demo)", "a local nursery"),
            (
                "further_higher_education",
                "College principal (demo)",
                "a local college",
            ),
            (
                "young_people",
                "Youth council member (demo)",
                "the youth council",
            ),
        ] {
            create(s, sys, Kind::Member, json!({"board_id": id(&board), "name": who, "role": role, "organisation": org, "term_start": plan_due})).await?;
        }
        create(s, sys, Kind::Member, json!({"board_id": id(&board), "name": "Careers and Enterprise Company adviser (demo)", "role": "national_partner", "partner_id": cec, "organisation": "Careers and Enterprise Company", "term_start": plan_due})).await?;

        let plan = create(
            s,
            sys,
            Kind::Plan,
            json!({
                "area_id": aid, "title": format!("{name} delivery plan"),
                "first_period": "2016/17", "last_period": "2021/22", "published_on": plan_due,
            }),
        )
        .await?;
        let mut first_priority = 0;
        let mut by_theme: std::collections::HashMap<&str, i64> = Default::default();
        for (i, (theme, title)) in priorities(name).into_iter().enumerate() {
            let pr = create(
                s,
                sys,
                Kind::Priority,
                json!({"plan_id": id(&plan), "theme": theme, "title": title}),
            )
            .await?;
            if i == 0 {
                first_priority = id(&pr);
            }
            by_theme.entry(theme).or_insert(id(&pr));
        }
        create(s, sys, Kind::Intervention, json!({
            "priority_id": first_priority, "name": "Evidence-based CPD programme (demo)", "provider": "local teaching school (demo)",
            "starts_on": "2018-01-08", "ends_on": "2020-07-17", "beneficiaries": 40, "beneficiary_group": "schools",
        })).await?;
        for k in kpis(name) {
            let kpi = create(s, sys, Kind::Kpi, json!({
                "plan_id": id(&plan), "name": k.name, "unit": k.unit, "period_kind": "academic",
                "direction": "higher_is_better", "baseline_period": k.baseline.0, "baseline_value": k.baseline.1,
                "target_period": k.target.0, "target_value": k.target.1, "source": k.source, "demo_values": k.demo,
                "priority_id": k.themes.iter().find_map(|t| by_theme.get(t)),
            })).await?;
            for (period, actual, national) in k.values {
                domain::upsert_kpi_actual(
                    s,
                    sys,
                    id(&kpi),
                    json!({"period": period, "actual": actual, "national": national}),
                    None,
                    false,
                )
                .await?;
            }
            for (period, reason) in k.breaks {
                create(
                    s,
                    sys,
                    Kind::SeriesBreak,
                    json!({"kpi_id": id(&kpi), "period": period, "reason": reason}),
                )
                .await?;
            }
        }

        let school = create(s, sys, Kind::ResearchSchool, json!({"area_id": aid, "name": format!("{name} Research School (demo name)"), "lead_school": "a local school (demo)", "designated_on": "2017-09-01"})).await?;
        create(s, sys, Kind::ResearchActivity, json!({"research_school_id": id(&school), "kind": "training", "title": "Evidence-informed literacy training (demo)", "held_on": "2018-03-14", "schools_reached": 18, "participants": 45})).await?;
        create(s, sys, Kind::ResearchActivity, json!({"research_school_id": id(&school), "kind": "resources", "title": "Guidance reports for local schools (demo)", "held_on": "2018-06-01", "schools_reached": 30, "participants": 0})).await?;

        let mut first_alloc = 0;
        for period in ["2017-18", "2018-19", "2019-20"] {
            let a = create(s, sys, Kind::Allocation, json!({"fund_id": id(&core), "area_id": aid, "period": period, "amount_pence": pounds(2_000_000)})).await?;
            if first_alloc == 0 {
                first_alloc = id(&a);
            }
        }
        create(s, sys, Kind::Allocation, json!({"fund_id": id(&year4), "area_id": aid, "period": "2020-21", "amount_pence": year4_pounds * 100})).await?;
        create(s, sys, Kind::Allocation, json!({"fund_id": id(&research), "area_id": aid, "period": "2017-18", "amount_pence": pounds(200_000)})).await?;

        // Spend to September 2018: West Somerset £1.34m and Ipswich £0.15m as reported;
        // the others are demo figures.
        let spend_total: i64 = match name {
            "West Somerset" => pounds(1_340_000),
            "Ipswich" => pounds(150_000),
            _ => pounds(600_000),
        };
        let grant = create(s, sys, Kind::Grant, json!({
            "allocation_id": first_alloc, "recipient": "the local authority", "purpose": "delivery plan projects, year 1 (demo)",
            "amount_pence": pounds(1_800_000), "awarded_on": "2017-11-01",
        })).await?;
        let months = [
            "2018-04", "2018-05", "2018-06", "2018-07", "2018-08", "2018-09",
        ];
        let each = spend_total / months.len() as i64;
        for (i, m) in months.iter().enumerate() {
            let amount = if i + 1 == months.len() {
                spend_total - each * (months.len() as i64 - 1)
            } else {
                each
            };
            create(s, sys, Kind::SpendReturn, json!({"grant_id": id(&grant), "month": m, "amount_pence": amount, "note": "monthly return"})).await?;
        }
    }
    Ok(blackpool)
}
