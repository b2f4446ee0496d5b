-- +goose Up
-- How many applications each (specialty, status) holds, kept exact by the
-- triggers below on every write to applications, whoever makes it (the
-- workflow, a bulk load, a test's INSERT): the review queue's tabs read
-- these few rows instead of counting a stage's index entries. Rows that
-- fall to 0 stay. SQLite has one writer at a time: row triggers cannot
-- deadlock here (PostgreSQL's migration says how it avoids that).
CREATE TABLE application_stage_counts (
    specialty TEXT NOT NULL,
    status    TEXT NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (specialty, status)
);

-- +goose StatementBegin
CREATE TRIGGER application_stage_counts_insert AFTER INSERT ON applications
BEGIN
    INSERT INTO application_stage_counts (specialty, status, n) VALUES (NEW.specialty, NEW.status, 1)
    ON CONFLICT (specialty, status) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER application_stage_counts_update AFTER UPDATE OF status, specialty ON applications
WHEN OLD.status IS NOT NEW.status OR OLD.specialty IS NOT NEW.specialty
BEGIN
    UPDATE application_stage_counts SET n = n - 1 WHERE specialty = OLD.specialty AND status = OLD.status;
    INSERT INTO application_stage_counts (specialty, status, n) VALUES (NEW.specialty, NEW.status, 1)
    ON CONFLICT (specialty, status) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER application_stage_counts_delete AFTER DELETE ON applications
BEGIN
    UPDATE application_stage_counts SET n = n - 1 WHERE specialty = OLD.specialty AND status = OLD.status;
END;
-- +goose StatementEnd

INSERT INTO application_stage_counts (specialty, status, n)
SELECT specialty, status, COUNT(*) FROM applications GROUP BY specialty, status;

-- +goose Down
DROP TRIGGER application_stage_counts_delete;
DROP TRIGGER application_stage_counts_update;
DROP TRIGGER application_stage_counts_insert;
DROP TABLE application_stage_counts;
