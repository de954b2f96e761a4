-- The fund's special bank accounts, their interest agreements, and the banks' statements (SQLite).
CREATE TABLE bank_accounts (
    account_no TEXT PRIMARY KEY,
    county     TEXT NOT NULL REFERENCES regions(code),
    bank_name  TEXT NOT NULL
);

-- An agreement in force from `from_date` until `to_date` (inclusive; NULL: open). Rates are in
-- percent a year, as text with up to six decimals.
CREATE TABLE bank_agreements (
    agreement_id INTEGER PRIMARY KEY,
    account_no   TEXT NOT NULL REFERENCES bank_accounts(account_no),
    rate_pct     TEXT NOT NULL,
    day_basis    INTEGER NOT NULL CHECK (day_basis IN (360, 365)),
    frequency    TEXT NOT NULL CHECK (frequency IN ('monthly', 'quarterly', 'yearly')),
    from_date    TEXT NOT NULL,
    to_date      TEXT,
    import_id    INTEGER REFERENCES imports(import_id)
);
CREATE INDEX bank_agreements_account ON bank_agreements (account_no, from_date);

-- End-of-day balances as the bank states them; a balance holds until the next one.
CREATE TABLE bank_balances (
    account_no  TEXT NOT NULL REFERENCES bank_accounts(account_no),
    on_date     TEXT NOT NULL,
    balance_fen INTEGER NOT NULL CHECK (balance_fen >= 0),
    import_id   INTEGER REFERENCES imports(import_id),
    PRIMARY KEY (account_no, on_date)
);

-- Interest the bank credited for a period (inclusive dates).
CREATE TABLE bank_interest (
    account_no   TEXT NOT NULL REFERENCES bank_accounts(account_no),
    period_start TEXT NOT NULL,
    period_end   TEXT NOT NULL,
    credited_on  TEXT NOT NULL,
    amount_fen   INTEGER NOT NULL CHECK (amount_fen >= 0),
    county       TEXT NOT NULL,
    entry_id     INTEGER REFERENCES journal_entries(entry_id),
    import_id    INTEGER REFERENCES imports(import_id),
    PRIMARY KEY (account_no, period_start)
);

-- Subsidy budgets by year, government level and kind (and county for county budgets), and the
-- money that arrived from each level.
CREATE TABLE budget_lines (
    year       INTEGER NOT NULL,
    level      TEXT NOT NULL CHECK (level IN ('province', 'city', 'county')),
    kind       TEXT NOT NULL CHECK (kind IN ('entry', 'exit', 'gov_paid')),
    county     TEXT NOT NULL,
    amount_fen INTEGER NOT NULL CHECK (amount_fen >= 0),
    import_id  INTEGER REFERENCES imports(import_id),
    PRIMARY KEY (year, level, kind, county)
);

CREATE TABLE fund_arrivals (
    arrival_id  INTEGER PRIMARY KEY,
    year        INTEGER NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('province', 'city', 'county')),
    kind        TEXT NOT NULL CHECK (kind IN ('entry', 'exit', 'gov_paid')),
    county      TEXT NOT NULL,
    arrived_on  TEXT NOT NULL,
    amount_fen  INTEGER NOT NULL CHECK (amount_fen > 0),
    reference   TEXT NOT NULL,
    entry_id    INTEGER NOT NULL REFERENCES journal_entries(entry_id),
    import_id   INTEGER REFERENCES imports(import_id),
    UNIQUE (county, reference)
);
