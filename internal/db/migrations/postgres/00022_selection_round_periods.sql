-- +goose Up
-- The elective periods that take part in a round. A period takes part in
-- at most one round that is not closed; the service checks it (a partial
-- unique index would need the round's state here).
CREATE TABLE selection_round_periods (
    round_id  BIGINT NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    period_id BIGINT NOT NULL REFERENCES periods (id),
    PRIMARY KEY (round_id, period_id)
);
CREATE INDEX selection_round_periods_period ON selection_round_periods (period_id);

-- +goose Down
DROP TABLE selection_round_periods;
