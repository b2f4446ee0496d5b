-- +goose Up
-- The partner's answer loop (internal/host). A host contact belongs to a
-- partner institution; one naming an elective overrides the institution's
-- for that elective only.
CREATE TABLE host_contacts (
    id             INTEGER PRIMARY KEY,
    institution_id INTEGER NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    elective_id    INTEGER REFERENCES electives (id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    email          TEXT NOT NULL,
    lang           TEXT NOT NULL,
    department     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL
);
CREATE INDEX host_contacts_institution ON host_contacts (institution_id, elective_id);

-- What the student agreed to show to which host: one row per document
-- chain and recipient institution, so that a new version of a shared
-- document is shared too and a withdrawal is one delete.
CREATE TABLE host_consents (
    application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    document_chain INTEGER NOT NULL,
    institution_id INTEGER NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    granted_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (application_id, document_chain, institution_id)
);

-- The student's names in both scripts, as the host's dossier shows them,
-- and when they chose what to share.
CREATE TABLE host_profiles (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id) ON DELETE CASCADE,
    name_latin     TEXT NOT NULL,
    name_native    TEXT NOT NULL DEFAULT '',
    consented_at   TIMESTAMP NOT NULL
);

-- The home school's verification, as VSLO's home-school step: the office
-- confirms good standing and the immunization record.
CREATE TABLE host_verifications (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id) ON DELETE CASCADE,
    good_standing  BOOLEAN NOT NULL,
    immunization   BOOLEAN NOT NULL,
    verified_by    INTEGER NOT NULL REFERENCES users (id),
    verified_at    TIMESTAMP NOT NULL
);

-- A dossier link: one per nomination (application and choice), kept as a
-- hash only. It answers once (used_at), expires, and the office may revoke
-- it; reminded_at spaces the reminders.
CREATE TABLE host_links (
    id             INTEGER PRIMARY KEY,
    application_id INTEGER NOT NULL REFERENCES applications (id) ON DELETE CASCADE,
    choice_rank    INTEGER NOT NULL,
    contact_id     INTEGER REFERENCES host_contacts (id) ON DELETE SET NULL,
    contact_name   TEXT NOT NULL,
    contact_email  TEXT NOT NULL,
    lang           TEXT NOT NULL,
    token_hash     TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    revoked_at     TIMESTAMP,
    used_at        TIMESTAMP,
    reminded_at    TIMESTAMP
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
