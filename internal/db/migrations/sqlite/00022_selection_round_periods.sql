-- +goose Up
-- The elective periods that take part in a round (see the PostgreSQL migration).
CREATE TABLE selection_round_periods (
    round_id  INTEGER NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    period_id INTEGER NOT NULL REFERENCES periods (id),
    PRIMARY KEY (round_id, period_id)
);
CREATE INDEX selection_round_periods_period ON selection_round_periods (period_id);

-- +goose Down
DROP TABLE selection_round_periods;
