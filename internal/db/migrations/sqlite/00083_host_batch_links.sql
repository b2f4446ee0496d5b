-- +goose Up
-- A batch dossier link (internal/host/batch.go): one signed link to one
-- host contact for all of that host's pending nominees of a selection
-- round, kept as a hash only. It expires and the office may revoke it;
-- each nominee on it is answered once (host_batch_members.used_at).
CREATE TABLE host_batch_links (
    id             INTEGER PRIMARY KEY,
    round_id       INTEGER NOT NULL REFERENCES selection_rounds (id) ON DELETE CASCADE,
    institution_id INTEGER NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    contact_id     INTEGER REFERENCES host_contacts (id) ON DELETE SET NULL,
    contact_name   TEXT NOT NULL,
    contact_email  TEXT NOT NULL,
    lang           TEXT NOT NULL,
    token_hash     TEXT NOT NULL,
    created_by     INTEGER NOT NULL REFERENCES users (id),
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    revoked_at     TIMESTAMP
);
CREATE UNIQUE INDEX host_batch_links_token ON host_batch_links (token_hash);
CREATE INDEX host_batch_links_round ON host_batch_links (round_id, institution_id);

-- The nominees a batch link answers for: the nominations (application and
-- choice) pending at its making.
CREATE TABLE host_batch_members (
    batch_id       INTEGER NOT NULL REFERENCES host_batch_links (id) ON DELETE CASCADE,
    application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    choice_rank    INTEGER NOT NULL,
    used_at        TIMESTAMP,
    PRIMARY KEY (batch_id, application_id)
);
CREATE INDEX host_batch_members_application ON host_batch_members (application_id);

-- +goose Down
DROP TABLE host_batch_members;
DROP TABLE host_batch_links;
