-- +goose Up
-- The pipeline report's histogram (internal/report/pipeline.go): how many
-- applications of a specialty wait in a stage having arrived there on a
-- calendar day (stage_since's date in UTC), kept exact by the triggers
-- below on every write to applications, as 00008 keeps the queue's
-- counters. Only the stages the report shows are kept
-- (report.PipelineStages), and a row that falls to 0 is deleted: a day in
-- the past gains no arrivals. SQLite has one writer at a time: row
-- triggers cannot deadlock here (PostgreSQL's migration says how it
-- avoids that). date() reads the zone a stored time carries and gives the
-- UTC date, as PostgreSQL's AT TIME ZONE 'UTC' does.
CREATE TABLE application_stage_days (
    status    TEXT NOT NULL,
    specialty TEXT NOT NULL,
    since_day DATE NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (status, specialty, since_day)
);

-- +goose StatementBegin
CREATE TRIGGER application_stage_days_insert AFTER INSERT ON applications
WHEN NEW.status IN ('submitted', 'department_review', 'office_review', 'nominated', 'waitlisted', 'host_accepted')
BEGIN
    INSERT INTO application_stage_days (status, specialty, since_day, n)
    VALUES (NEW.status, NEW.specialty, date(NEW.stage_since), 1)
    ON CONFLICT (status, specialty, since_day) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER application_stage_days_update AFTER UPDATE OF status, specialty, stage_since ON applications
WHEN (OLD.status IN ('submitted', 'department_review', 'office_review', 'nominated', 'waitlisted', 'host_accepted')
    OR NEW.status IN ('submitted', 'department_review', 'office_review', 'nominated', 'waitlisted', 'host_accepted'))
    AND (OLD.status IS NOT NEW.status OR OLD.specialty IS NOT NEW.specialty OR date(OLD.stage_since) IS NOT date(NEW.stage_since))
BEGIN
    UPDATE application_stage_days SET n = n - 1
    WHERE status = OLD.status AND specialty = OLD.specialty AND since_day = date(OLD.stage_since);
    DELETE FROM application_stage_days
    WHERE status = OLD.status AND specialty = OLD.specialty AND since_day = date(OLD.stage_since) AND n = 0;
    INSERT INTO application_stage_days (status, specialty, since_day, n)
    SELECT NEW.status, NEW.specialty, date(NEW.stage_since), 1
    WHERE NEW.status IN ('submitted', 'department_review', 'office_review', 'nominated', 'waitlisted', 'host_accepted')
    ON CONFLICT (status, specialty, since_day) DO UPDATE SET n = n + 1;
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER application_stage_days_delete AFTER DELETE ON applications
WHEN OLD.status IN ('submitted', 'department_review', 'office_review', 'nominated', 'waitlisted', 'host_accepted')
BEGIN
    UPDATE application_stage_days SET n = n - 1
    WHERE status = OLD.status AND specialty = OLD.specialty AND since_day = date(OLD.stage_since);
    DELETE FROM application_stage_days
    WHERE status = OLD.status AND specialty = OLD.specialty AND since_day = date(OLD.stage_since) AND n = 0;
END;
-- +goose StatementEnd

INSERT INTO application_stage_days (status, specialty, since_day, n)
SELECT status, specialty, date(stage_since), COUNT(*) FROM applications
WHERE status IN ('submitted', 'department_review', 'office_review', 'nominated', 'waitlisted', 'host_accepted')
GROUP BY 1, 2, 3;

-- +goose Down
DROP TRIGGER application_stage_days_delete;
DROP TRIGGER application_stage_days_update;
DROP TRIGGER application_stage_days_insert;
DROP TABLE application_stage_days;
