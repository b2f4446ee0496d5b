-- Catalog search reads the live catalog into each portal's memory
-- (internal/catalog/searchindex.go) and must know when any replica changed
-- it. catalog_search_version holds one number that rises with every
-- committed change to electives or institutions; a search reads it (a
-- primary-key lookup) and reloads when it moved.
--
-- The triggers are deferred constraint triggers: the counter row is
-- locked only at commit, after every other lock of the transaction, so
-- two writers of electives cannot deadlock on it. They fire once per row
-- and raise the number once per transaction.
-- +goose Up
CREATE TABLE catalog_search_version (
    id      INTEGER PRIMARY KEY,
    version BIGINT NOT NULL
);
INSERT INTO catalog_search_version (id, version) VALUES (1, 0);

-- +goose StatementBegin
CREATE FUNCTION catalog_search_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Once per transaction: updating one row thousands of times in one
    -- transaction (an import, the benchmark's generator) walks an
    -- ever longer chain of its versions.
    IF current_setting('portal.search_version_bumped', true) = txid_current()::text THEN
        RETURN NULL;
    END IF;
    PERFORM set_config('portal.search_version_bumped', txid_current()::text, true);
    UPDATE catalog_search_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE CONSTRAINT TRIGGER electives_search_version AFTER INSERT OR UPDATE OR DELETE ON electives
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION catalog_search_version_bump();
CREATE CONSTRAINT TRIGGER institutions_search_version AFTER INSERT OR UPDATE OR DELETE ON institutions
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION catalog_search_version_bump();

-- +goose Down
DROP TRIGGER institutions_search_version ON institutions;
DROP TRIGGER electives_search_version ON electives;
DROP FUNCTION catalog_search_version_bump();
DROP TABLE catalog_search_version;
