-- +goose Up
-- The days a confirmed placement occupies (see the PostgreSQL migration).
-- SQLite has no exclusion constraint; its immediate transactions serialise
-- every writer, so the workflow's overlap check cannot race here.
ALTER TABLE applications ADD COLUMN placed_from DATE;
ALTER TABLE applications ADD COLUMN placed_until DATE;
ALTER TABLE rotation_requests ADD COLUMN placed_from DATE;
ALTER TABLE rotation_requests ADD COLUMN placed_until DATE;

-- +goose Down
ALTER TABLE rotation_requests DROP COLUMN placed_until;
ALTER TABLE rotation_requests DROP COLUMN placed_from;
ALTER TABLE applications DROP COLUMN placed_until;
ALTER TABLE applications DROP COLUMN placed_from;
