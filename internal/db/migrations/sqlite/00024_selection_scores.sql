-- +goose Up
-- Each applicant's value per component, in hundredths (see the PostgreSQL migration).
CREATE TABLE selection_scores (
    round_id       INTEGER NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    application_id INTEGER NOT NULL REFERENCES applications (id),
    component_id   INTEGER NOT NULL REFERENCES selection_components (id) ON DELETE CASCADE,
    value_centi    INTEGER NOT NULL,
    updated_by     INTEGER NOT NULL REFERENCES users (id),
    updated_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (round_id, application_id, component_id)
);
CREATE INDEX selection_scores_application ON selection_scores (application_id);

-- +goose Down
DROP TABLE selection_scores;
