-- +goose Up
-- The disclosure log (FERPA 99.32, GDPR Art. 30): every view, download,
-- refusal, export or transfer of a person's records by someone else, with
-- the basis it rested on. person_id carries no foreign key: a minimal entry
-- outlives the deletion of the person's records.
CREATE TABLE privacy_disclosures (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id INTEGER NOT NULL,
    actor_id  INTEGER,
    actor     TEXT NOT NULL DEFAULT '',
    action    TEXT NOT NULL,
    object    TEXT NOT NULL DEFAULT '',
    basis     TEXT NOT NULL DEFAULT '',
    at        TIMESTAMP NOT NULL
);
CREATE INDEX privacy_disclosures_person ON privacy_disclosures (person_id, id);

-- +goose Down
DROP TABLE privacy_disclosures;
