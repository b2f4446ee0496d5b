-- +goose Up
-- Letters issued to incoming students: what each one certified, as it was
-- printed, so that its verification code can be checked long after. One
-- letter per (request, kind) is current, the one with the highest seq;
-- issuing again with different facts (new dates, say) adds the next seq and
-- marks the previous one superseded, which stays verifiable as such.
-- request_id has no foreign key: the letters do not depend on how
-- rotation requests are stored.
CREATE TABLE letters (
    id               BIGSERIAL PRIMARY KEY,
    code             TEXT NOT NULL,
    kind             TEXT NOT NULL,
    request_id       BIGINT NOT NULL,
    seq              INTEGER NOT NULL,
    holder_id        BIGINT NOT NULL REFERENCES users (id),
    name_latin       TEXT NOT NULL,
    name_native      TEXT NOT NULL DEFAULT '',
    home_institution TEXT NOT NULL DEFAULT '',
    department_en    TEXT NOT NULL,
    department_zh    TEXT NOT NULL DEFAULT '',
    starts_on        DATE NOT NULL,
    ends_on          DATE NOT NULL,
    issued_at        TIMESTAMPTZ NOT NULL,
    superseded_at    TIMESTAMPTZ,
    CHECK (kind IN ('acceptance', 'completion') AND seq > 0 AND ends_on >= starts_on)
);
CREATE UNIQUE INDEX letters_code ON letters (code);
CREATE UNIQUE INDEX letters_request ON letters (request_id, kind, seq);
CREATE INDEX letters_holder ON letters (holder_id);

-- +goose Down
DROP TABLE letters;
