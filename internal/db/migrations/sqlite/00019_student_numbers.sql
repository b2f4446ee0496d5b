-- +goose Up
-- A home student's number and year of study, as the university's identity
-- provider says at sign-in (PORTAL_OIDC_CLAIM_STUDENT_NUMBER and
-- PORTAL_OIDC_CLAIM_YEAR_OF_STUDY): exports carry them, selection rounds
-- check the year against an elective's and import scores by number. NULL
-- when the provider says nothing (staff, incoming applicants); a plain
-- unique index then keeps numbers unique where set, since both dialects
-- let NULLs repeat in a unique index.
ALTER TABLE users ADD COLUMN student_number TEXT;
ALTER TABLE users ADD COLUMN year_of_study INTEGER;
CREATE UNIQUE INDEX users_student_number ON users (student_number);

-- +goose Down
DROP INDEX users_student_number;
ALTER TABLE users DROP COLUMN year_of_study;
ALTER TABLE users DROP COLUMN student_number;
