-- Payment lines are written a million at a time, and each foreign key cost a trigger call per
-- line. Their parents are instead guaranteed another way: a line is only ever built from the
-- award, person and payroll rows read or written in the same write-locked transaction, and those
-- parents can never be deleted (the triggers below refuse it).
ALTER TABLE payroll_lines DROP CONSTRAINT IF EXISTS payroll_lines_county_payroll_id_fkey;
ALTER TABLE payroll_lines DROP CONSTRAINT IF EXISTS payroll_lines_county_person_id_fkey;

CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'E-DB-NO-DELETE：表 % 的记录不可删除', TG_TABLE_NAME;
END $$;
CREATE TRIGGER persons_never_deleted BEFORE DELETE ON persons FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER awards_never_deleted BEFORE DELETE ON awards FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER payrolls_never_deleted BEFORE DELETE ON payrolls FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER persons_never_truncated BEFORE TRUNCATE ON persons FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER awards_never_truncated BEFORE TRUNCATE ON awards FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER payrolls_never_truncated BEFORE TRUNCATE ON payrolls FOR EACH STATEMENT EXECUTE FUNCTION refuse_delete();
