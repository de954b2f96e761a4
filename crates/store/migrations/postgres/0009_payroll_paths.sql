-- The monthly payroll's read and write paths.
--
-- Payment lines are keyed by payroll and person (with the county, the distribution column, last):
-- a payroll pays a person at most once (a regular payroll has one line per recipient, a
-- supplementary one re-issues each failed line once), and a person's lines of a month are found
-- through the month's payrolls, so the separate month-person index is gone: one index fewer to
-- maintain for each of the 200,000 lines a county's payroll writes. The key leads with integers:
-- with the text county first, every comparison decoded a variable-length column before the
-- numbers. The line number stays a column, numbered by the payroll run in the order of the key.
ALTER TABLE payroll_lines DROP CONSTRAINT payroll_lines_pkey;
ALTER TABLE payroll_lines ADD CONSTRAINT payroll_lines_pkey PRIMARY KEY (payroll_id, person_id, county);
DROP INDEX payroll_lines_month_person;

-- A payroll reads each county's awards with their recipients' bank details. These indexes hold
-- what it reads, in county order, so it reads them alone (an index-only scan) instead of visiting
-- table pages spread over every county. The awards' unique key moves into its covering index.
CREATE UNIQUE INDEX awards_payment ON awards (county, person_id)
    INCLUDE (award_id, start_month, account_pension_fen, exit_province_fen, exit_city_fen, exit_county_fen,
             raised_province_fen, raised_city_fen, raised_county_fen);
ALTER TABLE awards DROP CONSTRAINT awards_county_person_id_key;
CREATE INDEX persons_payment ON persons (county, person_id) INCLUDE (bank_name, bank_account, birth_date);
