-- +goose Up
-- A scholarship call's tie-break keys in order (see the PostgreSQL migration).
CREATE TABLE scholarship_tiebreaks (
    call_id      INTEGER NOT NULL REFERENCES scholarship_calls (id) ON DELETE CASCADE,
    ordinal      INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    component_id INTEGER REFERENCES scholarship_components (id) ON DELETE CASCADE,
    PRIMARY KEY (call_id, ordinal),
    CHECK (kind IN ('component', 'year', 'submitted') AND (kind <> 'component' OR component_id IS NOT NULL))
);

-- +goose Down
DROP TABLE scholarship_tiebreaks;
