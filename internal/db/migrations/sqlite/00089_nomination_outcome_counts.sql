-- +goose Up
-- The nomination outcomes report per elective, UTC year of nomination,
-- outcome and whole days to the host's answer, kept exact by the triggers
-- below on every write (PostgreSQL's migration says what each column
-- means). SQLite has one writer at a time: row triggers cannot deadlock
-- or race here.
CREATE TABLE nomination_outcome_counts (
    nominated_year INTEGER NOT NULL,
    elective_id    BIGINT NOT NULL,
    outcome        TEXT NOT NULL,
    answer_days    INTEGER NOT NULL,
    n              BIGINT NOT NULL,
    PRIMARY KEY (nominated_year, elective_id, outcome, answer_days)
);

-- The key of each nominated choice, written once for the triggers and the
-- back-fill. Times are text with their offset: strftime and julianday turn
-- them to UTC. julianday is counted in milliseconds, rounded so that a
-- whole number of days is not floored to one less.
CREATE VIEW nomination_outcome_keys AS
SELECT c.application_id, c.rank, c.elective_id,
       CAST(strftime('%Y', c.nominated_at) AS INTEGER) AS nominated_year,
       CASE WHEN c.host_decision IN ('accepted', 'waitlisted', 'rejected') THEN c.host_decision
            WHEN c.rank = a.current_choice AND a.status = 'nominated' THEN 'pending'
            ELSE 'cancelled' END AS outcome,
       CASE WHEN c.host_decision <> '' AND c.decided_at IS NOT NULL
            THEN MAX(0, CAST(ROUND((julianday(c.decided_at) - julianday(c.nominated_at)) * 86400000) AS INTEGER)) / 86400000
            ELSE -1 END AS answer_days
FROM application_choices AS c JOIN applications AS a ON a.id = c.application_id
WHERE c.nominated_at IS NOT NULL;

-- A changed row leaves its old key before the change (BEFORE triggers read
-- the row as it was) and joins its new key after it.
-- +goose StatementBegin
CREATE TRIGGER nomination_outcome_choices_insert AFTER INSERT ON application_choices
WHEN NEW.nominated_at IS NOT NULL
BEGIN
    INSERT INTO nomination_outcome_counts (nominated_year, elective_id, outcome, answer_days, n)
    SELECT nominated_year, elective_id, outcome, answer_days, 1 FROM nomination_outcome_keys
    WHERE application_id = NEW.application_id AND rank = NEW.rank
    ON CONFLICT (nominated_year, elective_id, outcome, answer_days) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER nomination_outcome_choices_delete BEFORE DELETE ON application_choices
WHEN OLD.nominated_at IS NOT NULL
BEGIN
    INSERT INTO nomination_outcome_counts (nominated_year, elective_id, outcome, answer_days, n)
    SELECT nominated_year, elective_id, outcome, answer_days, -1 FROM nomination_outcome_keys
    WHERE application_id = OLD.application_id AND rank = OLD.rank
    ON CONFLICT (nominated_year, elective_id, outcome, answer_days) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER nomination_outcome_choices_leave BEFORE UPDATE OF application_id, rank, elective_id, host_decision, nominated_at, decided_at
ON application_choices
WHEN OLD.nominated_at IS NOT NULL AND (OLD.application_id IS NOT NEW.application_id OR OLD.rank IS NOT NEW.rank
    OR OLD.elective_id IS NOT NEW.elective_id OR OLD.host_decision IS NOT NEW.host_decision
    OR OLD.nominated_at IS NOT NEW.nominated_at OR OLD.decided_at IS NOT NEW.decided_at)
BEGIN
    INSERT INTO nomination_outcome_counts (nominated_year, elective_id, outcome, answer_days, n)
    SELECT nominated_year, elective_id, outcome, answer_days, -1 FROM nomination_outcome_keys
    WHERE application_id = OLD.application_id AND rank = OLD.rank
    ON CONFLICT (nominated_year, elective_id, outcome, answer_days) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER nomination_outcome_choices_join AFTER UPDATE OF application_id, rank, elective_id, host_decision, nominated_at, decided_at
ON application_choices
WHEN NEW.nominated_at IS NOT NULL AND (OLD.application_id IS NOT NEW.application_id OR OLD.rank IS NOT NEW.rank
    OR OLD.elective_id IS NOT NEW.elective_id OR OLD.host_decision IS NOT NEW.host_decision
    OR OLD.nominated_at IS NOT NEW.nominated_at OR OLD.decided_at IS NOT NEW.decided_at)
BEGIN
    INSERT INTO nomination_outcome_counts (nominated_year, elective_id, outcome, answer_days, n)
    SELECT nominated_year, elective_id, outcome, answer_days, 1 FROM nomination_outcome_keys
    WHERE application_id = NEW.application_id AND rank = NEW.rank
    ON CONFLICT (nominated_year, elective_id, outcome, answer_days) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd

-- An application's status or current choice moves its unanswered
-- nominations between pending and cancelled. Its choices are inserted
-- after it and deleted before it (the foreign key): no INSERT or DELETE
-- trigger is needed here.
-- +goose StatementBegin
CREATE TRIGGER nomination_outcome_applications_leave BEFORE UPDATE OF status, current_choice ON applications
WHEN OLD.status IS NOT NEW.status OR OLD.current_choice IS NOT NEW.current_choice
BEGIN
    INSERT INTO nomination_outcome_counts (nominated_year, elective_id, outcome, answer_days, n)
    SELECT nominated_year, elective_id, outcome, answer_days, -1 FROM nomination_outcome_keys
    WHERE application_id = OLD.id AND outcome IN ('pending', 'cancelled')
    ON CONFLICT (nominated_year, elective_id, outcome, answer_days) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER nomination_outcome_applications_join AFTER UPDATE OF status, current_choice ON applications
WHEN OLD.status IS NOT NEW.status OR OLD.current_choice IS NOT NEW.current_choice
BEGIN
    INSERT INTO nomination_outcome_counts (nominated_year, elective_id, outcome, answer_days, n)
    SELECT nominated_year, elective_id, outcome, answer_days, 1 FROM nomination_outcome_keys
    WHERE application_id = NEW.id AND outcome IN ('pending', 'cancelled')
    ON CONFLICT (nominated_year, elective_id, outcome, answer_days) DO UPDATE SET n = n + excluded.n;
END;
-- +goose StatementEnd

INSERT INTO nomination_outcome_counts (nominated_year, elective_id, outcome, answer_days, n)
SELECT nominated_year, elective_id, outcome, answer_days, COUNT(*) FROM nomination_outcome_keys
GROUP BY nominated_year, elective_id, outcome, answer_days;

-- +goose Down
DROP TRIGGER nomination_outcome_applications_join;
DROP TRIGGER nomination_outcome_applications_leave;
DROP TRIGGER nomination_outcome_choices_join;
DROP TRIGGER nomination_outcome_choices_leave;
DROP TRIGGER nomination_outcome_choices_delete;
DROP TRIGGER nomination_outcome_choices_insert;
DROP VIEW nomination_outcome_keys;
DROP TABLE nomination_outcome_counts;
