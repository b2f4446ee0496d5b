-- +goose Up
-- Each person's private calendar feed (/calendar/feed/<token>.ics). Only a
-- hash of the token is kept, as for sessions and sign-in links: a copy of
-- the database does not hand out anyone's calendar. Resetting replaces the
-- row, and the old address stops answering.
CREATE TABLE calendar_feeds (
    user_id    BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX calendar_feeds_token ON calendar_feeds (token_hash);

-- +goose Down
DROP TABLE calendar_feeds;
