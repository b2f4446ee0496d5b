-- +goose Up
-- Selection rounds (see the PostgreSQL migration).
CREATE TABLE selection_rounds (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    name              TEXT NOT NULL,
    term              TEXT NOT NULL,
    deadline          TIMESTAMP NOT NULL,
    state             TEXT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1,
    seed              INTEGER NOT NULL,
    auto_promote      BOOLEAN NOT NULL DEFAULT TRUE,
    appeal_days       INTEGER NOT NULL DEFAULT 7,
    rule_min_year     BOOLEAN NOT NULL DEFAULT TRUE,
    rule_language     BOOLEAN NOT NULL DEFAULT TRUE,
    rule_prior_class  BOOLEAN NOT NULL DEFAULT TRUE,
    created_by        INTEGER NOT NULL REFERENCES users (id),
    published_at      TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL,
    CHECK (version > 0 AND appeal_days BETWEEN 0 AND 90
        AND state IN ('open', 'scoring', 'dry_run', 'published', 'closed'))
);
CREATE INDEX selection_rounds_state ON selection_rounds (state, deadline);

-- +goose Down
DROP TABLE selection_rounds;
