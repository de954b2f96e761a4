-- Yanglao schema v1 (PostgreSQL). Amounts are BIGINT fen.
-- Citus-ready: the big per-person tables carry the county code in their primary key and in every
-- unique and foreign key, so that they can be distributed by county; regions is a reference table.
CREATE TABLE regions (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    level  TEXT NOT NULL CHECK (level IN ('province', 'city', 'county')),
    parent TEXT REFERENCES regions(code)
);

CREATE TABLE id_counters (
    name    TEXT PRIMARY KEY,
    next_id BIGINT NOT NULL
);

CREATE TABLE imports (
    import_id   BIGINT PRIMARY KEY,
    kind        TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    row_count   BIGINT NOT NULL,
    posted      BIGINT NOT NULL,
    skipped     BIGINT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL,
    UNIQUE (kind, file_sha256)
);

CREATE TABLE persons (
    county         TEXT NOT NULL REFERENCES regions(code),
    person_id      BIGINT NOT NULL,
    citizen_id     TEXT NOT NULL,
    name           TEXT NOT NULL,
    birth_date     DATE NOT NULL,
    sex            TEXT NOT NULL CHECK (sex IN ('M', 'F')),
    phone          TEXT,
    bank_name      TEXT,
    bank_account   TEXT,
    basic_enrolled BOOLEAN NOT NULL,
    import_id      BIGINT,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (county, person_id),
    -- Unique across counties is enforced by the import (it checks every county's register).
    UNIQUE (county, citizen_id)
);
CREATE INDEX persons_citizen_id ON persons (citizen_id);

CREATE TABLE person_events (
    county         TEXT NOT NULL,
    event_id       BIGINT NOT NULL,
    person_id      BIGINT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('receiving', 'suspended', 'resumed', 'terminated')),
    reason         TEXT,
    effective_date DATE NOT NULL,
    recorded_by    TEXT NOT NULL,
    recorded_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (county, event_id),
    FOREIGN KEY (county, person_id) REFERENCES persons (county, person_id)
);
CREATE INDEX person_events_person ON person_events (county, person_id);

CREATE TABLE hardship_memberships (
    county     TEXT NOT NULL,
    person_id  BIGINT NOT NULL,
    category   TEXT NOT NULL,
    start_date DATE NOT NULL,
    end_date   DATE,
    import_id  BIGINT,
    PRIMARY KEY (county, person_id, category, start_date),
    FOREIGN KEY (county, person_id) REFERENCES persons (county, person_id)
);

CREATE TABLE journal_entries (
    county      TEXT NOT NULL REFERENCES regions(code),
    entry_id    BIGINT NOT NULL,
    entry_date  DATE NOT NULL,
    kind        TEXT NOT NULL,
    description TEXT NOT NULL,
    import_id   BIGINT,
    created_by  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (county, entry_id)
);

CREATE TABLE journal_lines (
    county     TEXT NOT NULL,
    entry_id   BIGINT NOT NULL,
    line_no    BIGINT NOT NULL,
    account    TEXT NOT NULL,
    amount_fen BIGINT NOT NULL,
    PRIMARY KEY (county, entry_id, line_no),
    FOREIGN KEY (county, entry_id) REFERENCES journal_entries (county, entry_id)
);


CREATE TABLE account_movements (
    county               TEXT NOT NULL,
    movement_id          BIGINT NOT NULL,
    person_id            BIGINT NOT NULL,
    entry_id             BIGINT NOT NULL,
    movement_date        DATE NOT NULL,
    kind                 TEXT NOT NULL,
    year                 BIGINT NOT NULL,
    personal_fen         BIGINT NOT NULL,
    subsidy_province_fen BIGINT NOT NULL,
    subsidy_city_fen     BIGINT NOT NULL,
    subsidy_county_fen   BIGINT NOT NULL,
    gov_paid_fen         BIGINT NOT NULL,
    interest_fen         BIGINT NOT NULL,
    reference            TEXT NOT NULL,
    CHECK (kind NOT IN ('self', 'gov_paid') OR personal_fen + gov_paid_fen > 0),
    PRIMARY KEY (county, movement_id),
    FOREIGN KEY (county, person_id) REFERENCES persons (county, person_id),
    FOREIGN KEY (county, entry_id) REFERENCES journal_entries (county, entry_id)
);
CREATE INDEX account_movements_person ON account_movements (county, person_id);
-- A contribution (kind 'self' or 'gov_paid') is itself a movement; its receipt is the reference.
CREATE UNIQUE INDEX contributions_receipt ON account_movements (county, kind, reference) WHERE kind IN ('self', 'gov_paid');
CREATE UNIQUE INDEX contributions_person_year ON account_movements (county, person_id, year, kind) WHERE kind IN ('self', 'gov_paid');

CREATE VIEW contributions AS
SELECT m.movement_id AS contribution_id, m.county, m.person_id, m.year, m.kind,
       m.personal_fen + m.gov_paid_fen AS amount_fen, m.subsidy_province_fen, m.subsidy_city_fen,
       m.subsidy_county_fen, m.movement_date AS paid_date, m.reference AS receipt_no, e.import_id, m.entry_id
FROM account_movements m JOIN journal_entries e ON e.county = m.county AND e.entry_id = m.entry_id
WHERE m.kind IN ('self', 'gov_paid');

CREATE TABLE interest_credits (
    county     TEXT NOT NULL,
    year       BIGINT NOT NULL,
    rate       TEXT NOT NULL,
    persons    BIGINT NOT NULL,
    total_fen  BIGINT NOT NULL,
    entry_id   BIGINT,
    PRIMARY KEY (county, year),
    FOREIGN KEY (county, entry_id) REFERENCES journal_entries (county, entry_id)
);

CREATE TABLE audit_log (
    audit_id BIGINT PRIMARY KEY,
    at       TIMESTAMPTZ NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    detail   TEXT NOT NULL
);
