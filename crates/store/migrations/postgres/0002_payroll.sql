-- Awards, payrolls and their lines (PostgreSQL; county in every key, as for the other per-person tables).
CREATE TABLE awards (
    county                TEXT NOT NULL,
    award_id              BIGINT NOT NULL,
    person_id             BIGINT NOT NULL,
    start_month           DATE NOT NULL,
    basis                 TEXT NOT NULL,
    contribution_years    BIGINT NOT NULL,
    balance_at_award_fen  BIGINT NOT NULL,
    account_pension_fen   BIGINT NOT NULL,
    exit_province_fen     BIGINT NOT NULL,
    exit_city_fen         BIGINT NOT NULL,
    exit_county_fen       BIGINT NOT NULL,
    raised_province_fen   BIGINT NOT NULL,
    raised_city_fen       BIGINT NOT NULL,
    raised_county_fen     BIGINT NOT NULL,
    monthly_fen           BIGINT NOT NULL,
    awarded_for_month     DATE NOT NULL,
    created_by            TEXT NOT NULL,
    created_at            TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (county, award_id),
    UNIQUE (county, person_id),
    FOREIGN KEY (county, person_id) REFERENCES persons (county, person_id)
);

CREATE TABLE payrolls (
    county       TEXT NOT NULL REFERENCES regions(code),
    payroll_id   BIGINT NOT NULL,
    month        DATE NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('regular', 'supplementary')),
    seq          BIGINT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'exported', 'paid')),
    line_count   BIGINT NOT NULL,
    total_fen    BIGINT NOT NULL,
    run_by       TEXT NOT NULL,
    run_at       TIMESTAMPTZ NOT NULL,
    approved_by  TEXT,
    approved_at  TIMESTAMPTZ,
    exported_at  TIMESTAMPTZ,
    paid_date    DATE,
    PRIMARY KEY (county, payroll_id),
    UNIQUE (county, month, kind, seq)
);

CREATE TABLE payroll_lines (
    county               TEXT NOT NULL,
    payroll_id           BIGINT NOT NULL,
    line_no              BIGINT NOT NULL,
    person_id            BIGINT NOT NULL,
    award_id             BIGINT NOT NULL,
    month                DATE NOT NULL,
    from_month           DATE NOT NULL,
    to_month             DATE NOT NULL,
    months               BIGINT NOT NULL,
    account_pension_fen  BIGINT NOT NULL,
    account_from_pool_fen BIGINT NOT NULL,
    exit_province_fen    BIGINT NOT NULL,
    exit_city_fen        BIGINT NOT NULL,
    exit_county_fen      BIGINT NOT NULL,
    total_fen            BIGINT NOT NULL CHECK (total_fen > 0),
    bank_name            TEXT NOT NULL,
    bank_account         TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'failed')),
    paid_date            DATE,
    fail_reason          TEXT,
    reissue_of_payroll   BIGINT,
    reissue_of_line      BIGINT,
    PRIMARY KEY (county, payroll_id, line_no),
    FOREIGN KEY (county, payroll_id) REFERENCES payrolls (county, payroll_id),
    FOREIGN KEY (county, person_id) REFERENCES persons (county, person_id)
);
-- Month first: a month's lines append in person order, and "paid through" steps back month by month.
CREATE INDEX payroll_lines_month_person ON payroll_lines (county, to_month, person_id);
CREATE UNIQUE INDEX payroll_lines_reissue ON payroll_lines (county, reissue_of_payroll, reissue_of_line) WHERE reissue_of_payroll IS NOT NULL;

CREATE TABLE payroll_exclusions (
    county     TEXT NOT NULL,
    payroll_id BIGINT NOT NULL,
    person_id  BIGINT NOT NULL,
    reason     TEXT NOT NULL,
    PRIMARY KEY (county, payroll_id, person_id),
    FOREIGN KEY (county, payroll_id) REFERENCES payrolls (county, payroll_id)
);
