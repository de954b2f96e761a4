-- The web's sign-in sessions, kept in Yanglao's own database. The cookie carries a random token;
-- only its SHA-256 is kept here, so a copy of the database signs no one in. Times are Unix
-- seconds. A session ends by signing out, by timing out (idle or absolute, checked at each
-- request), or when its account signs out everywhere, is disabled or gets a new password.
CREATE TABLE web_sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(user_id),
    csrf_token   TEXT NOT NULL,
    created_s    INTEGER NOT NULL,
    last_seen_s  INTEGER NOT NULL,
    address      TEXT,
    user_agent   TEXT,
    ended_s      INTEGER,
    end_reason   TEXT
);
CREATE INDEX web_sessions_user ON web_sessions (user_id);
-- Repeated wrong passwords lock an account for a while (crates/ops/src/sessions.rs).
ALTER TABLE users ADD COLUMN failed_sign_ins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until_s INTEGER;
-- The audit log says from where (the client's address, or "命令行") and which account id.
ALTER TABLE audit_log ADD COLUMN address TEXT;
ALTER TABLE audit_log ADD COLUMN user_id INTEGER;
-- The audit log is kept, never changed: no update or delete goes through, whoever asks.
CREATE TRIGGER audit_log_kept_on_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_kept_on_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
-- API tokens: issued to an account by the city administrator, for programs that call the HTTP
-- API as that account. Only the SHA-256 is kept; the token is shown once, when issued.
CREATE TABLE api_tokens (
    token_id    INTEGER PRIMARY KEY,
    token_hash  TEXT NOT NULL UNIQUE,
    user_id     INTEGER NOT NULL REFERENCES users(user_id),
    label       TEXT NOT NULL,
    issued_by   TEXT NOT NULL,
    issued_s    INTEGER NOT NULL,
    last_used_s INTEGER,
    revoked_s   INTEGER,
    revoked_by  TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);
