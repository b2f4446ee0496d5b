-- +goose Up
-- p2p_jobs are the signed messages waiting to go to a partner portal,
-- written in the transaction of the move that causes them (a nomination,
-- a decision) and sent after it by one replica, with retries.
-- dedup_key makes a move send its message once. p2p_sent is a nomination
-- sent to a partner portal, whose answered_at is set with the host's
-- answer, so that the answer is recorded once. p2p_received is a rotation
-- request that a partner portal's nomination created here.
CREATE TABLE p2p_jobs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    partner_id  INTEGER NOT NULL REFERENCES p2p_partners (id),
    path        TEXT NOT NULL,
    body        TEXT NOT NULL,
    dedup_key   TEXT NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     TIMESTAMP NOT NULL,
    sent_at     TIMESTAMP,
    failed_at   TIMESTAMP,
    last_error  TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX p2p_jobs_dedup ON p2p_jobs (dedup_key);
CREATE INDEX p2p_jobs_due ON p2p_jobs (next_at);

CREATE TABLE p2p_sent (
    application_id INTEGER NOT NULL REFERENCES applications (id),
    choice_rank    INTEGER NOT NULL,
    partner_id     INTEGER NOT NULL REFERENCES p2p_partners (id),
    created_at     TIMESTAMP NOT NULL,
    answered_at    TIMESTAMP,
    PRIMARY KEY (application_id, choice_rank)
);

CREATE TABLE p2p_received (
    request_id  INTEGER PRIMARY KEY REFERENCES rotation_requests (id),
    partner_id  INTEGER NOT NULL REFERENCES p2p_partners (id),
    remote_id   TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);

CREATE UNIQUE INDEX p2p_received_remote ON p2p_received (partner_id, remote_id);

-- +goose Down
DROP TABLE p2p_received;
DROP TABLE p2p_sent;
DROP TABLE p2p_jobs;
