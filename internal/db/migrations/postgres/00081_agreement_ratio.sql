-- +goose Up
-- The reciprocity an agreement asks for (issue 17, reciprocity report):
-- ratio_out outgoing student-weeks for every ratio_in incoming ones, 1:1
-- unless the agreement says otherwise. The report reads a value below 1
-- (rows written before the form asked for it, bulk loads) as 1.
ALTER TABLE agreements ADD COLUMN ratio_out INTEGER NOT NULL DEFAULT 1;
ALTER TABLE agreements ADD COLUMN ratio_in INTEGER NOT NULL DEFAULT 1;

-- +goose Down
ALTER TABLE agreements DROP COLUMN ratio_in;
ALTER TABLE agreements DROP COLUMN ratio_out;
