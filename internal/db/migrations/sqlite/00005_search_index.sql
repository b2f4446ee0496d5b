-- SQLite has no trigram index; a single small site searches a few thousand
-- electives by scanning, which stays fast. The migration exists so that
-- both dialects share version numbers.
-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
