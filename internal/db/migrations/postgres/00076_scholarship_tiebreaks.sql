-- +goose Up
-- A scholarship call's tie-break keys in order (issue 14), as a round's
-- (migration 00023): the office chooses them on the call's form; the dry
-- run and the award run serve equal scores by them, then by the call's
-- seeded lottery. kind is a component (its value, higher first), 'year'
-- (the year of study, higher first) or 'submitted' (the earlier request
-- first).
CREATE TABLE scholarship_tiebreaks (
    call_id      BIGINT NOT NULL REFERENCES scholarship_calls (id) ON DELETE CASCADE,
    ordinal      INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    component_id BIGINT REFERENCES scholarship_components (id) ON DELETE CASCADE,
    PRIMARY KEY (call_id, ordinal),
    CHECK (kind IN ('component', 'year', 'submitted') AND (kind <> 'component' OR component_id IS NOT NULL))
);

-- +goose Down
DROP TABLE scholarship_tiebreaks;
