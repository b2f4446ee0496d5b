-- +goose Up
-- What Erasmus Without Paper needs of an outgoing student that the portal
-- does not otherwise keep (issue 15): the names in Latin script and in the
-- student's own script, date of birth, nationality and ISO 5218 gender.
-- A nomination's EWP document is refused, naming what is missing, until
-- the office has recorded them.
CREATE TABLE ewp_students (
    user_id           BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    given_names       TEXT NOT NULL,
    family_name       TEXT NOT NULL,
    given_names_local TEXT NOT NULL DEFAULT '',
    family_name_local TEXT NOT NULL DEFAULT '',
    local_lang        TEXT NOT NULL DEFAULT '',
    birth_date        DATE NOT NULL,
    nationality       TEXT NOT NULL,
    gender            INTEGER NOT NULL DEFAULT 0,
    updated_at        TIMESTAMPTZ NOT NULL,
    CHECK (length(nationality) = 2 AND gender IN (0, 1, 2, 9))
);

-- +goose Down
DROP TABLE ewp_students;
