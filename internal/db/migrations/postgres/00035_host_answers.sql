-- +goose Up
-- The partner's answer loop (internal/host). A host contact belongs to a
-- partner institution; one naming an elective overrides the institution's
-- for that elective only.
CREATE TABLE host_contacts (
    id             BIGSERIAL PRIMARY KEY,
    institution_id BIGINT NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    elective_id    BIGINT REFERENCES electives (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    email          TEXT NOT NULL,
    lang           TEXT NOT NULL,
    department     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX host_contacts_institution ON host_contacts (institution_id, elective_id);

-- What the student agreed to show to which host: one row per document
-- chain and recipient institution, so that a new version of a shared
-- document is shared too and a withdrawal is one delete.
CREATE TABLE host_consents (
    application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    document_chain BIGINT NOT NULL,
    institution_id BIGINT NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    granted_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (application_id, document_chain, institution_id)
);

-- The student's names in both scripts, as the host's dossier shows them,
-- and when they chose what to share.
CREATE TABLE host_profiles (
    application_id BIGINT PRIMARY KEY REFERENCES applications (id) ON DELETE CASCADE,
    name_latin     TEXT NOT NULL,
    name_native    TEXT NOT NULL DEFAULT '',
    consented_at   TIMESTAMPTZ NOT NULL
);

-- The home school's verification, as VSLO's home-school step: the office
-- confirms good standing and the immunization record.
CREATE TABLE host_verifications (
    application_id BIGINT PRIMARY KEY REFERENCES applications (id) ON DELETE CASCADE,
    good_standing  BOOLEAN NOT NULL,
    immunization   BOOLEAN NOT NULL,
    verified_by    BIGINT NOT NULL REFERENCES users (id),
    verified_at    TIMESTAMPTZ NOT NULL
);

-- A dossier link: one per nomination (application and choice), kept as a
-- hash only. It answers once (used_at), expires, and the office may revoke
-- it; reminded_at spaces the reminders.
CREATE TABLE host_links (
    id             BIGSERIAL PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    choice_rank    INTEGER NOT NULL,
    contact_id     BIGINT REFERENCES host_contacts (id) ON DELETE SET NULL,
    contact_name   TEXT NOT NULL,
    contact_email  TEXT NOT NULL,
    lang           TEXT NOT NULL,
    token_hash     TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    expires_at     TIMESTAMPTZ NOT NULL,
    revoked_at     TIMESTAMPTZ,
    used_at        TIMESTAMPTZ,
    reminded_at    TIMESTAMPTZ
);
CREATE UNIQUE INDEX host_links_token ON host_links (token_hash);
CREATE INDEX host_links_application ON host_links (application_id, choice_rank);

-- The event of a host's own answer names the contact who gave it.
ALTER TABLE review_events ADD COLUMN via TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE review_events DROP COLUMN via;
DROP TABLE host_links;
DROP TABLE host_verifications;
DROP TABLE host_profiles;
DROP TABLE host_consents;
DROP TABLE host_contacts;
