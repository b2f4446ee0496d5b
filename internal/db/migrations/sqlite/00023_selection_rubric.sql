-- +goose Up
-- A round's rubric (see the PostgreSQL migration).
CREATE TABLE selection_components (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id   INTEGER NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    ordinal   INTEGER NOT NULL,
    name_en    TEXT NOT NULL,
    name_zh    TEXT NOT NULL,
    weight     INTEGER NOT NULL,
    min_value  INTEGER NOT NULL,
    max_value  INTEGER NOT NULL,
    CHECK (weight BETWEEN 0 AND 100 AND max_value > min_value)
);
CREATE UNIQUE INDEX selection_components_ordinal ON selection_components (round_id, ordinal);

CREATE TABLE selection_tiebreaks (
    round_id     INTEGER NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    ordinal     INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    component_id INTEGER REFERENCES selection_components (id) ON DELETE CASCADE,
    PRIMARY KEY (round_id, ordinal),
    CHECK (kind IN ('component', 'submitted') AND (kind = 'submitted' OR component_id IS NOT NULL))
);

-- +goose Down
DROP TABLE selection_tiebreaks;
DROP TABLE selection_components;
