-- Death records from every source, the death in force per person, overpayments and recovery (SQLite).
CREATE TABLE death_records (
    record_id      INTEGER PRIMARY KEY,
    source         TEXT NOT NULL CHECK (source IN ('police', 'civil-affairs', 'health', 'village')),
    source_ref     TEXT NOT NULL,
    citizen_id_raw TEXT NOT NULL,
    name           TEXT NOT NULL,
    birth_date     TEXT,
    county_raw     TEXT,
    death_date     TEXT NOT NULL,
    person_id      INTEGER REFERENCES persons(person_id),
    person_county  TEXT,
    match_status   TEXT NOT NULL CHECK (match_status IN ('matched', 'review', 'confirmed', 'rejected', 'unmatched')),
    match_score    INTEGER,
    reviewed_by    TEXT,
    import_id      INTEGER REFERENCES imports(import_id),
    recorded_at    TEXT NOT NULL,
    UNIQUE (source, source_ref)
);
CREATE INDEX death_records_person ON death_records (person_id);

-- The death in force: the earliest date an official source confirms, else a village report's.
CREATE TABLE deaths (
    county        TEXT NOT NULL,
    person_id     INTEGER PRIMARY KEY REFERENCES persons(person_id),
    death_date    TEXT NOT NULL,
    source        TEXT NOT NULL,
    official      INTEGER NOT NULL,
    disagreement  INTEGER NOT NULL,
    updated_at    TEXT NOT NULL
);

CREATE TABLE recovery_cases (
    case_id         INTEGER PRIMARY KEY,
    county          TEXT NOT NULL,
    person_id       INTEGER NOT NULL UNIQUE REFERENCES persons(person_id),
    death_date      TEXT NOT NULL,
    opened_on       TEXT NOT NULL,
    overpaid_fen    INTEGER NOT NULL,
    recovered_fen   INTEGER NOT NULL,
    written_off_fen INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'closed'))
);

-- Each paid line (or the part of it) that fell after a death.
CREATE TABLE overpayments (
    county               TEXT NOT NULL,
    payroll_id           INTEGER NOT NULL,
    line_no              INTEGER NOT NULL,
    case_id              INTEGER NOT NULL REFERENCES recovery_cases(case_id),
    person_id            INTEGER NOT NULL,
    months               INTEGER NOT NULL,
    account_fen          INTEGER NOT NULL,
    from_pool_fen        INTEGER NOT NULL,
    exit_province_fen    INTEGER NOT NULL,
    exit_city_fen        INTEGER NOT NULL,
    exit_county_fen      INTEGER NOT NULL,
    total_fen            INTEGER NOT NULL,
    entry_id             INTEGER NOT NULL REFERENCES journal_entries(entry_id),
    PRIMARY KEY (payroll_id, line_no)
);

-- Each step of a recovery: money recovered through a channel, an offset, or a write-off.
CREATE TABLE recovery_movements (
    movement_id INTEGER PRIMARY KEY,
    county      TEXT NOT NULL,
    case_id     INTEGER NOT NULL REFERENCES recovery_cases(case_id),
    channel     TEXT NOT NULL CHECK (channel IN ('bank-deduction', 'offset', 'family-refund', 'enforcement', 'write-off')),
    amount_fen  INTEGER NOT NULL CHECK (amount_fen > 0),
    on_date     TEXT NOT NULL,
    note        TEXT,
    entry_id    INTEGER NOT NULL REFERENCES journal_entries(entry_id),
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX recovery_movements_case ON recovery_movements (case_id);

-- The individual-account balance paid to the heirs after a death.
CREATE TABLE inheritance_payments (
    county          TEXT NOT NULL,
    person_id       INTEGER PRIMARY KEY REFERENCES persons(person_id),
    heir_name       TEXT NOT NULL,
    heir_citizen_id TEXT NOT NULL,
    heir_bank       TEXT NOT NULL,
    heir_account    TEXT NOT NULL,
    offset_fen      INTEGER NOT NULL,
    paid_fen        INTEGER NOT NULL,
    paid_on         TEXT NOT NULL,
    entry_id        INTEGER NOT NULL REFERENCES journal_entries(entry_id),
    recorded_by     TEXT NOT NULL,
    recorded_at     TEXT NOT NULL
);

-- Eligibility certifications (资格认证): data comparison, face recognition in the app, home visit.
CREATE TABLE certifications (
    county       TEXT NOT NULL,
    person_id    INTEGER NOT NULL REFERENCES persons(person_id),
    certified_on TEXT NOT NULL,
    method       TEXT NOT NULL CHECK (method IN ('data', 'face', 'visit')),
    import_id    INTEGER REFERENCES imports(import_id),
    PRIMARY KEY (person_id, certified_on)
);
