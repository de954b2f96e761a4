-- Accounts: who acts. Every use case runs under one; its role and counties decide what it may
-- read and change (crates/ops/src/access.rs). Account 0 is the system account the command line
-- acts as on the server when no account is named. A password hash (argon2, PHC string) is set
-- for accounts that sign in to the web; NULL: the account cannot sign in.
CREATE TABLE users (
    user_id       INTEGER PRIMARY KEY,
    name          TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('operator', 'reviewer', 'city_admin', 'finance', 'evaluator', 'system')),
    password_hash TEXT,
    enabled       INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    changed_by    TEXT,
    changed_at    TEXT
);
-- The counties a county operator or reviewer acts in (none for the city-level roles, which
-- act in all).
CREATE TABLE user_counties (
    user_id INTEGER NOT NULL REFERENCES users(user_id),
    county  TEXT NOT NULL REFERENCES regions(code),
    PRIMARY KEY (user_id, county)
);
INSERT INTO users (user_id, name, display_name, role, password_hash, enabled, created_by, created_at)
VALUES (0, 'system', '系统管理员', 'system', NULL, 1, 'system', strftime('%Y-%m-%dT%H:%M:%f000Z', 'now'));
-- Maker-checker compares accounts: the payroll's maker and approver as account ids (NULL for
-- payrolls made before accounts were kept; they compare by name).
ALTER TABLE payrolls ADD COLUMN run_by_user INTEGER REFERENCES users(user_id);
ALTER TABLE payrolls ADD COLUMN approved_by_user INTEGER REFERENCES users(user_id);
