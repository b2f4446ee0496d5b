-- +goose Up
-- Who has taken an application waiting at a reviewer's or the office's
-- stage; see the PostgreSQL migration of the same number for why it is a
-- table of its own and why the trigger ends a claim when the stage moves.
CREATE TABLE application_claims (
    application_id INTEGER PRIMARY KEY REFERENCES applications (id) ON DELETE CASCADE,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stage          TEXT NOT NULL,
    claimed_at     TIMESTAMP NOT NULL,
    assigned_by    INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX application_claims_user ON application_claims (user_id, application_id);

-- +goose StatementBegin
CREATE TRIGGER application_claims_end AFTER UPDATE OF status ON applications
WHEN OLD.status IS NOT NEW.status
BEGIN
    DELETE FROM application_claims WHERE application_id = NEW.id;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER application_claims_end;
DROP TABLE application_claims;
