-- +goose Up
-- Who has taken an application waiting at a reviewer's or the office's
-- stage ("I'll take it"), or been assigned it. One row per application:
-- the primary key is what makes two reviewers claiming at once one winner
-- and one refusal (internal/application/claim.go inserts with ON CONFLICT
-- DO NOTHING and moves a claim with a conditional UPDATE on its holder).
-- stage is the stage it was taken at: a claim holds only while the
-- application stands there, and the trigger below ends it the moment the
-- application moves, whoever moves it (the workflow, a bulk action, the
-- offer expiry), so no code path can leave a stale holder behind.
CREATE TABLE application_claims (
    application_id BIGINT PRIMARY KEY REFERENCES applications (id) ON DELETE CASCADE,
    user_id        BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stage          TEXT NOT NULL,
    claimed_at     TIMESTAMPTZ NOT NULL,
    assigned_by    BIGINT REFERENCES users (id) ON DELETE SET NULL
);
-- "Mine": a reviewer's claims, read from here rather than by scanning stages.
CREATE INDEX application_claims_user ON application_claims (user_id, application_id);

-- +goose StatementBegin
CREATE FUNCTION application_claims_end() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM application_claims WHERE application_id = NEW.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER application_claims_end AFTER UPDATE OF status ON applications
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION application_claims_end();

-- +goose Down
DROP TRIGGER application_claims_end ON applications;
DROP FUNCTION application_claims_end();
DROP TABLE application_claims;
