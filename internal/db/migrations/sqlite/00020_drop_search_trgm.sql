-- SQLite never had the trigram index that PostgreSQL drops here; the
-- migration exists so that both dialects share version numbers.
-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
