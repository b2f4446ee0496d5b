-- +goose Up
-- Automatic handling after a round's publication (see the PostgreSQL migration).
ALTER TABLE selection_rounds ADD COLUMN offer_days INTEGER NOT NULL DEFAULT 5 CHECK (offer_days BETWEEN 1 AND 60);
ALTER TABLE selection_outcomes ADD COLUMN reason TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE selection_outcomes DROP COLUMN reason;
ALTER TABLE selection_rounds DROP COLUMN offer_days;
