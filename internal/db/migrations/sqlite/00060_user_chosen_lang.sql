-- +goose Up
-- The language a person chose in the portal's switch. users.locale is the
-- identity provider's claim, rewritten at every sign-in; this one is theirs
-- and wins for their mails, on every device.
ALTER TABLE users ADD COLUMN chosen_lang TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE users DROP COLUMN chosen_lang;
