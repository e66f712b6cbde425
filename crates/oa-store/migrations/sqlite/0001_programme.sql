-- The programme store (SQLite). Money is INTEGER pence; dates and periods are ISO text.
CREATE TABLE programmes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    published INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE areas (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    districts TEXT NOT NULL,
    wave INTEGER NOT NULL,
    announced_on TEXT,
    plan_due_on TEXT,
    starts_on TEXT,
    ends_on TEXT,
    published INTEGER NOT NULL DEFAULT 0,
    UNIQUE (programme_id, code)
);
CREATE TABLE boards (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    area_id INTEGER NOT NULL REFERENCES areas(id),
    name TEXT NOT NULL,
    established_on TEXT
);
CREATE INDEX boards_area ON boards(area_id);
CREATE TABLE partners (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    name TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('national', 'local')),
    area_id INTEGER REFERENCES areas(id),
    sector TEXT
);
CREATE TABLE members (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    area_id INTEGER NOT NULL REFERENCES areas(id),
    board_id INTEGER NOT NULL REFERENCES boards(id),
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation TEXT,
    partner_id INTEGER REFERENCES partners(id),
    term_start TEXT NOT NULL,
    term_end TEXT
);
CREATE INDEX members_board ON members(board_id);
CREATE INDEX members_area ON members(area_id);
CREATE TABLE commitments (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    partner_id INTEGER NOT NULL REFERENCES partners(id),
    area_id INTEGER REFERENCES areas(id),
    description TEXT NOT NULL,
    measure TEXT,
    target REAL,
    unit TEXT,
    due_on TEXT
);
CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    area_id INTEGER NOT NULL REFERENCES areas(id),
    title TEXT NOT NULL,
    first_period TEXT NOT NULL,
    last_period TEXT NOT NULL,
    published_on TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX plans_area ON plans(area_id);
CREATE TABLE plan_versions (
    id INTEGER PRIMARY KEY,
    area_id INTEGER NOT NULL REFERENCES areas(id),
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    version INTEGER NOT NULL,
    note TEXT,
    snapshot TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (plan_id, version)
);
CREATE TABLE priorities (
    id INTEGER PRIMARY KEY,
    area_id INTEGER NOT NULL REFERENCES areas(id),
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    theme TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT
);
CREATE INDEX priorities_area ON priorities(area_id);
CREATE TABLE interventions (
    id INTEGER PRIMARY KEY,
    area_id INTEGER NOT NULL REFERENCES areas(id),
    priority_id INTEGER NOT NULL REFERENCES priorities(id),
    name TEXT NOT NULL,
    provider TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT,
    beneficiaries INTEGER NOT NULL CHECK (beneficiaries >= 0),
    beneficiary_group TEXT
);
CREATE INDEX interventions_area ON interventions(area_id);
CREATE TABLE kpis (
    id INTEGER PRIMARY KEY,
    area_id INTEGER NOT NULL REFERENCES areas(id),
    plan_id INTEGER NOT NULL REFERENCES plans(id),
    priority_id INTEGER REFERENCES priorities(id),
    name TEXT NOT NULL,
    unit TEXT NOT NULL,
    period_kind TEXT NOT NULL CHECK (period_kind IN ('academic', 'financial')),
    direction TEXT NOT NULL,
    baseline_period TEXT,
    baseline_value REAL,
    target_period TEXT,
    target_value REAL,
    source TEXT,
    demo_values INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX kpis_area ON kpis(area_id);
CREATE TABLE kpi_values (
    id INTEGER PRIMARY KEY,
    area_id INTEGER NOT NULL REFERENCES areas(id),
    kpi_id INTEGER NOT NULL REFERENCES kpis(id),
    period TEXT NOT NULL,
    actual REAL,
    national REAL,
    note TEXT,
    UNIQUE (kpi_id, period)
);
CREATE INDEX kpi_values_area ON kpi_values(area_id);
CREATE TABLE series_breaks (
    id INTEGER PRIMARY KEY,
    area_id INTEGER NOT NULL REFERENCES areas(id),
    kpi_id INTEGER NOT NULL REFERENCES kpis(id),
    period TEXT NOT NULL,
    reason TEXT NOT NULL
);
CREATE INDEX series_breaks_area ON series_breaks(area_id);
CREATE TABLE research_schools (
    id INTEGER PRIMARY KEY,
    area_id INTEGER NOT NULL REFERENCES areas(id),
    name TEXT NOT NULL,
    lead_school TEXT,
    designated_on TEXT
);
CREATE TABLE research_activities (
    id INTEGER PRIMARY KEY,
    area_id INTEGER NOT NULL REFERENCES areas(id),
    research_school_id INTEGER NOT NULL REFERENCES research_schools(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    held_on TEXT NOT NULL,
    schools_reached INTEGER NOT NULL CHECK (schools_reached >= 0),
    participants INTEGER NOT NULL CHECK (participants >= 0)
);
CREATE TABLE funds (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    name TEXT NOT NULL,
    total_pence INTEGER NOT NULL CHECK (total_pence >= 0),
    first_period TEXT,
    last_period TEXT,
    source TEXT
);
CREATE TABLE allocations (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    fund_id INTEGER NOT NULL REFERENCES funds(id),
    area_id INTEGER NOT NULL REFERENCES areas(id),
    period TEXT NOT NULL,
    amount_pence INTEGER NOT NULL CHECK (amount_pence >= 0),
    UNIQUE (fund_id, area_id, period)
);
CREATE INDEX allocations_area ON allocations(area_id);
CREATE TABLE grants (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    area_id INTEGER NOT NULL REFERENCES areas(id),
    allocation_id INTEGER NOT NULL REFERENCES allocations(id),
    recipient TEXT NOT NULL,
    purpose TEXT NOT NULL,
    amount_pence INTEGER NOT NULL CHECK (amount_pence >= 0),
    awarded_on TEXT NOT NULL
);
CREATE INDEX grants_allocation ON grants(allocation_id);
CREATE INDEX grants_area ON grants(area_id);
CREATE TABLE spend_returns (
    id INTEGER PRIMARY KEY,
    area_id INTEGER NOT NULL REFERENCES areas(id),
    grant_id INTEGER NOT NULL REFERENCES grants(id),
    month TEXT NOT NULL,
    amount_pence INTEGER NOT NULL CHECK (amount_pence >= 0),
    note TEXT,
    UNIQUE (grant_id, month)
);
CREATE INDEX spend_returns_area ON spend_returns(area_id);
CREATE TABLE comments (
    id INTEGER PRIMARY KEY,
    area_id INTEGER NOT NULL REFERENCES areas(id),
    author_id INTEGER NOT NULL,
    subject TEXT,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX comments_area ON comments(area_id);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'area_lead', 'board_member', 'viewer')),
    area_id INTEGER REFERENCES areas(id),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('session', 'api')),
    label TEXT,
    created_at TEXT NOT NULL,
    expires_at INTEGER
);
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id INTEGER,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    area_id INTEGER,
    before TEXT,
    after TEXT
);
CREATE INDEX audit_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_area ON audit_log(area_id);
