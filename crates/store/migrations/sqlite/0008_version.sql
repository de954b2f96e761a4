-- The database's change counter: every committed transaction that writes anything advances it
-- (the store does it at commit). Work prepared from an earlier snapshot (the payroll prepares the
-- next county while it writes this one) compares it to see whether anything moved under it.
CREATE TABLE db_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO db_version (id, n) VALUES (1, 0);
