-- Survey answers for the performance evaluation: one row per questionnaire.
CREATE TABLE survey_responses (
    year            BIGINT NOT NULL,
    county          TEXT NOT NULL REFERENCES regions(code),
    questionnaire   TEXT NOT NULL,
    respondent      TEXT NOT NULL CHECK (respondent IN ('contributor', 'recipient')),
    -- 1 aware, 0 not aware, NULL not answered
    aware           BIGINT,
    -- 1 very satisfied … 5 very dissatisfied, NULL not answered
    satisfaction    BIGINT CHECK (satisfaction BETWEEN 1 AND 5),
    import_id       BIGINT NOT NULL REFERENCES imports(import_id),
    PRIMARY KEY (year, county, questionnaire)
);
