-- +goose Up
-- The days a confirmed placement occupies, copied onto the application or
-- rotation request when it is confirmed, so that the database itself can
-- refuse two confirmed placements of one person in overlapping days. The
-- workflow already serialises a person's confirmations (workflow.LockPerson)
-- and checks the overlap with a clear message; these constraints are the
-- backstop for any code path that forgets. btree_gist (trusted, like
-- pg_trgm) lets the equality on the person share a GiST index with the
-- range overlap.
CREATE EXTENSION IF NOT EXISTS btree_gist;

ALTER TABLE applications ADD COLUMN placed_from DATE;
ALTER TABLE applications ADD COLUMN placed_until DATE;
ALTER TABLE applications ADD CONSTRAINT applications_placement_excl
    EXCLUDE USING gist (applicant_id WITH =, daterange(placed_from, placed_until, '[]') WITH &&)
    WHERE (status = 'confirmed' AND placed_from IS NOT NULL);

ALTER TABLE rotation_requests ADD COLUMN placed_from DATE;
ALTER TABLE rotation_requests ADD COLUMN placed_until DATE;
ALTER TABLE rotation_requests ADD CONSTRAINT rotation_requests_placement_excl
    EXCLUDE USING gist (applicant_id WITH =, daterange(placed_from, placed_until, '[]') WITH &&)
    WHERE (status = 'confirmed' AND placed_from IS NOT NULL);

-- +goose Down
ALTER TABLE rotation_requests DROP CONSTRAINT rotation_requests_placement_excl;
ALTER TABLE rotation_requests DROP COLUMN placed_until;
ALTER TABLE rotation_requests DROP COLUMN placed_from;
ALTER TABLE applications DROP CONSTRAINT applications_placement_excl;
ALTER TABLE applications DROP COLUMN placed_until;
ALTER TABLE applications DROP COLUMN placed_from;
