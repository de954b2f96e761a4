-- The evaluator's worksheet kept in the database (edited in the pages): one row per saved
-- judgement, never changed; the current judgement of an indicator is its latest row (a row of
-- kind 'cleared' takes it back). Points are a decimal's text (two decimals at most).
CREATE TABLE evaluation_judgements (
    judgement_id BIGINT PRIMARY KEY,
    year         BIGINT NOT NULL,
    code         TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('score', 'deduction', 'cleared')),
    slot         TEXT NOT NULL CHECK (slot IN ('score', 'deduction')),
    points       TEXT NOT NULL,
    reason       TEXT NOT NULL,
    evidence     TEXT NOT NULL,
    saved_by     TEXT NOT NULL,
    saved_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX evaluation_judgements_year ON evaluation_judgements (year, code, slot, judgement_id);
