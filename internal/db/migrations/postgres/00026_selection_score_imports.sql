-- +goose Up
-- Uploaded score files of a round, kept between their preview and their
-- commit (internal/selection/score_import.go): the rows as read, as JSON;
-- committed_at is set once, so that a second click commits nothing.
CREATE TABLE selection_score_imports (
    id           BIGSERIAL PRIMARY KEY,
    round_id     BIGINT NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL,
    records      TEXT NOT NULL,
    uploaded_by  BIGINT NOT NULL REFERENCES users (id),
    created_at   TIMESTAMPTZ NOT NULL,
    committed_at TIMESTAMPTZ
);
CREATE INDEX selection_score_imports_round ON selection_score_imports (round_id);

-- +goose Down
DROP TABLE selection_score_imports;
