-- Payment lines are written a million at a time, and each foreign key cost a parent lookup per
-- line. Their parents are instead guaranteed another way: a line is only ever built from the
-- award, person and payroll rows read or written in the same write-locked transaction, and those
-- parents can never be deleted (the triggers below refuse it). The table is rebuilt without the
-- REFERENCES clauses; nothing references payroll_lines, so dropping the old table is safe.
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
    PRIMARY KEY (payroll_id, line_no)
) WITHOUT ROWID;
INSERT INTO payroll_lines_new SELECT payroll_id, line_no, county, person_id, award_id, month, from_month, to_month, months,
    account_pension_fen, account_from_pool_fen, exit_province_fen, exit_city_fen, exit_county_fen, total_fen, bank_name,
    bank_account, status, paid_date, fail_reason, reissue_of_payroll, reissue_of_line FROM payroll_lines;
DROP TABLE payroll_lines;
ALTER TABLE payroll_lines_new RENAME TO payroll_lines;
CREATE INDEX payroll_lines_month_person ON payroll_lines (county, to_month, person_id);
CREATE UNIQUE INDEX payroll_lines_reissue ON payroll_lines (reissue_of_payroll, reissue_of_line) WHERE reissue_of_payroll IS NOT NULL;
CREATE INDEX payroll_lines_failed ON payroll_lines (county, person_id) WHERE status = 'failed';

-- The parents of payment lines are never deleted.
CREATE TRIGGER persons_never_deleted BEFORE DELETE ON persons
BEGIN SELECT RAISE(ABORT, 'E-DB-NO-DELETE：人员记录不可删除'); END;
CREATE TRIGGER awards_never_deleted BEFORE DELETE ON awards
BEGIN SELECT RAISE(ABORT, 'E-DB-NO-DELETE：待遇核定记录不可删除'); END;
CREATE TRIGGER payrolls_never_deleted BEFORE DELETE ON payrolls
BEGIN SELECT RAISE(ABORT, 'E-DB-NO-DELETE：发放批次不可删除'); END;
