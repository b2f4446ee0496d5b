-- +goose Up
-- One row per version of a document. Versions of one document share
-- chain_id (the id of its first version); the current version is the one
-- not superseded. Rows are soft-deleted: the file goes, the row stays for
-- the audit trail.
CREATE TABLE documents (
    id            BIGSERIAL PRIMARY KEY,
    owner_id      BIGINT NOT NULL REFERENCES users (id),
    chain_id      BIGINT NOT NULL,
    version       INTEGER NOT NULL,
    type          TEXT NOT NULL,
    storage_key   TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    media_type    TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    expires_on    DATE,
    uploaded_at   TIMESTAMPTZ NOT NULL,
    superseded_at TIMESTAMPTZ,
    deleted_at    TIMESTAMPTZ,
    CHECK (size > 0 AND version > 0)
);
CREATE INDEX documents_owner ON documents (owner_id, type);
CREATE INDEX documents_chain ON documents (chain_id, version);
CREATE UNIQUE INDEX documents_storage_key ON documents (storage_key);

-- Which application refers to which document version. The applications
-- table comes later; its foreign key is added then.
CREATE TABLE document_attachments (
    document_id    BIGINT NOT NULL REFERENCES documents (id),
    application_id BIGINT NOT NULL,
    attached_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (document_id, application_id)
);
CREATE INDEX document_attachments_application ON document_attachments (application_id);

-- +goose Down
DROP TABLE document_attachments;
DROP TABLE documents;
