-- +goose Up
-- The completion report and the funding register read a year at a time
-- (internal/report/completion.go, funding.go): completion from the
-- periods that ended in the year, the register's incoming half from the
-- rotations that start in it. Without these both scan their whole table.
CREATE INDEX periods_ends ON periods (ends_on);
CREATE INDEX rotation_choices_starts ON rotation_choices (starts_on);

-- +goose Down
DROP INDEX rotation_choices_starts;
DROP INDEX periods_ends;
