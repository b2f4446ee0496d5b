-- +goose Up
-- The reports' indexes (see the PostgreSQL migration).
CREATE INDEX application_choices_nominated ON application_choices (nominated_at);
CREATE INDEX periods_starts ON periods (starts_on);

-- +goose Down
DROP INDEX periods_starts;
DROP INDEX application_choices_nominated;
