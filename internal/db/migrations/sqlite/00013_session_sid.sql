-- +goose Up
-- The identity provider's session id (the ID token's sid claim), so that
-- its back-channel logout can end the portal sessions it started.
ALTER TABLE sessions ADD COLUMN oidc_sid TEXT;
CREATE INDEX sessions_oidc_sid ON sessions (oidc_sid);

-- +goose Down
DROP INDEX sessions_oidc_sid;
ALTER TABLE sessions DROP COLUMN oidc_sid;
