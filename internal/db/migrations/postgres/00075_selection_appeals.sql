-- +goose Up
-- Appeals of a selection round's score (issue 14). A student may ask for a
-- review of their score within the round's appeal_days once they can see
-- it: from publication, or from scores_shown_at when the office chose to
-- show scores before publication (so that a changed score can still change
-- the dry run). At most one open appeal per application and round: the
-- unique index on open_slot (1 while open, NULL once answered, and NULLs
-- never collide) holds that under concurrent requests too, on both dialects. The
-- office answers upheld (score_after, the new total in hundredths) or
-- dismissed, with a reply the student reads.
ALTER TABLE selection_rounds ADD COLUMN scores_shown_at TIMESTAMPTZ;

CREATE TABLE selection_appeals (
    id             BIGSERIAL PRIMARY KEY,
    round_id       BIGINT NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    student_id     BIGINT NOT NULL REFERENCES users (id),
    reason         TEXT NOT NULL,
    state          TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    score_before   INTEGER NOT NULL,
    score_after    INTEGER,
    reply          TEXT NOT NULL DEFAULT '',
    answered_by    BIGINT REFERENCES users (id),
    answered_at    TIMESTAMPTZ,
    open_slot      INTEGER,
    created_at     TIMESTAMPTZ NOT NULL,
    CHECK (version > 0 AND state IN ('open', 'upheld', 'dismissed')
        AND ((state = 'open' AND open_slot = 1) OR (state <> 'open' AND open_slot IS NULL)))
);
CREATE UNIQUE INDEX selection_appeals_one_open ON selection_appeals (round_id, application_id, open_slot);
CREATE INDEX selection_appeals_application ON selection_appeals (application_id);
CREATE INDEX selection_appeals_round ON selection_appeals (round_id, state);

-- +goose Down
DROP TABLE selection_appeals;
ALTER TABLE selection_rounds DROP COLUMN scores_shown_at;
