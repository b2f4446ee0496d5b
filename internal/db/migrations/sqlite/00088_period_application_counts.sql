-- +goose Up
-- How many applications each (period, status) holds, kept exact by the
-- triggers below on every write, whoever makes it: the seat fill,
-- reciprocity and agreement reports read these few rows per period instead
-- of joining every choice to its application (issue 17). current_n counts
-- the applications in the status whose current choice is the period;
-- first_n the submitted ones that ranked it first. A draft counts nowhere
-- (PostgreSQL's migration says why). Rows that fall to 0 stay. SQLite has
-- one writer at a time: row triggers see every write in order and cannot
-- deadlock.
CREATE TABLE period_application_counts (
    period_id INTEGER NOT NULL,
    status    TEXT NOT NULL,
    current_n INTEGER NOT NULL,
    first_n   INTEGER NOT NULL,
    PRIMARY KEY (period_id, status)
);

-- PostgreSQL gathers a transaction's changes here and applies them at its
-- commit (its migration says why). SQLite's row triggers below change the
-- counters at once, with one writer at a time: these tables stay empty and
-- exist for the dialects' schemas to be one.
CREATE TABLE period_application_count_deltas (
    xact      INTEGER NOT NULL DEFAULT 0,
    period_id INTEGER NOT NULL,
    status    TEXT NOT NULL,
    current_n INTEGER NOT NULL,
    first_n   INTEGER NOT NULL
);
CREATE INDEX period_application_count_deltas_xact ON period_application_count_deltas (xact);
CREATE TABLE period_application_count_marks (
    xact INTEGER NOT NULL DEFAULT 0 PRIMARY KEY
);

-- A choice counts with its application as it stands. Applications have no
-- INSERT or DELETE trigger: the foreign key from application_choices means
-- an application has no choice when inserted and none left when deleted.
-- (The WHERE before ON CONFLICT is what SQLite's grammar asks of an upsert
-- from a SELECT.)
-- +goose StatementBegin
CREATE TRIGGER period_application_counts_choice_insert AFTER INSERT ON application_choices
BEGIN
    INSERT INTO period_application_counts (period_id, status, current_n, first_n)
    SELECT NEW.period_id, a.status, NEW.rank = a.current_choice, NEW.rank = 1 AND a.submitted_at IS NOT NULL
    FROM applications AS a
    WHERE a.id = NEW.application_id AND a.status <> 'draft'
      AND (NEW.rank = a.current_choice OR (NEW.rank = 1 AND a.submitted_at IS NOT NULL))
    ON CONFLICT (period_id, status) DO UPDATE SET current_n = current_n + excluded.current_n, first_n = first_n + excluded.first_n;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER period_application_counts_choice_delete AFTER DELETE ON application_choices
BEGIN
    INSERT INTO period_application_counts (period_id, status, current_n, first_n)
    SELECT OLD.period_id, a.status, -(OLD.rank = a.current_choice), -(OLD.rank = 1 AND a.submitted_at IS NOT NULL)
    FROM applications AS a
    WHERE a.id = OLD.application_id AND a.status <> 'draft'
      AND (OLD.rank = a.current_choice OR (OLD.rank = 1 AND a.submitted_at IS NOT NULL))
    ON CONFLICT (period_id, status) DO UPDATE SET current_n = current_n + excluded.current_n, first_n = first_n + excluded.first_n;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER period_application_counts_choice_update AFTER UPDATE OF application_id, rank, period_id ON application_choices
WHEN OLD.application_id IS NOT NEW.application_id OR OLD.rank IS NOT NEW.rank OR OLD.period_id IS NOT NEW.period_id
BEGIN
    INSERT INTO period_application_counts (period_id, status, current_n, first_n)
    SELECT OLD.period_id, a.status, -(OLD.rank = a.current_choice), -(OLD.rank = 1 AND a.submitted_at IS NOT NULL)
    FROM applications AS a
    WHERE a.id = OLD.application_id AND a.status <> 'draft'
      AND (OLD.rank = a.current_choice OR (OLD.rank = 1 AND a.submitted_at IS NOT NULL))
    ON CONFLICT (period_id, status) DO UPDATE SET current_n = current_n + excluded.current_n, first_n = first_n + excluded.first_n;
    INSERT INTO period_application_counts (period_id, status, current_n, first_n)
    SELECT NEW.period_id, a.status, NEW.rank = a.current_choice, NEW.rank = 1 AND a.submitted_at IS NOT NULL
    FROM applications AS a
    WHERE a.id = NEW.application_id AND a.status <> 'draft'
      AND (NEW.rank = a.current_choice OR (NEW.rank = 1 AND a.submitted_at IS NOT NULL))
    ON CONFLICT (period_id, status) DO UPDATE SET current_n = current_n + excluded.current_n, first_n = first_n + excluded.first_n;
END;
-- +goose StatementEnd

-- An application's move takes its choices' counts from the old (status,
-- current choice, submitted) to the new.
-- +goose StatementBegin
CREATE TRIGGER period_application_counts_update AFTER UPDATE OF status, current_choice, submitted_at ON applications
WHEN OLD.status IS NOT NEW.status OR OLD.current_choice IS NOT NEW.current_choice
  OR (OLD.submitted_at IS NULL) IS NOT (NEW.submitted_at IS NULL)
BEGIN
    INSERT INTO period_application_counts (period_id, status, current_n, first_n)
    SELECT c.period_id, OLD.status, -(c.rank = OLD.current_choice), -(c.rank = 1 AND OLD.submitted_at IS NOT NULL)
    FROM application_choices AS c
    WHERE c.application_id = OLD.id AND OLD.status <> 'draft'
      AND (c.rank = OLD.current_choice OR (c.rank = 1 AND OLD.submitted_at IS NOT NULL))
    ON CONFLICT (period_id, status) DO UPDATE SET current_n = current_n + excluded.current_n, first_n = first_n + excluded.first_n;
    INSERT INTO period_application_counts (period_id, status, current_n, first_n)
    SELECT c.period_id, NEW.status, c.rank = NEW.current_choice, c.rank = 1 AND NEW.submitted_at IS NOT NULL
    FROM application_choices AS c
    WHERE c.application_id = NEW.id AND NEW.status <> 'draft'
      AND (c.rank = NEW.current_choice OR (c.rank = 1 AND NEW.submitted_at IS NOT NULL))
    ON CONFLICT (period_id, status) DO UPDATE SET current_n = current_n + excluded.current_n, first_n = first_n + excluded.first_n;
END;
-- +goose StatementEnd

INSERT INTO period_application_counts (period_id, status, current_n, first_n)
SELECT c.period_id, a.status, SUM(CASE WHEN c.rank = a.current_choice THEN 1 ELSE 0 END),
    SUM(CASE WHEN c.rank = 1 AND a.submitted_at IS NOT NULL THEN 1 ELSE 0 END)
FROM applications AS a JOIN application_choices AS c ON c.application_id = a.id
WHERE a.status <> 'draft'
GROUP BY c.period_id, a.status
HAVING SUM(CASE WHEN c.rank = a.current_choice OR (c.rank = 1 AND a.submitted_at IS NOT NULL) THEN 1 ELSE 0 END) > 0;

-- +goose Down
DROP TRIGGER period_application_counts_update;
DROP TRIGGER period_application_counts_choice_update;
DROP TRIGGER period_application_counts_choice_delete;
DROP TRIGGER period_application_counts_choice_insert;
DROP TABLE period_application_count_marks;
DROP TABLE period_application_count_deltas;
DROP TABLE period_application_counts;
