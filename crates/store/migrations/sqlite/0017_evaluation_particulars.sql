-- What the report says that the data cannot: the evaluation's particulars (who commissioned it,
-- who evaluated, the documents it rests on, its dates) and the evaluator's own text (the overall
-- judgement, the causes of each problem found, their rectification). One row per save, never
-- changed; a field's current value is its latest row (an empty value clears it).
CREATE TABLE evaluation_particulars (
    particular_id INTEGER PRIMARY KEY,
    year          INTEGER NOT NULL,
    field         TEXT NOT NULL,
    value         TEXT NOT NULL,
    saved_by      TEXT NOT NULL,
    saved_at      TEXT NOT NULL
);
CREATE INDEX evaluation_particulars_year ON evaluation_particulars (year, field, particular_id);
