-- +goose Up
-- The pre-departure checklist of an outgoing placement (issue 19), one row
-- per confirmed application, written item by item by its student. Each
-- item's *_at is when it was last saved; whether it is done is the
-- departure package's rule (insurance through the last day, a visa not
-- needed or obtained, travel dates around the placement, housing, an
-- emergency contact, the host's onboarding documents acknowledged).
CREATE TABLE departure_checklists (
    application_id      INTEGER PRIMARY KEY REFERENCES applications (id),
    insurance_provider  TEXT NOT NULL DEFAULT '',
    insurance_policy    TEXT NOT NULL DEFAULT '',
    insurance_until     DATE,
    insurance_doc_id    INTEGER REFERENCES documents (id),
    insurance_at        TIMESTAMP,
    visa                TEXT NOT NULL DEFAULT '' CHECK (visa IN ('', 'not_needed', 'needed', 'obtained')),
    visa_note           TEXT NOT NULL DEFAULT '',
    visa_at             TIMESTAMP,
    arrive_on           DATE,
    leave_on            DATE,
    travel_at           TIMESTAMP,
    housing             TEXT NOT NULL DEFAULT '',
    housing_at          TIMESTAMP,
    emergency_name      TEXT NOT NULL DEFAULT '',
    emergency_relation  TEXT NOT NULL DEFAULT '',
    emergency_phone     TEXT NOT NULL DEFAULT '',
    emergency_at        TIMESTAMP,
    onboarding_note     TEXT NOT NULL DEFAULT '',
    onboarding_at       TIMESTAMP,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE departure_checklists;
