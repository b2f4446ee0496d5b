-- +goose Up
-- A person's requests to correct or delete their records, with the legal
-- deadline fixed when the request arrives (the shortest of the regimes that
-- apply) and the office's answer.
CREATE TABLE privacy_requests (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id   INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT '',
    regimes     TEXT NOT NULL,
    received_at TIMESTAMP NOT NULL,
    due_at      TIMESTAMP NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open',
    answer      TEXT NOT NULL DEFAULT '',
    answered_by INTEGER,
    answered_at TIMESTAMP,
    CHECK (kind IN ('correction', 'deletion') AND status IN ('open', 'done', 'refused'))
);
CREATE INDEX privacy_requests_person ON privacy_requests (person_id);
CREATE INDEX privacy_requests_open ON privacy_requests (status, due_at);

-- +goose Down
DROP TABLE privacy_requests;
