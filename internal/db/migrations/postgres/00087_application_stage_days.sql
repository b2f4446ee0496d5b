-- +goose Up
-- The pipeline report's histogram (internal/report/pipeline.go): how many
-- applications of a specialty wait in a stage having arrived there on a
-- calendar day (stage_since's date in UTC), kept exact by the triggers
-- below on every write to applications, as 00008 keeps the queue's
-- counters. The report reads a few thousand of these rows instead of
-- sorting the half million waiting applications on every request; days in
-- stage are whole calendar days, today's UTC date minus since_day.
-- Only the stages the report shows are kept (report.PipelineStages; the
-- report's tests fail if the two lists part): the other stages would grow
-- a row per day and specialty that nobody reads.
-- A row that falls to 0 is deleted: a day in the past gains no arrivals,
-- so its rows would only pile up. That is safe under concurrency because
-- every increment is an INSERT ... ON CONFLICT DO UPDATE, which inserts
-- afresh when the row it waited for was deleted.
CREATE TABLE application_stage_days (
    status    TEXT NOT NULL,
    specialty TEXT NOT NULL,
    since_day DATE NOT NULL,
    n         BIGINT NOT NULL,
    PRIMARY KEY (status, specialty, since_day)
);

-- Statement-level triggers with transition tables, as in 00008: a
-- statement's changes are summed per row of the summary first and applied
-- in key order, so that two transactions moving applications in opposite
-- directions lock the same rows in the same order and wait instead of
-- deadlocking. A row is deleted only by the statement that lowered it to
-- 0, which holds its lock already.
-- (They fire after 00008's, by name, so the two tables are always locked
-- in the same order too.) The UPDATE trigger fires on every UPDATE and
-- finds nothing to do when status, specialty and the day are unchanged.
-- +goose StatementBegin
CREATE FUNCTION application_stage_days_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO application_stage_days AS c (status, specialty, since_day, n)
        SELECT status, specialty, (stage_since AT TIME ZONE 'UTC')::date, COUNT(*) FROM new_rows
        WHERE status IN ('submitted', 'department_review', 'office_review', 'nominated', 'waitlisted', 'host_accepted')
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (status, specialty, since_day) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO application_stage_days AS c (status, specialty, since_day, n)
        SELECT status, specialty, (stage_since AT TIME ZONE 'UTC')::date, -COUNT(*) FROM old_rows
        WHERE status IN ('submitted', 'department_review', 'office_review', 'nominated', 'waitlisted', 'host_accepted')
        GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (status, specialty, since_day) DO UPDATE SET n = c.n + EXCLUDED.n;
        DELETE FROM application_stage_days AS c USING old_rows AS o
        WHERE c.n = 0 AND c.status = o.status AND c.specialty = o.specialty
            AND c.since_day = (o.stage_since AT TIME ZONE 'UTC')::date;
    ELSE
        INSERT INTO application_stage_days AS c (status, specialty, since_day, n)
        SELECT status, specialty, since_day, SUM(d) FROM (
            SELECT o.status, o.specialty, (o.stage_since AT TIME ZONE 'UTC')::date AS since_day, -1 AS d
            FROM old_rows AS o JOIN new_rows AS w ON w.id = o.id
            WHERE o.status <> w.status OR o.specialty <> w.specialty OR o.stage_since <> w.stage_since
            UNION ALL
            SELECT w.status, w.specialty, (w.stage_since AT TIME ZONE 'UTC')::date, 1
            FROM old_rows AS o JOIN new_rows AS w ON w.id = o.id
            WHERE o.status <> w.status OR o.specialty <> w.specialty OR o.stage_since <> w.stage_since
        ) AS moves
        WHERE status IN ('submitted', 'department_review', 'office_review', 'nominated', 'waitlisted', 'host_accepted')
        GROUP BY 1, 2, 3 HAVING SUM(d) <> 0 ORDER BY 1, 2, 3
        ON CONFLICT (status, specialty, since_day) DO UPDATE SET n = c.n + EXCLUDED.n;
        DELETE FROM application_stage_days AS c USING old_rows AS o JOIN new_rows AS w ON w.id = o.id
        WHERE (o.status <> w.status OR o.specialty <> w.specialty OR o.stage_since <> w.stage_since)
            AND c.n = 0 AND c.status = o.status AND c.specialty = o.specialty
            AND c.since_day = (o.stage_since AT TIME ZONE 'UTC')::date;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER application_stage_days_insert AFTER INSERT ON applications
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION application_stage_days_apply();
CREATE TRIGGER application_stage_days_update AFTER UPDATE ON applications
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION application_stage_days_apply();
CREATE TRIGGER application_stage_days_delete AFTER DELETE ON applications
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION application_stage_days_apply();

-- The triggers exist before the back-fill, in the same transaction, as
-- in 00008: no write is counted twice or missed.
INSERT INTO application_stage_days (status, specialty, since_day, n)
SELECT status, specialty, (stage_since AT TIME ZONE 'UTC')::date, COUNT(*) FROM applications
WHERE status IN ('submitted', 'department_review', 'office_review', 'nominated', 'waitlisted', 'host_accepted')
GROUP BY 1, 2, 3;

-- +goose Down
DROP TRIGGER application_stage_days_delete ON applications;
DROP TRIGGER application_stage_days_update ON applications;
DROP TRIGGER application_stage_days_insert ON applications;
DROP FUNCTION application_stage_days_apply();
DROP TABLE application_stage_days;
