-- The fund's special bank accounts, their interest agreements, and the banks' statements (PostgreSQL).
-- Small tables, keyed by account: reference data rather than per-person rows.
CREATE TABLE bank_accounts (
    account_no TEXT PRIMARY KEY,
    county     TEXT NOT NULL REFERENCES regions(code),
    bank_name  TEXT NOT NULL
);

CREATE TABLE bank_agreements (
    agreement_id BIGINT PRIMARY KEY,
    account_no   TEXT NOT NULL REFERENCES bank_accounts(account_no),
    rate_pct     TEXT NOT NULL,
    day_basis    BIGINT NOT NULL CHECK (day_basis IN (360, 365)),
    frequency    TEXT NOT NULL CHECK (frequency IN ('monthly', 'quarterly', 'yearly')),
    from_date    DATE NOT NULL,
    to_date      DATE,
    import_id    BIGINT
);
CREATE INDEX bank_agreements_account ON bank_agreements (account_no, from_date);

CREATE TABLE bank_balances (
    account_no  TEXT NOT NULL REFERENCES bank_accounts(account_no),
    on_date     DATE NOT NULL,
    balance_fen BIGINT NOT NULL CHECK (balance_fen >= 0),
    import_id   BIGINT,
    PRIMARY KEY (account_no, on_date)
);

CREATE TABLE bank_interest (
    account_no   TEXT NOT NULL REFERENCES bank_accounts(account_no),
    period_start DATE NOT NULL,
    period_end   DATE NOT NULL,
    credited_on  DATE NOT NULL,
    amount_fen   BIGINT NOT NULL CHECK (amount_fen >= 0),
    county       TEXT NOT NULL,
    entry_id     BIGINT,
    import_id    BIGINT,
    PRIMARY KEY (account_no, period_start),
    FOREIGN KEY (county, entry_id) REFERENCES journal_entries (county, entry_id)
);

CREATE TABLE budget_lines (
    year       BIGINT NOT NULL,
    level      TEXT NOT NULL CHECK (level IN ('province', 'city', 'county')),
    kind       TEXT NOT NULL CHECK (kind IN ('entry', 'exit', 'gov_paid')),
    county     TEXT NOT NULL,
    amount_fen BIGINT NOT NULL CHECK (amount_fen >= 0),
    import_id  BIGINT,
    PRIMARY KEY (year, level, kind, county)
);

CREATE TABLE fund_arrivals (
    county      TEXT NOT NULL,
    arrival_id  BIGINT NOT NULL,
    year        BIGINT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('province', 'city', 'county')),
    kind        TEXT NOT NULL CHECK (kind IN ('entry', 'exit', 'gov_paid')),
    arrived_on  DATE NOT NULL,
    amount_fen  BIGINT NOT NULL CHECK (amount_fen > 0),
    reference   TEXT NOT NULL,
    entry_id    BIGINT NOT NULL,
    import_id   BIGINT,
    PRIMARY KEY (county, arrival_id),
    UNIQUE (county, reference),
    FOREIGN KEY (county, entry_id) REFERENCES journal_entries (county, entry_id)
);
