-- Death records from every source, the death in force per person, overpayments and recovery (PostgreSQL).
CREATE TABLE death_records (
    record_id      BIGINT PRIMARY KEY,
    source         TEXT NOT NULL CHECK (source IN ('police', 'civil-affairs', 'health', 'village')),
    source_ref     TEXT NOT NULL,
    citizen_id_raw TEXT NOT NULL,
    name           TEXT NOT NULL,
    birth_date     DATE,
    county_raw     TEXT,
    death_date     DATE NOT NULL,
    person_id      BIGINT,
    person_county  TEXT,
    match_status   TEXT NOT NULL CHECK (match_status IN ('matched', 'review', 'confirmed', 'rejected', 'unmatched')),
    match_score    BIGINT,
    reviewed_by    TEXT,
    import_id      BIGINT,
    recorded_at    TIMESTAMPTZ NOT NULL,
    UNIQUE (source, source_ref),
    FOREIGN KEY (person_county, person_id) REFERENCES persons (county, person_id)
);
CREATE INDEX death_records_person ON death_records (person_county, person_id);

CREATE TABLE deaths (
    county        TEXT NOT NULL,
    person_id     BIGINT NOT NULL,
    death_date    DATE NOT NULL,
    source        TEXT NOT NULL,
    official      BOOLEAN NOT NULL,
    disagreement  BOOLEAN NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (county, person_id),
    FOREIGN KEY (county, person_id) REFERENCES persons (county, person_id)
);

CREATE TABLE recovery_cases (
    county          TEXT NOT NULL,
    case_id         BIGINT NOT NULL,
    person_id       BIGINT NOT NULL,
    death_date      DATE NOT NULL,
    opened_on       DATE NOT NULL,
    overpaid_fen    BIGINT NOT NULL,
    recovered_fen   BIGINT NOT NULL,
    written_off_fen BIGINT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    PRIMARY KEY (county, case_id),
    UNIQUE (county, person_id),
    FOREIGN KEY (county, person_id) REFERENCES persons (county, person_id)
);

CREATE TABLE overpayments (
    county               TEXT NOT NULL,
    payroll_id           BIGINT NOT NULL,
    line_no              BIGINT NOT NULL,
    case_id              BIGINT NOT NULL,
    person_id            BIGINT NOT NULL,
    months               BIGINT NOT NULL,
    account_fen          BIGINT NOT NULL,
    from_pool_fen        BIGINT NOT NULL,
    exit_province_fen    BIGINT NOT NULL,
    exit_city_fen        BIGINT NOT NULL,
    exit_county_fen      BIGINT NOT NULL,
    total_fen            BIGINT NOT NULL,
    entry_id             BIGINT NOT NULL,
    PRIMARY KEY (county, payroll_id, line_no),
    FOREIGN KEY (county, case_id) REFERENCES recovery_cases (county, case_id),
    FOREIGN KEY (county, entry_id) REFERENCES journal_entries (county, entry_id)
);

CREATE TABLE recovery_movements (
    county      TEXT NOT NULL,
    movement_id BIGINT NOT NULL,
    case_id     BIGINT NOT NULL,
    channel     TEXT NOT NULL CHECK (channel IN ('bank-deduction', 'offset', 'family-refund', 'enforcement', 'write-off')),
    amount_fen  BIGINT NOT NULL CHECK (amount_fen > 0),
    on_date     DATE NOT NULL,
    note        TEXT,
    entry_id    BIGINT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (county, movement_id),
    FOREIGN KEY (county, case_id) REFERENCES recovery_cases (county, case_id),
    FOREIGN KEY (county, entry_id) REFERENCES journal_entries (county, entry_id)
);
CREATE INDEX recovery_movements_case ON recovery_movements (county, case_id);

CREATE TABLE inheritance_payments (
    county          TEXT NOT NULL,
    person_id       BIGINT NOT NULL,
    heir_name       TEXT NOT NULL,
    heir_citizen_id TEXT NOT NULL,
    heir_bank       TEXT NOT NULL,
    heir_account    TEXT NOT NULL,
    offset_fen      BIGINT NOT NULL,
    paid_fen        BIGINT NOT NULL,
    paid_on         DATE NOT NULL,
    entry_id        BIGINT NOT NULL,
    recorded_by     TEXT NOT NULL,
    recorded_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (county, person_id),
    FOREIGN KEY (county, person_id) REFERENCES persons (county, person_id),
    FOREIGN KEY (county, entry_id) REFERENCES journal_entries (county, entry_id)
);

CREATE TABLE certifications (
    county       TEXT NOT NULL,
    person_id    BIGINT NOT NULL,
    certified_on DATE NOT NULL,
    method       TEXT NOT NULL CHECK (method IN ('data', 'face', 'visit')),
    import_id    BIGINT,
    PRIMARY KEY (county, person_id, certified_on),
    FOREIGN KEY (county, person_id) REFERENCES persons (county, person_id)
);
