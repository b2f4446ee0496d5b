-- Catalog search reads the live catalog into memory
-- (internal/catalog/searchindex.go) and must know when it changed:
-- catalog_search_version holds one number that every change to electives
-- or institutions raises. SQLite writes one transaction at a time, so
-- plain row triggers suffice (PostgreSQL defers them to commit).
-- +goose Up
CREATE TABLE catalog_search_version (
    id      INTEGER PRIMARY KEY,
    version INTEGER NOT NULL
);
INSERT INTO catalog_search_version (id, version) VALUES (1, 0);

-- +goose StatementBegin
CREATE TRIGGER electives_search_version_insert AFTER INSERT ON electives
BEGIN UPDATE catalog_search_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER electives_search_version_update AFTER UPDATE ON electives
BEGIN UPDATE catalog_search_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER electives_search_version_delete AFTER DELETE ON electives
BEGIN UPDATE catalog_search_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER institutions_search_version_insert AFTER INSERT ON institutions
BEGIN UPDATE catalog_search_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER institutions_search_version_update AFTER UPDATE ON institutions
BEGIN UPDATE catalog_search_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER institutions_search_version_delete AFTER DELETE ON institutions
BEGIN UPDATE catalog_search_version SET version = version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER institutions_search_version_delete;
DROP TRIGGER institutions_search_version_update;
DROP TRIGGER institutions_search_version_insert;
DROP TRIGGER electives_search_version_delete;
DROP TRIGGER electives_search_version_update;
DROP TRIGGER electives_search_version_insert;
DROP TABLE catalog_search_version;
