-- +goose Up
-- Selection rounds (issue 14): the office's allocation of ranked choices to
-- seats. state moves only through internal/selection's table
-- (open -> scoring -> dry_run -> published -> closed), each change as
-- UPDATE ... WHERE id = ? AND version = ?. seed is the lottery's, shown and
-- stored so that anyone can re-run the last ties. The three rule_* flags
-- are the eligibility rules the office switches on per round.
CREATE TABLE selection_rounds (
    id                BIGSERIAL PRIMARY KEY,
    name              TEXT NOT NULL,
    term              TEXT NOT NULL,
    deadline          TIMESTAMPTZ NOT NULL,
    state             TEXT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1,
    seed              BIGINT NOT NULL,
    auto_promote      BOOLEAN NOT NULL DEFAULT TRUE,
    appeal_days       INTEGER NOT NULL DEFAULT 7,
    rule_min_year     BOOLEAN NOT NULL DEFAULT TRUE,
    rule_language     BOOLEAN NOT NULL DEFAULT TRUE,
    rule_prior_class  BOOLEAN NOT NULL DEFAULT TRUE,
    created_by        BIGINT NOT NULL REFERENCES users (id),
    published_at      TIMESTAMPTZ,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    CHECK (version > 0 AND appeal_days BETWEEN 0 AND 90
        AND state IN ('open', 'scoring', 'dry_run', 'published', 'closed'))
);
CREATE INDEX selection_rounds_state ON selection_rounds (state, deadline);

-- +goose Down
DROP TABLE selection_rounds;
