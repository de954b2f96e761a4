-- The policy kept in the books: each version of the parameter file, from the date it applies.
-- Every journal entry records the version in force on its date; imports, award runs and payrolls
-- record the newest version they applied (NULL: posted before versions were kept, or nothing
-- applied).
CREATE TABLE policy_versions (
    version_id     BIGINT PRIMARY KEY,
    scheme         TEXT NOT NULL,
    name           TEXT NOT NULL,
    illustrative   BOOLEAN NOT NULL,
    applies_from   DATE NOT NULL UNIQUE,
    content        TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    loaded_by      TEXT NOT NULL,
    loaded_at      TIMESTAMPTZ NOT NULL
);
ALTER TABLE journal_entries ADD COLUMN policy_version BIGINT REFERENCES policy_versions(version_id);
ALTER TABLE payrolls ADD COLUMN policy_version BIGINT REFERENCES policy_versions(version_id);
-- A death record's business date: when it was reported (or the file processed); NULL for
-- records imported before it was kept.
ALTER TABLE death_records ADD COLUMN reported_on DATE;
ALTER TABLE awards ADD COLUMN policy_version BIGINT REFERENCES policy_versions(version_id);
ALTER TABLE imports ADD COLUMN policy_version BIGINT REFERENCES policy_versions(version_id);

-- Register files (persons, hardship groups, certifications) are compared with the register row
-- by row each time they are imported, so the same file may be imported again; only files that
-- post money keep one import per content.
ALTER TABLE imports DROP CONSTRAINT imports_kind_file_sha256_key;
CREATE UNIQUE INDEX imports_money_content ON imports (kind, file_sha256)
    WHERE kind NOT IN ('persons', 'hardship', 'certifications');
CREATE INDEX imports_content ON imports (kind, file_sha256);
