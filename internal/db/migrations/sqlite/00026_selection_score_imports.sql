-- +goose Up
-- Uploaded score files of a round (see the PostgreSQL migration).
CREATE TABLE selection_score_imports (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id     INTEGER NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    records      TEXT NOT NULL,
    uploaded_by  INTEGER NOT NULL REFERENCES users (id),
    created_at   TIMESTAMP NOT NULL,
    committed_at TIMESTAMP
);
CREATE INDEX selection_score_imports_round ON selection_score_imports (round_id);

-- +goose Down
DROP TABLE selection_score_imports;
