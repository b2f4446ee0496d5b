-- Catalog search matches words anywhere in electives.search_text
-- (LIKE '%word%'); a trigram index lets PostgreSQL find them without reading
-- every elective. pg_trgm is a trusted extension: a database owner may
-- create it. Words shorter than three characters (two-character Chinese
-- words) still scan, and stay correct.
-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX electives_search_trgm ON electives USING gin (search_text gin_trgm_ops);

-- +goose Down
DROP INDEX electives_search_trgm;
