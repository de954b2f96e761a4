-- Awards, payrolls and their lines (SQLite).
CREATE TABLE awards (
    award_id              INTEGER PRIMARY KEY,
    county                TEXT NOT NULL,
    person_id             INTEGER NOT NULL UNIQUE REFERENCES persons(person_id),
    start_month           TEXT NOT NULL,
    basis                 TEXT NOT NULL,
    contribution_years    INTEGER NOT NULL,
    balance_at_award_fen  INTEGER NOT NULL,
    account_pension_fen   INTEGER NOT NULL,
    exit_province_fen     INTEGER NOT NULL,
    exit_city_fen         INTEGER NOT NULL,
    exit_county_fen       INTEGER NOT NULL,
    raised_province_fen   INTEGER NOT NULL,
    raised_city_fen       INTEGER NOT NULL,
    raised_county_fen     INTEGER NOT NULL,
    monthly_fen           INTEGER NOT NULL,
    awarded_for_month     TEXT NOT NULL,
    created_by            TEXT NOT NULL,
    created_at            TEXT NOT NULL
);
CREATE INDEX awards_county ON awards (county);

CREATE TABLE payrolls (
    payroll_id   INTEGER PRIMARY KEY,
    county       TEXT NOT NULL REFERENCES regions(code),
    month        TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('regular', 'supplementary')),
    seq          INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'exported', 'paid')),
    line_count   INTEGER NOT NULL,
    total_fen    INTEGER NOT NULL,
    run_by       TEXT NOT NULL,
    run_at       TEXT NOT NULL,
    approved_by  TEXT,
    approved_at  TEXT,
    exported_at  TEXT,
    paid_date    TEXT,
    UNIQUE (county, month, kind, seq)
);

-- One line per recipient and payroll. Amounts are for all the months the line covers
-- (from_month..to_month: the first payment of a new award pays the months since it started).
CREATE TABLE payroll_lines (
    payroll_id           INTEGER NOT NULL REFERENCES payrolls(payroll_id),
    line_no              INTEGER NOT NULL,
    county               TEXT NOT NULL,
    person_id            INTEGER NOT NULL REFERENCES persons(person_id),
    award_id             INTEGER NOT NULL REFERENCES awards(award_id),
    month                TEXT NOT NULL,
    from_month           TEXT NOT NULL,
    to_month             TEXT NOT NULL,
    months               INTEGER NOT NULL,
    account_pension_fen  INTEGER NOT NULL,
    account_from_pool_fen INTEGER NOT NULL,
    exit_province_fen    INTEGER NOT NULL,
    exit_city_fen        INTEGER NOT NULL,
    exit_county_fen      INTEGER NOT NULL,
    total_fen            INTEGER NOT NULL CHECK (total_fen > 0),
    bank_name            TEXT NOT NULL,
    bank_account         TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'failed')),
    paid_date            TEXT,
    fail_reason          TEXT,
    reissue_of_payroll   INTEGER,
    reissue_of_line      INTEGER,
    PRIMARY KEY (payroll_id, line_no)
) WITHOUT ROWID;
-- Month first: a month's lines append in person order, and "paid through" steps back month by month.
CREATE INDEX payroll_lines_month_person ON payroll_lines (county, to_month, person_id);
CREATE UNIQUE INDEX payroll_lines_reissue ON payroll_lines (reissue_of_payroll, reissue_of_line) WHERE reissue_of_payroll IS NOT NULL;

CREATE TABLE payroll_exclusions (
    payroll_id INTEGER NOT NULL REFERENCES payrolls(payroll_id),
    county     TEXT NOT NULL,
    person_id  INTEGER NOT NULL REFERENCES persons(person_id),
    reason     TEXT NOT NULL,
    PRIMARY KEY (payroll_id, person_id)
);
