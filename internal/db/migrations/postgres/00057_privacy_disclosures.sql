-- +goose Up
-- The disclosure log (FERPA 99.32, GDPR Art. 30): every view, download,
-- refusal, export or transfer of a person's records by someone else, with
-- the basis it rested on. person_id carries no foreign key: a minimal entry
-- outlives the deletion of the person's records.
CREATE TABLE privacy_disclosures (
    id        BIGSERIAL PRIMARY KEY,
    person_id BIGINT NOT NULL,
    actor_id  BIGINT,
    actor     TEXT NOT NULL DEFAULT '',
    action    TEXT NOT NULL,
    object    TEXT NOT NULL DEFAULT '',
    basis     TEXT NOT NULL DEFAULT '',
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX privacy_disclosures_person ON privacy_disclosures (person_id, id);

-- +goose Down
DROP TABLE privacy_disclosures;
