-- +goose Up
-- An incoming applicant's passport identity (issues 13 and 19): visa
-- support letters print the names as the passport writes them, the date of
-- birth and the passport number. name_latin stays the printed full name,
-- now derived from given_names and family_name when the profile is saved.
-- Profiles written before have empty names here and no date of birth:
-- the portal asks their owners to complete them.
ALTER TABLE incoming_profiles ADD COLUMN given_names TEXT NOT NULL DEFAULT '';
ALTER TABLE incoming_profiles ADD COLUMN family_name TEXT NOT NULL DEFAULT '';
ALTER TABLE incoming_profiles ADD COLUMN birth_date DATE;
ALTER TABLE incoming_profiles ADD COLUMN passport_number TEXT NOT NULL DEFAULT '';
ALTER TABLE incoming_profiles ADD COLUMN passport_expires DATE;

-- A visa support letter records what it certified, like the other
-- letters, so that its code shows the same facts years later.
ALTER TABLE letters ADD COLUMN given_names TEXT NOT NULL DEFAULT '';
ALTER TABLE letters ADD COLUMN family_name TEXT NOT NULL DEFAULT '';
ALTER TABLE letters ADD COLUMN nationality TEXT NOT NULL DEFAULT '';
ALTER TABLE letters ADD COLUMN birth_date DATE;
ALTER TABLE letters ADD COLUMN passport_number TEXT NOT NULL DEFAULT '';
ALTER TABLE letters DROP CONSTRAINT letters_check;
ALTER TABLE letters ADD CONSTRAINT letters_check
    CHECK (kind IN ('acceptance', 'completion', 'visa') AND seq > 0 AND ends_on >= starts_on);

-- +goose Down
DELETE FROM letters WHERE kind = 'visa';
ALTER TABLE letters DROP CONSTRAINT letters_check;
ALTER TABLE letters ADD CONSTRAINT letters_check
    CHECK (kind IN ('acceptance', 'completion') AND seq > 0 AND ends_on >= starts_on);
ALTER TABLE letters DROP COLUMN passport_number;
ALTER TABLE letters DROP COLUMN birth_date;
ALTER TABLE letters DROP COLUMN nationality;
ALTER TABLE letters DROP COLUMN family_name;
ALTER TABLE letters DROP COLUMN given_names;
ALTER TABLE incoming_profiles DROP COLUMN passport_expires;
ALTER TABLE incoming_profiles DROP COLUMN passport_number;
ALTER TABLE incoming_profiles DROP COLUMN birth_date;
ALTER TABLE incoming_profiles DROP COLUMN family_name;
ALTER TABLE incoming_profiles DROP COLUMN given_names;
