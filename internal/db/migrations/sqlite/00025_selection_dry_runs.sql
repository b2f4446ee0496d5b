-- +goose Up
-- Stored dry runs and published outcomes (see the PostgreSQL migration).
CREATE TABLE selection_dry_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id    INTEGER NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    seed        INTEGER NOT NULL,
    rubric      TEXT NOT NULL,
    result      TEXT NOT NULL,
    applicants  INTEGER NOT NULL,
    placed      INTEGER NOT NULL,
    created_by  INTEGER NOT NULL REFERENCES users (id),
    created_at  TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX selection_dry_runs_seq ON selection_dry_runs (round_id, seq);

CREATE TABLE selection_outcomes (
    round_id       INTEGER NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    dry_run_id     INTEGER NOT NULL REFERENCES selection_dry_runs (id),
    outcome        TEXT NOT NULL,
    rank_given     INTEGER NOT NULL DEFAULT 0,
    period_id      INTEGER REFERENCES periods (id),
    score_centi    INTEGER NOT NULL,
    waitlist_pos   INTEGER NOT NULL DEFAULT 0,
    explanation    TEXT NOT NULL,
    nominated_at   TIMESTAMP,
    PRIMARY KEY (round_id, application_id),
    CHECK (outcome IN ('placed', 'waitlisted', 'unplaced'))
);
CREATE INDEX selection_outcomes_application ON selection_outcomes (application_id);

-- +goose Down
DROP TABLE selection_outcomes;
DROP TABLE selection_dry_runs;
