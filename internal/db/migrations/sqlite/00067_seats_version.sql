-- Catalog search keeps the seats of the periods to come in memory too
-- (internal/catalog/seatindex.go): seats_version rises with every change
-- to periods, as version does for electives and institutions (migration
-- 00014). SQLite writes one transaction at a time: plain row triggers.
-- +goose Up
ALTER TABLE catalog_search_version ADD COLUMN seats_version INTEGER NOT NULL DEFAULT 0;

-- +goose StatementBegin
CREATE TRIGGER periods_seats_version_insert AFTER INSERT ON periods
BEGIN UPDATE catalog_search_version SET seats_version = seats_version + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER periods_seats_version_update AFTER UPDATE ON periods
BEGIN UPDATE catalog_search_version SET seats_version = seats_version + 1 WHERE id = 1; END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER periods_seats_version_delete AFTER DELETE ON periods
BEGIN UPDATE catalog_search_version SET seats_version = seats_version + 1 WHERE id = 1; END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER periods_seats_version_delete;
DROP TRIGGER periods_seats_version_update;
DROP TRIGGER periods_seats_version_insert;
ALTER TABLE catalog_search_version DROP COLUMN seats_version;
