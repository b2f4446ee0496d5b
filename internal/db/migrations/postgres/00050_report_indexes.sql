-- +goose Up
-- The reports (internal/report) read a year at a time: nomination outcomes
-- by the day a choice was nominated, seat fill by the day a period starts.
-- Without these they scan every choice and every period.
CREATE INDEX application_choices_nominated ON application_choices (nominated_at);
CREATE INDEX periods_starts ON periods (starts_on);

-- +goose Down
DROP INDEX periods_starts;
DROP INDEX application_choices_nominated;
