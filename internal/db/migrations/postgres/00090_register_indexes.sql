-- +goose Up
-- The completion report and the funding register read a year at a time
-- (internal/report/completion.go, funding.go): from the periods that end
-- or start in the year, their choices, then the applications; the
-- register's incoming half from the rotations that start in the year.
-- Without the first two indexes each scans its whole table. The choices
-- are read by period with every column the join needs, so the database
-- answers from the index alone rather than from a heap page per choice,
-- scattered over the table (application_choices_seat holds the period but
-- not the application).
CREATE INDEX periods_ends ON periods (ends_on);
CREATE INDEX rotation_choices_starts ON rotation_choices (starts_on);
CREATE INDEX application_choices_by_period ON application_choices (period_id, application_id, rank, elective_id);

-- +goose Down
DROP INDEX application_choices_by_period;
DROP INDEX rotation_choices_starts;
DROP INDEX periods_ends;
