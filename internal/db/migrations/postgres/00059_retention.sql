-- +goose Up
-- Retention by rule: the days each kind of record is kept when the office
-- changed the default, and one row per run of the retention job. A daily
-- run claims its day (unique), so one replica does the day's work.
CREATE TABLE retention_rules (
    kind       TEXT PRIMARY KEY,
    days       INTEGER NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    CHECK (days >= 1)
);
CREATE TABLE retention_runs (
    id         BIGSERIAL PRIMARY KEY,
    day        TEXT,
    dry        BOOLEAN NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    report     TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX retention_runs_day ON retention_runs (day);

-- +goose Down
DROP TABLE retention_runs;
DROP TABLE retention_rules;
