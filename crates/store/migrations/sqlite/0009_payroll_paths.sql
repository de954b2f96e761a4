-- Payment lines are keyed by payroll and person: a payroll pays a person at most once (a regular
-- payroll has one line per recipient, a supplementary one re-issues each failed line once), and a
-- person's lines of a month are found through the month's payrolls, so the separate month-person
-- index is gone: one index fewer to maintain for every line written. The line number stays a
-- column, numbered by the payroll run in the order of the key. The table is rebuilt (SQLite cannot
-- change a primary key); nothing references it.
CREATE TABLE payroll_lines_new (
    payroll_id           INTEGER NOT NULL,
    line_no              INTEGER NOT NULL,
    county               TEXT NOT NULL,
    person_id            INTEGER NOT NULL,
    award_id             INTEGER NOT NULL,
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
    PRIMARY KEY (payroll_id, person_id)
) WITHOUT ROWID;
INSERT INTO payroll_lines_new SELECT payroll_id, line_no, county, person_id, award_id, month, from_month, to_month, months,
    account_pension_fen, account_from_pool_fen, exit_province_fen, exit_city_fen, exit_county_fen, total_fen, bank_name,
    bank_account, status, paid_date, fail_reason, reissue_of_payroll, reissue_of_line FROM payroll_lines
    ORDER BY payroll_id, person_id;
DROP TABLE payroll_lines;
ALTER TABLE payroll_lines_new RENAME TO payroll_lines;
CREATE UNIQUE INDEX payroll_lines_reissue ON payroll_lines (reissue_of_payroll, reissue_of_line) WHERE reissue_of_payroll IS NOT NULL;
CREATE INDEX payroll_lines_failed ON payroll_lines (county, person_id) WHERE status = 'failed';
