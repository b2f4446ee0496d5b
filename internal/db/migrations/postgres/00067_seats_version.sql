-- Catalog search keeps the seats of the periods to come in memory too
-- (internal/catalog/seatindex.go) and must know when any replica changed
-- them: seats_version rises with every committed change to periods, as
-- version does for electives and institutions (migration 00014), with the
-- same deferred, once-per-transaction trigger.
-- +goose Up
ALTER TABLE catalog_search_version ADD COLUMN seats_version BIGINT NOT NULL DEFAULT 0;

-- +goose StatementBegin
CREATE FUNCTION catalog_seats_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('portal.seats_version_bumped', true) = txid_current()::text THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('portal.seats_version_bumped', txid_current()::text, true);
    UPDATE catalog_search_version SET seats_version = seats_version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER periods_seats_version AFTER INSERT OR UPDATE OR DELETE ON periods
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION catalog_seats_version_bump();

-- +goose Down
DROP TRIGGER periods_seats_version ON periods;
DROP FUNCTION catalog_seats_version_bump();
ALTER TABLE catalog_search_version DROP COLUMN seats_version;
