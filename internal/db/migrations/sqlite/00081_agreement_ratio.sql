-- The reciprocity an agreement asks for (see the PostgreSQL migration).
-- +goose Up
ALTER TABLE agreements ADD COLUMN ratio_out INTEGER NOT NULL DEFAULT 1;
ALTER TABLE agreements ADD COLUMN ratio_in INTEGER NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE agreements DROP COLUMN ratio_in;
ALTER TABLE agreements DROP COLUMN ratio_out;
