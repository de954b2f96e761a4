-- The policy kept in the books: each version of the parameter file, from the date it applies.
-- Every journal entry records the version in force on its date; imports, award runs and payrolls
-- record the newest version they applied (NULL: posted before versions were kept, or nothing
-- applied).
CREATE TABLE policy_versions (
    version_id     INTEGER PRIMARY KEY,
    scheme         TEXT NOT NULL,
    name           TEXT NOT NULL,
    illustrative   INTEGER NOT NULL,
    applies_from   TEXT NOT NULL UNIQUE,
    content        TEXT NOT NULL,
    content_sha256 TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    loaded_by      TEXT NOT NULL,
    loaded_at      TEXT NOT NULL
);
ALTER TABLE journal_entries ADD COLUMN policy_version INTEGER REFERENCES policy_versions(version_id);
ALTER TABLE payrolls ADD COLUMN policy_version INTEGER REFERENCES policy_versions(version_id);
-- A death record's business date: when it was reported (or the file processed); NULL for
-- records imported before it was kept.
ALTER TABLE death_records ADD COLUMN reported_on TEXT;
ALTER TABLE awards ADD COLUMN policy_version INTEGER REFERENCES policy_versions(version_id);

-- Register files (persons, hardship groups, certifications) are compared with the register row
-- by row each time they are imported, so the same file may be imported again (after the register
-- changed); only files that post money keep one import per content. SQLite cannot drop a table
-- constraint, so the table is rebuilt (the migrations run with foreign keys off and are checked
-- by `PRAGMA foreign_key_check` before they commit).
CREATE TABLE imports_new (
    import_id      INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL,
    file_name      TEXT NOT NULL,
    file_sha256    TEXT NOT NULL,
    row_count      INTEGER NOT NULL,
    posted         INTEGER NOT NULL,
    skipped        INTEGER NOT NULL,
    imported_by    TEXT NOT NULL,
    imported_at    TEXT NOT NULL,
    policy_version INTEGER REFERENCES policy_versions(version_id)
);
INSERT INTO imports_new (import_id, kind, file_name, file_sha256, row_count, posted, skipped, imported_by, imported_at)
SELECT import_id, kind, file_name, file_sha256, row_count, posted, skipped, imported_by, imported_at FROM imports;
DROP TABLE imports;
ALTER TABLE imports_new RENAME TO imports;
CREATE UNIQUE INDEX imports_money_content ON imports (kind, file_sha256)
    WHERE kind NOT IN ('persons', 'hardship', 'certifications');
CREATE INDEX imports_content ON imports (kind, file_sha256);
