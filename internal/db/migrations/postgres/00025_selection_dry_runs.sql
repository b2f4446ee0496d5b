-- +goose Up
-- Stored dry runs: what the engine was given and what it answered, as the
-- office saw it, so that two can be compared after a change of weights and
-- the published one is the one the students read. result holds the
-- outcome per applicant as JSON (internal/selection/dryrun.go).
CREATE TABLE selection_dry_runs (
    id          BIGSERIAL PRIMARY KEY,
    round_id    BIGINT NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    seed        BIGINT NOT NULL,
    rubric      TEXT NOT NULL,
    result      TEXT NOT NULL,
    applicants  INTEGER NOT NULL,
    placed      INTEGER NOT NULL,
    created_by  BIGINT NOT NULL REFERENCES users (id),
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX selection_dry_runs_seq ON selection_dry_runs (round_id, seq);

-- What publication gave each applicant: one row per (round, application),
-- so that publishing twice finds its rows and changes nothing.
CREATE TABLE selection_outcomes (
    round_id       BIGINT NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    dry_run_id     BIGINT NOT NULL REFERENCES selection_dry_runs (id),
    outcome        TEXT NOT NULL,
    rank_given     INTEGER NOT NULL DEFAULT 0,
    period_id      BIGINT REFERENCES periods (id),
    score_centi    INTEGER NOT NULL,
    waitlist_pos   INTEGER NOT NULL DEFAULT 0,
    explanation    TEXT NOT NULL,
    nominated_at   TIMESTAMPTZ,
    PRIMARY KEY (round_id, application_id),
    CHECK (outcome IN ('placed', 'waitlisted', 'unplaced'))
);
CREATE INDEX selection_outcomes_application ON selection_outcomes (application_id);

-- +goose Down
DROP TABLE selection_outcomes;
DROP TABLE selection_dry_runs;
