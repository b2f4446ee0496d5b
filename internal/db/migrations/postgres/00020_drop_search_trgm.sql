-- +goose Up
-- Catalog search runs in each portal's memory since migration 14
-- (internal/catalog/searchindex.go); nothing reads electives.search_text
-- through the trigram index of migration 5 any more, and every write of an
-- elective still paid for it. The pg_trgm extension stays: no other
-- migration uses it, but dropping an extension needs its owner (a DBA may
-- have created it for the portal's role) and fails while anything else in
-- the database depends on it, and an unused extension costs nothing.
DROP INDEX IF EXISTS electives_search_trgm;

-- +goose Down
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX electives_search_trgm ON electives USING gin (search_text gin_trgm_ops);
