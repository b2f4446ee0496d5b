-- +goose Up
-- Appeals of a selection round's score (see the PostgreSQL migration).
ALTER TABLE selection_rounds ADD COLUMN scores_shown_at TIMESTAMP;

CREATE TABLE selection_appeals (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id       INTEGER NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    student_id     INTEGER NOT NULL REFERENCES users (id),
    reason         TEXT NOT NULL,
    state          TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    score_before   INTEGER NOT NULL,
    score_after    INTEGER,
    reply          TEXT NOT NULL DEFAULT '',
    answered_by    INTEGER REFERENCES users (id),
    answered_at    TIMESTAMP,
    open_slot      INTEGER,
    created_at     TIMESTAMP NOT NULL,
    CHECK (version > 0 AND state IN ('open', 'upheld', 'dismissed')
        AND ((state = 'open' AND open_slot = 1) OR (state <> 'open' AND open_slot IS NULL)))
);
CREATE UNIQUE INDEX selection_appeals_one_open ON selection_appeals (round_id, application_id, open_slot);
CREATE INDEX selection_appeals_application ON selection_appeals (application_id);
CREATE INDEX selection_appeals_round ON selection_appeals (round_id, state);

-- +goose Down
DROP TABLE selection_appeals;
ALTER TABLE selection_rounds DROP COLUMN scores_shown_at;
