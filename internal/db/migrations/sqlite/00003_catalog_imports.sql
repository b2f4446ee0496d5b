-- +goose Up
-- An uploaded file of electives waits here between its preview and its
-- commit, so that any replica can commit what another one previewed.
CREATE TABLE catalog_imports (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    file_name    TEXT NOT NULL DEFAULT '',
    format       TEXT NOT NULL,
    encoding     TEXT NOT NULL DEFAULT '',
    rows_json    TEXT NOT NULL,
    row_count    INTEGER NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    committed_at TIMESTAMP
);
CREATE INDEX catalog_imports_user ON catalog_imports (user_id, created_at);
CREATE INDEX catalog_imports_created ON catalog_imports (created_at);

-- +goose Down
DROP TABLE catalog_imports;
