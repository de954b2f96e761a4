-- Yanglao schema v1 (SQLite). Amounts are INTEGER fen; dates ISO text; booleans 0/1.
CREATE TABLE regions (
    code   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    level  TEXT NOT NULL CHECK (level IN ('province', 'city', 'county')),
    parent TEXT REFERENCES regions(code)
);

CREATE TABLE id_counters (
    name    TEXT PRIMARY KEY,
    next_id INTEGER NOT NULL
);

CREATE TABLE imports (
    import_id   INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    file_sha256 TEXT NOT NULL,
    row_count   INTEGER NOT NULL,
    posted      INTEGER NOT NULL,
    skipped     INTEGER NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (kind, file_sha256)
);

CREATE TABLE persons (
    person_id      INTEGER PRIMARY KEY,
    county         TEXT NOT NULL REFERENCES regions(code),
    citizen_id     TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    birth_date     TEXT NOT NULL,
    sex            TEXT NOT NULL CHECK (sex IN ('M', 'F')),
    phone          TEXT,
    bank_name      TEXT,
    bank_account   TEXT,
    basic_enrolled INTEGER NOT NULL,
    import_id      INTEGER REFERENCES imports(import_id),
    created_at     TEXT NOT NULL
);

-- Decisions about a person's pension (receiving, suspended, resumed, terminated). Whether someone
-- is contributing or lapsed in a year is derived from their contributions, never stored.
CREATE TABLE person_events (
    county         TEXT NOT NULL,
    event_id       INTEGER PRIMARY KEY,
    person_id      INTEGER NOT NULL REFERENCES persons(person_id),
    status         TEXT NOT NULL CHECK (status IN ('receiving', 'suspended', 'resumed', 'terminated')),
    reason         TEXT,
    effective_date TEXT NOT NULL,
    recorded_by    TEXT NOT NULL,
    recorded_at    TEXT NOT NULL
);
CREATE INDEX person_events_person ON person_events (person_id);

CREATE TABLE hardship_memberships (
    county     TEXT NOT NULL,
    person_id  INTEGER NOT NULL REFERENCES persons(person_id),
    category   TEXT NOT NULL,
    start_date TEXT NOT NULL,
    end_date   TEXT,
    import_id  INTEGER REFERENCES imports(import_id),
    PRIMARY KEY (person_id, category, start_date)
);

CREATE TABLE journal_entries (
    entry_id    INTEGER PRIMARY KEY,
    county      TEXT NOT NULL REFERENCES regions(code),
    entry_date  TEXT NOT NULL,
    kind        TEXT NOT NULL,
    description TEXT NOT NULL,
    import_id   INTEGER REFERENCES imports(import_id),
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- Debits are positive, credits negative; the lines of an entry sum to zero.
CREATE TABLE journal_lines (
    county     TEXT NOT NULL,
    entry_id   INTEGER NOT NULL REFERENCES journal_entries(entry_id),
    line_no    INTEGER NOT NULL,
    account    TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    PRIMARY KEY (entry_id, line_no)
);


-- The individual-account sub-ledger: one row per movement, by component. Its totals equal the
-- ind.* control accounts of the journal (checked by `ledger verify`). A contribution (kind 'self'
-- or 'gov_paid') is itself a movement: its receipt number is the reference, its date the payment
-- date, and the `contributions` view below reads them back.
CREATE TABLE account_movements (
    movement_id          INTEGER PRIMARY KEY,
    county               TEXT NOT NULL,
    person_id            INTEGER NOT NULL REFERENCES persons(person_id),
    entry_id             INTEGER NOT NULL REFERENCES journal_entries(entry_id),
    movement_date        TEXT NOT NULL,
    kind                 TEXT NOT NULL,
    year                 INTEGER NOT NULL,
    personal_fen         INTEGER NOT NULL,
    subsidy_province_fen INTEGER NOT NULL,
    subsidy_city_fen     INTEGER NOT NULL,
    subsidy_county_fen   INTEGER NOT NULL,
    gov_paid_fen         INTEGER NOT NULL,
    interest_fen         INTEGER NOT NULL,
    reference            TEXT NOT NULL,
    CHECK (kind NOT IN ('self', 'gov_paid') OR personal_fen + gov_paid_fen > 0)
);
CREATE INDEX account_movements_person ON account_movements (person_id);
CREATE UNIQUE INDEX contributions_receipt ON account_movements (county, kind, reference) WHERE kind IN ('self', 'gov_paid');
CREATE UNIQUE INDEX contributions_person_year ON account_movements (person_id, year, kind) WHERE kind IN ('self', 'gov_paid');

CREATE VIEW contributions AS
SELECT m.movement_id AS contribution_id, m.county, m.person_id, m.year, m.kind,
       m.personal_fen + m.gov_paid_fen AS amount_fen, m.subsidy_province_fen, m.subsidy_city_fen,
       m.subsidy_county_fen, m.movement_date AS paid_date, m.reference AS receipt_no, e.import_id, m.entry_id
FROM account_movements m JOIN journal_entries e ON e.entry_id = m.entry_id
WHERE m.kind IN ('self', 'gov_paid');

CREATE TABLE interest_credits (
    county     TEXT NOT NULL,
    year       INTEGER NOT NULL,
    rate       TEXT NOT NULL,
    persons    INTEGER NOT NULL,
    total_fen  INTEGER NOT NULL,
    entry_id   INTEGER REFERENCES journal_entries(entry_id),
    PRIMARY KEY (county, year)
);

CREATE TABLE audit_log (
    audit_id INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,
    actor    TEXT NOT NULL,
    action   TEXT NOT NULL,
    detail   TEXT NOT NULL
);
