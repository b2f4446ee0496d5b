-- +goose Up
-- Each applicant's value per component, in hundredths (88.15 is 8815) so
-- that both dialects store and sum it exactly. Every change is audited
-- (audit_events, selection.score.set) in the same transaction.
CREATE TABLE selection_scores (
    round_id       BIGINT NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    component_id   BIGINT NOT NULL REFERENCES selection_components (id) ON DELETE CASCADE,
    value_centi    INTEGER NOT NULL,
    updated_by     BIGINT NOT NULL REFERENCES users (id),
    updated_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (round_id, application_id, component_id)
);
CREATE INDEX selection_scores_application ON selection_scores (application_id);

-- +goose Down
DROP TABLE selection_scores;
