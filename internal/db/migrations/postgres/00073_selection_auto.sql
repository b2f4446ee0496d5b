-- +goose Up
-- Automatic handling after a round's publication (issue 14): how many days
-- a waitlisted student has to answer the offer of a freed seat, and, per
-- outcome, why it changed after publication (a host rejected the placement
-- and no later choice had a seat: 'host_rejected'). auto_promote
-- (migration 21) is the round's switch for all of it.
ALTER TABLE selection_rounds ADD COLUMN offer_days INTEGER NOT NULL DEFAULT 5 CHECK (offer_days BETWEEN 1 AND 60);
ALTER TABLE selection_outcomes ADD COLUMN reason TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE selection_outcomes DROP COLUMN reason;
ALTER TABLE selection_rounds DROP COLUMN offer_days;
